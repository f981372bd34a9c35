"""``POST /webhooks/payjp``: PAY.JP events, verified, applied once per event id.

An event is only a hint: charge events make the billing service look the charge up at
PAY.JP (``reconcile_attempt``), tenant events re-read the tenant. So even a forged event
with a leaked token cannot mark anything paid; an unsigned or unknown call changes nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
from typing import Any, Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desktop.domain.billing import REFUNDABLE_STATES, AttemptStatus, state_after_refund
from desktop.domain.errors import UserError
from desktop.services import audit
from desktop.services.checkout.state import checkout_of
from desktop.services.context import AppContext
from desktop.services.payjp_gateway import METADATA_ATTEMPT_KEY
from desktop.services.secrets import WEBHOOK_TOKEN_ENV, WEBHOOK_TOKEN_SECRET
from desktop.services.tenants import TenantService
from desktop.storage.orm import BillingRequest, Clinic, PaymentAttempt, WebhookEvent

log = logging.getLogger(__name__)

_EVENT_ID = re.compile(r"^evnt_[A-Za-z0-9_]{1,60}$")
CHARGE_EVENTS = {"charge.succeeded", "charge.failed", "charge.updated", "charge.captured"}
TENANT_EVENTS = {"tenant.updated", "tenant.created"}


def secret_store_token(ctx: AppContext) -> Callable[[], str | None]:
    """The webhook token from the environment (server installs) or this PC's keyring."""

    def read() -> str | None:
        return os.environ.get(WEBHOOK_TOKEN_ENV) or ctx.secrets.get(WEBHOOK_TOKEN_SECRET)

    return read


def _already_seen(ctx: AppContext, event_id: str) -> bool:
    with ctx.db.uow(readonly=True) as uow:
        return uow.session.get(WebhookEvent, event_id) is not None


def _remember(ctx: AppContext, event_id: str, event_type: str) -> None:
    try:
        with ctx.db.uow() as uow:
            uow.session.add(WebhookEvent(id=event_id, type=event_type[:64], received_at=ctx.clock()))
            uow.commit()
    except IntegrityError:
        pass  # the same event delivered twice at once: both applications were idempotent


def apply_event(ctx: AppContext, event: dict[str, Any]) -> str:
    """Apply one verified event; returns what was done (for the response and tests)."""
    event_id, event_type = str(event["id"]), str(event["type"])
    if _already_seen(ctx, event_id):
        return "duplicate"
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    assert isinstance(data, dict)
    if event_type in CHARGE_EVENTS:
        result = _apply_charge(ctx, data)
    elif event_type == "charge.refunded":
        result = _apply_refund(ctx, data)
    elif event_type in TENANT_EVENTS:
        result = _apply_tenant(ctx, data)
    else:
        result = "ignored"
    _remember(ctx, event_id, event_type)
    return result


def _attempt_for(ctx: AppContext, charge: dict[str, Any]) -> PaymentAttempt | None:
    charge_id = str(charge.get("id") or "")
    metadata = charge.get("metadata") if isinstance(charge.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    attempt_id = str(metadata.get(METADATA_ATTEMPT_KEY) or "")
    with ctx.db.uow(readonly=True) as uow:
        s = uow.session
        if attempt_id:
            found = s.get(PaymentAttempt, attempt_id)
            if found is not None and (not found.charge_id or found.charge_id == charge_id):
                return found
        if charge_id:
            return s.scalars(select(PaymentAttempt).where(PaymentAttempt.charge_id == charge_id)).first()
    return None


def _apply_charge(ctx: AppContext, charge: dict[str, Any]) -> str:
    attempt = _attempt_for(ctx, charge)
    if attempt is None:
        return "unknown_charge"
    if attempt.status not in (AttemptStatus.PENDING, AttemptStatus.UNKNOWN):
        return "settled"  # answered already, or waiting for the cardholder's 3-D Secure
    try:
        outcome = ctx.billing.reconcile_attempt(attempt.id)
    except UserError:
        return "reconciled"  # declined: recorded by the billing service
    return "reconciled" if outcome is not None else "pending"


def _apply_refund(ctx: AppContext, charge: dict[str, Any]) -> str:
    """A refund made outside ClinicPay (e.g. PAY.JP's dashboard): follow PAY.JP's own total."""
    charge_id = str(charge.get("id") or "")
    with ctx.db.uow(readonly=True) as uow:
        req = uow.session.scalars(select(BillingRequest).where(BillingRequest.charge_id == charge_id)).first()
        clinic = uow.session.get(Clinic, req.clinic_id) if req is not None else None
    if req is None or clinic is None or not charge_id:
        return "unknown_charge"
    try:
        info = ctx.gateways(clinic).retrieve_charge(charge_id)  # never trust the event body for money
    except UserError:
        return "pending"
    if info.amount_refunded <= req.refunded_amount or req.state not in REFUNDABLE_STATES:
        return "settled"
    now = ctx.clock()
    target = state_after_refund(req.amount, info.amount_refunded)
    with ctx.db.uow() as uow:
        moved = uow.session.execute(
            update(BillingRequest)
            .where(BillingRequest.id == req.id, BillingRequest.state.in_(list(REFUNDABLE_STATES)),
                   BillingRequest.refunded_amount < info.amount_refunded)
            .values(state=target, refunded_amount=info.amount_refunded, last_refunded_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            audit.record(uow.session, clinic_id=req.clinic_id, actor="payjp", action="refund_observed",
                         entity_type="billing_request", entity_id=req.id,
                         before={"state": req.state.value, "refunded_amount": req.refunded_amount},
                         after={"state": target.value, "refunded_amount": info.amount_refunded})
        uow.commit()
    return "refund_applied"


def _apply_tenant(ctx: AppContext, tenant: dict[str, Any]) -> str:
    tenant_id = str(tenant.get("id") or "")
    with ctx.db.uow(readonly=True) as uow:
        clinic_id = uow.session.scalar(select(Clinic.id).where(Clinic.payjp_tenant_id == tenant_id)) if tenant_id else None
    if clinic_id is None:
        return "unknown_tenant"
    try:
        TenantService(ctx.db, ctx.gateways, clock=ctx.clock).refresh_review(clinic_id)
    except UserError:
        return "pending"
    return "tenant_applied"


async def payjp_webhook(request: Request) -> Response:
    checkout = checkout_of(request)
    expected = await checkout.ctx.runner.db(checkout.webhook_token)
    given = request.headers.get("x-payjp-webhook-token", "")
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        return JSONResponse({"error": "unauthorized"}, status_code=401)
    try:
        event = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"error": "bad json"}, status_code=400)
    if (not isinstance(event, dict) or event.get("object") != "event" or not isinstance(event.get("type"), str)
            or not _EVENT_ID.match(str(event.get("id", "")))):
        return JSONResponse({"error": "not an event"}, status_code=400)
    try:
        result = await checkout.ctx.runner.payments(apply_event, checkout.ctx, event)
    except Exception:
        log.exception("webhook %s could not be applied", event["id"])
        return JSONResponse({"error": "retry later"}, status_code=503)  # PAY.JP retries
    checkout.links.drop()  # an event may have changed any link's state
    log.info("webhook %s (%s): %s", event["id"], event["type"], result)
    return JSONResponse({"received": True, "result": result})


ROUTES = [Route("/webhooks/payjp", payjp_webhook, methods=["POST"])]
