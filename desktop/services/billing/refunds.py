"""Refunds (返金): full or partial, recorded before PAY.JP is called, reconciled when lost."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from sqlalchemy import update

from desktop.domain.billing import (
    REFUND_LIMIT_DAYS,
    REFUNDABLE_STATES,
    BillingState,
    RefundStatus,
    state_after_refund,
)
from desktop.domain.clinic import StaffRole
from desktop.domain.errors import (
    NotFoundError,
    OutcomeUnknownError,
    ServiceUnavailableError,
    StateError,
    UserError,
)
from desktop.domain.formatting import format_yen
from desktop.domain.validation import (
    parse_refund_amount,
    validate_refund_reason,
)
from desktop.services import audit
from desktop.services import mail_compose as mail
from desktop.services.billing.core import (
    STATE_LABELS_JA,
    BillingCore,
    RefundOutcome,
    _snapshot,
    _transition,
)
from desktop.services.payjp_gateway import ChargeInfo
from desktop.storage.orm import (
    BillingRequest,
    Clinic,
    Refund,
)

log = logging.getLogger(__name__)


class RefundsMixin(BillingCore):
    """返金する: refunds of paid requests, and the resolution of refunds whose answer was lost."""

    # ------------------------------------------------------------------ staff: refunds

    def refund(
        self, request_id: int, staff_id: int, amount: object | None = None, reason: str | None = ""
    ) -> RefundOutcome:
        """返金する: refund all that is left (``amount=None``) or part of it."""
        text = validate_refund_reason(reason)
        now = self._clock()
        refund_id = "ref_" + secrets.token_hex(12)
        with self._db.uow() as uow:
            s = uow.session
            req = self._get(s, request_id)
            staff = self._staff(s, staff_id, req.clinic_id)
            if staff.role is not StaffRole.MANAGER:
                raise StateError("manager_only")
            if req.state is BillingState.REFUNDING:
                raise StateError("refund_in_progress")
            if req.state not in REFUNDABLE_STATES or not req.charge_id or req.paid_at is None:
                raise StateError("request_not_refundable", state=STATE_LABELS_JA[req.state])
            if now - req.paid_at > dt.timedelta(days=REFUND_LIMIT_DAYS):
                raise StateError("refund_limit_exceeded")
            remaining = req.amount - req.refunded_amount
            value = remaining if amount is None else parse_refund_amount(amount, remaining, format_yen(remaining))
            before = _snapshot(req)
            moved = _transition(
                s,
                request_id,
                REFUNDABLE_STATES,
                BillingState.REFUNDING,
                BillingRequest.refunded_amount == req.refunded_amount,
                updated_at=now,
            )
            if not moved:
                raise StateError("refund_in_progress")
            s.add(
                Refund(
                    id=refund_id,
                    billing_request_id=request_id,
                    amount=value,
                    reason=text,
                    status=RefundStatus.PENDING,
                    expected_amount_refunded=req.refunded_amount + value,
                    staff_id=staff.id,
                    created_at=now,
                )
            )
            audit.record(
                s,
                clinic_id=req.clinic_id,
                actor="staff",
                staff_id=staff.id,
                action="refund_started",
                entity_type="billing_request",
                entity_id=request_id,
                before=before,
                after={
                    **before,
                    "state": BillingState.REFUNDING.value,
                    "refund": refund_id,
                    "refund_amount": value,
                    "reason": text,
                },
            )
            uow.commit()
            clinic = s.get(Clinic, req.clinic_id)
            assert clinic is not None
            gateway = self._gateway_for(clinic)
            charge_id = req.charge_id
        try:
            charge = gateway.refund_charge(charge_id, amount=value, reason=text)
        except OutcomeUnknownError:
            self._mark_refund_unknown(refund_id)
            resolved = self.reconcile_refund(refund_id)
            if resolved is None:
                raise
            return resolved
        except UserError as exc:
            self._fail_refund(refund_id, exc)
            raise
        return self._apply_refund(refund_id, charge)

    def _apply_refund(self, refund_id: str, charge: ChargeInfo) -> RefundOutcome:
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            refund = s.get(Refund, refund_id)
            assert refund is not None
            req = self._get(s, refund.billing_request_id)
            if refund.status is RefundStatus.SUCCEEDED:
                return RefundOutcome(req.id, refund_id, refund.amount, req.refunded_amount, req.state)
            before = _snapshot(req)
            total = min(charge.amount_refunded, req.amount)
            target = state_after_refund(req.amount, total)
            s.execute(
                update(Refund).where(Refund.id == refund_id).values(status=RefundStatus.SUCCEEDED, finished_at=now)
            )
            _transition(
                s, req.id, {BillingState.REFUNDING}, target, refunded_amount=total, last_refunded_at=now, updated_at=now
            )
            s.refresh(req)
            self._notify(
                s,
                req,
                lambda m: mail.RefundNotice(
                    clinic=m.clinic,
                    patient=m.patient,
                    reservation=m.reservation,
                    refunded_yen=refund.amount,
                    remaining_yen=req.amount - total,
                    refunded_at=now,
                ),
            )
            audit.record(
                s,
                clinic_id=req.clinic_id,
                actor="payjp",
                staff_id=refund.staff_id,
                action="refund_succeeded",
                entity_type="billing_request",
                entity_id=req.id,
                before=before,
                after={**_snapshot(req), "refund": refund_id, "refund_amount": refund.amount},
            )
            uow.commit()
            return RefundOutcome(req.id, refund_id, refund.amount, total, target)

    def _fail_refund(self, refund_id: str, error: UserError) -> None:
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            refund = s.get(Refund, refund_id)
            assert refund is not None
            if refund.status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
                return
            req = self._get(s, refund.billing_request_id)
            before = _snapshot(req)
            s.execute(
                update(Refund)
                .where(Refund.id == refund_id)
                .values(
                    status=RefundStatus.FAILED,
                    failure_code=error.code,
                    failure_message=error.message("ja"),
                    finished_at=now,
                )
            )
            _transition(
                s, req.id, {BillingState.REFUNDING}, state_after_refund(req.amount, req.refunded_amount), updated_at=now
            )
            s.refresh(req)
            audit.record(
                s,
                clinic_id=req.clinic_id,
                actor="payjp",
                staff_id=refund.staff_id,
                action="refund_failed",
                entity_type="billing_request",
                entity_id=req.id,
                before=before,
                after={**_snapshot(req), "refund": refund_id, "failure_code": error.code},
            )
            uow.commit()

    def _mark_refund_unknown(self, refund_id: str) -> None:
        with self._db.uow() as uow:
            uow.session.execute(
                update(Refund)
                .where(Refund.id == refund_id, Refund.status == RefundStatus.PENDING)
                .values(status=RefundStatus.UNKNOWN)
            )
            uow.commit()

    def reconcile_refund(self, refund_id: str) -> RefundOutcome | None:
        """Resolve a refund whose answer was lost by reading the charge's amount_refunded."""
        with self._db.uow(readonly=True) as uow:
            refund = uow.session.get(Refund, refund_id)
            if refund is None:
                raise NotFoundError()
            req = self._get(uow.session, refund.billing_request_id)
            clinic = uow.session.get(Clinic, req.clinic_id)
            assert clinic is not None and req.charge_id
            gateway = self._gateway_for(clinic)
            status, expected, created, charge_id = (
                refund.status,
                refund.expected_amount_refunded,
                refund.created_at,
                req.charge_id,
            )
        if status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
            return None
        try:
            charge = gateway.retrieve_charge(charge_id)
        except UserError as exc:
            log.info("refund %s: look-up failed (%s); will retry", refund_id, exc.code)
            return None
        if charge.amount_refunded >= expected:
            return self._apply_refund(refund_id, charge)
        if self._clock() - created < self._unknown_grace:
            return None
        self._fail_refund(refund_id, ServiceUnavailableError("payjp_unavailable"))
        return None
