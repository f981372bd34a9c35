"""Two real processes (two reception PCs) on one PostgreSQL database, racing on the same rows:
返金, 取消, 再請求 and 後決済請求. Each process builds the installation as the app does and
waits at a barrier, so both act at the same moment."""

from __future__ import annotations

import multiprocessing
import pathlib
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from desktop.domain.billing import BillingState
from desktop.storage.orm import AuditEvent, BillingRequest, OutboxMail, Refund
from tests.checkout.helpers import make_context, seed_demo_clinic
from tests.integration.seed import Front

pytestmark = pytest.mark.postgres


def _worker(db_url: str, sim_url: str, op: str, args: dict[str, Any], barrier: Any, results: Any) -> None:
    from desktop.domain.errors import UserError

    ctx = make_context(pathlib.Path(tempfile.mkdtemp(prefix="pc-")), db_url, sim_url)
    try:
        barrier.wait(timeout=60)
        billing = ctx.billing
        if op == "refund":
            billing.refund(args["request"], args["manager"], args.get("amount"), "返金")
        elif op == "cancel":
            billing.cancel_request(args["request"], args["staff"], notify_patient=True)
        elif op == "re_request":
            billing.re_request(args["request"], args["staff"])
        elif op == "request":
            billing.request_payment(args["reservation"], args["staff"], 1200, "taxable")
        results.put((op, "ok"))
    except UserError as exc:
        results.put((op, exc.code))
    finally:
        ctx.close()


def _race(db_url: str, sim_url: str, *jobs: tuple[str, dict[str, Any]]) -> list[tuple[str, str]]:
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(len(jobs)), spawn.Queue()
    processes = [spawn.Process(target=_worker, args=(db_url, sim_url, op, args, barrier, results)) for op, args in jobs]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
        assert p.exitcode == 0
    return sorted(results.get(timeout=5) for _ in processes)


@pytest.fixture
def pg_url(db_url: str) -> Iterator[str]:
    if not db_url.startswith("postgresql"):
        pytest.skip("two PCs share a PostgreSQL database")
    yield db_url


@pytest.fixture
def setup(pg_url: str, tmp_path: pathlib.Path) -> Iterator[tuple[Any, Front, Any]]:
    from desktop.simulator.testing import running_simulator

    with running_simulator() as sim:
        ctx = make_context(tmp_path, pg_url, sim.base_url)
        try:
            yield ctx, seed_demo_clinic(ctx), sim
        finally:
            ctx.close()


def _paid(ctx: Any, front: Front, sim: Any, amount: int = 5000) -> int:
    from desktop.simulator.testing import make_test_token
    from tests.checkout.helpers import link_from_outbox

    outcome = ctx.billing.request_payment(front.reservation_id, front.staff, amount, "taxable")
    ctx.billing.pay_with_token(link_from_outbox(ctx, outcome.request_id), make_test_token(sim.base_url, sim.secret_key))
    return int(outcome.request_id)


def _count(ctx: Any, model: Any, *where: Any) -> int:
    with ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _state(ctx: Any, request_id: int) -> BillingState:
    with ctx.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None
        return req.state


def test_two_pcs_refunding_the_same_payment_refund_it_once(setup: tuple[Any, Front, Any], pg_url: str) -> None:
    ctx, front, sim = setup
    request_id = _paid(ctx, front, sim)
    job = {"request": request_id, "manager": front.manager}
    results = _race(pg_url, sim.base_url, ("refund", job), ("refund", job))
    assert [r for _, r in results].count("ok") == 1, results
    charge_id = _charge_id(ctx, request_id)
    assert ctx.gateways(ctx.clinic()).retrieve_charge(charge_id).amount_refunded == 5000
    assert _state(ctx, request_id) is BillingState.REFUNDED
    assert _count(ctx, Refund) == 1


def test_refund_racing_cancel_on_a_paid_request(setup: tuple[Any, Front, Any], pg_url: str) -> None:
    ctx, front, sim = setup
    request_id = _paid(ctx, front, sim)
    results = _race(pg_url, sim.base_url, ("refund", {"request": request_id, "manager": front.manager, "amount": 1000}),
                    ("cancel", {"request": request_id, "staff": front.staff}))
    assert dict(results) == {"refund": "ok", "cancel": "request_not_cancellable"}
    assert _state(ctx, request_id) is BillingState.PARTIALLY_REFUNDED


def test_cancel_racing_re_request_leaves_one_open_request(setup: tuple[Any, Front, Any], pg_url: str) -> None:
    ctx, front, sim = setup
    first = ctx.billing.request_payment(front.reservation_id, front.staff, 1200, "taxable").request_id
    job = {"request": first, "staff": front.staff}
    _race(pg_url, sim.base_url, ("cancel", job), ("re_request", job))
    assert _state(ctx, first) is BillingState.CANCELLED
    assert _count(ctx, BillingRequest, BillingRequest.state == BillingState.REQUESTED) <= 1


def test_two_pcs_re_requesting_at_once_send_one_new_request(setup: tuple[Any, Front, Any], pg_url: str) -> None:
    ctx, front, sim = setup
    first = ctx.billing.request_payment(front.reservation_id, front.staff, 1200, "taxable").request_id
    job = {"request": first, "staff": front.staff}
    results = _race(pg_url, sim.base_url, ("re_request", job), ("re_request", job))
    assert [r for _, r in results].count("ok") == 1, results
    assert _count(ctx, BillingRequest) == 2
    assert _count(ctx, OutboxMail, OutboxMail.kind == "payment_request") == 2


def test_two_pcs_requesting_post_payment_at_once_send_one_whole_request(setup: tuple[Any, Front, Any],
                                                                        pg_url: str) -> None:
    """A visit has one payable link: the PC that comes second is told the visit already has an
    unpaid request, and nothing of its request is left (no row, link, mail or audit)."""
    ctx, front, sim = setup
    job = {"reservation": front.reservation_id, "staff": front.staff}
    results = _race(pg_url, sim.base_url, ("request", job), ("request", job))
    assert results == [("request", "ok"), ("request", "visit_has_open_request")]
    with ctx.db.uow(readonly=True) as uow:
        requests = uow.session.scalars(select(BillingRequest)).all()
        assert len(requests) == 1 and requests[0].state is BillingState.REQUESTED and requests[0].link_token_hash
    assert _count(ctx, OutboxMail, OutboxMail.kind == "payment_request") == 1
    assert _count(ctx, AuditEvent, AuditEvent.entity_type == "billing_request") == 1


def _charge_id(ctx: Any, request_id: int) -> str:
    with ctx.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.charge_id
        return req.charge_id


