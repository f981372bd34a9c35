"""Reconciliation: find out what happened to money calls whose answer was lost.

A lost answer is resolved by looking the charge up at PAY.JP (by the attempt id in its
metadata, or the charge's ``amount_refunded`` for refunds), never by calling again.
"""

from __future__ import annotations

import dataclasses

import datetime as dt
import logging

from desktop.domain.billing import AttemptStatus, RefundStatus
from desktop.domain.errors import PaymentError, ServiceUnavailableError, UserError
from desktop.services.billing.common import THREE_D_SECURE_TIMEOUT, Clock, GatewayFor, PaymentOutcome, RefundOutcome
from desktop.services.billing.recording import ChargeRecorder, RefundRecorder
from desktop.services.payjp_gateway import ChargeInfo
from desktop.storage.repositories import BillingRepositories
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReconciliationService:
    """Resolves attempts and refunds left unknown (lost answers, crashes, abandoned 3-D Secure).

    Args:
        db: the database.
        gateway_for: the PAY.JP gateway for a clinic's payment mode.
        charges: records attempt outcomes.
        refunds: records refund outcomes.
        clock: current UTC time.
        unknown_grace: how long an unanswered call may still be carried out by PAY.JP;
            a lost call that cannot be found is only declared failed after this.
    """

    db: Database
    gateway_for: GatewayFor
    charges: ChargeRecorder
    refunds: RefundRecorder
    clock: Clock
    unknown_grace: dt.timedelta
    def reconcile_attempt(self, attempt_id: str, *, raw_link: str | None = None) -> PaymentOutcome | None:
        """Find out what happened to an attempt whose answer was lost.

        Looks the charge up by the attempt id in its metadata.

        Args:
            attempt_id: the attempt (``att_…``).
            raw_link: the patient's link token, when known (the receipt mail then links to the receipt).

        Returns:
            The outcome, or None while it cannot be known yet (PAY.JP unreachable, or still
            inside the grace period) or when the attempt was settled already or is now declared failed.

        Raises:
            NotFoundError: no such attempt.
            PaymentError: the charge was declined, as the original call would have raised.
        """
        with self.db.uow(readonly=True) as uow:
            repos = BillingRepositories(uow.session)
            attempt = repos.attempts.get(attempt_id)
            req = repos.requests.get(attempt.billing_request_id)
            clinic = repos.requests.clinic_of(req)
            started, tenant = attempt.started_at, clinic.payjp_tenant_id
            status, charge_id = attempt.status, attempt.charge_id
        if status in (AttemptStatus.SUCCEEDED, AttemptStatus.FAILED):
            return None
        try:
            gateway = self.gateway_for(clinic)
            if charge_id:
                charge: ChargeInfo | None = gateway.retrieve_charge(charge_id)
            else:
                since = int(started.timestamp()) - 300
                charge = gateway.find_charge_by_attempt(attempt_id, since=since, tenant=tenant)
        except UserError as exc:
            log.info("attempt %s: look-up failed (%s); will retry", attempt_id, exc.code)
            return None
        now = self.clock()
        if charge is None:
            if now - started < self.unknown_grace:
                return None  # PAY.JP may still carry it out; don't let the patient pay twice yet
            self.charges.fail(attempt_id, ServiceUnavailableError("payjp_unavailable"))
            return None
        if status is AttemptStatus.THREE_D_SECURE and not charge.paid and not charge.failure_code and (
            charge.three_d_secure_status in ("unverified", "verified")
        ) and now - started <= THREE_D_SECURE_TIMEOUT:
            return None  # the cardholder is still on PAY.JP's page, or on the way back to finish it
        if (
            status is AttemptStatus.UNKNOWN
            and not charge.paid
            and not charge.failure_code
            and charge.three_d_secure_status == "verified"
            and now - started <= THREE_D_SECURE_TIMEOUT
        ):
            # The cardholder passed 3-D Secure and asked to finish, but the answer (or the
            # process) was lost before tds_finish took effect: finish it now. A second
            # tds_finish of the same charge is refused by PAY.JP, never charged twice.
            try:
                charge = gateway.finish_three_d_secure(charge.id)
            except UserError as exc:
                log.info("attempt %s: 3-D Secure finish not done yet (%s); will retry", attempt_id, exc.code)
                return None
        if (charge.awaiting_three_d_secure or charge.three_d_secure_status == "verified") and not charge.paid and (
            now - started > THREE_D_SECURE_TIMEOUT
        ):
            self.charges.fail(
                attempt_id,
                PaymentError("three_d_secure_expired", payjp_code="three_d_secure_expired"),
                charge_id=charge.id,
            )
            return None
        return self.charges.apply_charge(attempt_id, charge, raw_link)

    def reconcile_refund(self, refund_id: str) -> RefundOutcome | None:
        """Resolve a refund whose answer was lost by reading the charge's ``amount_refunded``.

        Returns:
            The outcome, or None while it cannot be known yet, when it was settled already,
            or when it is now declared failed (after the grace period).

        Raises:
            NotFoundError: no such refund.
        """
        with self.db.uow(readonly=True) as uow:
            repos = BillingRepositories(uow.session)
            refund = repos.refunds.get(refund_id)
            req = repos.requests.get(refund.billing_request_id)
            assert req.charge_id
            clinic = repos.requests.clinic_of(req)
            status, expected, created, charge_id = (
                refund.status,
                refund.expected_amount_refunded,
                refund.created_at,
                req.charge_id,
            )
        if status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
            return None
        try:
            charge = self.gateway_for(clinic).retrieve_charge(charge_id)
        except UserError as exc:
            log.info("refund %s: look-up failed (%s); will retry", refund_id, exc.code)
            return None
        if charge.amount_refunded >= expected:
            return self.refunds.apply(refund_id, charge)
        if self.clock() - created < self.unknown_grace:
            return None
        self.refunds.fail(refund_id, ServiceUnavailableError("payjp_unavailable"))
        return None

    def reconcile_pending(self) -> int:
        """Resolve every attempt and refund left unknown; returns how many were resolved."""
        now = self.clock()
        with self.db.uow(readonly=True) as uow:
            repos = BillingRepositories(uow.session)
            attempt_ids = repos.attempts.to_reconcile(now, self.unknown_grace, THREE_D_SECURE_TIMEOUT)
            refund_ids = repos.refunds.to_reconcile(now, self.unknown_grace)
        resolved = 0
        for attempt_id in attempt_ids:
            try:
                if self.reconcile_attempt(attempt_id) is not None:
                    resolved += 1
            except UserError:
                resolved += 1  # resolved as declined
        for refund_id in refund_ids:
            try:
                if self.reconcile_refund(refund_id) is not None:
                    resolved += 1
            except UserError:
                resolved += 1
        return resolved
