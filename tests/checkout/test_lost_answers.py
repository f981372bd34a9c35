"""A lost answer to the 3-D Secure finish: the patient sees 処理中, then 完了, never an error page.

PAY.JP carries ``tds_finish`` out but its answer is lost, and the look-up right after fails
too. The link then shows 処理中 (reloading itself, with no way back to PAY.JP's page, which
would now answer with an error); the next reconciliation tick or the ``charge.succeeded``
webhook settles it without waiting for the 30-minute 3-D Secure timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import pathlib

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from desktop.domain.billing import AttemptStatus, BillingState
from desktop.services.checkout import cli
from desktop.services.context import AppContext, set_demo_api_base
from desktop.simulator.testing import RunningSimulator, make_test_token
from desktop.storage.orm import PaymentAttempt
from tests.checkout.helpers import Link
from tests.checkout.test_pay_page import csrf_of, finish_return, state_of, through_payjp
from tests.checkout.test_three_d_secure import start_payment
from tests.integration.test_server_sockets import run_in_own_loop


def _lose_the_finish(client: TestClient, sim: RunningSimulator, link: Link) -> str:
    """Pay with 3-D Secure; the finish is carried out, its answer and the look-up after it lost."""
    answer = start_payment(client, sim, link)
    back_url = through_payjp(answer["redirect"])
    charge_id = str(answer["charge_id"])
    sim.state.faults.drop_next(1, method="POST", path_prefix=f"/v1/charges/{charge_id}/tds_finish")
    sim.state.faults.fail_next(20, status=500, method="GET", path_prefix=f"/v1/charges/{charge_id}")
    try:
        done = finish_return(client, back_url)
    finally:
        sim.state.faults.clear()
    assert done.status_code == 303
    assert done.headers["location"] == f"{link.path}?lang=ja"  # no ?error=: nothing failed for the patient
    page = client.get(done.headers["location"])
    assert page.status_code == 200 and "お支払いを確認しています" in page.text
    assert "本人認証を続ける" not in page.text  # PAY.JP's page would now answer with an error
    assert '<meta http-equiv="refresh"' in page.text  # the page reloads itself until it knows
    assert state_of(ctx_of(client), link.request_id) is BillingState.PROCESSING
    return charge_id


def ctx_of(client: TestClient) -> AppContext:
    ctx: AppContext = client.app.state.test_ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def tclient(client: TestClient, ctx: AppContext) -> TestClient:
    client.app.state.test_ctx = ctx  # type: ignore[attr-defined]
    return client


def _paid_once(ctx: AppContext, client: TestClient, link: Link, sim: RunningSimulator, charge_id: str) -> None:
    assert state_of(ctx, link.request_id) is BillingState.PAID
    thanks = client.get(link.path, follow_redirects=True)
    assert "お支払い済みです" in thanks.text
    with ctx.db.uow(readonly=True) as uow:
        attempts = uow.session.scalars(select(PaymentAttempt)).all()
        assert [(a.status, a.charge_id) for a in attempts] == [(AttemptStatus.SUCCEEDED, charge_id)]


def test_lost_finish_is_settled_by_the_next_reconciliation_tick(tclient: TestClient, ctx: AppContext,
                                                                sim: RunningSimulator, link: Link) -> None:
    charge_id = _lose_the_finish(tclient, sim, link)
    assert ctx.billing.reconcile_pending() == 1  # at once: not after the 3-D Secure timeout
    _paid_once(ctx, tclient, link, sim, charge_id)


def test_lost_finish_is_settled_by_the_charge_succeeded_webhook(tclient: TestClient, ctx: AppContext,
                                                                sim: RunningSimulator, link: Link) -> None:
    charge_id = _lose_the_finish(tclient, sim, link)
    event = {"id": "evnt_lost_finish_" + charge_id, "type": "charge.succeeded",
             "data": {"id": charge_id, "object": "charge", "metadata": {}}}
    assert ctx.billing.events.handle(event).value == "reconciled"
    _paid_once(ctx, tclient, link, sim, charge_id)


def test_webhook_settles_a_charge_finished_while_the_checkout_server_was_down(
        tclient: TestClient, ctx: AppContext, sim: RunningSimulator, link: Link) -> None:
    """tds_finish went through but the process died before recording it (attempt still 3-D Secure)."""
    answer = start_payment(tclient, sim, link)
    through_payjp(answer["redirect"])
    charge_id = str(answer["charge_id"])
    clinic = ctx.clinic()
    assert clinic is not None
    gateway = ctx.gateways(clinic)
    assert gateway.finish_three_d_secure(charge_id).paid  # what the dead process had asked
    event = {"id": "evnt_down_" + charge_id, "type": "charge.succeeded",
             "data": {"id": charge_id, "object": "charge", "metadata": {}}}
    assert ctx.billing.events.handle(event).value == "reconciled"
    _paid_once(ctx, tclient, link, sim, charge_id)


def test_a_second_tab_cannot_finish_the_same_charge_twice(tclient: TestClient, ctx: AppContext,
                                                          sim: RunningSimulator, link: Link) -> None:
    answer = start_payment(tclient, sim, link)
    back_url = through_payjp(answer["redirect"])
    first = finish_return(tclient, back_url)
    assert first.headers["location"].startswith(f"{link.path}/thanks")
    second = tclient.post(f"{link.path}/3ds-return?lang=ja", data={"csrf": "x"}, follow_redirects=False)
    assert second.status_code == 403
    with ctx.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PaymentAttempt)) == 1


def test_pay_pressed_while_payjp_cannot_be_reached_is_not_left_processing(
        tclient: TestClient, ctx: AppContext, sim: RunningSimulator, link: Link) -> None:
    """The stand-alone server without its secret key (here: デモ without the simulator): nothing
    was sent to PAY.JP, so the link is payable again at once, not 処理中 for ever."""

    csrf = csrf_of(tclient.get(link.path).text)
    set_demo_api_base(ctx, None)
    try:
        answer = tclient.post(link.path, json={"card_token": make_test_token(sim.base_url, sim.secret_key)},
                              headers={"X-CSRF-Token": csrf})
    finally:
        set_demo_api_base(ctx, sim.base_url)
    assert answer.status_code == 503 and answer.json()["result"] == "error"
    assert state_of(ctx, link.request_id) is BillingState.REQUESTED
    assert 'id="pay-form"' in tclient.get(link.path).text


def test_the_standalone_checkout_server_runs_the_reconciliation_tick(
        tclient: TestClient, ctx: AppContext, sim: RunningSimulator, link: Link,
        monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:


    charge_id = _lose_the_finish(tclient, sim, link)
    rounds: list[AppContext] = []
    original = cli.reconcile_every

    async def tick(server_ctx: AppContext, seconds: float) -> None:
        rounds.append(server_ctx)
        set_demo_api_base(server_ctx, sim.base_url)  # デモ: the simulator stands in for PAY.JP
        await original(server_ctx, seconds)


    monkeypatch.setattr(cli, "reconcile_every", tick)
    args = argparse.Namespace(data_dir=str(tmp_path / "server"), database_url=ctx.settings.database_url, port=0,
                              host="127.0.0.1", public_base_url="", trusted_proxy=[], reconcile_interval=0.05)

    async def main() -> None:
        ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        server = asyncio.ensure_future(cli.serve(args, ready))
        await ready
        for _ in range(200):
            if state_of(ctx, link.request_id) is BillingState.PAID:
                break
            await asyncio.sleep(0.05)
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server

    run_in_own_loop(main)
    assert len(rounds) == 1
    _paid_once(ctx, tclient, link, sim, charge_id)
