"""POST /webhooks/payjp: verified by X-Payjp-Webhook-Token, idempotent per event id."""

from __future__ import annotations

import secrets

import payjp
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from desktop.domain.billing import AttemptStatus, BillingState
from desktop.domain.clinic import ReviewStatus
from desktop.services.context import AppContext
from desktop.services.directory import ClinicUpdate
from desktop.simulator.testing import RunningSimulator, make_test_token
from desktop.storage.orm import Clinic, PaymentAttempt, WebhookEvent
from tests.checkout.helpers import WEBHOOK_TOKEN, Link
from tests.checkout.test_pay_page import csrf_of, state_of
from tests.integration.seed import Front


def event(event_type: str, data: dict[str, object]) -> dict[str, object]:
    return {"id": "evnt_" + secrets.token_hex(14), "object": "event", "livemode": False, "created": 1,
            "type": event_type, "pending_webhooks": 1, "data": data}


def post(client: TestClient, body: dict[str, object], token: str | None = WEBHOOK_TOKEN) -> object:
    headers = {"X-Payjp-Webhook-Token": token} if token is not None else {}
    return client.post("/webhooks/payjp", json=body, headers=headers)


def events_seen(ctx: AppContext) -> int:
    with ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


def test_unsigned_or_wrongly_signed_calls_change_nothing(client: TestClient, ctx: AppContext) -> None:
    body = event("charge.succeeded", {"id": "ch_x", "object": "charge"})
    assert post(client, body, None).status_code == 401  # type: ignore[attr-defined]
    assert post(client, body, "whook_wrong").status_code == 401  # type: ignore[attr-defined]
    assert post(client, {"id": "bad", "type": "x"}).status_code == 400  # type: ignore[attr-defined]
    assert events_seen(ctx) == 0


def test_lost_charge_answer_is_resolved_by_charge_succeeded(client: TestClient, ctx: AppContext,
                                                            sim: RunningSimulator, link: Link) -> None:
    csrf = csrf_of(client.get(link.path).text)
    answer = client.post(link.path, json={"card_token": make_test_token(sim.base_url, sim.secret_key)},
                         headers={"X-CSRF-Token": csrf}).json()
    charge_id = str(answer["charge_id"])
    sim.complete_3ds(charge_id)
    payjp.api_base = sim.base_url
    charge = payjp.Charge.retrieve(charge_id, api_key=sim.secret_key)
    charge.tds_finish()  # PAY.JP finished it, but our answer was "lost":
    with ctx.db.uow() as uow:
        uow.session.execute(update(PaymentAttempt).values(status=AttemptStatus.UNKNOWN))
        uow.commit()
    body = event("charge.succeeded", {"id": charge_id, "object": "charge", "metadata": dict(charge["metadata"])})
    first = post(client, body)
    assert first.json() == {"received": True, "result": "reconciled"}  # type: ignore[attr-defined]
    assert state_of(ctx, link.request_id) is BillingState.PAID
    assert post(client, body).json()["result"] == "duplicate"  # type: ignore[attr-defined]
    assert events_seen(ctx) == 1


def test_forged_event_for_an_unknown_charge_changes_nothing(client: TestClient, ctx: AppContext, link: Link) -> None:
    body = event("charge.succeeded", {"id": "ch_forged", "object": "charge", "paid": True,
                                      "metadata": {"clinicpay_attempt": "att_nope"}})
    assert post(client, body).json()["result"] == "unknown_charge"  # type: ignore[attr-defined]
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED


def test_tenant_review_result_updates_the_clinic(client: TestClient, ctx: AppContext, sim: RunningSimulator,
                                                 front: Front) -> None:
    clinic = ctx.clinic()
    assert clinic is not None
    tenant_id = "clinicpay-test-" + secrets.token_hex(4)
    ctx.gateways(clinic).create_tenant(tenant_id=tenant_id, name=clinic.name, platform_fee_rate="1.00", metadata={})
    ctx.directory.update_clinic(front.manager, front.clinic_id, ClinicUpdate(payjp_tenant_id=tenant_id, review_status=ReviewStatus.IN_REVIEW))
    tenant = sim.admin("POST", f"/_sim/tenants/{tenant_id}/review", {"status": "passed"})
    answer = post(client, event("tenant.updated", tenant))
    assert answer.json()["result"] == "tenant_applied"  # type: ignore[attr-defined]
    with ctx.db.uow(readonly=True) as uow:
        found = uow.session.get(Clinic, front.clinic_id)
        assert found is not None and found.review_status is ReviewStatus.APPROVED
