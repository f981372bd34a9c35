"""Every state change goes through the repositories' transition, along declared edges only."""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any, Iterable

import pytest
from sqlalchemy import func, select

from desktop.domain.billing import (
    ATTEMPT_TRANSITIONS,
    REFUND_TRANSITIONS,
    TRANSITIONS,
    AttemptStatus,
    BillingState,
    UndeclaredTransition,
)
from desktop.domain.errors import OutcomeUnknownError, PaymentError
from desktop.domain.money import Yen
from desktop.storage import repositories
from desktop.storage.orm import AuditEvent, BillingRequest
from desktop.storage.repositories import Audit, BillingRepositories
from desktop.storage.unit_of_work import Database
from tests.conftest import FixedClock
from tests.unit.billing_fakes import Engine, make_engine
from tests.unit.test_billing_services import paid, request

DESKTOP = pathlib.Path(__file__).resolve().parents[2] / "desktop"


@pytest.fixture
def engine(sqlite_db: Database, clock: FixedClock) -> Engine:
    return make_engine(sqlite_db, clock)


def audit_count(engine: Engine) -> int:
    with engine.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_an_undeclared_edge_raises_and_changes_nothing(engine: Engine) -> None:
    request_id = paid(engine)
    before = audit_count(engine)
    with engine.db.uow() as uow:
        repo = BillingRepositories(uow.session).requests
        with pytest.raises(UndeclaredTransition) as error:
            repo.transition(repo.get(request_id), {BillingState.PAID}, BillingState.CANCELLED,
                            Audit("staff", "request_cancelled"))
        assert error.value.edges == ["paid->cancelled"]
        uow.commit()
    with engine.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.state is BillingState.PAID
    assert audit_count(engine) == before
    with engine.db.uow() as uow:
        attempts = BillingRepositories(uow.session).attempts
        attempt_id = attempts.for_request(request_id)[0].id
        with pytest.raises(UndeclaredTransition):
            attempts.transition(attempt_id, {AttemptStatus.SUCCEEDED}, AttemptStatus.FAILED)
        assert attempts.get(attempt_id).status is AttemptStatus.SUCCEEDED


def test_the_state_change_and_its_audit_event_commit_or_vanish_together(engine: Engine) -> None:
    request_id = request(engine)
    before = audit_count(engine)
    with engine.db.uow() as uow:
        repo = BillingRepositories(uow.session).requests
        assert repo.transition(repo.get(request_id), {BillingState.REQUESTED}, BillingState.CANCELLED,
                               Audit("staff", "request_cancelled"), updated_at=engine.clock())
        # not committed: rolled back on leaving
    with engine.db.uow(readonly=True) as uow:
        req = uow.session.get(BillingRequest, request_id)
        assert req is not None and req.state is BillingState.REQUESTED
    assert audit_count(engine) == before


def test_a_transition_that_lost_the_race_writes_no_audit_event(engine: Engine) -> None:
    request_id = request(engine)
    engine.billing.requests.cancel_request(request_id, engine.front.staff)
    before = audit_count(engine)
    with engine.db.uow() as uow:
        repo = BillingRepositories(uow.session).requests
        req = repo.get(request_id)
        assert not repo.transition(req, {BillingState.REQUESTED}, BillingState.PROCESSING,
                                   Audit("patient", "payment_started"))
        assert req.state is BillingState.CANCELLED
        uow.commit()
    assert audit_count(engine) == before


def _run_every_flow(engine: Engine) -> None:
    """Representative flows: request, pay, decline, 3-D Secure, lost answers, refunds, cancel, expiry, events."""
    staff, manager = engine.front.staff, engine.front.manager
    billing, gateway = engine.billing, engine.gateway
    # decline, then pay; refund partly (one refused), then the rest
    first = request(engine)
    gateway.decline = "card_declined"
    with pytest.raises(PaymentError):
        billing.payments.pay_with_token(engine.link(), "tok_visa")
    gateway.decline = None
    billing.payments.pay_with_token(engine.link(), "tok_visa")
    gateway.decline = "processing_error"
    with pytest.raises(PaymentError):
        billing.refunds.refund(first, manager, Yen(100))
    gateway.decline = None
    billing.refunds.refund(first, manager, Yen(100))
    gateway.decline = "processing_error"
    with pytest.raises(PaymentError):
        billing.refunds.refund(first, manager)
    gateway.decline = None
    billing.refunds.refund(first, manager)
    # 3-D Secure, then a refund made on PAY.JP's dashboard, partly then fully
    second = billing.requests.re_request(request(engine), staff).request_id
    outcome = billing.payments.pay_with_token(engine.link(), "tok_visa", three_d_secure=True)
    billing.payments.finish_three_d_secure(engine.link())
    assert outcome.charge_id is not None
    for n, amount in enumerate((100, 100, 1000)):
        gateway.refund_outside(outcome.charge_id, amount)
        billing.events.handle({"id": f"evnt_r{n}", "type": "charge.refunded", "data": {"id": outcome.charge_id}})
    # a lost answer (found), refunded on the dashboard in full; a lost call (declared failed
    # after the grace period), cancel, expiry
    request(engine)
    gateway.lose_answer = True
    found = billing.payments.pay_with_token(engine.link(), "tok_visa")
    gateway.lose_answer = False
    assert found.charge_id is not None
    gateway.refund_outside(found.charge_id, 1200)
    billing.events.handle({"id": "evnt_full", "type": "charge.refunded", "data": {"id": found.charge_id}})
    lost = request(engine)
    gateway.drop_call = True
    with pytest.raises(OutcomeUnknownError):
        billing.payments.pay_with_token(engine.link(), "tok_visa")
    gateway.drop_call = False
    engine.clock.advance(minutes=5)
    billing.reconciliation.reconcile_pending()
    billing.requests.cancel_request(lost, staff)
    request(engine)
    engine.clock.advance(days=30)
    assert billing.requests.expire_overdue() == 1
    assert second


def test_every_edge_the_code_uses_is_declared(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: set[tuple[str, str, str]] = set()

    def spy(machine: str, original: Any) -> Any:
        def transition(self: Any, subject: Any, sources: Iterable[Any], target: Any, *args: Any, **kw: Any) -> bool:
            asked.update((machine, s.value, target.value) for s in sources)
            return bool(original(self, subject, sources, target, *args, **kw))
        return transition

    for cls, machine in ((repositories.BillingRequestRepository, "billing_request"),
                         (repositories.PaymentAttemptRepository, "payment_attempt"),
                         (repositories.RefundRepository, "refund")):
        monkeypatch.setattr(cls, "transition", spy(machine, cls.transition))
    _run_every_flow(engine)

    tables: dict[str, Any] = {"billing_request": TRANSITIONS, "payment_attempt": ATTEMPT_TRANSITIONS,
                              "refund": REFUND_TRANSITIONS}
    undeclared = [edge for edge in asked
                  if edge[2] not in {t.value for t in tables[edge[0]][type(next(iter(tables[edge[0]])))(edge[1])]}]
    assert undeclared == []
    # what actually happened, read back from the audit trail: declared edges, and the flows covered them all
    with engine.db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(AuditEvent.before, AuditEvent.after)
                                   .where(AuditEvent.entity_type == "billing_request")).all()
    moved = {(json.loads(b)["state"], json.loads(a)["state"]) for b, a in rows if b and a}
    performed = {(s, t) for s, t in moved if s != t or s == BillingState.PARTIALLY_REFUNDED.value}
    declared = {(s.value, t.value) for s, targets in TRANSITIONS.items() for t in targets}
    assert performed <= declared
    assert declared - performed == set(), "a declared edge no flow uses: drop it or cover it"


_RAW_STATE_UPDATE = re.compile(
    r"update\(\s*(BillingRequest|PaymentAttempt|Refund)\s*\)(?:(?!update\().)*?\.values\(([^)]*)\)", re.DOTALL)


def test_no_state_is_written_outside_the_repositories() -> None:
    offenders = []
    for path in DESKTOP.rglob("*.py"):
        if path.name == "repositories.py" and path.parent.name == "storage":
            continue
        for match in _RAW_STATE_UPDATE.finditer(path.read_text(encoding="utf-8")):
            if re.search(r"\b(state|status)\s*=", match.group(2)):
                offenders.append(f"{path.relative_to(DESKTOP)}: update({match.group(1)})")
    assert offenders == []
