"""Saved cards for 自動決済 end to end: real simulator, real SMTP server, SQLite and PostgreSQL.

The patient saves a card on the checkout page (token 3-D Secure, then the link is paid with it);
later 後決済請求 / 事前決済 charge it at once, or fall back to the e-mailed link and say why.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desktop.domain.billing import AttemptStatus, BillingState
from desktop.domain.errors import PaymentError, ServiceUnavailableError
from desktop.domain.staff import PermissionDeniedError
from desktop.domain.saved_cards import CONSENT_VERSION, consent_text
from desktop.services.directory import ClinicUpdate, DirectoryService
from desktop.simulator import tds
from desktop.services.billing import DEFAULT_MESSAGE
from desktop.services.billing.common import AUTO_CHARGE_MESSAGE, PRE_PAYMENT_AUTO_CHARGE_MESSAGE, PRE_PAYMENT_MESSAGE
from desktop.storage.orm import AuditEvent, BillingRequest, Patient, PaymentAttempt, SavedCard
from tests.integration.conftest import Desk


def _tds_token(desk: Desk, number: str = "4242424242424242", *, authenticate: bool = True) -> str:
    """A token made with token 3-D Secure, the cardholder's answer given on the challenge page."""
    token = desk.token(number, three_d_secure=True)
    tds.record_result(desk.sim.state, token, authenticate)
    return token


def _save_on_checkout(desk: Desk, number: str = "4242424242424242", amount: int = 1200) -> str:
    """The patient pays a link with 「このカードを次回以降のお支払いに利用する」 ticked; returns the link."""
    f = desk.front
    desk.billing.request_payment(f.reservation_id, f.staff, amount, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    outcome = desk.billing.pay_and_save(link, _tds_token(desk, number), consent_version=CONSENT_VERSION)
    assert outcome.state is BillingState.PAID
    return link


def _later_visit(desk: Desk) -> int:
    """Another reservation of the same patient: a visit holds one open billing request at a time."""
    f = desk.front
    return DirectoryService(desk.db).create_reservation(f.staff, f.clinic_id, patient_id=f.patient_id,
                                                        menu_id=f.menu_id, starts_at=desk.clock())


def _auto_charge_on(desk: Desk, **more: object) -> None:
    DirectoryService(desk.db).update_clinic(desk.front.manager, desk.front.clinic_id,
                                            ClinicUpdate(auto_charge=True, **more))  # type: ignore[arg-type]


def _saved(desk: Desk) -> SavedCard | None:
    with desk.db.uow(readonly=True) as uow:
        return uow.session.scalars(select(SavedCard)).first()


def _customer(desk: Desk) -> str | None:
    with desk.db.uow(readonly=True) as uow:
        patient = uow.session.get(Patient, desk.front.patient_id)
        assert patient is not None
        return patient.payjp_customer_id


def _subjects(desk: Desk) -> list[str]:
    return [str(m["Subject"]) for m in desk.deliver()]


def test_saving_with_consent_records_it_and_a_later_request_is_charged_with_no_link(desk: Desk) -> None:
    f = desk.front
    link = _save_on_checkout(desk)
    card = _saved(desk)
    assert card is not None
    assert (card.brand, card.last4, card.exp_month) == ("Visa", "4242", 12)
    assert card.consent_version == CONSENT_VERSION and card.consent_at == desk.clock()
    assert card.consent_request_id == desk.billing.open_link(link).request_id
    charges = desk.charges()
    assert len(charges) == 1 and charges[0]["customer"] == card.customer_id
    assert charges[0]["tenant"] is not None  # the clinic's tenant on the charge of the saved card
    view = desk.billing.saved_cards.card_of(f.staff, f.patient_id)
    assert view is not None and view.label == "VISA •••• 4242" and view.expiry.startswith("12/")
    assert "やまだ内科クリニック" in consent_text(view.consent_version, view.clinic_name)
    _subjects(desk)

    _auto_charge_on(desk)
    later = _later_visit(desk)
    plan = desk.billing.saved_cards.plan(f.staff, later, 3300)
    assert plan.charge_now and plan.card is not None and plan.card.label == "VISA •••• 4242"
    outcome = desk.billing.request_payment(later, f.staff, 3300, "taxable")
    assert outcome.auto_charged and outcome.state is BillingState.PAID
    assert len(desk.charges()) == 2 and desk.charges()[0]["amount"] == 3300
    new = _subjects(desk)[-1]
    assert "領収" in new  # a receipt, no second payment link
    with desk.db.uow(readonly=True) as uow:
        saved = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "card_saved")).all()
    assert len(saved) == 1 and saved[0].actor == "patient"
    assert "4242424242424242" not in str(saved[0].after)


def test_token_without_finished_three_d_secure_saves_nothing(desk: Desk) -> None:
    f = desk.front
    desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    unfinished = desk.token(three_d_secure=True)  # the patient closed PAY.JP's dialog
    with pytest.raises(PaymentError):
        desk.billing.pay_and_save(link, unfinished)
    failed = _tds_token(desk, authenticate=False)
    with pytest.raises(PaymentError) as info:
        desk.billing.pay_and_save(link, failed)
    assert info.value.code == "three_d_secure_failed"
    assert _saved(desk) is None and _customer(desk) is None and desk.charges() == []
    plain = desk.token()  # no 3-D Secure at all: PAY.JP refuses tds_finish, nothing is saved
    with pytest.raises(PaymentError):
        desk.billing.pay_and_save(link, plain)
    assert _saved(desk) is None


def test_a_card_declined_when_saving_is_not_kept(desk: Desk) -> None:
    f = desk.front
    desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    with pytest.raises(PaymentError) as info:
        desk.billing.pay_and_save(link, _tds_token(desk, "4000000000080319"))
    assert info.value.code == "card_declined"
    assert _saved(desk) is None and _customer(desk) is None
    assert desk.billing.pay_with_token(link, desk.token()).state is BillingState.PAID


@pytest.mark.parametrize("number, code", [("4000000000080319", "card_declined"),
                                          ("4000000000004012", "expired_card")])
def test_declined_or_expired_saved_card_falls_back_to_the_link(desk: Desk, number: str, code: str) -> None:
    f = desk.front
    _save_on_checkout(desk)
    _subjects(desk)
    # the card stops working later (the simulator's test card of that behaviour, saved directly)
    customer = desk.gateway.create_customer(card_token=desk.token(number), email=None, patient_id=f.patient_id)
    DirectoryService(desk.db).set_patient_customer(f.patient_id, customer)
    _auto_charge_on(desk)
    outcome = desk.billing.request_payment(_later_visit(desk), f.staff, 1500, "taxable")
    assert not outcome.auto_charged and outcome.state is BillingState.REQUESTED
    assert outcome.auto_charge_error is not None and outcome.auto_charge_error.code == code
    assert "お支払いのお願い" in _subjects(desk)[-1]


def test_default_message_says_the_saved_card_is_charged_and_the_link_mail_asks_for_the_link(desk: Desk) -> None:
    f = desk.front
    _save_on_checkout(desk)
    _auto_charge_on(desk)
    charged = desk.billing.request_payment(_later_visit(desk), f.staff, 1500, "taxable", DEFAULT_MESSAGE)
    assert charged.auto_charged and _message(desk, charged.request_id) == AUTO_CHARGE_MESSAGE
    # the saved card stops working: the link mailed instead asks to pay by it, and the request says so
    customer = desk.gateway.create_customer(card_token=desk.token("4000000000080319"), email=None,
                                            patient_id=f.patient_id)
    DirectoryService(desk.db).set_patient_customer(f.patient_id, customer)
    fallback = desk.billing.request_payment(_later_visit(desk), f.staff, 1500, "taxable", DEFAULT_MESSAGE)
    assert not fallback.auto_charged and _message(desk, fallback.request_id) == DEFAULT_MESSAGE
    body = desk.deliver()[-1].get_body(preferencelist=("plain",)).get_content()
    assert DEFAULT_MESSAGE in body and AUTO_CHARGE_MESSAGE not in body
    typed = desk.billing.request_payment(_later_visit(desk), f.staff, 1500, "taxable", "お大事になさってください")
    assert _message(desk, typed.request_id) == "お大事になさってください"  # staff's words, never changed


def _message(desk: Desk, request_id: int) -> str:
    with desk.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None
        return req.message


def test_card_removed_at_payjp_falls_back_to_the_link(desk: Desk) -> None:
    f = desk.front
    _save_on_checkout(desk)
    _subjects(desk)
    card = _saved(desk)
    assert card is not None
    assert desk.gateway.delete_customer(card.customer_id)  # removed at PAY.JP (e.g. from its dashboard)
    _auto_charge_on(desk)
    outcome = desk.billing.request_payment(_later_visit(desk), f.staff, 1500, "taxable")
    assert not outcome.auto_charged and outcome.state is BillingState.REQUESTED
    assert outcome.auto_charge_error is not None and outcome.auto_charge_error.code == "saved_card_missing"
    assert "お支払いのお願い" in _subjects(desk)[-1]
    # staff no longer see a card PAY.JP does not have, and the next request goes by link at once
    assert _saved(desk) is None and _customer(desk) is None
    assert desk.billing.saved_cards.card_of(f.staff, f.patient_id) is None
    with desk.db.uow(readonly=True) as uow:
        removed = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "card_removed")).all()
    assert [e.actor for e in removed] == ["payjp"]


def test_over_the_cap_a_link_is_sent_and_says_why(desk: Desk) -> None:
    f = desk.front
    _save_on_checkout(desk)
    _subjects(desk)
    _auto_charge_on(desk)
    later = _later_visit(desk)
    plan = desk.billing.saved_cards.plan(f.staff, later, 500_000)
    assert not plan.charge_now and plan.reason == "auto_charge_over_cap" and plan.cap == 100_000
    outcome = desk.billing.request_payment(later, f.staff, 500_000, "taxable")
    assert not outcome.auto_charged and outcome.state is BillingState.REQUESTED
    assert outcome.auto_charge_error is not None
    assert outcome.auto_charge_error.message("ja") == \
        "請求額が自動決済の上限額（¥100,000）を超えるため、お支払いのお願いをメールで送りました。"
    assert "100,000" in outcome.auto_charge_error.message("en")
    assert len(desk.charges()) == 1  # only the first payment
    assert "お支払いのお願い" in _subjects(desk)[-1]
    # the cap is the clinic's setting
    _auto_charge_on(desk, auto_charge_cap=600_000)
    assert desk.billing.request_payment(_later_visit(desk), f.staff, 500_000, "taxable").auto_charged


def test_removal_deletes_at_payjp_audits_and_tells_the_patient(desk: Desk) -> None:
    f = desk.front
    _save_on_checkout(desk)
    _subjects(desk)
    card = _saved(desk)
    assert card is not None
    with pytest.raises(PermissionDeniedError):
        desk.billing.saved_cards.remove_card(f.accountant, f.patient_id)
    assert _saved(desk) is not None
    desk.billing.saved_cards.remove_card(f.staff, f.patient_id)
    assert _saved(desk) is None and _customer(desk) is None
    assert not desk.gateway.delete_customer(card.customer_id)  # gone at PAY.JP already
    with desk.db.uow(readonly=True) as uow:
        removed = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "card_removed")).all()
    assert len(removed) == 1 and removed[0].staff_id == f.staff.staff_id
    mail = desk.deliver()[-1]
    assert "カード登録削除" in str(mail["Subject"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "VISA •••• 4242" in text and "4242424242424242" not in text
    _auto_charge_on(desk)
    outcome = desk.billing.request_payment(_later_visit(desk), f.staff, 1500, "taxable")
    assert not outcome.auto_charged and outcome.auto_charge_error is None  # a link, as for anyone


def test_removal_when_payjp_is_unreachable_keeps_the_card(desk: Desk) -> None:
    f = desk.front
    _save_on_checkout(desk)
    desk.sim.state.faults.fail_next(3, status=500, method="DELETE", path_prefix="/v1/customers")
    with pytest.raises(ServiceUnavailableError):
        desk.billing.saved_cards.remove_card(f.manager, f.patient_id)
    assert _saved(desk) is not None and _customer(desk) is not None


def test_lost_answer_to_the_saved_card_charge_never_charges_twice(desk: Desk) -> None:
    f = desk.front
    _save_on_checkout(desk)
    _subjects(desk)
    _auto_charge_on(desk)
    desk.sim.state.faults.drop_next(1, method="POST", path_prefix="/v1/charges")
    outcome = desk.billing.request_payment(_later_visit(desk), f.staff, 2200, "taxable")
    assert outcome.auto_charged and outcome.state is BillingState.PAID
    assert [c["amount"] for c in desk.charges()] == [2200, 1200]
    with desk.db.uow(readonly=True) as uow:
        attempts = uow.session.scalars(select(PaymentAttempt).where(PaymentAttempt.amount == 2200)).all()
    assert [a.status for a in attempts] == [AttemptStatus.SUCCEEDED]


def test_pre_payment_at_booking_follows_the_same_rules(desk: Desk) -> None:
    import datetime as dt

    from desktop.domain.clinic import PaymentTiming
    from desktop.services.booking import BookingService
    from desktop.services.directory import MenuInput

    f = desk.front
    _save_on_checkout(desk)
    _subjects(desk)
    _auto_charge_on(desk, auto_charge_cap=5000)
    directory = DirectoryService(desk.db)
    booking = BookingService(desk.db, directory, desk.billing)
    when = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.timezone.utc)
    small = directory.save_menu(f.manager, f.clinic_id, MenuInput(name="オンライン診療 (事前決済)", price=3300,
                                                        payment_timing=PaymentTiming.PRE))
    booked = booking.book(f.clinic_id, f.staff, patient_id=f.patient_id, menu_id=small, starts_at=when)
    assert booked.pre_payment is not None and booked.pre_payment.auto_charged
    assert booked.pre_payment.state is BillingState.PAID and desk.charges()[0]["amount"] == 3300
    assert "領収" in _subjects(desk)[-1]
    # no link was mailed: the default 伝達事項 says the saved card was used, not to pay by the link
    assert _message(desk, booked.pre_payment.request_id) == PRE_PAYMENT_AUTO_CHARGE_MESSAGE
    large = directory.save_menu(f.manager, f.clinic_id, MenuInput(name="自由診療 (事前決済)", price=55000,
                                                        payment_timing=PaymentTiming.PRE))
    over = booking.book(f.clinic_id, f.staff, patient_id=f.patient_id, menu_id=large, starts_at=when)
    assert over.pre_payment is not None and not over.pre_payment.auto_charged
    assert over.pre_payment.auto_charge_error is not None
    assert over.pre_payment.auto_charge_error.code == "auto_charge_over_cap"
    assert _message(desk, over.pre_payment.request_id) == PRE_PAYMENT_MESSAGE  # the link mailed: pay by it
    assert "お支払いのお願い" in _subjects(desk)[-1]
    assert len(desk.charges()) == 2


def test_a_late_success_of_the_saved_card_keeps_the_link_the_patient_is_paying_with(desk: Desk) -> None:
    """The saved card was declined, so the patient got the link and is paying with it (3-D Secure under way);
    then PAY.JP reports the saved card's charge as gone through after all. The request is paid, and the
    patient's link keeps working (it shows the request paid): the receipt does not replace it."""
    from desktop.domain.billing import AttemptMethod
    from desktop.services.billing.common import LinkStatus
    from desktop.services.payjp_gateway import ChargeInfo

    f = desk.front
    _save_on_checkout(desk)
    customer = desk.gateway.create_customer(card_token=desk.token("4000000000080319"), email=None,
                                            patient_id=f.patient_id)
    DirectoryService(desk.db).set_patient_customer(f.patient_id, customer)
    _auto_charge_on(desk)
    outcome = desk.billing.request_payment(_later_visit(desk), f.staff, 1500, "taxable")
    assert not outcome.auto_charged
    desk.deliver()
    link = desk.link_from_last_mail()
    waiting = desk.billing.pay_with_token(link, desk.token(), three_d_secure=True)
    assert waiting.requires_three_d_secure and waiting.state is BillingState.PROCESSING
    with desk.db.uow(readonly=True) as uow:
        declined = uow.session.scalars(select(PaymentAttempt).where(
            PaymentAttempt.billing_request_id == outcome.request_id,
            PaymentAttempt.method == AttemptMethod.SAVED_CARD)).one()
        assert declined.status is AttemptStatus.FAILED
    late = ChargeInfo(id="ch_late_success", amount=1500, paid=True, captured=True, refunded=False, amount_refunded=0,
                      created=0, card_brand="Visa", card_last4="0319", three_d_secure_status=None, failure_code=None,
                      failure_message=None, tenant=None, metadata={})
    desk.billing.payments.recorder.apply_charge(declined.id, late)
    view = desk.billing.open_link(link)
    assert view.status is LinkStatus.PAID and view.request_id == outcome.request_id
