"""要対応: items appear when something needs staff and leave once it is resolved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from desktop.domain.billing import BillingState
from desktop.domain.clinic import MailStatus, PaymentTiming
from desktop.domain.errors import PaymentError
from desktop.services.attention import AttentionKind, AttentionQueries
from desktop.storage.orm import BillingRequest, Menu, OutboxMail
from tests.integration.conftest import Desk


def _kinds(desk: Desk) -> list[tuple[AttentionKind, int]]:
    return [(i.kind, i.request_id) for i in AttentionQueries(desk.db, desk.clock).items(desk.front.clinic_id)]


def test_a_declined_card_and_an_expiring_link_show_until_the_patient_pays(desk: Desk) -> None:
    f = desk.front
    request_id = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable").request_id
    desk.deliver()
    link = desk.link_from_last_mail()
    assert _kinds(desk) == []
    with pytest.raises(PaymentError):
        desk.billing.pay_with_token(link, desk.token("4000000000080319"))
    [item] = AttentionQueries(desk.db, desk.clock).items(f.clinic_id)
    assert (item.kind, item.request_id, item.amount, item.code) == (AttentionKind.DECLINED, request_id, 1200,
                                                                   "card_declined")
    assert item.patient_name == "山田 花子"
    desk.clock.advance(days=6, hours=1)  # the 7-day link now expires within 24 h
    assert _kinds(desk) == [(AttentionKind.LINK_EXPIRING, request_id)]  # the decline is older than 3 days
    desk.billing.pay_with_token(link, desk.token())
    assert _kinds(desk) == []


def test_a_payment_near_the_refund_limit_shows_until_refunded(desk: Desk) -> None:
    f = desk.front
    request_id = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable").request_id
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    desk.clock.advance(days=149)
    assert _kinds(desk) == []
    desk.clock.advance(days=2)
    [item] = AttentionQueries(desk.db, desk.clock).items(f.clinic_id)
    assert (item.kind, item.amount) == (AttentionKind.REFUND_DEADLINE, 1200)
    with desk.db.uow(readonly=True) as uow:
        paid_at = uow.session.get(BillingRequest, request_id).paid_at  # type: ignore[union-attr]
    assert paid_at is not None and item.at == paid_at + dt.timedelta(days=180)
    desk.billing.refund(request_id, f.manager, 200, "一部返金")
    assert [(i.kind, i.amount) for i in AttentionQueries(desk.db, desk.clock).items(f.clinic_id)] == [
        (AttentionKind.REFUND_DEADLINE, 1000)]
    desk.billing.refund(request_id, f.manager, None, "返金")
    assert _kinds(desk) == []
    desk.clock.advance(days=40)  # past the limit nothing can be done: not listed
    assert _kinds(desk) == []


def test_a_cancelled_reservation_with_a_paid_pre_payment_shows_until_refunded(desk: Desk) -> None:
    f = desk.front
    with desk.db.uow() as uow:
        uow.session.execute(update(Menu).where(Menu.id == f.menu_id).values(payment_timing=PaymentTiming.PRE_AND_POST))
        uow.commit()
    request_id = desk.billing.request_pre_payment(f.reservation_id, f.staff).request_id
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    assert _kinds(desk) == []
    desk.billing.cancel_reservation(f.reservation_id, f.staff)
    assert _kinds(desk) == [(AttentionKind.CANCELLED_PREPAID, request_id)]
    desk.billing.refund(request_id, f.manager, None, "予約キャンセル")
    assert _kinds(desk) == []


def test_failed_mail_and_a_request_stuck_in_processing_show(desk: Desk) -> None:
    f = desk.front
    request_id = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable").request_id
    with desk.db.uow() as uow:  # as the outbox leaves a mail the server refused for good
        uow.session.execute(update(OutboxMail).values(status=MailStatus.FAILED, last_error="smtp_rejected"))
        uow.commit()
    [item] = AttentionQueries(desk.db, desk.clock).items(f.clinic_id)
    assert (item.kind, item.request_id, item.code) == (AttentionKind.MAIL_FAILED, request_id, "smtp_rejected")
    with desk.db.uow() as uow:
        uow.session.execute(update(OutboxMail).values(status=MailStatus.SENT))
        uow.session.execute(update(BillingRequest).values(state=BillingState.PROCESSING, updated_at=desk.clock()))
        uow.commit()
    assert _kinds(desk) == []
    desk.clock.advance(minutes=31)
    assert _kinds(desk) == [(AttentionKind.STUCK_PROCESSING, request_id)]


def test_the_request_says_its_card_was_declined_until_paid_or_cancelled(desk: Desk) -> None:
    """The reservation's 請求履歴 and 決済管理 read カード拒否 (when, and why as a code) from the newest attempt."""
    from desktop.services.history import HistoryFilter, HistoryService

    f = desk.front
    history = HistoryService(desk.db)
    request_id = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable").request_id
    desk.deliver()
    link = desk.link_from_last_mail()
    [row] = history.for_reservation(f.reservation_id)
    assert row.declined_at is None and row.decline_reason() == ""
    with pytest.raises(PaymentError):
        desk.billing.pay_with_token(link, desk.token("4000000000080319"))
    [row] = history.for_reservation(f.reservation_id)
    assert (row.state, row.decline_code) == (BillingState.REQUESTED, "card_declined")
    assert row.declined_at is not None and row.declined_at.tzinfo is not None
    assert row.decline_reason("en") == "The card was declined. Try another card or contact your card issuer."
    assert history.get(request_id) == row
    assert history.page(f.clinic_id, HistoryFilter(), 0, 10)[0] == row
    desk.billing.pay_with_token(link, desk.token())
    assert history.for_reservation(f.reservation_id)[0].declined_at is None  # paid: nothing to say any more

    second = desk.billing.request_payment(f.reservation_id, f.staff, 800, "taxable", additional=True).request_id
    desk.deliver()
    with pytest.raises(PaymentError):
        desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token("4000000000080319"))
    assert history.get(second).declined_at is not None  # type: ignore[union-attr]
    desk.billing.cancel_request(second, f.staff)
    assert history.get(second).declined_at is None  # type: ignore[union-attr]  # cancelled: not to be paid
