"""要対応: what staff must look at now, computed from the records (an item leaves once resolved).

Each item concerns one billing request and says why it needs attention:

* ``link_expiring`` — an unpaid link expires within 24 hours;
* ``refund_deadline`` — a paid request within 30 days of PAY.JP's 180-day refund limit, with
  something left to refund;
* ``cancelled_prepaid`` — a cancelled reservation whose pre-payment is paid and not refunded;
* ``mail_failed`` — a mail to the patient the SMTP server refused for good;
* ``stuck_processing`` — a request in 決済処理中 for more than 30 minutes;
* ``declined`` — a card declined in the last 3 days on a request still unpaid (so staff can
  answer when the patient phones), with PAY.JP's reason as a message code;
* ``reconciliation`` — a difference 照合 found between PAY.JP and ClinicPay (code
  ``recon_<kind>`` with its parameters); it may concern no request (a charge ClinicPay has no
  record of). It leaves when a later 照合 finds it resolved or staff mark it 確認済み.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from typing import Any, Mapping

from sqlalchemy import select

from desktop.domain.billing import REFUND_LIMIT_DAYS, REFUNDABLE_STATES, AttemptStatus, BillingState, RequestKind
from desktop.domain.clinic import MailStatus, ReservationStatus
from desktop.domain.errors import message_for_code
from desktop.services.mail_types import mail_error_message
from desktop.services.billing.common import Clock
from desktop.storage.orm import BillingRequest, OutboxMail, PaymentAttempt, ReconciliationDifference, Reservation
from desktop.storage.unit_of_work import Database

EXPIRY_WINDOW = dt.timedelta(hours=24)
REFUND_DEADLINE_WINDOW = dt.timedelta(days=30)
STUCK_AFTER = dt.timedelta(minutes=30)
DECLINED_WITHIN = dt.timedelta(days=3)


class AttentionKind(str, enum.Enum):
    """Why an item is on 要対応 (in the order the list shows them)."""

    STUCK_PROCESSING = "stuck_processing"
    RECONCILIATION = "reconciliation"
    CANCELLED_PREPAID = "cancelled_prepaid"
    MAIL_FAILED = "mail_failed"
    REFUND_DEADLINE = "refund_deadline"
    LINK_EXPIRING = "link_expiring"
    DECLINED = "declined"


@dataclasses.dataclass(frozen=True)
class AttentionItem:
    """One thing to look at.

    Attributes:
        kind: why.
        request_id: the billing request it concerns (double click opens it in 決済管理), or None
            (a charge at PAY.JP that ClinicPay has no record of).
        patient_name: as billed ("" without a request).
        amount: whole yen — the request's amount, or what is left to refund.
        at: UTC — when the link expires, the refund limit ends, the mail failed, the request
            started processing, or the card was declined.
        code: a message code with more detail (PAY.JP's decline reason, the mail error, the
            difference and what to do), or "".
        params: the code's parameters (whole yen, charge id, card brand and last 4).
        difference_id: the reconciliation difference (``reconciliation`` items), for 確認済み.
    """

    kind: AttentionKind
    request_id: int | None
    patient_name: str
    amount: int
    at: dt.datetime
    code: str = ""
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    difference_id: int | None = None

    def reason(self, lang: str = "ja") -> str:
        """``code`` for people in ``lang`` ("" when there is none)."""
        if not self.code:
            return ""
        if self.code.startswith("mail_"):
            try:
                return mail_error_message(self.code, lang)
            except (ValueError, KeyError):
                return message_for_code("unexpected", lang)
        return message_for_code(self.code, lang, **self.params)


@dataclasses.dataclass(frozen=True)
class AttentionQueries:
    """Reads the 要対応 list of a clinic.

    Args:
        db: the database.
        clock: current UTC time.
    """

    db: Database
    clock: Clock

    def items(self, clinic_id: int) -> list[AttentionItem]:
        """Every open item of the clinic, most urgent kind first, then by ``at``."""
        now = self.clock()
        found: list[AttentionItem] = []
        R = BillingRequest
        with self.db.uow(readonly=True) as uow:
            s = uow.session
            for r in s.scalars(select(R).where(R.clinic_id == clinic_id, R.state == BillingState.PROCESSING,
                                                R.updated_at < now - STUCK_AFTER)):
                found.append(AttentionItem(AttentionKind.STUCK_PROCESSING, r.id, r.patient_name, r.amount,
                                           r.updated_at))
            for r in s.scalars(select(R).join(Reservation, Reservation.id == R.reservation_id).where(
                    R.clinic_id == clinic_id, Reservation.status == ReservationStatus.CANCELLED,
                    R.kind == RequestKind.PRE_PAYMENT, R.state.in_(list(REFUNDABLE_STATES)),
                    R.amount > R.refunded_amount)):
                found.append(AttentionItem(AttentionKind.CANCELLED_PREPAID, r.id, r.patient_name,
                                           r.amount - r.refunded_amount, r.paid_at or r.updated_at))
            for mail_at, code, r in s.execute(
                    select(OutboxMail.created_at, OutboxMail.last_error, R)
                    .join(R, R.id == OutboxMail.billing_request_id)
                    .where(OutboxMail.clinic_id == clinic_id, OutboxMail.status == MailStatus.FAILED)).all():
                found.append(AttentionItem(AttentionKind.MAIL_FAILED, r.id, r.patient_name, r.amount, mail_at,
                                           code or ""))
            limit = dt.timedelta(days=REFUND_LIMIT_DAYS)
            for r in s.scalars(select(R).where(
                    R.clinic_id == clinic_id, R.state.in_(list(REFUNDABLE_STATES)), R.amount > R.refunded_amount,
                    R.paid_at.is_not(None), R.paid_at <= now - limit + REFUND_DEADLINE_WINDOW,
                    R.paid_at > now - limit)):
                assert r.paid_at is not None
                found.append(AttentionItem(AttentionKind.REFUND_DEADLINE, r.id, r.patient_name,
                                           r.amount - r.refunded_amount, r.paid_at + limit))
            for r in s.scalars(select(R).where(
                    R.clinic_id == clinic_id, R.state == BillingState.REQUESTED, R.link_expires_at.is_not(None),
                    R.link_expires_at > now, R.link_expires_at <= now + EXPIRY_WINDOW)):
                assert r.link_expires_at is not None
                found.append(AttentionItem(AttentionKind.LINK_EXPIRING, r.id, r.patient_name, r.amount,
                                           r.link_expires_at))
            D = ReconciliationDifference
            for d, r in s.execute(select(D, R).outerjoin(R, R.id == D.billing_request_id)
                                  .where(D.clinic_id == clinic_id, D.resolved_at.is_(None))).all():
                params = json.loads(d.params)
                found.append(AttentionItem(AttentionKind.RECONCILIATION, d.billing_request_id,
                                           r.patient_name if r is not None else "", int(params.get("amount", 0)),
                                           d.found_at, "recon_" + d.kind, params, d.id))
            declined: dict[int, AttentionItem] = {}
            for a, r in s.execute(
                    select(PaymentAttempt, R).join(R, R.id == PaymentAttempt.billing_request_id)
                    .where(R.clinic_id == clinic_id, R.state == BillingState.REQUESTED,
                           PaymentAttempt.status == AttemptStatus.FAILED,
                           PaymentAttempt.started_at > now - DECLINED_WITHIN)
                    .order_by(PaymentAttempt.started_at)).all():
                declined[r.id] = AttentionItem(AttentionKind.DECLINED, r.id, r.patient_name, r.amount,
                                               a.finished_at or a.started_at, a.error_code or a.failure_code or "")
            found.extend(declined.values())
        order = list(AttentionKind)
        return sorted(found, key=lambda i: (order.index(i.kind), i.at, i.request_id or 0, i.difference_id or 0))

    def count(self, clinic_id: int) -> int:
        """How many items the clinic's 要対応 list has (the count on its sidebar entry)."""
        return len(self.items(clinic_id))
