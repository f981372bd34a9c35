"""Fault trials over every money path: one JSON line on stdout.

Each trial takes a fresh request through one path — pay by link without and with 3-D Secure,
the 3-D Secure return, a full and a partial refund, the saved-card charge (自動決済), cancel,
再請求 and a reconciliation run — with one fault injected into it:

* the PAY.JP simulator: ``latency``, ``500``, ``429``, ``reset`` (connection cut before anything
  is done), ``lost`` (carried out, then the answer cut);
* the mail server: ``smtp_refusing`` (temporary refusals, then accepted), ``smtp_slow``;
* ``sigkill``: the acting process (a separate OS process on the same SQLite database and the
  same simulator) killed with SIGKILL at a random point.

Then the installation recovers the way the app does after a restart: reconciliation runs (with
the clock moved past the grace periods) and the outbox is sent. The invariants are checked
against PAY.JP's own records:

* ``duplicate_charges``: a request with more than one paid charge at PAY.JP;
* ``double_refunds``: PAY.JP refunded more than was paid, or more than we recorded;
* ``mismatches``: our state, charge or refunded total differs from PAY.JP's;
* ``stuck``: a request left 処理中 / 返金処理中, or an attempt or refund still unknown;
* ``lost_mails`` / ``duplicate_mails``: a mail never delivered / delivered twice;
* ``audit_gaps``: a state change without its audit event;
* ``max_recovery_s``: the longest recovery (wall clock, seconds).

    python benchmarks/faults.py [--trials 240] [--seed 1]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import multiprocessing
import os
import pathlib
import random
import signal
import sys
import tempfile
import time
from email.message import EmailMessage
from typing import Any, Callable

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, update  # noqa: E402

from desktop.domain.billing import AttemptStatus, BillingState, RefundStatus  # noqa: E402
from desktop.domain.clinic import MailStatus  # noqa: E402
from desktop.domain.errors import UserError  # noqa: E402
from desktop.services.mail_types import TemporaryMailError, MailFailure  # noqa: E402

PATHS = ("pay", "pay_3ds", "tds_return", "refund_full", "refund_partial", "saved_card", "cancel",
         "re_request", "reconcile")
FAULTS = ("latency", "500", "429", "reset", "lost", "smtp_refusing", "smtp_slow", "sigkill")
GRACE = dt.timedelta(minutes=5)


class ShiftClock:
    """UTC now plus an offset the trials move forward (grace periods pass without waiting)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc) + self.offset


class Mailbox:
    """The mail server: records each Message-ID it accepts; may refuse or be slow."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.refuse = 0
        self.delay = 0.0

    def send(self, message: EmailMessage) -> None:
        if self.refuse > 0:
            self.refuse -= 1
            raise TemporaryMailError(MailFailure.SERVER_BUSY, smtp_code=451)
        if self.delay:
            time.sleep(self.delay)
        self.received.append(str(message["Message-ID"]))


def _context(db_url: str, sim_url: str, clock: Callable[[], dt.datetime], mailbox: Mailbox | None) -> Any:
    from desktop.bootstrap import build_context
    from desktop.config import LocalSettings
    from desktop.services.context import set_demo_api_base
    from desktop.services.secrets import MemorySecretStore

    data = pathlib.Path(tempfile.mkdtemp(prefix="faults-ctx-"))
    kwargs: dict[str, Any] = {"transport": (lambda: mailbox)} if mailbox is not None else {}
    ctx = build_context(data, LocalSettings(database_url=db_url), secrets=MemorySecretStore({}), clock=clock,
                        payjp_timeout=3.0, **kwargs)
    set_demo_api_base(ctx, sim_url)
    return ctx


# -- the acting process of a SIGKILL trial --------------------------------------------------------


def _child(db_url: str, sim_url: str, action: dict[str, Any]) -> None:
    clock = ShiftClock()
    clock.offset = dt.timedelta(seconds=action["offset"])  # the installation's clock, as the parent's
    ctx = _context(db_url, sim_url, clock, None)
    try:
        _act(ctx, action)
    except UserError:
        pass


def _act(ctx: Any, action: dict[str, Any]) -> None:
    billing = ctx.billing
    kind = action["kind"]
    if kind == "pay":
        billing.pay_with_token(action["link"], action["card"], three_d_secure=action.get("tds", False))
    elif kind == "finish":
        billing.finish_three_d_secure(action["link"])
    elif kind == "refund":
        billing.refund(action["request"], action["manager"], action.get("amount"), "返金")
    elif kind == "saved_card":
        billing.charge_saved_card(action["request"], action["staff"])
    elif kind == "cancel":
        billing.cancel_request(action["request"], action["staff"], notify_patient=True)
    elif kind == "re_request":
        billing.re_request(action["request"], action["staff"])
    elif kind == "reconcile":
        billing.reconcile_pending()


# -- one trial ---------------------------------------------------------------------------------


class Bench:
    def __init__(self, tmp: pathlib.Path, seed: int) -> None:
        from desktop.simulator.testing import running_simulator
        from desktop.storage.db import sqlite_url
        from tests.checkout.helpers import seed_demo_clinic

        self.rng = random.Random(seed)
        self._sim_cm = running_simulator()
        self.sim = self._sim_cm.__enter__()
        self.db_url = sqlite_url(tmp / "faults.db")
        self.clock = ShiftClock()
        self.mailbox = Mailbox()
        self.ctx = _context(self.db_url, self.sim.base_url, self.clock, self.mailbox)
        self.front = seed_demo_clinic(self.ctx)
        clinic = self.ctx.clinic()
        self.gateway = self.ctx.gateways(clinic)
        self.customer = self.gateway.create_customer(card_token=self._token(), email="hanako@example.jp",
                                                     patient_id=self.front.patient_id)
        self.counts: collections.Counter[str] = collections.Counter()
        self.faults_by_kind: collections.Counter[str] = collections.Counter()
        self.paths: collections.Counter[str] = collections.Counter()
        self.max_recovery = 0.0
        self.problems: list[str] = []  # what broke an invariant (stderr), with the trial that did it
        self.trial_of: dict[int, str] = {}

    def close(self) -> None:
        self.ctx.close()
        self._sim_cm.__exit__(None, None, None)

    def _token(self, number: str = "4242424242424242") -> str:
        from desktop.simulator.testing import make_test_token

        return make_test_token(self.sim.base_url, self.sim.secret_key, number, name="HANAKO YAMADA")

    def _new_request(self, amount: int) -> tuple[int, str]:
        from tests.checkout.helpers import link_from_outbox

        f = self.front
        reservation = self.ctx.directory.create_reservation(
            f.staff, f.clinic_id, patient_id=f.patient_id, menu_id=f.menu_id,
            starts_at=dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.timezone.utc))
        outcome = self.ctx.billing.request_payment(reservation, f.staff, amount, "taxable")
        return outcome.request_id, link_from_outbox(self.ctx, outcome.request_id)

    def _paid_request(self, amount: int) -> tuple[int, str]:
        request_id, link = self._new_request(amount)
        self.ctx.billing.pay_with_token(link, self._token())
        return request_id, link

    def _set_customer(self, customer: str | None) -> None:
        from desktop.storage.orm import Patient

        with self.ctx.db.uow() as uow:
            uow.session.execute(update(Patient).where(Patient.id == self.front.patient_id)
                                .values(payjp_customer_id=customer))
            uow.commit()

    def _inject(self, fault: str, method: str, prefix: str) -> None:
        faults = self.sim.state.faults
        if fault == "latency":
            faults.add_latency(self.rng.uniform(0.05, 0.4), method=method, path_prefix=prefix, count=1)
        elif fault in ("500", "429"):
            faults.fail_next(1, status=int(fault), method=method, path_prefix=prefix)
        elif fault == "reset":
            faults.reset_next(1, method=method, path_prefix=prefix)
        elif fault == "lost":
            faults.drop_next(1, method=method, path_prefix=prefix)
        elif fault == "smtp_refusing":
            self.mailbox.refuse = self.rng.randint(1, 3)
        elif fault == "smtp_slow":
            self.mailbox.delay = self.rng.uniform(0.05, 0.2)

    def trial(self, path: str, fault: str) -> None:
        """Set the request up, act with the fault, recover, check."""
        f = self.front
        action: dict[str, Any]
        method, prefix = "POST", "/v1/charges"
        if path in ("pay", "pay_3ds"):
            request_id, link = self._new_request(self.rng.choice([1200, 3300, 50000]))
            action = {"kind": "pay", "link": link, "card": self._token(), "tds": path == "pay_3ds"}
        elif path == "tds_return":
            request_id, link = self._new_request(2200)
            outcome = self.ctx.billing.pay_with_token(link, self._token(), three_d_secure=True)
            self.sim.complete_3ds(outcome.charge_id)
            action, prefix = {"kind": "finish", "link": link}, f"/v1/charges/{outcome.charge_id}/tds_finish"
        elif path in ("refund_full", "refund_partial"):
            request_id, _ = self._paid_request(5000)
            amount = None if path == "refund_full" else self.rng.randint(1, 4999)
            action = {"kind": "refund", "request": request_id, "manager": f.manager, "amount": amount}
            prefix = "/v1/charges/"
        elif path == "saved_card":
            self._set_customer(self.customer)
            request_id, _ = self._new_request(1500)
            action = {"kind": "saved_card", "request": request_id, "staff": f.staff_id}
        elif path == "cancel":
            request_id, _ = self._new_request(1000)
            action = {"kind": "cancel", "request": request_id, "staff": f.staff}
        elif path == "re_request":
            request_id, _ = self._new_request(1000)
            action = {"kind": "re_request", "request": request_id, "staff": f.staff}
        else:  # reconcile: a payment whose answer was lost, then the reconciliation run under the fault
            request_id, link = self._new_request(1800)
            self.sim.state.faults.drop_next(1, method="POST", path_prefix="/v1/charges")
            self.sim.state.faults.fail_next(10, status=500, method="GET", path_prefix="/v1/charges")
            try:
                self.ctx.billing.pay_with_token(link, self._token())
            except UserError:
                pass
            self.sim.state.faults.clear()
            action, method, prefix = {"kind": "reconcile"}, "GET", "/v1/charges"
        self.paths[path] += 1
        self.faults_by_kind[fault] += 1
        self.trial_of[request_id] = f"{path}/{fault}"
        started = time.monotonic()
        if fault == "sigkill":
            action["offset"] = self.clock.offset.total_seconds()
            self.sim.state.faults.add_latency(self.rng.uniform(0.0, 0.3), method=method, path_prefix=prefix, count=1)
            process = multiprocessing.get_context("spawn").Process(
                target=_child, args=(self.db_url, self.sim.base_url, action))
            process.start()
            time.sleep(self.rng.uniform(0.3, 2.5))  # start-up of the process included: any point of it
            if process.is_alive():
                os.kill(process.pid or 0, signal.SIGKILL)
            process.join()
        else:
            self._inject(fault, method, prefix)
            try:
                _act(self.ctx, action)
            except UserError:
                pass
        self.sim.state.faults.clear()
        self._recover()
        self.max_recovery = max(self.max_recovery, time.monotonic() - started)
        self._set_customer(None)
        self.mailbox.refuse, self.mailbox.delay = 0, 0.0

    def _advance(self, by: dt.timedelta) -> None:
        """Time passes for the installation and for PAY.JP alike."""
        self.clock.offset += by
        self.sim.state.advance_time(by.total_seconds())

    def _recover(self) -> None:
        """What a restarted app does: reconciliation (the grace periods past) and the outbox."""
        self._advance(GRACE + dt.timedelta(minutes=31))
        for _ in range(3):
            self.ctx.billing.reconcile_pending()
        for _ in range(10):
            self._advance(dt.timedelta(hours=2))  # past any mail back-off
            report = self.ctx.outbox.send_due(limit=1000)
            if not (report.retried or report.sent):
                break

    def check(self) -> dict[str, Any]:
        from desktop.storage.orm import AuditEvent, BillingRequest, OutboxMail, PaymentAttempt, Refund

        charges = _all_charges(self.sim)
        paid_by_request: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        for charge in charges:
            if charge.get("paid"):
                paid_by_request[str((charge.get("metadata") or {}).get("clinicpay_request"))].append(charge)
        with self.ctx.db.uow(readonly=True) as uow:
            s = uow.session
            requests = s.scalars(select(BillingRequest)).all()
            for req in requests:
                paid = paid_by_request.get(str(req.id), [])
                if len(paid) > 1:
                    self.counts["duplicate_charges"] += 1
                for charge in paid:
                    if charge["amount_refunded"] > charge["amount"]:
                        self.counts["double_refunds"] += 1
                if req.state in (BillingState.PROCESSING, BillingState.REFUNDING):
                    self.counts["stuck"] += 1
                if paid:
                    charge = paid[0]
                    if (req.charge_id != charge["id"] or req.refunded_amount != charge["amount_refunded"]
                            or req.state not in (BillingState.PAID, BillingState.PARTIALLY_REFUNDED,
                                                 BillingState.REFUNDED)):
                        self.counts["mismatches"] += 1
                        self.problems.append(f"mismatch request {req.id} {req.state.value} "
                                             f"{req.refunded_amount} vs {charge['amount_refunded']}")
                    if req.refunded_amount > charge["amount_refunded"]:
                        self.counts["double_refunds"] += 1
                elif req.state not in (BillingState.REQUESTED, BillingState.CANCELLED, BillingState.EXPIRED):
                    self.counts["mismatches"] += 1
                    self.problems.append(f"mismatch request {req.id} {req.state.value} without a paid charge")
                last = s.scalar(select(AuditEvent.after).where(
                    AuditEvent.entity_type == "billing_request", AuditEvent.entity_id == str(req.id))
                    .order_by(AuditEvent.id.desc()).limit(1))
                last_state = json.loads(last).get("state") if last else None
                if last_state != req.state.value:  # the newest audit event must show where the request is
                    self.counts["audit_gaps"] += 1
            open_attempts = s.scalar(select(func.count()).select_from(PaymentAttempt).where(
                PaymentAttempt.status.in_([AttemptStatus.PENDING, AttemptStatus.UNKNOWN]))) or 0
            open_refunds = s.scalar(select(func.count()).select_from(Refund).where(
                Refund.status.in_([RefundStatus.PENDING, RefundStatus.UNKNOWN]))) or 0
            self.counts["stuck"] += int(open_attempts) + int(open_refunds)
            mails = s.execute(select(OutboxMail.message_id, OutboxMail.status)).all()
        delivered = collections.Counter(self.mailbox.received)
        self.counts["lost_mails"] += sum(1 for mid, status in mails if status is not MailStatus.SENT
                                         or delivered[mid] == 0)
        self.counts["duplicate_mails"] += sum(n - 1 for n in delivered.values() if n > 1)
        for problem in self.problems:
            request_id = int(problem.split()[2])
            print(problem, self.trial_of.get(request_id, ""), file=sys.stderr)
        keys = ("duplicate_charges", "double_refunds", "mismatches", "stuck", "lost_mails", "duplicate_mails",
                "audit_gaps")
        return {
            "trials": sum(self.paths.values()),
            "paths": dict(self.paths),
            "faults_by_kind": dict(self.faults_by_kind),
            **{k: self.counts[k] for k in keys},
            "charges": len(charges),
            "mails": len(mails),
            "max_recovery_s": round(self.max_recovery, 3),
        }


def _all_charges(sim: Any) -> list[dict[str, Any]]:
    from payjp import api_requestor

    requestor = api_requestor.APIRequestor(key=sim.secret_key, api_base=sim.base_url)
    found: list[dict[str, Any]] = []
    offset = 0
    while True:
        body, _ = requestor.request("get", "/v1/charges", {"limit": 100, "offset": offset})
        found += list(body["data"])
        if not body.get("has_more"):
            return found
        offset += 100


def run(trials: int, seed: int = 1) -> dict[str, Any]:
    """Run ``trials`` trials (every path × every fault in turn) and return the figures."""
    import logging

    # Lost answers, refusals and killed clients are what the trials are made of: their log lines
    # (ours, and uvicorn's about a client gone mid-request) are expected here.
    quiet = {name: logging.getLogger(name).level for name in ("desktop", "uvicorn.error", "payjp")}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="faults-"))
    bench = Bench(tmp, seed)
    try:
        plan = [(p, f) for f in FAULTS for p in PATHS]
        bench.rng.shuffle(plan)  # a short run still mixes paths and faults
        for i in range(trials):
            path, fault = plan[i % len(plan)]
            bench.trial(path, fault)
        return bench.check()
    finally:
        bench.close()
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=216)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = run(args.trials, args.seed)
    result["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps({"benchmark": "faults", **result}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
