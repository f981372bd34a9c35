"""Refunds made outside ClinicPay (PAY.JP's dashboard): one rule for webhooks and reconciliation.

PAY.JP's ``amount_refunded`` of the charge is the truth. What it shows beyond our refunded amount
is recorded as one refund row, audited once (``refund_observed``) and mailed to the patient
(``PatientNotifier.refund``), all in one transaction guarded by the refunded amount we had: run
twice (a webhook and a reconciliation, two PCs, a crash and a re-run) it applies once.
"""

from __future__ import annotations

import dataclasses
import secrets

from sqlalchemy import select

from desktop.domain.billing import REFUNDABLE_STATES, RefundStatus, state_after_refund
from desktop.services.billing.common import Clock
from desktop.services.billing.notifier import PatientNotifier
from desktop.services.payjp_gateway import ChargeInfo
from desktop.storage.orm import BillingRequest, Refund
from desktop.storage.repositories import Audit, BillingRepositories
from desktop.storage.unit_of_work import Database


@dataclasses.dataclass(frozen=True, kw_only=True)
class ObservedRefunds:
    """Applies what PAY.JP reports refunded on a charge that ClinicPay did not refund itself.

    Args:
        db: the database.
        notifier: mails the patient the refund notice.
        clock: current UTC time.
    """

    db: Database
    notifier: PatientNotifier
    clock: Clock

    def open_refund_ids(self, request_id: int) -> list[str]:
        """Ids of the request's refunds made at the desk whose answer is still awaited."""
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(
                select(Refund.id).where(Refund.billing_request_id == request_id,
                                        Refund.status.in_([RefundStatus.PENDING, RefundStatus.UNKNOWN]))
            ).all())

    def apply(self, request_id: int, charge: ChargeInfo, *, source: str) -> int:
        """Record what ``charge`` (looked up at PAY.JP, never an event body) shows refunded beyond ours.

        Args:
            request_id: the request paid by ``charge``.
            charge: the charge as PAY.JP returned it just now.
            source: ``webhook`` or ``reconciliation`` (kept in the audit event).

        Returns:
            The whole yen newly recorded as refunded (0: nothing to do — already recorded, the
            request not refundable now, or another PC or run applied it first).
        """
        now = self.clock()
        refund_id = "ref_" + secrets.token_hex(12)
        with self.db.uow() as uow:
            repos = BillingRepositories(uow.session)
            req = repos.requests.get(request_id)
            before = req.refunded_amount
            total = min(charge.amount_refunded, req.amount)
            if total <= before or req.state not in REFUNDABLE_STATES:
                return 0
            if not repos.requests.transition(
                req,
                REFUNDABLE_STATES,
                state_after_refund(req.amount, total),
                Audit("payjp", "refund_observed", None,
                      {"refund": refund_id, "refund_amount": total - before, "source": source}),
                guards=[BillingRequest.refunded_amount == before],
                refunded_amount=total,
                last_refunded_at=now,
                updated_at=now,
            ):
                return 0
            repos.refunds.add(
                Refund(
                    id=refund_id,
                    billing_request_id=request_id,
                    amount=total - before,
                    reason="",
                    status=RefundStatus.SUCCEEDED,
                    expected_amount_refunded=total,
                    staff_id=None,
                    created_at=now,
                    finished_at=now,
                )
            )
            self.notifier.refund(uow.session, req, total - before, now)
            uow.commit()
        return total - before
