"""PAY.JP events (webhooks): charge and refund events, tenant updates; applied once per event id.

An event is only a hint: charge events make reconciliation look the charge up at PAY.JP,
refund events re-read the charge's ``amount_refunded``, tenant events re-read the tenant. So
even a forged event cannot mark anything paid or refunded.
"""

from __future__ import annotations

import dataclasses

import enum
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from desktop.domain.billing import AttemptStatus
from desktop.domain.errors import UserError
from desktop.services.billing.common import Clock, GatewayFor
from desktop.services.billing.reconciliation import ReconciliationService
from desktop.services.billing.recording import RefundRecorder
from desktop.services.payjp_gateway import METADATA_ATTEMPT_KEY
from desktop.services.tenants import TenantService
from desktop.storage.orm import Clinic, WebhookEvent
from desktop.storage.repositories import BillingRepositories
from desktop.storage.unit_of_work import Database

CHARGE_EVENTS = frozenset({"charge.succeeded", "charge.failed", "charge.updated", "charge.captured"})
REFUND_EVENTS = frozenset({"charge.refunded"})
TENANT_EVENTS = frozenset({"tenant.updated", "tenant.created"})


class EventResult(enum.StrEnum):
    """What applying an event did (the webhook answers it; logs show it)."""

    DUPLICATE = "duplicate"  # this event id was applied before
    IGNORED = "ignored"  # a type ClinicPay does not follow
    UNKNOWN_CHARGE = "unknown_charge"
    SETTLED = "settled"  # nothing left to do (answered already, or waiting for 3-D Secure)
    RECONCILED = "reconciled"
    PENDING = "pending"  # PAY.JP could not be asked now; a later event or reconciliation will
    REFUND_APPLIED = "refund_applied"
    UNKNOWN_TENANT = "unknown_tenant"
    TENANT_APPLIED = "tenant_applied"


@dataclasses.dataclass(frozen=True, kw_only=True)
class PayjpEventService:
    """Applies verified PAY.JP events.

    Args:
        db: the database.
        gateway_for: the PAY.JP gateway for a clinic's payment mode.
        reconciliation: resolves attempts a charge event is about.
        tenants: re-reads a tenant's review status.
        clock: current UTC time.
        refund_recorder: records a refund made outside ClinicPay (the rule 照合 uses too) and
            mails the patient about it.
    """

    db: Database
    gateway_for: GatewayFor
    reconciliation: ReconciliationService
    tenants: TenantService
    clock: Clock
    refund_recorder: RefundRecorder

    def handle(self, event: Mapping[str, Any]) -> EventResult:
        """Apply one verified event (``{"id": "evnt_…", "type": …, "data": {…}}``) once.

        Returns:
            What was done; ``DUPLICATE`` for an event id seen before.

        Raises:
            Exception: anything unexpected (the webhook then answers 503 and PAY.JP retries);
                the event is not remembered, so the retry applies it.
        """
        event_id, event_type = str(event["id"]), str(event["type"])
        with self.db.uow(readonly=True) as uow:
            if uow.session.get(WebhookEvent, event_id) is not None:
                return EventResult.DUPLICATE
        data = event.get("data")
        body: Mapping[str, Any] = data if isinstance(data, dict) else {}
        if event_type in CHARGE_EVENTS:
            result = self._charge_event(body)
        elif event_type in REFUND_EVENTS:
            result = self._refund_event(body)
        elif event_type in TENANT_EVENTS:
            result = self._tenant_event(body)
        else:
            result = EventResult.IGNORED
        self._remember(event_id, event_type)
        return result

    def _remember(self, event_id: str, event_type: str) -> None:
        try:
            with self.db.uow() as uow:
                uow.session.add(WebhookEvent(id=event_id, type=event_type[:64], received_at=self.clock()))
                uow.commit()
        except IntegrityError:
            pass  # the same event delivered twice at once: both applications were idempotent

    def _charge_event(self, charge: Mapping[str, Any]) -> EventResult:
        metadata = charge.get("metadata")
        attempt_key = str(metadata.get(METADATA_ATTEMPT_KEY) or "") if isinstance(metadata, dict) else ""
        with self.db.uow(readonly=True) as uow:
            attempt = BillingRepositories(uow.session).attempts.for_charge(str(charge.get("id") or ""), attempt_key)
            if attempt is None:
                return EventResult.UNKNOWN_CHARGE
            attempt_id, status = attempt.id, attempt.status
        if status not in (AttemptStatus.PENDING, AttemptStatus.UNKNOWN, AttemptStatus.THREE_D_SECURE):
            return EventResult.SETTLED  # answered already
        # Waiting for 3-D Secure included: a finish whose answer was lost shows up here as
        # charge.succeeded; the look-up (not the event body) decides.
        try:
            outcome = self.reconciliation.reconcile_attempt(attempt_id)
        except UserError:
            return EventResult.RECONCILED  # declined: recorded by reconciliation
        return EventResult.RECONCILED if outcome is not None else EventResult.PENDING

    def _refund_event(self, charge: Mapping[str, Any]) -> EventResult:
        """A refund made outside ClinicPay (e.g. PAY.JP's dashboard): follow PAY.JP's own total.

        Same rules as a refund at the desk: the total is capped at the amount, the change is
        audited once, a refund row records it and the patient gets the refund mail.
        """
        charge_id = str(charge.get("id") or "")
        if not charge_id:
            return EventResult.UNKNOWN_CHARGE
        with self.db.uow(readonly=True) as uow:
            req = BillingRepositories(uow.session).requests.by_charge_id(charge_id)
            clinic = uow.session.get(Clinic, req.clinic_id) if req is not None else None
            if req is None or clinic is None:
                return EventResult.UNKNOWN_CHARGE
            gateway = self.gateway_for(clinic)
            request_id = req.id
        # A refund made at the desk whose answer was lost: settled now by the look-up.
        reconciled = [self.reconciliation.reconcile_refund(refund_id)
                      for refund_id in self.refund_recorder.open_refund_ids(request_id)]
        if any(outcome is not None for outcome in reconciled):
            return EventResult.RECONCILED
        try:
            info = gateway.retrieve_charge(charge_id)  # never trust the event body for money
        except UserError:
            return EventResult.PENDING
        if self.refund_recorder.apply_observed(request_id, info, source="webhook"):
            return EventResult.REFUND_APPLIED
        return EventResult.SETTLED

    def _tenant_event(self, tenant: Mapping[str, Any]) -> EventResult:
        tenant_id = str(tenant.get("id") or "")
        if not tenant_id:
            return EventResult.UNKNOWN_TENANT
        with self.db.uow(readonly=True) as uow:
            clinic_id = uow.session.scalar(select(Clinic.id).where(Clinic.payjp_tenant_id == tenant_id))
        if clinic_id is None:
            return EventResult.UNKNOWN_TENANT
        try:
            self.tenants.refresh_review(clinic_id)
        except UserError:
            return EventResult.PENDING
        return EventResult.TENANT_APPLIED
