"""The core billing engine end to end: real simulator, real SMTP server, SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from desktop.domain.billing import AttemptStatus, BillingState, RefundStatus
from desktop.domain.errors import OutcomeUnknownError, PaymentError, StateError, ValidationError
from desktop.services.billing import DEFAULT_MESSAGE, LinkStatus
from desktop.storage.orm import AuditEvent, BillingRequest, OutboxMail, PaymentAttempt, Refund
from tests.integration.conftest import Desk


def _request(desk: Desk, request_id: int) -> BillingRequest:
    with desk.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None
        return req


def _count(desk: Desk, model: type) -> int:
    with desk.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_request_mail_pay_and_refund_in_two_steps(desk: Desk) -> None:
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, "1200", "taxable", DEFAULT_MESSAGE)
    assert outcome.state is BillingState.REQUESTED

    mails = desk.deliver()
    assert len(mails) == 1
    request_mail = mails[0]
    assert request_mail["To"].addresses[0].addr_spec == "hanako@example.jp"
    assert request_mail["From"].addresses[0].display_name == "やまだ内科クリニック"
    body = request_mail.get_body(preferencelist=("plain",)).get_content()
    assert body.index("山田 花子 様") < body.index("やまだ内科クリニックです。") < body.index(DEFAULT_MESSAGE)
    assert "¥1,200" in body and "問診票.pdf" in body
    raw_link = desk.link_from_last_mail()
    assert desk.billing.open_link(raw_link).status == LinkStatus.PAYABLE

    paid = desk.billing.pay_with_token(raw_link, desk.token())
    assert paid.state is BillingState.PAID
    req = _request(desk, outcome.request_id)
    assert req.state is BillingState.PAID and req.paid_at is not None
    assert (req.card_brand, req.card_last4) == ("Visa", "4242")
    charges = desk.charges()
    assert len(charges) == 1
    assert charges[0]["amount"] == 1200 and charges[0]["id"] == req.charge_id
    assert charges[0]["metadata"]["clinicpay_attempt"] == paid.attempt_id
    assert desk.billing.open_link(raw_link).status == LinkStatus.PAID

    receipt = desk.deliver()[-1]
    assert "領収" in str(receipt["Subject"])
    receipt_text = receipt.get_body(preferencelist=("plain",)).get_content()
    assert f"/pay/{raw_link}/receipt" in receipt_text and "4242" in receipt_text
    assert "4242424242424242" not in receipt_text

    part = desk.billing.refund(outcome.request_id, f.manager, amount="200", reason="一部返金（窓口で調整）")
    assert part.state is BillingState.PARTIALLY_REFUNDED and part.refunded_total == 200
    rest = desk.billing.refund(outcome.request_id, f.manager, reason="診療取消")
    assert rest.amount == 1000 and rest.state is BillingState.REFUNDED
    assert desk.charges()[0]["amount_refunded"] == 1200
    assert desk.charges()[0]["refunded"] is True
    req = _request(desk, outcome.request_id)
    assert (req.state, req.refunded_amount) == (BillingState.REFUNDED, 1200)
    subjects = [str(m["Subject"]) for m in desk.deliver()]
    assert sum("返金" in s for s in subjects) == 2

    with pytest.raises(StateError) as info:
        desk.billing.refund(outcome.request_id, f.manager)
    assert "返金できません" in info.value.message("ja")

    with desk.db.uow(readonly=True) as uow:
        actions = uow.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "billing_request")
                                      .order_by(AuditEvent.id)).all()
    assert actions == ["request_created", "payment_started", "payment_succeeded", "refund_started",
                       "refund_succeeded", "refund_started", "refund_succeeded"]


def test_cancelled_link_is_refused_and_the_re_request_pays(desk: Desk) -> None:
    f = desk.front
    first = desk.billing.request_payment(f.reservation_id, f.staff, 3300, "taxable")
    desk.deliver()
    old_link = desk.link_from_last_mail()
    desk.billing.cancel_request(first.request_id, f.staff)
    assert desk.billing.open_link(old_link).status == LinkStatus.CANCELLED
    with pytest.raises(StateError) as info:
        desk.billing.pay_with_token(old_link, desk.token())
    assert info.value.code == "link_cancelled"
    with pytest.raises(StateError):
        desk.billing.cancel_request(first.request_id, f.staff)  # a second cancel

    second = desk.billing.re_request(first.request_id, f.staff)
    assert second.request_id != first.request_id
    mails = desk.deliver()
    assert len(mails) == 2
    new_link = desk.link_from_last_mail()
    assert new_link != old_link
    assert desk.billing.pay_with_token(new_link, desk.token()).state is BillingState.PAID
    assert _request(desk, first.request_id).state is BillingState.CANCELLED
    assert _request(desk, first.request_id).replaced_by_id == second.request_id
    assert len(desk.charges()) == 1


def test_declined_card_leaves_the_request_payable_with_the_reason(desk: Desk) -> None:
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    with pytest.raises(PaymentError) as info:
        desk.billing.pay_with_token(link, desk.token("4000000000080319"))
    assert info.value.payjp_code == "card_declined"
    assert "カードが利用できませんでした" in info.value.message("ja")
    req = _request(desk, outcome.request_id)
    assert (req.state, req.last_failure_code, req.paid_at) == (BillingState.REQUESTED, "card_declined", None)
    with desk.db.uow(readonly=True) as uow:
        attempt = uow.session.scalars(select(PaymentAttempt)).one()
    assert attempt.status is AttemptStatus.FAILED and attempt.failure_code == "card_declined"

    assert desk.billing.pay_with_token(link, desk.token()).state is BillingState.PAID  # the patient retries


def test_lost_charge_answer_is_found_not_charged_again(desk: Desk) -> None:
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    desk.sim.state.faults.drop_next(1, method="POST", path_prefix="/v1/charges")
    paid = desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    assert paid.state is BillingState.PAID
    assert len(desk.charges()) == 1
    assert _request(desk, outcome.request_id).charge_id == desk.charges()[0]["id"]
    with desk.db.uow(readonly=True) as uow:
        statuses = uow.session.scalars(select(PaymentAttempt.status)).all()
    assert statuses == [AttemptStatus.SUCCEEDED]


def test_lost_refund_answer_is_found_not_refunded_again(desk: Desk) -> None:
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 5000, "non_taxable")
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    charge_id = desk.charges()[0]["id"]
    desk.sim.state.faults.drop_next(1, method="POST", path_prefix=f"/v1/charges/{charge_id}/refund")
    result = desk.billing.refund(outcome.request_id, f.manager, amount=2000, reason="一部返金")
    assert result.refunded_total == 2000
    assert desk.charges()[0]["amount_refunded"] == 2000
    with desk.db.uow(readonly=True) as uow:
        refunds = uow.session.scalars(select(Refund)).all()
    assert [(r.amount, r.status) for r in refunds] == [(2000, RefundStatus.SUCCEEDED)]
    assert _request(desk, outcome.request_id).state is BillingState.PARTIALLY_REFUNDED


def test_saved_card_is_charged_at_once_and_once_even_when_the_answer_is_lost(desk: Desk) -> None:
    f = desk.front
    customer = desk.gateway.create_customer(card_token=desk.token(), email="hanako@example.jp", patient_id=f.patient_id)
    from desktop.services.directory import ClinicUpdate, DirectoryService

    DirectoryService(desk.db).set_patient_customer(f.patient_id, customer)
    DirectoryService(desk.db).update_clinic(f.manager, f.clinic_id, ClinicUpdate(auto_charge=True))
    desk.sim.state.faults.drop_next(1, method="POST", path_prefix="/v1/charges")
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 2200, "taxable")
    assert outcome.auto_charged and outcome.state is BillingState.PAID
    charges = desk.charges()
    assert len(charges) == 1 and charges[0]["customer"] == customer and charges[0]["amount"] == 2200
    subjects = [str(m["Subject"]) for m in desk.deliver()]
    assert len(subjects) == 1 and "領収" in subjects[0]  # a receipt, no payment link


def test_declined_saved_card_falls_back_to_the_emailed_link(desk: Desk) -> None:
    f = desk.front
    customer = desk.gateway.create_customer(card_token=desk.token("4000000000080319"), email=None, patient_id=f.patient_id)
    from desktop.services.directory import ClinicUpdate, DirectoryService

    DirectoryService(desk.db).set_patient_customer(f.patient_id, customer)
    DirectoryService(desk.db).update_clinic(f.manager, f.clinic_id, ClinicUpdate(auto_charge=True))
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    assert not outcome.auto_charged and outcome.state is BillingState.REQUESTED
    assert outcome.auto_charge_error is not None and outcome.auto_charge_error.code == "card_declined"
    mails = desk.deliver()
    assert len(mails) == 1 and "お支払いのお願い" in str(mails[0]["Subject"])
    assert desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token()).state is BillingState.PAID


def test_server_error_on_charge_waits_then_lets_the_patient_pay(desk: Desk) -> None:
    """A 500 may hide a charge: the request stays 処理中 until the look-up is sure."""
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    desk.sim.state.faults.fail_next(1, status=500, method="POST", path_prefix="/v1/charges")
    with pytest.raises(OutcomeUnknownError):
        desk.billing.pay_with_token(link, desk.token())
    assert desk.billing.open_link(link).status == LinkStatus.PROCESSING
    with pytest.raises(StateError):
        desk.billing.pay_with_token(link, desk.token())  # no second charge while unknown
    desk.clock.advance(minutes=3)
    desk.billing.reconcile_pending()
    assert _request(desk, outcome.request_id).state is BillingState.REQUESTED
    assert desk.billing.pay_with_token(link, desk.token()).state is BillingState.PAID
    assert len(desk.charges()) == 1


def test_rate_limited_calls_are_retried_with_backoff(desk: Desk) -> None:
    f = desk.front
    desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    desk.sim.state.faults.fail_next(2, status=429, method="POST", path_prefix="/v1/charges")
    assert desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token()).state is BillingState.PAID
    assert len(desk.charges()) == 1


def test_two_tabs_paying_at_once_make_one_charge(desk: Desk) -> None:
    f = desk.front
    desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    tokens = [desk.token(), desk.token("5555555555554444")]
    desk.sim.state.faults.add_latency(0.3, method="POST", path_prefix="/v1/charges")
    results: list[object] = []
    barrier = threading.Barrier(2)

    def pay(token: str) -> None:
        barrier.wait()
        try:
            results.append(desk.billing.pay_with_token(link, token).state)
        except StateError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=pay, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results)) == sorted([str(BillingState.PAID), "request_processing"])
    assert len(desk.charges()) == 1


def test_two_pcs_refunding_at_once_refund_once(desk: Desk) -> None:
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    desk.sim.state.faults.add_latency(0.3, method="POST", path_prefix="/v1/charges/")
    results: list[str] = []
    barrier = threading.Barrier(2)

    def refund() -> None:
        barrier.wait()
        try:
            results.append(desk.billing.refund(outcome.request_id, f.manager).state.value)
        except StateError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refund_in_progress", "refunded"]
    assert desk.charges()[0]["amount_refunded"] == 1200


def test_bad_input_changes_nothing(desk: Desk) -> None:
    f = desk.front
    audit_before = _count(desk, AuditEvent)
    for amount in ("1", "12.5", "10000000", "abc"):
        with pytest.raises(ValidationError):
            desk.billing.request_payment(f.reservation_id, f.staff, amount, "taxable")
    with pytest.raises(ValidationError):
        desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable", "あ" * 1001)
    assert (_count(desk, BillingRequest), _count(desk, OutboxMail), _count(desk, AuditEvent)) == (0, 0, audit_before)

    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    with pytest.raises(StateError):
        desk.billing.refund(outcome.request_id, f.manager)  # unpaid
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    with pytest.raises(ValidationError) as info:
        desk.billing.refund(outcome.request_id, f.manager, amount=1201)
    assert "¥1,200" in info.value.message("ja")
    with pytest.raises(ValidationError):
        desk.billing.refund(outcome.request_id, f.manager, reason="x" * 256)
    desk.clock.advance(days=181)
    with pytest.raises(StateError) as limit:
        desk.billing.refund(outcome.request_id, f.manager)
    assert limit.value.code == "refund_limit_exceeded"
    assert _count(desk, Refund) == 0
    assert _request(desk, outcome.request_id).state is BillingState.PAID
    assert desk.charges()[0]["amount_refunded"] == 0


def test_patient_without_email_cannot_be_billed(db, sim, clock) -> None:  # type: ignore[no-untyped-def]
    from desktop.services.billing import BillingService
    from tests.integration.seed import seed_front_desk

    front = seed_front_desk(db, email=None)
    billing = BillingService(db, lambda clinic: None, clock=clock)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValidationError) as info:
        billing.request_payment(front.reservation_id, front.staff, 1200, "taxable")
    assert info.value.code == "email_missing"


def test_forged_and_expired_links(desk: Desk) -> None:
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    assert len(link) >= 43  # 256 bits, base64url
    forged = link[:-2] + ("AA" if not link.endswith("AA") else "BB")
    assert desk.billing.open_link(forged).status == LinkStatus.UNKNOWN
    assert desk.billing.open_link("../../etc/passwd").status == LinkStatus.UNKNOWN
    with desk.db.uow(readonly=True) as uow:
        stored = uow.session.scalars(select(BillingRequest.link_token_hash)).one()
    assert link not in stored and len(stored) == 64

    desk.clock.advance(days=7, minutes=1)
    assert desk.billing.open_link(link).status == LinkStatus.EXPIRED
    with pytest.raises(StateError) as info:
        desk.billing.pay_with_token(link, desk.token())
    assert info.value.code == "link_expired"
    assert desk.billing.expire_overdue() == 1
    assert _request(desk, outcome.request_id).state is BillingState.EXPIRED
    assert desk.charges() == []


def test_re_request_with_bad_input_leaves_the_old_link_working(desk: Desk) -> None:
    f = desk.front
    first = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    with pytest.raises(ValidationError):
        desk.billing.re_request(first.request_id, f.staff, amount="30")
    assert desk.billing.open_link(link).status == LinkStatus.PAYABLE
    assert _count(desk, BillingRequest) == 1
    second = desk.billing.re_request(first.request_id, f.staff, amount="1,500", message="金額を訂正しました")
    assert desk.billing.open_link(link).status == LinkStatus.CANCELLED
    assert _request(desk, second.request_id).amount == 1500
    body = desk.deliver()[-1].get_body(preferencelist=("plain",)).get_content()
    assert "¥1,500" in body and "金額を訂正しました" in body


def test_unanswered_saved_card_charge_ends_with_a_link_by_mail(desk: Desk) -> None:
    from desktop.services.directory import ClinicUpdate, DirectoryService

    f = desk.front
    customer = desk.gateway.create_customer(card_token=desk.token(), email=None, patient_id=f.patient_id)
    DirectoryService(desk.db).set_patient_customer(f.patient_id, customer)
    DirectoryService(desk.db).update_clinic(f.manager, f.clinic_id, ClinicUpdate(auto_charge=True))
    desk.sim.state.faults.fail_next(1, status=500, method="POST", path_prefix="/v1/charges")
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    assert outcome.state is BillingState.PROCESSING and isinstance(outcome.auto_charge_error, OutcomeUnknownError)
    assert desk.deliver() == []  # nothing to tell the patient yet
    desk.clock.advance(minutes=3)
    desk.billing.reconcile_pending()
    mails = desk.deliver()
    assert len(mails) == 1 and "お支払いのお願い" in str(mails[0]["Subject"])
    assert desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token()).state is BillingState.PAID
    assert len(desk.charges()) == 1


def test_pre_payment_requests_the_menu_price_only_for_pre_payment_menus(desk: Desk) -> None:
    from desktop.domain.clinic import PaymentTiming
    from desktop.services.directory import DirectoryService, MenuInput

    f = desk.front
    with pytest.raises(StateError) as info:
        desk.billing.request_pre_payment(f.reservation_id, f.staff)  # the seeded menu is 後決済 only
    assert "事前決済" in info.value.message("ja")
    directory = DirectoryService(desk.db)
    menu_id = directory.save_menu(f.manager, f.clinic_id, MenuInput(name="オンライン診療 (事前決済)", price=3300,
                                                         payment_timing=PaymentTiming.PRE,
                                                         confirmation_message="予約時にお支払いください。"))
    import datetime as dt

    reservation = directory.create_reservation(f.staff, f.clinic_id, patient_id=f.patient_id, menu_id=menu_id,
                                               starts_at=dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.timezone.utc))
    outcome = desk.billing.request_pre_payment(reservation, f.staff)
    assert _request(desk, outcome.request_id).amount == 3300
    body = desk.deliver()[-1].get_body(preferencelist=("plain",)).get_content()
    assert "予約時にお支払いください。" in body and "¥3,300" in body
    with pytest.raises(StateError):
        desk.billing.request_payment(reservation, f.staff, 1000, "taxable")  # not a 後決済 menu


def test_only_a_manager_can_refund(desk: Desk) -> None:
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    with pytest.raises(StateError) as info:
        desk.billing.refund(outcome.request_id, f.staff)
    assert "管理者" in info.value.message("ja")
    assert _request(desk, outcome.request_id).state is BillingState.PAID
    assert desk.charges()[0]["amount_refunded"] == 0
    assert desk.billing.refund(outcome.request_id, f.manager).state is BillingState.REFUNDED


def test_booking_a_pre_payment_menu_requests_its_price_at_once(desk: Desk) -> None:
    import datetime as dt

    from desktop.domain.clinic import PaymentTiming
    from desktop.services.booking import BookingService
    from desktop.services.directory import DirectoryService, MenuInput

    f = desk.front
    directory = DirectoryService(desk.db)
    booking = BookingService(desk.db, directory, desk.billing)
    online = directory.save_menu(f.manager, f.clinic_id, MenuInput(name="オンライン診療 (事前決済)", price=3300,
                                                        payment_timing=PaymentTiming.PRE))
    when = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.timezone.utc)
    booked = booking.book(f.clinic_id, f.staff, patient_id=f.patient_id, menu_id=online, starts_at=when)
    assert booked.pre_payment is not None and booked.pre_payment.state is BillingState.REQUESTED
    mails = desk.deliver()
    assert len(mails) == 1 and "¥3,300" in mails[0].get_body(preferencelist=("plain",)).get_content()

    post_only = booking.book(f.clinic_id, f.staff, patient_id=f.patient_id, menu_id=f.menu_id, starts_at=when)
    assert post_only.pre_payment is None and post_only.pre_payment_error is None
    assert len(desk.deliver()) == 1  # nothing more for a 後決済 menu

    no_mail = directory.add_patient(f.staff, f.clinic_id, family_name="鈴木", given_name="一郎")
    failed = booking.book(f.clinic_id, f.staff, patient_id=no_mail, menu_id=online, starts_at=when)
    assert failed.pre_payment is None and failed.pre_payment_error is not None
    assert failed.pre_payment_error.code == "email_missing"
    assert directory.requests_for_reservation(failed.reservation_id) == []  # the booking itself stands


def test_a_patient_who_reads_english_gets_english_mail(desk: Desk) -> None:
    from desktop.services.directory import ClinicUpdate, DirectoryService

    f = desk.front
    DirectoryService(desk.db).update_patient(f.staff, f.patient_id, language="en")
    desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable", "Your bill is ready.")
    mail = desk.deliver()[-1]
    assert str(mail["Subject"]) == "[やまだ内科クリニック] Payment request"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Your bill is ready." in body and "¥1,200" in body and "様" not in body


def test_lost_refund_answer_with_the_look_up_down_is_settled_by_the_webhook(desk: Desk) -> None:
    """Answer lost and the look-up failing too: the refund waits (返金処理中), then PAY.JP's
    charge.refunded event settles it at once, without a second refund."""
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 5000, "non_taxable")
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    charge_id = desk.charges()[0]["id"]
    desk.sim.state.faults.drop_next(1, method="POST", path_prefix=f"/v1/charges/{charge_id}/refund")
    desk.sim.state.faults.fail_next(20, status=500, method="GET", path_prefix=f"/v1/charges/{charge_id}")
    with pytest.raises(OutcomeUnknownError):
        desk.billing.refund(outcome.request_id, f.manager, amount=2000, reason="一部返金")
    desk.sim.state.faults.clear()
    assert _request(desk, outcome.request_id).state is BillingState.REFUNDING
    event = {"id": "evnt_refund_lost", "type": "charge.refunded", "data": {"id": charge_id, "object": "charge"}}
    assert desk.billing.events.handle(event).value == "reconciled"
    with desk.db.uow(readonly=True) as uow:
        refunds = uow.session.scalars(select(Refund)).all()
    assert [(r.amount, r.status) for r in refunds] == [(2000, RefundStatus.SUCCEEDED)]
    assert _request(desk, outcome.request_id).state is BillingState.PARTIALLY_REFUNDED
    assert desk.charges()[0]["amount_refunded"] == 2000
