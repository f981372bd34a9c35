"""The billing services over the real repositories (SQLite) and a PAY.JP double."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from desktop.domain.billing import AttemptStatus, BillingState, RefundStatus, TaxCategory
from desktop.domain.errors import OutcomeUnknownError, PaymentError, StateError, ValidationError
from desktop.domain.money import Yen
from desktop.services.billing import EventResult, LinkStatus
from desktop.storage.orm import BillingRequest, PaymentAttempt, Refund
from desktop.storage.unit_of_work import Database
from tests.conftest import FixedClock
from tests.unit.billing_fakes import Engine, make_engine

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def engine(sqlite_db: Database, clock: FixedClock) -> Engine:
    return make_engine(sqlite_db, clock)


def request(engine: Engine, amount: int = 1200) -> int:
    outcome = engine.billing.requests.request_payment(
        engine.front.reservation_id, engine.front.staff, Yen(amount), TaxCategory.TAXABLE, "よろしくお願いします"
    )
    return outcome.request_id


def state(engine: Engine, request_id: int) -> BillingRequest:
    with engine.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None
        return req


def paid(engine: Engine, amount: int = 1200) -> int:
    request_id = request(engine, amount)
    engine.billing.payments.pay_with_token(engine.link(), "tok_visa")
    return request_id


def test_a_request_is_recorded_audited_and_mailed_with_its_link(engine: Engine) -> None:
    request_id = request(engine)
    assert state(engine, request_id).state is BillingState.REQUESTED
    assert engine.mails() == ["payment_request"]
    assert engine.audit(request_id) == ["request_created"]
    assert engine.billing.payments.open_link(engine.link()).status is LinkStatus.PAYABLE


def test_amounts_outside_payjp_limits_are_refused_before_anything_is_written(engine: Engine) -> None:
    with pytest.raises(ValidationError) as error:
        request(engine, 49)
    assert error.value.code == "amount_too_small"
    assert engine.mails() == []


def test_paying_the_link_charges_once_marks_it_paid_and_mails_the_receipt(engine: Engine) -> None:
    request_id = paid(engine)
    req = state(engine, request_id)
    assert req.state is BillingState.PAID and req.card_last4 == "4242"
    assert engine.gateway.created == 1
    assert engine.mails() == ["payment_request", "receipt"]
    assert engine.audit(request_id) == ["request_created", "payment_started", "payment_succeeded"]
    with pytest.raises(StateError) as error:
        engine.billing.payments.pay_with_token(engine.link(), "tok_visa")
    assert error.value.code == "link_paid" and engine.gateway.created == 1


def test_a_declined_card_stores_the_code_not_text_and_leaves_the_link_payable(engine: Engine) -> None:
    request_id = request(engine)
    engine.gateway.decline = "expired_card"
    with pytest.raises(PaymentError):
        engine.billing.payments.pay_with_token(engine.link(), "tok_visa")
    with engine.db.uow(readonly=True) as uow:
        attempt = uow.session.scalars(select(PaymentAttempt)).one()
    assert attempt.status is AttemptStatus.FAILED
    assert (attempt.failure_code, attempt.error_code, attempt.legacy_failure_message) == (
        "expired_card", "expired_card", None)
    assert state(engine, request_id).state is BillingState.REQUESTED
    assert engine.billing.payments.open_link(engine.link()).status is LinkStatus.PAYABLE


def test_a_lost_answer_is_found_by_look_up_never_by_charging_again(engine: Engine) -> None:
    request_id = request(engine)
    engine.gateway.lose_answer = True
    outcome = engine.billing.payments.pay_with_token(engine.link(), "tok_visa")
    assert outcome.state is BillingState.PAID and engine.gateway.created == 1
    assert state(engine, request_id).state is BillingState.PAID


def test_a_call_lost_before_payjp_keeps_the_request_processing_until_the_grace_ends(engine: Engine) -> None:
    request_id = request(engine)
    link = engine.link()
    engine.gateway.drop_call = True
    with pytest.raises(OutcomeUnknownError):
        engine.billing.payments.pay_with_token(link, "tok_visa")
    assert state(engine, request_id).state is BillingState.PROCESSING
    assert engine.billing.reconciliation.reconcile_pending() == 0  # still inside the grace period
    engine.clock.advance(minutes=3)
    engine.billing.reconciliation.reconcile_pending()
    assert state(engine, request_id).state is BillingState.REQUESTED
    with engine.db.uow(readonly=True) as uow:
        attempt = uow.session.scalars(select(PaymentAttempt)).one()
    assert attempt.error_code == "payjp_unavailable" and engine.gateway.created == 1


def test_three_d_secure_waits_for_the_cardholder_then_completes(engine: Engine) -> None:
    request_id = request(engine)
    link = engine.link()
    outcome = engine.billing.payments.pay_with_token(link, "tok_visa", three_d_secure=True)
    assert outcome.requires_three_d_secure and state(engine, request_id).state is BillingState.PROCESSING
    assert engine.billing.payments.open_link(link).pending_charge_id == outcome.charge_id
    assert engine.billing.payments.finish_three_d_secure(link).state is BillingState.PAID
    assert engine.mails() == ["payment_request", "receipt"]


def test_cancel_refuses_a_paid_request_in_the_readers_language(engine: Engine) -> None:
    request_id = paid(engine)
    with pytest.raises(StateError) as error:
        engine.billing.requests.cancel_request(request_id, engine.front.staff)
    assert error.value.message("en") == "This request cannot be cancelled (it is Paid)."
    assert not JAPANESE.search(error.value.message("en"))
    assert "決済済み" in error.value.message("ja")


def test_re_request_cancels_the_old_link_and_sends_a_new_one_in_one_step(engine: Engine) -> None:
    old_id = request(engine)
    old_link = engine.link()
    outcome = engine.billing.requests.re_request(old_id, engine.front.staff, amount=Yen(1500))
    assert state(engine, old_id).state is BillingState.CANCELLED
    assert state(engine, old_id).replaced_by_id == outcome.request_id
    assert state(engine, outcome.request_id).amount == 1500
    assert engine.billing.payments.open_link(old_link).status is LinkStatus.CANCELLED
    assert engine.audit(old_id) == ["request_created", "request_cancelled", "request_replaced"]


def test_overdue_links_expire_each_with_its_audit_event(engine: Engine) -> None:
    request_id = request(engine)
    assert engine.billing.requests.expire_overdue() == 0
    engine.clock.advance(days=8)
    assert engine.billing.requests.expire_overdue() == 1
    assert state(engine, request_id).state is BillingState.EXPIRED
    assert engine.audit(request_id)[-1] == "request_expired"


def test_a_partial_then_the_rest_refund_and_each_mail_the_patient(engine: Engine) -> None:
    request_id = paid(engine)
    manager = engine.front.manager
    first = engine.billing.refunds.refund(request_id, manager, Yen(200), "一部返金")
    assert (first.amount, first.refunded_total, first.state) == (200, 200, BillingState.PARTIALLY_REFUNDED)
    with pytest.raises(ValidationError) as error:
        engine.billing.refunds.refund(request_id, manager, Yen(1001))
    assert error.value.code == "refund_amount_exceeds"
    rest = engine.billing.refunds.refund(request_id, manager)
    assert (rest.amount, rest.refunded_total, rest.state) == (1000, 1200, BillingState.REFUNDED)
    assert engine.mails().count("refund") == 2


def test_a_refund_payjp_refuses_returns_the_request_and_stores_the_code(engine: Engine) -> None:
    request_id = paid(engine)
    engine.gateway.decline = "card_declined"
    with pytest.raises(PaymentError):
        engine.billing.refunds.refund(request_id, engine.front.manager)
    assert state(engine, request_id).state is BillingState.PAID
    with engine.db.uow(readonly=True) as uow:
        refund = uow.session.scalars(select(Refund)).one()
    assert refund.status is RefundStatus.FAILED and refund.failure_code == "card_declined"
    assert refund.legacy_failure_message is None


def test_a_lost_refund_answer_is_resolved_from_amount_refunded(engine: Engine) -> None:
    request_id = paid(engine)
    engine.gateway.lose_answer = True
    outcome = engine.billing.refunds.refund(request_id, engine.front.manager, Yen(300))
    assert outcome.state is BillingState.PARTIALLY_REFUNDED and engine.gateway.refund_calls == 1


def test_only_a_manager_can_refund(engine: Engine) -> None:
    request_id = paid(engine)
    with pytest.raises(StateError) as error:
        engine.billing.refunds.refund(request_id, engine.front.staff)
    assert error.value.code == "manager_only" and engine.gateway.refund_calls == 0


def _event(event_type: str, data: dict[str, object], event_id: str = "evnt_test1") -> dict[str, object]:
    return {"id": event_id, "object": "event", "type": event_type, "data": data}


def test_a_refund_made_on_payjp_follows_the_desk_rules(engine: Engine) -> None:
    request_id = paid(engine)
    charge_id = state(engine, request_id).charge_id
    assert charge_id is not None
    engine.gateway.refund_outside(charge_id, 5000)  # more than the amount: capped
    result = engine.billing.events.handle(_event("charge.refunded", {"id": charge_id, "object": "charge"}))
    assert result is EventResult.REFUND_APPLIED
    req = state(engine, request_id)
    assert (req.state, req.refunded_amount) == (BillingState.REFUNDED, 1200)
    assert engine.audit(request_id).count("refund_observed") == 1
    assert engine.mails()[-1] == "refund"
    with engine.db.uow(readonly=True) as uow:
        refund = uow.session.scalars(select(Refund)).one()
    assert (refund.amount, refund.status) == (1200, RefundStatus.SUCCEEDED)
    again = engine.billing.events.handle(_event("charge.refunded", {"id": charge_id, "object": "charge"}))
    assert again is EventResult.DUPLICATE
    other = engine.billing.events.handle(_event("charge.refunded", {"id": charge_id}, "evnt_test2"))
    assert other is EventResult.SETTLED and engine.mails().count("refund") == 1


def test_a_charge_event_resolves_a_lost_answer(engine: Engine) -> None:
    request_id = request(engine)
    engine.gateway.drop_call = True
    with pytest.raises(OutcomeUnknownError):
        engine.billing.payments.pay_with_token(engine.link(), "tok_visa")
    with engine.db.uow(readonly=True) as uow:
        attempt_id = uow.session.scalars(select(PaymentAttempt.id)).one()
    engine.gateway.drop_call = False
    # PAY.JP did carry it out after all:
    engine.gateway.charges["ch_late"] = {
        "id": "ch_late", "amount": 1200, "paid": True, "captured": True, "amount_refunded": 0,
        "card": {"brand": "Visa", "last4": "4242"}, "metadata": {"clinicpay_attempt": attempt_id},
    }
    body = {"id": "ch_late", "metadata": {"clinicpay_attempt": attempt_id}}
    assert engine.billing.events.handle(_event("charge.succeeded", body)) is EventResult.RECONCILED
    assert state(engine, request_id).state is BillingState.PAID


def test_unknown_charges_and_ignored_events_change_nothing(engine: Engine) -> None:
    request_id = request(engine)
    assert engine.billing.events.handle(_event("charge.refunded", {"id": "ch_nope"})) is EventResult.UNKNOWN_CHARGE
    assert engine.billing.events.handle(_event("customer.created", {}, "evnt_x")) is EventResult.IGNORED
    assert state(engine, request_id).state is BillingState.REQUESTED


def test_audit_snapshots_are_json_with_the_state_codes(engine: Engine) -> None:
    from desktop.storage.orm import AuditEvent
    paid(engine)
    with engine.db.uow(readonly=True) as uow:
        event = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment_succeeded")).one()
    assert event.before is not None and event.after is not None
    assert (json.loads(event.before)["state"], json.loads(event.after)["state"]) == ("processing", "paid")
