"""Payment reminders: one mail before an unpaid link expires, automatic or sent by hand.

Rules (issue "The clinic's books", item 5):

* automatic: ``Clinic.reminder_days_before`` days (default 2) before the link expires, unless the
  clinic turned reminders off (``Clinic.reminder_enabled``); only between ``SEND_HOURS`` in
  Japan time, and not when the link was sent less than a day before it would be due (the
  patient has just been mailed);
* by hand: 決済管理's row menu (受付・管理者), for any unpaid request whose link still works;
* at most one reminder per request, automatic or by hand: ``payment_reminder`` has the
  request as its primary key, so a second insert fails in the database whichever PC tries;
* the mail goes through the outbox with the PatientNotifier, in the same transaction as the
  reminder's row and its audit event; it carries a link of its own (the first link keeps working).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from desktop.domain.billing import BillingState
from desktop.domain.errors import StateError, ValidationError
from desktop.domain.formatting import JST
from desktop.domain.staff import Actor, Permission
from desktop.services import links
from desktop.services.authz import authorize, require_actor
from desktop.services.billing.common import Clock
from desktop.services.billing.notifier import PatientNotifier
from desktop.storage.orm import BillingRequest, Clinic, Patient, PaymentReminder
from desktop.storage.repositories import Audit, BillingRequestRepository, snapshot
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

DEFAULT_DAYS_BEFORE = 2
SEND_HOURS = (8, 21)
"""Automatic reminders go out from 08:00 to before 21:00 Japan time (no mail at night)."""
MIN_AFTER_REQUEST = dt.timedelta(days=1)
"""An automatic reminder is skipped when it would be due within a day of the request's own mail."""


@dataclasses.dataclass(frozen=True)
class ReminderSent:
    """A reminder that went into the outbox: the request, when (UTC) and whether staff sent it."""

    request_id: int
    sent_at: dt.datetime
    manual: bool


def reminder_due_at(clinic: Clinic, req: BillingRequest) -> dt.datetime | None:
    """When (UTC) the automatic reminder of ``req`` is due, or None when none is sent.

    None: reminders off, no link, or due within ``MIN_AFTER_REQUEST`` of the request.
    """
    if not clinic.reminder_enabled or req.link_expires_at is None:
        return None
    due = req.link_expires_at - dt.timedelta(days=clinic.reminder_days_before)
    if due < req.requested_at + MIN_AFTER_REQUEST:
        return None
    return due


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReminderService:
    """Sends payment reminders (automatic and by hand).

    Args:
        db: the database.
        notifier: queues the reminder mail.
        clock: current UTC time.
    """

    db: Database
    notifier: PatientNotifier
    clock: Clock

    def send_due(self) -> int:
        """Queue every automatic reminder due now (background work); returns how many were queued.

        Safe to run on several PCs at once: a reminder another PC queued first is skipped.
        """
        now = self.clock()
        hour = now.astimezone(JST).hour
        if not SEND_HOURS[0] <= hour < SEND_HOURS[1]:
            return 0
        R = BillingRequest
        with self.db.uow(readonly=True) as uow:
            rows = uow.session.execute(
                select(R, Clinic)
                .join(Clinic, Clinic.id == R.clinic_id)
                .join(Patient, Patient.id == R.patient_id)
                .outerjoin(PaymentReminder, PaymentReminder.billing_request_id == R.id)
                .where(R.state == BillingState.REQUESTED, R.link_expires_at > now,
                       Clinic.reminder_enabled.is_(True), Patient.email.is_not(None), Patient.email != "",
                       PaymentReminder.billing_request_id.is_(None))
            ).all()
            due = [req.id for req, clinic in rows
                   if (at := reminder_due_at(clinic, req)) is not None and at <= now]
        sent = 0
        for request_id in due:
            try:
                if self._remind(request_id, None) is not None:
                    sent += 1
            except (StateError, ValidationError) as exc:  # paid, cancelled or reminded meanwhile
                log.info("reminder for request %s skipped: %s", request_id, exc.code)
        return sent

    def send_reminder(self, request_id: int, actor: Actor) -> ReminderSent:
        """リマインダーを送る from 決済管理 (受付・管理者): one reminder mail now.

        Returns:
            The reminder queued.

        Raises:
            PermissionDeniedError: the role may not send requests (経理).
            StateError: ``reminder_not_unpaid`` (paid, cancelled…), ``reminder_link_expired``,
                ``reminder_already_sent`` (with when, JST); nothing was sent.
            ValidationError: ``reminder_no_email`` — the patient has no e-mail address.
            NotFoundError: no such request.
        """
        sent = self._remind(request_id, require_actor(actor))
        assert sent is not None
        return sent

    def _remind(self, request_id: int, actor: Actor | None) -> ReminderSent | None:
        now = self.clock()
        raw, digest = links.new_link_token()
        try:
            with self.db.uow() as uow:
                s = uow.session
                repo = BillingRequestRepository(s)
                req = repo.get(request_id)
                staff_id = authorize(s, actor, Permission.REQUEST, clinic_id=req.clinic_id).id if actor else None
                earlier = s.get(PaymentReminder, request_id)
                if earlier is not None:
                    raise StateError("reminder_already_sent", at=f"{earlier.sent_at.astimezone(JST):%Y/%m/%d %H:%M}")
                if req.state is not BillingState.REQUESTED:
                    raise StateError("reminder_not_unpaid", state=req.state)
                if req.link_expires_at is None or req.link_expires_at <= now:
                    raise StateError("reminder_link_expired")
                s.add(PaymentReminder(billing_request_id=req.id, clinic_id=req.clinic_id, manual=actor is not None,
                                      staff_id=staff_id, link_token_hash=digest, sent_at=now))
                s.flush()  # a reminder another PC inserted meanwhile fails here (or at commit)
                if not self.notifier.reminder(s, req, raw):
                    raise ValidationError("reminder_no_email")
                repo.record(req, Audit("staff" if actor else "system", "reminder_sent", staff_id,
                                       {"manual": actor is not None}), before=snapshot(req))
                uow.commit()
        except IntegrityError:
            with self.db.uow(readonly=True) as uow:
                other = uow.session.get(PaymentReminder, request_id)
                at = other.sent_at if other is not None else now
            raise StateError("reminder_already_sent", at=f"{at.astimezone(JST):%Y/%m/%d %H:%M}") from None
        return ReminderSent(request_id, now, actor is not None)

    def reminded_at(self, request_id: int) -> dt.datetime | None:
        """When (UTC) the request's reminder was queued, or None."""
        with self.db.uow(readonly=True) as uow:
            row = uow.session.get(PaymentReminder, request_id)
            return row.sent_at if row is not None else None
