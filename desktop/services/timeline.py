"""The delivery timeline of one billing request (経過): what happened to it and its mail, in order.

Entries (``TimelineEntry.event``):

* ``requested`` — the request was made (``staff``: who);
* ``mail_queued`` / ``mail_sent`` / ``mail_failed`` — each patient mail (``mail``: its kind —
  payment_request, reminder, receipt, refund, cancel): put in the outbox, accepted by the SMTP
  server, or refused for good (``code``: the server's reason as a mail error code);
* ``reminded`` — the one payment reminder (``staff``: who sent it by hand; "" when automatic);
* ``declined`` — a card attempt PAY.JP refused (``code``: PAY.JP's reason as a message code);
* ``paid`` — the charge went through;
* ``refunded`` — a refund PAY.JP carried out (``amount``, whole yen);
* ``cancelled`` / ``expired`` — the link stopped working.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from desktop.domain.billing import AttemptStatus, BillingState, RefundStatus
from desktop.domain.clinic import MailStatus
from desktop.storage.orm import BillingRequest, OutboxMail, PaymentAttempt, PaymentReminder, Refund, Staff
from desktop.storage.unit_of_work import Database


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    """One step: when (UTC), what, and its details (amount in whole yen; codes, never text)."""

    at: dt.datetime
    event: str
    mail: str = ""
    code: str = ""
    amount: int = 0
    staff: str = ""


class TimelineQueries:
    """Reads a request's timeline.

    Args:
        db: the database.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def for_request(self, request_id: int) -> list[TimelineEntry]:
        """The request's steps, oldest first (an unknown request: an empty list)."""
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            req = s.get(BillingRequest, request_id)
            if req is None:
                return []
            out = [TimelineEntry(req.requested_at, "requested", amount=req.amount, staff=req.staff_name)]
            for m in s.scalars(select(OutboxMail).where(OutboxMail.billing_request_id == request_id)
                               .order_by(OutboxMail.id)):
                out.append(TimelineEntry(m.created_at, "mail_queued", mail=m.kind))
                if m.status is MailStatus.SENT and m.sent_at is not None:
                    out.append(TimelineEntry(m.sent_at, "mail_sent", mail=m.kind))
                elif m.status is MailStatus.FAILED:
                    out.append(TimelineEntry(m.next_attempt_at, "mail_failed", mail=m.kind, code=m.last_error or ""))
            reminder = s.get(PaymentReminder, request_id)
            if reminder is not None:
                staff = s.get(Staff, reminder.staff_id) if reminder.staff_id is not None else None
                out.append(TimelineEntry(reminder.sent_at, "reminded", staff=staff.name if staff is not None else ""))
            for a in s.scalars(select(PaymentAttempt).where(PaymentAttempt.billing_request_id == request_id)):
                at = a.finished_at or a.started_at
                if a.status is AttemptStatus.FAILED:
                    out.append(TimelineEntry(at, "declined", code=a.error_code or a.failure_code or "",
                                             amount=a.amount))
                elif a.status is AttemptStatus.SUCCEEDED:
                    out.append(TimelineEntry(at, "paid", amount=a.amount))
            for r in s.scalars(select(Refund).where(Refund.billing_request_id == request_id,
                                                    Refund.status == RefundStatus.SUCCEEDED)):
                out.append(TimelineEntry(r.finished_at or r.created_at, "refunded", amount=r.amount))
            if req.state is BillingState.CANCELLED and req.cancelled_at is not None:
                out.append(TimelineEntry(req.cancelled_at, "cancelled"))
            elif req.state is BillingState.EXPIRED:
                out.append(TimelineEntry(req.link_expires_at or req.updated_at, "expired"))
        order = ["requested", "reminded", "mail_queued", "mail_sent", "mail_failed", "declined", "paid", "refunded",
                 "cancelled", "expired"]
        return sorted(out, key=lambda e: (e.at, order.index(e.event)))
