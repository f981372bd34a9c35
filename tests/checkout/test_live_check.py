"""接続チェック end to end against the simulator: a ¥50 テスト payment through the public URL,
the webhook, the receipt, CSP reports and the refund; and each condition that fails it."""

from __future__ import annotations

import json
import pathlib
import secrets as token_secrets
from collections.abc import Iterator
from typing import Any

import payjp
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from desktop.domain.billing import BillingState
from desktop.domain.clinic import PaymentMode
from desktop.domain.errors import UserError
from desktop.domain.live_check import Step
from desktop.services.checkout import checkout_services_from_context, create_checkout_app
from desktop.services.checkout.security import CsrfSigner, RateLimiter
from desktop.services.context import AppContext
from desktop.services.directory import ClinicUpdate
from desktop.services.live_check import LiveCheckResult, LiveCheckStarted
from desktop.services.secrets import payjp_secret_name
from desktop.simulator.testing import RunningSimulator
from desktop.storage.orm import BillingRequest, CspReport
from tests.checkout.helpers import WEBHOOK_TOKEN, Link, make_context
from tests.checkout.test_pay_page import pay, state_of
from tests.integration.seed import Front, seed_front_desk

PUBLIC = "https://clinic.example.jp"
STAFF_MAIL = "manager@clinic.example.jp"


@pytest.fixture
def ctx(tmp_path: pathlib.Path, db_url: str, sim: RunningSimulator) -> Iterator[AppContext]:
    context = make_context(tmp_path, db_url, sim.base_url)
    context.gateways._live_api_base = sim.base_url  # PAY.JP of テスト is the simulator here
    yield context
    context.close()


@pytest.fixture
def front(ctx: AppContext, sim: RunningSimulator) -> Front:
    """A clinic in テストモード with the simulator's test keys and its own tenant there."""
    tenant_id = "clinicpay-check-" + token_secrets.token_hex(4)
    front = seed_front_desk(ctx.db, mode=PaymentMode.TEST, public_base_url=PUBLIC, public_key=sim.public_key,
                            tenant_id=tenant_id)
    ctx.secrets.set(payjp_secret_name("test"), sim.secret_key)
    clinic = ctx.clinic()
    assert clinic is not None
    ctx.gateways(clinic).create_tenant(tenant_id=tenant_id, name=clinic.name, platform_fee_rate="1.00", metadata={})
    return front


def _client(ctx: AppContext, base_url: str = PUBLIC) -> TestClient:
    app = create_checkout_app(checkout_services_from_context(ctx), limiter=RateLimiter(limit=1000, window=60),
                              csrf=CsrfSigner(b"k" * 32), link_cache_ttl=0)
    return TestClient(app, base_url=base_url)


def _path(started: LiveCheckStarted) -> str:
    assert started.pay_url.startswith(PUBLIC + "/pay/")
    return started.pay_url[len(PUBLIC):]


def _pay(client: TestClient, sim: RunningSimulator, path: str) -> dict[str, Any]:
    """Pay with PAY.JP's test card as the page does, through PAY.JP's 3-D Secure page."""
    return pay(client, sim, Link(0, path.rsplit("/", 1)[-1]))


def _deliver_events(client: TestClient, sim: RunningSimulator, charge_id: str, token: str = WEBHOOK_TOKEN) -> int:
    """PAY.JP's webhook: the simulator's events about the charge, posted to the public URL."""
    previous = payjp.api_base
    payjp.api_base = sim.base_url
    try:
        events = payjp.Event.all(api_key=sim.secret_key, limit=100)
    finally:
        payjp.api_base = previous
    posted = 0
    for event in events["data"]:
        if event["data"].get("id") == charge_id:
            answer = client.post("/webhooks/payjp", json=dict(event), headers={"X-Payjp-Webhook-Token": token})
            assert answer.status_code == (200 if token == WEBHOOK_TOKEN else 401)
            posted += 1
    return posted


def _charge_of(ctx: AppContext, request_id: int) -> str:
    with ctx.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.charge_id
        return req.charge_id


def _failed(result: LiveCheckResult) -> dict[Step, UserError]:
    return {s.item: s.reason for s in result.steps if s.reason is not None}


def _walk_through(ctx: AppContext, sim: RunningSimulator, front: Front, client: TestClient, *,
                  webhook_token: str = WEBHOOK_TOKEN, open_receipt: bool = True) -> tuple[LiveCheckStarted, str]:
    started = ctx.live_check.start(front.manager, front.clinic_id, STAFF_MAIL)
    path = _path(started)
    assert _pay(client, sim, path)["result"] == "paid"
    charge_id = _charge_of(ctx, started.request_id)
    assert _deliver_events(client, sim, charge_id, webhook_token) >= 1
    if open_receipt:
        assert client.get(path + "/receipt").status_code == 200
    return started, charge_id


def test_the_check_passes_end_to_end_and_the_guard_sees_it(ctx: AppContext, sim: RunningSimulator,
                                                           front: Front) -> None:
    assert ctx.live_check.last_pass(front.clinic_id) is None
    with _client(ctx) as client:
        started, _charge = _walk_through(ctx, sim, front, client)
        # the ¥50 request went to the manager's address, as a normal payment mail
        with ctx.db.uow(readonly=True) as uow:
            req = uow.session.get(BillingRequest, started.request_id)
            assert req is not None and req.amount == 50
        # the check's menu stays out of メニュー設定 and the reservation dialog
        assert "接続チェック" not in [m.name for m in ctx.queries.menus(front.clinic_id)]
        result = ctx.live_check.finish(front.manager, started.check_id)
    assert _failed(result) == {} and result.passed
    assert [s.item for s in result.steps] == list(Step)
    assert state_of(ctx, started.request_id) is BillingState.REFUNDED
    assert ctx.live_check.last_pass(front.clinic_id) == result.finished_at
    kept = ctx.live_check.latest(front.clinic_id)
    assert kept is not None and kept.passed and kept.finished_at == result.finished_at


def test_a_page_served_without_https_fails_the_page_step(ctx: AppContext, sim: RunningSimulator,
                                                         front: Front) -> None:
    with _client(ctx, base_url="http://clinic.example.jp") as client:
        started = ctx.live_check.start(front.manager, front.clinic_id, STAFF_MAIL)
        path = _path(started)
        assert _pay(client, sim, path)["result"] == "paid"
        _deliver_events(client, sim, _charge_of(ctx, started.request_id))
        client.get(path + "/receipt")
        result = ctx.live_check.finish(front.manager, started.check_id)
    failed = _failed(result)
    assert set(failed) == {Step.PAGE_HTTPS}
    assert failed[Step.PAGE_HTTPS].code == "live_check_page_not_https"
    assert "X-Forwarded-Proto" in failed[Step.PAGE_HTTPS].message("en")
    assert ctx.live_check.last_pass(front.clinic_id) is None


def test_a_webhook_with_a_wrong_token_says_to_enter_the_token_again(ctx: AppContext, sim: RunningSimulator,
                                                                    front: Front) -> None:
    with _client(ctx) as client:
        started, _charge = _walk_through(ctx, sim, front, client, webhook_token="whook_wrong_0000")
        result = ctx.live_check.finish(front.manager, started.check_id)
    failed = _failed(result)
    assert set(failed) == {Step.WEBHOOK}
    assert failed[Step.WEBHOOK].code == "live_check_webhook_token_wrong"
    assert "Webhookトークン" in failed[Step.WEBHOOK].message("ja")


def test_no_webhook_at_all_names_the_url_to_register(ctx: AppContext, sim: RunningSimulator, front: Front) -> None:
    with _client(ctx) as client:
        started = ctx.live_check.start(front.manager, front.clinic_id, STAFF_MAIL)
        path = _path(started)
        _pay(client, sim, path)
        client.get(path + "/receipt")
        result = ctx.live_check.finish(front.manager, started.check_id)
    failed = _failed(result)
    assert set(failed) == {Step.WEBHOOK}
    assert PUBLIC + "/webhooks/payjp" in failed[Step.WEBHOOK].message("en")


def test_a_csp_violation_reported_by_the_page_names_the_directive_to_widen(ctx: AppContext, sim: RunningSimulator,
                                                                           front: Front) -> None:
    with _client(ctx) as client:
        started = ctx.live_check.start(front.manager, front.clinic_id, STAFF_MAIL)
        path = _path(started)
        page = client.get(path)
        # while the check runs, PAY.JP's part of the policy is report-only: the strict policy is reported
        assert "https:" in page.headers["content-security-policy"].split("frame-src", 1)[1].split(";")[0]
        strict = page.headers["content-security-policy-report-only"]
        strict_frame = set(strict.split("frame-src", 1)[1].split(";")[0].split())
        assert "report-uri /csp-report" in strict and "https:" not in strict_frame and "https://js.pay.jp" in strict_frame
        report = {"csp-report": {
            "document-uri": PUBLIC + path + "?lang=en", "violated-directive": "frame-src",
            "effective-directive": "frame-src", "blocked-uri": "https://checkout.pay.jp/frame/card?token=secret123",
            "disposition": "report", "original-policy": strict}}
        answer = client.post("/csp-report", content=json.dumps(report),
                             headers={"Content-Type": "application/csp-report"})
        assert answer.status_code == 204
        _walk_rest(ctx, sim, client, path, started)
        result = ctx.live_check.finish(front.manager, started.check_id)
    failed = _failed(result)
    assert set(failed) == {Step.PAYJP_JS}
    assert failed[Step.PAYJP_JS].code == "live_check_csp_blocked"
    assert "frame-src" in failed[Step.PAYJP_JS].message("en")
    assert "https://checkout.pay.jp" in failed[Step.PAYJP_JS].message("en")
    # kept without the link token, the path or the query
    rows = ctx.live_check.csp_reports()
    assert [(r.directive, r.blocked, r.page, r.report_only) for r in rows] == [
        ("frame-src", "https://checkout.pay.jp", "/pay/…", True)]
    with ctx.db.uow(readonly=True) as uow:
        stored = " ".join(f"{r.directive} {r.blocked} {r.page}" for r in uow.session.scalars(select(CspReport)))
    assert path.split("/")[-1] not in stored and "secret123" not in stored and "lang" not in stored


def _walk_rest(ctx: AppContext, sim: RunningSimulator, client: TestClient, path: str,
               started: LiveCheckStarted) -> None:
    assert _pay(client, sim, path)["result"] == "paid"
    _deliver_events(client, sim, _charge_of(ctx, started.request_id))
    client.get(path + "/receipt")


def test_a_charge_without_the_clinics_tenant_fails_the_tenant_step(ctx: AppContext, sim: RunningSimulator,
                                                                    front: Front) -> None:
    with _client(ctx) as client:
        started, _charge = _walk_through(ctx, sim, front, client)
        # the clinic's tenant was changed (or never reached the charge): the charge carries another one
        ctx.directory.update_clinic(front.manager, front.clinic_id, ClinicUpdate(payjp_tenant_id="ten_other"))
        result = ctx.live_check.finish(front.manager, started.check_id)
    failed = _failed(result)
    assert Step.TENANT in failed and failed[Step.TENANT].code == "live_check_no_tenant"


def test_nothing_done_yet_lists_what_to_do_and_the_check_can_be_looked_at_again(
        ctx: AppContext, sim: RunningSimulator, front: Front) -> None:
    started = ctx.live_check.start(front.manager, front.clinic_id, STAFF_MAIL)
    first = ctx.live_check.finish(front.manager, started.check_id)
    assert {s.item for s in first.steps if not s.ok} == set(Step)
    assert _failed(first)[Step.PAGE_HTTPS].code == "live_check_page_not_opened"
    with _client(ctx) as client:
        _walk_rest(ctx, sim, client, _path(started), started)
        second = ctx.live_check.finish(front.manager, started.check_id)
    assert second.passed


def test_only_a_manager_in_test_mode_starts_a_check(ctx: AppContext, front: Front) -> None:
    with pytest.raises(UserError) as staff:
        ctx.live_check.start(front.staff, front.clinic_id, STAFF_MAIL)
    assert staff.value.code in ("permission_denied", "manager_only")
    ctx.directory.update_clinic(front.manager, front.clinic_id, ClinicUpdate(payment_mode=PaymentMode.DEMO))
    with pytest.raises(UserError) as demo:
        ctx.live_check.start(front.manager, front.clinic_id, STAFF_MAIL)
    assert demo.value.code == "live_check_test_mode_only"


def test_csp_reports_are_rate_limited_and_bounded(ctx: AppContext, front: Front) -> None:
    with _client(ctx) as client:
        for n in range(30):
            body = [{"type": "csp-violation", "body": {
                "documentURL": f"{PUBLIC}/clinic/terms", "effectiveDirective": "img-src",
                "blockedURL": f"https://img{n}.example/x.png", "disposition": "enforce"}}]
            assert client.post("/csp-report", json=body,
                               headers={"Content-Type": "application/reports+json"}).status_code == 204
        assert client.post("/csp-report", content=b"{not json").status_code in (204, 400)
    rows = ctx.live_check.csp_reports(limit=100)
    assert len(rows) == 20  # 20 a minute from one client; the rest is answered and dropped
    assert all(r.page == "/clinic/terms" and r.directive == "img-src" for r in rows)
