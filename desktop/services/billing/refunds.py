"""Refunds (返金): full or partial, recorded before PAY.JP is called, reconciled when lost."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets

from desktop.domain.billing import REFUND_LIMIT_DAYS, REFUNDABLE_STATES, BillingState, RefundStatus
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desktop.domain.errors import NotFoundError, StateError, ValidationError
from desktop.domain.formatting import format_yen
from desktop.domain.money import Yen, parse_refund_yen
from desktop.domain.validation import validate_refund_reason
from desktop.services.billing.common import Clock, GatewayFor, RefundOutcome
from desktop.services.billing.reconciliation import ReconciliationService
from desktop.services.billing.recording import RefundRecorder, call_and_record
from desktop.domain.staff import Actor, Permission
from desktop.services.authz import authorize
from desktop.storage.orm import BillingRequest, Refund, RefundApproval, Staff
from desktop.storage.repositories import Audit, BillingRepositories, snapshot
from desktop.storage.unit_of_work import Database


@dataclasses.dataclass(frozen=True)
class PendingRefund:
    """A refund waiting for a second 管理者 (承認待ち); ``amount`` in whole yen, ``requested_at`` UTC."""

    approval_id: str
    request_id: int
    amount: Yen
    reason: str
    requested_by: int
    requested_by_name: str
    patient_name: str
    requested_at: dt.datetime


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
        self, request_id: int, actor: Actor, amount: Yen | None = None, reason: str | None = "", *,
        approver: Actor | None = None,
    ) -> RefundOutcome:
        """返金する: refund all that is left (``amount=None``) or part of it.

        Above the clinic's ``refund_approval_threshold`` (whole yen; 0 = never) a second 管理者
        must approve: pass them as ``approver`` (signed in by their password or PIN in the refund
        dialog), or the refund waits as 承認待ち (``RefundOutcome.approval_id``; nothing refunded)
        until ``approve`` or ``withdraw``.

        Args:
            request_id: a paid request.
            actor: a 管理者 of the request's clinic, signed in.
            amount: whole yen, 1 to what is left; None refunds all that is left.
            reason: 返金理由 (at most 255 characters), sent to PAY.JP.
            approver: the second 管理者 (not ``actor``), for a refund above the threshold.

        Returns:
            This refund and the request's refunded total (whole yen) and state.

        Raises:
            ValidationError: amount out of range, reason too long, ``self_approval``.
            PermissionDeniedError: ``manager_only`` (the actor or approver is not a 管理者).
            StateError: a refund in flight, not refundable, past 180 days.
            NotFoundError: unknown request, or staff of another clinic.
            PaymentError / ServiceUnavailableError: PAY.JP refused (recorded; nothing refunded).
            OutcomeUnknownError: the answer was lost and could not be found yet (reconciled later).
        """
        text = validate_refund_reason(reason)
        with self.db.uow() as uow:
            s = uow.session
            req = BillingRepositories(s).requests.get(request_id)
            staff = authorize(s, actor, Permission.REFUND, clinic_id=req.clinic_id, code="manager_only")
            value = self._check(s, req, amount)
            threshold = BillingRepositories(s).requests.clinic_of(req).refund_approval_threshold
            needs_approval = bool(threshold) and value > threshold
            approved_by: int | None = None
            if needs_approval and approver is not None:
                approved_by = self._approver(s, approver, req.clinic_id, staff.id).id
            elif needs_approval:
                approval_id = "apv_" + secrets.token_hex(12)
                s.add(RefundApproval(id=approval_id, clinic_id=req.clinic_id, billing_request_id=req.id,
                                     amount=value, reason=text, status="pending", requested_by=staff.id,
                                     created_at=self.clock()))
                s.flush()
                BillingRepositories(s).requests.record(
                    req, Audit("staff", "refund_approval_requested", staff.id,
                               {"approval": approval_id, "refund_amount": value, "reason": text}),
                    before=snapshot(req))
                outcome = RefundOutcome(req.id, "", value, Yen(req.refunded_amount), req.state, approval_id=approval_id)
                uow.commit()
                return outcome
        return self._start(request_id, staff.id, value, text, acting=staff.id, approved_by=approved_by)

    def approve(self, approval_id: str, actor: Actor) -> RefundOutcome:
        """承認: a second 管理者 (not the one who asked) approves a waiting refund, which then runs.

        Raises:
            ValidationError: ``self_approval``.
            StateError: ``approval_not_pending`` (already approved or withdrawn), or as ``refund``.
            PermissionDeniedError: not a 管理者. PaymentError etc.: as ``refund``.
        """
        with self.db.uow() as uow:
            s = uow.session
            approval = s.get(RefundApproval, approval_id)
            if approval is None:
                raise NotFoundError()
            approver = self._approver(s, actor, approval.clinic_id, approval.requested_by)
            req = BillingRepositories(s).requests.get(approval.billing_request_id)
            value = self._check(s, req, Yen(approval.amount))
            self._decide(s, approval_id, "approved", approver.id)
            requested_by, text, request_id = approval.requested_by, approval.reason, approval.billing_request_id
            uow.commit()
        return self._start(request_id, requested_by, value, text, acting=approver.id, approved_by=approver.id,
                           approval_id=approval_id)

    def withdraw(self, approval_id: str, actor: Actor) -> None:
        """取り下げ: a waiting refund is dropped (by any 管理者); nothing is refunded.

        Raises: StateError (``approval_not_pending``), PermissionDeniedError, NotFoundError.
        """
        with self.db.uow() as uow:
            s = uow.session
            approval = s.get(RefundApproval, approval_id)
            if approval is None:
                raise NotFoundError()
            staff = authorize(s, actor, Permission.REFUND, clinic_id=approval.clinic_id, code="manager_only")
            self._decide(s, approval_id, "withdrawn", staff.id)
            repo = BillingRepositories(s).requests
            req = repo.get(approval.billing_request_id)
            repo.record(req, Audit("staff", "refund_approval_withdrawn", staff.id,
                                   {"approval": approval_id, "refund_amount": approval.amount}),
                        before=snapshot(req))
            uow.commit()

    def _decide(self, s: Session, approval_id: str, status: str, staff_id: int) -> None:
        """Moves a waiting approval to ``status`` (approved / withdrawn) by ``staff_id``, if still waiting.

        Raises:
            StateError: ``approval_not_pending`` (another 管理者 decided it first).
        """
        moved = s.execute(
            update(RefundApproval)
            .where(RefundApproval.id == approval_id, RefundApproval.status == "pending")
            .values(status=status, decided_by=staff_id, decided_at=self.clock())
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StateError("approval_not_pending")

    def pending(self, clinic_id: int) -> list[PendingRefund]:
        """The clinic's refunds waiting for approval (承認待ち), oldest first."""
        with self.db.uow(readonly=True) as uow:
            s = uow.session
            rows = s.execute(
                select(RefundApproval, BillingRequest.patient_name, Staff.name)
                .join(BillingRequest, BillingRequest.id == RefundApproval.billing_request_id)
                .join(Staff, Staff.id == RefundApproval.requested_by)
                .where(RefundApproval.clinic_id == clinic_id, RefundApproval.status == "pending")
                .order_by(RefundApproval.created_at)
            ).all()
            return [PendingRefund(a.id, a.billing_request_id, Yen(a.amount), a.reason, a.requested_by, name,
                                  patient, a.created_at) for a, patient, name in rows]

    def _approver(self, s: Session, approver: Actor, clinic_id: int, requested_by: int) -> Staff:
        staff = authorize(s, approver, Permission.APPROVE_REFUND, clinic_id=clinic_id, code="manager_only")
        if staff.id == requested_by:
            raise ValidationError("self_approval", field="approver")
        return staff

    def _check(self, s: Session, req: BillingRequest, amount: Yen | None) -> Yen:
        """What may be refunded of ``req`` now (``amount`` or all that is left), or why not."""
        now = self.clock()
        if req.state is BillingState.REFUNDING:
            raise StateError("refund_in_progress")
        if req.state not in REFUNDABLE_STATES or not req.charge_id or req.paid_at is None:
            raise StateError("request_not_refundable", state=req.state)
        if now - req.paid_at > dt.timedelta(days=REFUND_LIMIT_DAYS):
            raise StateError("refund_limit_exceeded")
        remaining = Yen(req.amount - req.refunded_amount)
        return remaining if amount is None else parse_refund_yen(amount, remaining, format_yen(remaining))

    def _start(self, request_id: int, staff_id: int, value: Yen, text: str, *, acting: int,
               approved_by: int | None, approval_id: str | None = None) -> RefundOutcome:
        """Record the refund (request REFUNDING), call PAY.JP, record the answer."""
        now = self.clock()
        refund_id = "ref_" + secrets.token_hex(12)
        details: dict[str, object] = {"refund": refund_id, "refund_amount": value, "reason": text}
        if approved_by is not None:
            details.update(requested_by=staff_id, approved_by=approved_by)
        if approval_id is not None:
            details["approval"] = approval_id
        with self.db.uow() as uow:
            s = uow.session
            repos = BillingRepositories(s)
            req = repos.requests.get(request_id)
            value = self._check(s, req, value)
            refunded_before = req.refunded_amount
            moved = repos.requests.transition(
                req,
                REFUNDABLE_STATES,
                BillingState.REFUNDING,
                Audit("staff", "refund_started", acting, details),
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
                    staff_id=staff_id,
                    created_at=now,
                )
            )
            if approval_id is not None:
                s.execute(update(RefundApproval).where(RefundApproval.id == approval_id)
                          .values(refund_id=refund_id).execution_options(synchronize_session=False))
            gateway, charge_id = self.gateway_for(repos.requests.clinic_of(req)), req.charge_id
            assert charge_id is not None  # checked by _check
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
