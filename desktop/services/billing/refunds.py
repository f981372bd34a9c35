"""Refunds (返金): full or partial, recorded before PAY.JP is called, reconciled when lost."""

from __future__ import annotations

import dataclasses

import datetime as dt
import secrets

from desktop.domain.billing import REFUND_LIMIT_DAYS, REFUNDABLE_STATES, BillingState, RefundStatus
from desktop.domain.clinic import StaffRole
from desktop.domain.errors import NotFoundError, StateError
from desktop.domain.formatting import format_yen
from desktop.domain.money import Yen, parse_refund_yen
from desktop.domain.validation import validate_refund_reason
from desktop.services.billing.common import Clock, GatewayFor, RefundOutcome
from desktop.services.billing.reconciliation import ReconciliationService
from desktop.services.billing.recording import RefundRecorder, call_and_record
from desktop.storage.orm import BillingRequest, Refund, Staff
from desktop.storage.repositories import Audit, BillingRepositories
from desktop.storage.unit_of_work import Database


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefundService:
    """返金する: refunds of paid requests.

    The refund is recorded (the request REFUNDING) before PAY.JP is called; a lost answer is
    reconciled from the charge's ``amount_refunded``, never by refunding again.

    Args: as ``PaymentService``'s, with a ``RefundRecorder`` as ``recorder``.
    """

    db: Database
    gateway_for: GatewayFor
    recorder: RefundRecorder
    reconciliation: ReconciliationService
    clock: Clock
    def refund(
        self, request_id: int, staff_id: int, amount: Yen | None = None, reason: str | None = ""
    ) -> RefundOutcome:
        """返金する: refund all that is left (``amount=None``) or part of it.

        Args:
            request_id: a paid request.
            staff_id: a manager of the request's clinic.
            amount: whole yen, 1 to what is left; None refunds all that is left.
            reason: 返金理由 (at most 255 characters), sent to PAY.JP.

        Returns:
            This refund and the request's refunded total (whole yen) and state.

        Raises:
            ValidationError: amount out of range, reason too long.
            StateError: not a manager, a refund in flight, not refundable, past 180 days.
            NotFoundError: unknown request, or staff of another clinic.
            PaymentError / ServiceUnavailableError: PAY.JP refused (recorded; nothing refunded).
            OutcomeUnknownError: the answer was lost and could not be found yet (reconciled later).
        """
        text = validate_refund_reason(reason)
        now = self.clock()
        refund_id = "ref_" + secrets.token_hex(12)
        with self.db.uow() as uow:
            s = uow.session
            repos = BillingRepositories(s)
            req = repos.requests.get(request_id)
            staff = s.get(Staff, staff_id)
            if staff is None or staff.clinic_id != req.clinic_id:
                raise NotFoundError()
            if staff.role is not StaffRole.MANAGER:
                raise StateError("manager_only")
            if req.state is BillingState.REFUNDING:
                raise StateError("refund_in_progress")
            if req.state not in REFUNDABLE_STATES or not req.charge_id or req.paid_at is None:
                raise StateError("request_not_refundable", state=req.state)
            if now - req.paid_at > dt.timedelta(days=REFUND_LIMIT_DAYS):
                raise StateError("refund_limit_exceeded")
            remaining = Yen(req.amount - req.refunded_amount)
            value = remaining if amount is None else parse_refund_yen(amount, remaining, format_yen(remaining))
            refunded_before = req.refunded_amount
            moved = repos.requests.transition(
                req,
                REFUNDABLE_STATES,
                BillingState.REFUNDING,
                Audit(
                    "staff", "refund_started", staff.id, {"refund": refund_id, "refund_amount": value, "reason": text}
                ),
                guards=[BillingRequest.refunded_amount == refunded_before],
                updated_at=now,
            )
            if not moved:
                raise StateError("refund_in_progress")
            repos.refunds.add(
                Refund(
                    id=refund_id,
                    billing_request_id=request_id,
                    amount=value,
                    reason=text,
                    status=RefundStatus.PENDING,
                    expected_amount_refunded=refunded_before + value,
                    staff_id=staff.id,
                    created_at=now,
                )
            )
            gateway, charge_id = self.gateway_for(repos.requests.clinic_of(req)), req.charge_id
            uow.commit()
        def lost() -> RefundOutcome | None:
            self.recorder.mark_unknown(refund_id)
            return self.reconciliation.reconcile_refund(refund_id)

        return call_and_record(
            lambda: gateway.refund_charge(charge_id, amount=value, reason=text),
            answered=lambda charge: self.recorder.apply(refund_id, charge),
            refused=lambda exc: self.recorder.fail(refund_id, exc),
            lost=lost,
        )
