"""One open request per visit: the database refuses a second payable link for a reservation, on
SQLite and PostgreSQL, whatever two reception PCs (two real processes) or a double press do.
再請求 / 後決済請求 replace an unpaid request only when asked, a paid visit takes a confirmed
追加請求, and キャンセル of a reservation kills its links at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import pathlib
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import PaymentTiming, ReservationStatus
from desktop.domain.errors import StateError
from desktop.services.billing import LinkStatus
from desktop.storage import migrate
from desktop.storage.orm import AuditEvent, BillingRequest, Menu, OutboxMail, Reservation
from tests.checkout.helpers import link_from_outbox, make_context, seed_demo_clinic
from tests.integration.seed import Front


def _worker(db_url: str, sim_url: str, op: str, args: dict[str, Any], barrier: Any, results: Any) -> None:
    from desktop.domain.errors import UserError

    ctx = make_context(pathlib.Path(tempfile.mkdtemp(prefix="pc-")), db_url, sim_url)
    try:
        barrier.wait(timeout=60)
        billing = ctx.billing
        flags = {"replace_open": args.get("replace_open")}
        if op == "re_request":
            billing.re_request(args["request"], args["actor"], **flags)
        elif op == "request":
            billing.request_payment(args["reservation"], args["actor"], args.get("amount", 1200), "taxable", **flags)
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
def setup(db_url: str, tmp_path: pathlib.Path) -> Iterator[tuple[Any, Front, Any]]:
    from desktop.simulator.testing import running_simulator

    with running_simulator() as sim:
        ctx = make_context(tmp_path, db_url, sim.base_url)
        try:
            yield ctx, seed_demo_clinic(ctx), sim
        finally:
            ctx.close()


def _count(ctx: Any, model: Any, *where: Any) -> int:
    with ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _open(ctx: Any, reservation_id: int) -> list[tuple[int, int]]:
    """(id, amount) of the visit's payable requests."""
    with ctx.db.uow(readonly=True) as uow:
        return [tuple(r) for r in uow.session.execute(  # type: ignore[misc]
            select(BillingRequest.id, BillingRequest.amount).where(
                BillingRequest.reservation_id == reservation_id,
                BillingRequest.state.in_([BillingState.REQUESTED, BillingState.PROCESSING]))).all()]


def _state(ctx: Any, request_id: int) -> BillingState:
    with ctx.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None
        return req.state


def _cancelled_request(ctx: Any, front: Front, amount: int = 3300) -> int:
    first = ctx.billing.request_payment(front.reservation_id, front.staff, amount, "taxable").request_id
    ctx.billing.cancel_request(first, front.staff)
    return int(first)


def _pay(ctx: Any, sim: Any, request_id: int) -> None:
    from desktop.simulator.testing import make_test_token

    ctx.billing.pay_with_token(link_from_outbox(ctx, request_id), make_test_token(sim.base_url, sim.secret_key))


# -- two PCs at the same moment (two processes) ------------------------------------------------------


def test_two_pcs_re_requesting_a_cancelled_request_leave_one_payable_link(
        setup: tuple[Any, Front, Any], db_url: str) -> None:
    ctx, front, sim = setup
    cancelled = _cancelled_request(ctx, front)
    job = {"request": cancelled, "actor": front.staff}
    results = _race(db_url, sim.base_url, ("re_request", job), ("re_request", job))
    assert results == [("re_request", "ok"), ("re_request", "visit_has_open_request")]
    assert len(_open(ctx, front.reservation_id)) == 1
    assert _count(ctx, OutboxMail, OutboxMail.kind == "payment_request") == 2  # the first request's and one more


def test_two_pcs_sending_post_payment_requests_for_one_visit_send_one(
        setup: tuple[Any, Front, Any], db_url: str) -> None:
    ctx, front, sim = setup
    job = {"reservation": front.reservation_id, "actor": front.staff}
    results = _race(db_url, sim.base_url, ("request", job), ("request", job))
    assert results == [("request", "ok"), ("request", "visit_has_open_request")]
    assert len(_open(ctx, front.reservation_id)) == 1
    assert _count(ctx, BillingRequest) == 1
    assert _count(ctx, OutboxMail, OutboxMail.kind == "payment_request") == 1
    assert _count(ctx, AuditEvent, AuditEvent.entity_type == "billing_request") == 1


def test_re_request_racing_a_new_request_on_the_same_visit_leaves_one_payable_link(
        setup: tuple[Any, Front, Any], db_url: str) -> None:
    ctx, front, sim = setup
    cancelled = _cancelled_request(ctx, front)
    results = _race(db_url, sim.base_url, ("re_request", {"request": cancelled, "actor": front.staff}),
                    ("request", {"reservation": front.reservation_id, "actor": front.staff, "amount": 2200}))
    assert [code for _, code in results].count("ok") == 1, results
    assert [code for _, code in results].count("visit_has_open_request") == 1, results
    assert len(_open(ctx, front.reservation_id)) == 1


def test_two_pcs_replacing_the_unpaid_request_at_once_leave_one_payable_link(
        setup: tuple[Any, Front, Any], db_url: str) -> None:
    ctx, front, sim = setup
    unpaid = ctx.billing.request_payment(front.reservation_id, front.staff, 2200, "taxable").request_id
    job = {"reservation": front.reservation_id, "actor": front.staff, "amount": 3300, "replace_open": unpaid}
    results = _race(db_url, sim.base_url, ("request", job), ("request", job))
    # the slower PC agreed to replace the ¥2,200 request, not the other PC's new one: asked again
    assert results == [("request", "ok"), ("request", "visit_has_open_request")]
    assert _state(ctx, unpaid) is BillingState.CANCELLED
    assert [amount for _, amount in _open(ctx, front.reservation_id)] == [3300]


# -- one PC ------------------------------------------------------------------------------------------


def test_the_database_itself_refuses_a_second_open_request(setup: tuple[Any, Front, Any]) -> None:
    ctx, front, _ = setup
    first = ctx.billing.request_payment(front.reservation_id, front.staff, 1200, "taxable").request_id
    with ctx.db.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(BillingRequest).values(
            clinic_id=front.clinic_id, reservation_id=front.reservation_id, patient_id=front.patient_id,
            amount=1200, tax_category=TaxCategory.TAXABLE, state=BillingState.PROCESSING,
            requested_at=dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc), refunded_amount=0,
            updated_at=dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)))
        uow.session.flush()
    assert _open(ctx, front.reservation_id) == [(first, 1200)]


def test_pressing_re_request_twice_on_a_cancelled_row_sends_one_request(setup: tuple[Any, Front, Any]) -> None:
    """The case from the clinic: a cancelled ¥3,300 and a newer unpaid ¥2,200 request on one visit."""
    ctx, front, _ = setup
    cancelled = _cancelled_request(ctx, front, 3300)
    unpaid = ctx.billing.request_payment(front.reservation_id, front.staff, 2200, "taxable").request_id
    mails = _count(ctx, OutboxMail)
    with pytest.raises(StateError) as refused:
        ctx.billing.re_request(cancelled, front.staff)
    assert refused.value.code == "visit_has_open_request"
    assert refused.value.params == {"amount": 2200, "request_id": unpaid}
    assert "2,200円" in refused.value.message("ja") and "¥2,200" in refused.value.message("en")
    assert _open(ctx, front.reservation_id) == [(unpaid, 2200)] and _count(ctx, OutboxMail) == mails

    new = ctx.billing.re_request(cancelled, front.staff, replace_open=unpaid).request_id
    assert _open(ctx, front.reservation_id) == [(new, 3300)]
    assert _state(ctx, unpaid) is BillingState.CANCELLED
    assert ctx.billing.open_link(link_from_outbox(ctx, unpaid)).status is LinkStatus.CANCELLED
    assert ctx.billing.open_link(link_from_outbox(ctx, new)).status is LinkStatus.PAYABLE
    with ctx.db.uow(readonly=True) as uow:
        replaced = uow.session.get(BillingRequest, unpaid)
        assert replaced is not None and replaced.replaced_by_id == new
    with pytest.raises(StateError) as again:  # the second press
        ctx.billing.re_request(cancelled, front.staff)
    assert again.value.code == "visit_has_open_request"
    assert len(_open(ctx, front.reservation_id)) == 1


def test_a_paid_visit_takes_only_a_confirmed_additional_request(setup: tuple[Any, Front, Any]) -> None:
    ctx, front, sim = setup
    paid = ctx.billing.request_payment(front.reservation_id, front.staff, 5000, "taxable").request_id
    _pay(ctx, sim, paid)
    ctx.billing.refund(paid, front.manager, 1000, "一部返金")
    with pytest.raises(StateError) as refused:
        ctx.billing.request_payment(front.reservation_id, front.staff, 800, "taxable")
    assert refused.value.code == "visit_already_paid" and refused.value.params == {"amount": 4000}
    assert _open(ctx, front.reservation_id) == []
    extra = ctx.billing.request_payment(front.reservation_id, front.staff, 800, "taxable", additional=True)
    assert _open(ctx, front.reservation_id) == [(extra.request_id, 800)]
    # re-requesting that additional request replaces it without asking again
    again = ctx.billing.re_request(extra.request_id, front.staff, amount=900)
    assert _open(ctx, front.reservation_id) == [(again.request_id, 900)]


def test_cancelling_a_reservation_kills_its_link_and_tells_the_patient(setup: tuple[Any, Front, Any]) -> None:
    ctx, front, _ = setup
    unpaid = ctx.billing.request_payment(front.reservation_id, front.staff, 2200, "taxable").request_id
    link = link_from_outbox(ctx, unpaid)
    done = ctx.billing.cancel_reservation(front.reservation_id, front.staff)
    assert done.cancelled_request_ids == (unpaid,) and done.refundable == ()
    assert ctx.billing.open_link(link).status is LinkStatus.CANCELLED
    assert _count(ctx, OutboxMail, OutboxMail.kind == "cancel", OutboxMail.billing_request_id == unpaid) == 1
    with ctx.db.uow(readonly=True) as uow:
        reservation = uow.session.get(Reservation, front.reservation_id)
        assert reservation is not None and reservation.status is ReservationStatus.CANCELLED
        actions = uow.session.scalars(select(AuditEvent.action).where(AuditEvent.staff_id == front.staff_id)
                                      .order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["reservation_status_changed", "request_cancelled"]
    with pytest.raises(StateError) as refused:
        ctx.billing.request_payment(front.reservation_id, front.staff, 2200, "taxable")
    assert refused.value.code == "reservation_cancelled"


def test_a_paid_pre_payment_of_a_cancelled_reservation_is_offered_for_refund(setup: tuple[Any, Front, Any]) -> None:
    ctx, front, sim = setup
    with ctx.db.uow() as uow:
        menu = uow.session.get(Menu, front.menu_id)
        assert menu is not None
        menu.payment_timing, price = PaymentTiming.PRE_AND_POST, menu.price
        uow.commit()
    pre = ctx.billing.request_pre_payment(front.reservation_id, front.staff).request_id
    _pay(ctx, sim, pre)
    done = ctx.billing.cancel_reservation(front.reservation_id, front.staff)
    assert done.cancelled_request_ids == () and done.refundable == ((pre, price),)
    assert _state(ctx, pre) is BillingState.PAID  # refunding is the manager's decision, offered next
    ctx.billing.refund(pre, front.manager, None, "予約キャンセル")
    assert _state(ctx, pre) is BillingState.REFUNDED


def test_the_upgrade_keeps_the_newest_of_several_open_requests(setup: tuple[Any, Front, Any]) -> None:
    ctx, front, _ = setup
    config = migrate.alembic_config(ctx.db.engine)
    command.downgrade(config, "0009")
    stamp = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)
    with ctx.db.uow() as uow:  # as the app before 0010 could leave them
        for amount in (3300, 2200):
            uow.session.add(BillingRequest(
                clinic_id=front.clinic_id, reservation_id=front.reservation_id, patient_id=front.patient_id,
                amount=amount, tax_category=TaxCategory.TAXABLE, state=BillingState.REQUESTED,
                requested_at=stamp, updated_at=stamp, refunded_amount=0))
        uow.commit()
    migrate.upgrade(ctx.db.engine)
    assert migrate.current_revision(ctx.db.engine) == migrate.head_revision()
    with ctx.db.uow(readonly=True) as uow:
        states = uow.session.execute(select(BillingRequest.amount, BillingRequest.state)
                                     .order_by(BillingRequest.id)).all()
        assert [tuple(s) for s in states] == [(3300, BillingState.CANCELLED), (2200, BillingState.REQUESTED)]
        assert uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "request_cancelled_duplicate")) == 1
