"""Payment reminders: one mail before an unpaid link expires (automatic or by hand), never two —
not even with two PCs racing; the reminder's link pays the request; both show on 経過."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from typing import Any

import pytest
from sqlalchemy import func, select

from desktop.domain.billing import BillingState
from desktop.domain.errors import StateError, ValidationError
from desktop.domain.staff import PermissionDeniedError
from desktop.services.directory import ClinicUpdate, DirectoryService
from desktop.services.timeline import TimelineQueries
from desktop.storage.orm import AuditEvent, BillingRequest, OutboxMail, PaymentReminder
from tests.integration.conftest import Desk

DAY_IN_JAPAN = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc)  # 10:00 JST


def _reminders(desk: Desk) -> list[OutboxMail]:
    with desk.db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(OutboxMail).where(OutboxMail.kind == "reminder")).all())


def _request(desk: Desk) -> int:
    desk.clock.now = DAY_IN_JAPAN
    return desk.billing.request_payment(desk.front.reservation_id, desk.front.staff, 1200, "taxable").request_id


def test_the_automatic_reminder_goes_two_days_before_expiry_once_and_its_link_pays(desk: Desk) -> None:
    request_id = _request(desk)  # the link lasts 7 days
    desk.deliver()
    desk.clock.advance(days=4, hours=23)
    assert desk.billing.reminders.send_due() == 0  # not yet: more than two days left
    desk.clock.advance(hours=1, minutes=1)
    assert desk.billing.reminders.send_due() == 1
    assert desk.billing.reminders.send_due() == 0  # at most one per request
    assert len(_reminders(desk)) == 1
    mails = desk.deliver()
    reminder = mails[-1]
    assert "お支払い期限が近づいています" in str(reminder["Subject"])
    text = reminder.get_body(preferencelist=("plain",)).get_content()
    assert "¥1,200" in text and "有効期限" in text
    link = desk.link_from_last_mail()
    first_link = [m for m in mails if "お支払いのお願い" in str(m["Subject"])][0]
    assert link not in first_link.get_body(preferencelist=("plain",)).get_content()  # a link of its own
    steps = [(e.event, e.mail) for e in TimelineQueries(desk.db).for_request(request_id)]
    assert ("mail_queued", "reminder") in steps and ("mail_sent", "reminder") in steps
    [reminded] = [e for e in TimelineQueries(desk.db).for_request(request_id) if e.event == "reminded"]
    assert reminded.staff == ""  # automatic
    desk.billing.pay_with_token(link, desk.token())
    with desk.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.state is BillingState.PAID
        event = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_sent")).one()
        assert event.actor == "system" and event.staff_id is None


def test_no_reminder_at_night_when_turned_off_or_once_paid(desk: Desk) -> None:
    request_id = _request(desk)
    desk.clock.advance(days=5, hours=12)  # 22:00 JST: no mail at night
    assert desk.billing.reminders.send_due() == 0
    desk.clock.advance(hours=11)  # 09:00 JST the next morning
    DirectoryService(desk.db).update_clinic(desk.front.manager, desk.front.clinic_id,
                                            ClinicUpdate(reminder_enabled=False))
    assert desk.billing.reminders.send_due() == 0
    DirectoryService(desk.db).update_clinic(desk.front.manager, desk.front.clinic_id,
                                            ClinicUpdate(reminder_enabled=True))
    desk.billing.cancel_request(request_id, desk.front.staff)
    assert desk.billing.reminders.send_due() == 0
    assert _reminders(desk) == []


def test_a_reminder_by_hand_counts_as_the_one_reminder(desk: Desk) -> None:
    request_id = _request(desk)
    desk.clock.advance(hours=2)
    with pytest.raises(PermissionDeniedError):
        desk.billing.reminders.send_reminder(request_id, desk.front.accountant)
    sent = desk.billing.reminders.send_reminder(request_id, desk.front.staff)
    assert sent.manual and sent.request_id == request_id
    with pytest.raises(StateError) as again:
        desk.billing.reminders.send_reminder(request_id, desk.front.manager)
    assert again.value.code == "reminder_already_sent"
    assert "送信済み" in again.value.message("ja") and "already" in again.value.message("en")
    desk.clock.advance(days=5)
    assert desk.billing.reminders.send_due() == 0  # the automatic one is not sent after it
    assert len(_reminders(desk)) == 1
    with desk.db.uow(readonly=True) as uow:
        event = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "reminder_sent")).one()
        assert event.staff_id == desk.front.staff_id
    [reminded] = [e for e in TimelineQueries(desk.db).for_request(request_id) if e.event == "reminded"]
    assert reminded.staff == "受付 佐藤" and reminded.at == sent.sent_at


def test_a_reminder_by_hand_is_refused_for_a_paid_or_expired_request(desk: Desk) -> None:
    request_id = _request(desk)
    desk.clock.advance(days=8)
    with pytest.raises(StateError) as expired:
        desk.billing.reminders.send_reminder(request_id, desk.front.staff)
    assert expired.value.code == "reminder_link_expired"
    desk.billing.expire_overdue()
    with pytest.raises(StateError) as not_unpaid:
        desk.billing.reminders.send_reminder(request_id, desk.front.staff)
    assert not_unpaid.value.code == "reminder_not_unpaid"
    assert "期限切れ" in not_unpaid.value.message("ja")
    with desk.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PaymentReminder)) == 0


def test_no_reminder_without_an_email_address(desk: Desk) -> None:
    request_id = _request(desk)
    DirectoryService(desk.db).update_patient(desk.front.staff, desk.front.patient_id, email=None)
    desk.clock.advance(days=5, minutes=1)
    assert desk.billing.reminders.send_due() == 0
    with pytest.raises(ValidationError) as refused:
        desk.billing.reminders.send_reminder(request_id, desk.front.staff)
    assert refused.value.code == "reminder_no_email"
    with desk.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PaymentReminder)) == 0


def _racer(db_url: str, now: dt.datetime, barrier: Any, results: Any) -> None:
    from desktop.services.billing import BillingService
    from desktop.storage.db import create_db_engine
    from desktop.storage.unit_of_work import Database

    db = Database(create_db_engine(db_url))
    try:
        billing = BillingService(db, lambda clinic: None, clock=lambda: now)  # type: ignore[arg-type,return-value]
        barrier.wait(timeout=60)
        results.put(billing.reminders.send_due())
    finally:
        db.dispose()


def test_two_pcs_sending_reminders_at_once_send_one(desk: Desk, db_url: str) -> None:
    _request(desk)
    due = DAY_IN_JAPAN + dt.timedelta(days=5, minutes=1)
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    racers = [spawn.Process(target=_racer, args=(db_url, due, barrier, results)) for _ in range(2)]
    for p in racers:
        p.start()
    for p in racers:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in racers) == [0, 1]
    assert len(_reminders(desk)) == 1
    with desk.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "reminder_sent")) == 1
