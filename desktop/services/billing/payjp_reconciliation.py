"""照合: compare the clinic's charges at PAY.JP with ClinicPay's records, page by page.

A run pulls ``GET /v1/charges?tenant=…&since=…&until=…`` newest first in pages of
``PAGE_SIZE`` (``PayjpGateway.list_charges``; a 429 is waited out there with back-off, and
pages are spaced ``page_interval`` seconds apart to stay under PAY.JP's rate limits —
PAYJP-REFERENCE §7.1: 2 requests/s in test mode). The window is the last ``REFUND_LIMIT_DAYS``
days: a refund made in PAY.JP's dashboard can only touch a charge that young, so every such
refund is seen, whatever the age of the charge. ``until`` is fixed when the run starts (a little
in the past), so the pages do not shift while new charges arrive.

The cursor (``reconciliation_cursor``) keeps the run's window and how many charges are done; it
is advanced only after a page is processed, in the same transaction as that page's
differences. A run cut short (crash, PAY.JP unreachable) resumes at the page it was on; what
that page had already applied is not applied again (refunds are guarded by the refunded amount,
differences are one row per charge and kind).

For each charge:

* an attempt of ours still unknown is resolved by the ordinary look-up (``ReconciliationService``);
* a refund PAY.JP shows beyond ours is applied with the webhook path's rule
  (``RefundRecorder.apply_observed``: one refund row, one audit event, the patient mailed once);
* what still differs is recorded as a ``reconciliation_difference`` (code + JSON parameters):
  ``unknown_charge`` (PAY.JP has a paid charge ClinicPay has no record of),
  ``paid_not_recorded`` (paid at PAY.JP, unpaid here), ``duplicate_charge`` (a second paid charge
  for a request paid by another), ``amount_mismatch``, ``refund_mismatch``,
  ``not_paid_at_payjp`` (paid here, not at PAY.JP — listed unpaid, or not listed at all and
  unknown when looked up by id). A difference leaves 要対応 when a later run
  finds it resolved (e.g. refunded in PAY.JP) or a 管理者・経理 marks it 確認済み.

A fully refunded charge no longer needs anything: it is not listed as unknown or duplicate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import secrets
import threading
import time
from typing import Any, Callable

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from desktop.domain.billing import PAID_STATES, REFUND_LIMIT_DAYS, AttemptStatus, BillingState
from desktop.domain.errors import NotFoundError, ServiceUnavailableError, StateError, UserError
from desktop.domain.staff import Actor, Permission
from desktop.services import audit
from desktop.services.authz import authorize, require_actor
from desktop.services.billing.common import Clock, GatewayFor
from desktop.services.billing.reconciliation import ReconciliationService
from desktop.services.billing.recording import RefundRecorder
from desktop.services.payjp_gateway import METADATA_ATTEMPT_KEY, ChargeInfo
from desktop.storage.orm import BillingRequest, Clinic, PaymentAttempt, ReconciliationCursor, ReconciliationDifference
from desktop.storage.repositories import load_clinic
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

PAGE_SIZE = 100
"""Charges per list call (PAY.JP's maximum)."""
UNTIL_LAG = dt.timedelta(minutes=1)
"""A run's window ends this long before it starts (clock skew; charges still being created)."""
STALE_AFTER = dt.timedelta(minutes=5)
"""A run whose PC wrote nothing for this long (crashed, closed) is taken over by the next run."""
PERIOD = dt.timedelta(hours=6)
"""The automatic run's interval (the 照合 button runs at once)."""

UNKNOWN_CHARGE = "unknown_charge"
PAID_NOT_RECORDED = "paid_not_recorded"
DUPLICATE_CHARGE = "duplicate_charge"
AMOUNT_MISMATCH = "amount_mismatch"
REFUND_MISMATCH = "refund_mismatch"
NOT_PAID_AT_PAYJP = "not_paid_at_payjp"
DIFFERENCE_KINDS = (UNKNOWN_CHARGE, PAID_NOT_RECORDED, DUPLICATE_CHARGE, AMOUNT_MISMATCH, REFUND_MISMATCH,
                    NOT_PAID_AT_PAYJP)
"""Difference kinds; each one's message code (what to do) is ``"recon_" + kind`` in ``MESSAGES``."""


def message_code(kind: str) -> str:
    """The ``MESSAGES`` code that says what a difference of ``kind`` is and what to do."""
    return "recon_" + kind


@dataclasses.dataclass(frozen=True)
class ReconciliationReport:
    """What a run did.

    Attributes:
        charges: charges compared in this call (a resumed run counts only its own pages).
        refunds_applied: refunds made in PAY.JP's dashboard now recorded (patients mailed).
        open_differences: differences of the clinic still open after the run.
        finished: the whole window was compared (False: PAY.JP stopped answering; it resumes).
    """

    charges: int
    refunds_applied: int
    open_differences: int
    finished: bool


@dataclasses.dataclass(frozen=True)
class Difference:
    """An open difference as 要対応 lists it: kind, charge, request (if any), params (whole yen), found (UTC)."""

    id: int
    kind: str
    charge_id: str
    request_id: int | None
    params: dict[str, Any]
    found_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ReconciliationStatus:
    """When the last run finished (UTC, or None) and whether one is in progress."""

    last_finished_at: dt.datetime | None
    running: bool
    last_charges: int


@dataclasses.dataclass
class _Ours:
    """What ClinicPay knows about one charge."""

    request_id: int | None = None
    state: BillingState | None = None
    amount: int = 0
    refunded: int = 0
    request_charge_id: str | None = None
    attempt_id: str | None = None
    attempt_status: AttemptStatus | None = None


class PayjpReconciliationService:
    """照合 with PAY.JP (button and periodic run), and the differences it finds.

    Args:
        db: the database.
        gateway_for: the PAY.JP gateway for a clinic (bound to its tenant).
        reconciliation: resolves our own unknown attempts and refunds by look-up.
        refund_recorder: records refunds made outside ClinicPay (the webhook path's rule).
        clock: current UTC time.
        page_interval: seconds between two list calls (client-side throttle).
        sleep: how to wait between pages (tests pass a fake).
    """

    def __init__(self, *, db: Database, gateway_for: GatewayFor, reconciliation: ReconciliationService,
                 refund_recorder: RefundRecorder, clock: Clock, page_interval: float = 0.6,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._db = db
        self._gateway_for = gateway_for
        self._reconciliation = reconciliation
        self._refund_recorder = refund_recorder
        self._clock = clock
        self._page_interval = page_interval
        self._sleep = sleep
        self._owner = secrets.token_hex(8)  # this process's runs
        self._running = threading.Lock()  # one run at a time in this process (the button waits for the periodic one)

    # -- runs ----------------------------------------------------------------------------------

    def run(self, actor: Actor, clinic_id: int) -> ReconciliationReport:
        """照合 now (管理者・経理): compare the last 180 days of charges at PAY.JP with ours.

        One audit event ``payjp_reconciled`` with the counts.

        Raises:
            PermissionDeniedError: 受付 may not run it.
            StateError: ``recon_running`` — another PC is running it now.
            ServiceUnavailableError, TenantRequiredError: PAY.JP cannot be asked now (what was
                compared stays; the next run resumes).
        """
        require_actor(actor)
        with self._db.uow(readonly=True) as uow:
            staff = authorize(uow.session, actor, Permission.HISTORY, clinic_id=clinic_id)
            staff_id = staff.id
        report = self._run(clinic_id)
        with self._db.uow() as uow:
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=staff_id,
                         action="payjp_reconciled", entity_type="clinic", entity_id=clinic_id,
                         after={"charges": report.charges, "refunds_applied": report.refunds_applied,
                                "open_differences": report.open_differences, "finished": report.finished})
            uow.commit()
        return report

    def run_due(self) -> int:
        """The periodic run (background): each clinic whose last run is older than ``PERIOD``, or
        whose run was cut short, is compared. Returns how many clinics finished a run.

        Never raises for PAY.JP being unreachable or another PC running it (logged; tried again later).
        """
        now = self._clock()
        with self._db.uow(readonly=True) as uow:
            clinics = list(uow.session.execute(
                select(Clinic.id, ReconciliationCursor.last_finished_at, ReconciliationCursor.run_id)
                .outerjoin(ReconciliationCursor, ReconciliationCursor.clinic_id == Clinic.id)
                .where(Clinic.payment_company.is_not(None))
            ).all())
        finished = 0
        for clinic_id, last, running in clinics:
            if running is None and last is not None and now - last < PERIOD:
                continue
            try:
                if self._run(clinic_id).finished:
                    finished += 1
            except UserError as exc:
                log.info("reconciliation of clinic %s not done now: %s", clinic_id, exc.code)
        return finished

    def status(self, clinic_id: int) -> ReconciliationStatus:
        """When the clinic's last run finished, and whether one is in progress."""
        with self._db.uow(readonly=True) as uow:
            cursor = uow.session.get(ReconciliationCursor, clinic_id)
            if cursor is None:
                return ReconciliationStatus(None, False, 0)
            return ReconciliationStatus(cursor.last_finished_at, cursor.run_id is not None, cursor.last_charges)

    def _run(self, clinic_id: int) -> ReconciliationReport:
        with self._running:
            return self._run_locked(clinic_id)

    def _run_locked(self, clinic_id: int) -> ReconciliationReport:
        clinic = load_clinic(self._db, clinic_id)
        gateway = self._gateway_for(clinic)
        since, until, position = self._claim(clinic_id)
        resumed = position > 0
        seen: set[str] = set()
        compared = applied = 0
        finished = False
        while True:
            charges, more = gateway.list_charges(since=since, until=until, offset=position, limit=PAGE_SIZE)
            found, refunds = self._compare(clinic_id, charges)
            applied += refunds
            seen.update(c.id for c in charges)
            if not more and not resumed:  # the whole window seen in this run: what PAY.JP lacks
                found.update(self._missing(clinic_id, since, until, seen, gateway))
            if not self._advance(clinic_id, position, len(charges), found, finished=not more):
                break  # another PC took the run over
            compared += len(charges)
            position += len(charges)
            if not more:
                finished = True
                break
            self._sleep(self._page_interval)
        return ReconciliationReport(compared, applied, len(self.differences(clinic_id)), finished)

    def _claim(self, clinic_id: int) -> tuple[int, int, int]:
        """Start a run, or take over / resume the one in progress; returns (since, until, position)."""
        now = self._clock()
        try:
            with self._db.uow() as uow:
                s = uow.session
                cursor = s.get(ReconciliationCursor, clinic_id)
                if cursor is None:
                    cursor = ReconciliationCursor(clinic_id=clinic_id, position=0, last_charges=0)
                    s.add(cursor)
                busy = (cursor.run_id is not None and cursor.run_id != self._owner
                        and cursor.heartbeat_at is not None and now - cursor.heartbeat_at < STALE_AFTER)
                if busy:
                    raise StateError("recon_running")
                if cursor.run_id is None or cursor.since is None or cursor.until is None:
                    cursor.since = int((now - dt.timedelta(days=REFUND_LIMIT_DAYS)).timestamp())
                    cursor.until = int((now - UNTIL_LAG).timestamp())
                    cursor.position = 0
                    cursor.started_at = now
                cursor.run_id = self._owner
                cursor.heartbeat_at = now
                s.flush()
                claimed = (cursor.since, cursor.until, cursor.position)
                uow.commit()
        except IntegrityError:  # another PC created the row at the same moment: it runs
            raise StateError("recon_running") from None
        return claimed

    def _advance(self, clinic_id: int, position: int, count: int,
                 found: dict[str, tuple[int | None, dict[str, dict[str, Any]]]], *, finished: bool) -> bool:
        """Record a processed page's differences and move the cursor past it, in one transaction.

        ``found``: per charge id, (request id, {kind: params}) of what differs now. Returns False
        (nothing written) when the run is no longer this process's.
        """
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            values: dict[str, Any] = {"position": position + count, "heartbeat_at": now}
            if finished:
                values.update(run_id=None, last_finished_at=now, last_charges=position + count)
            moved = s.execute(
                update(ReconciliationCursor)
                .where(ReconciliationCursor.clinic_id == clinic_id, ReconciliationCursor.run_id == self._owner,
                       ReconciliationCursor.position == position)
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            if moved != 1:
                return False
            self._record(s, clinic_id, found, now)
            uow.commit()
        return True

    # -- comparing -----------------------------------------------------------------------------

    def _missing(self, clinic_id: int, since: int, until: int, seen: set[str], gateway: Any
                 ) -> dict[str, tuple[int | None, dict[str, dict[str, Any]]]]:
        """Our paid requests of the window whose charge PAY.JP did not list, looked up one by one.

        A charge PAY.JP does not know, or knows unpaid, is ``not_paid_at_payjp``. The window's
        first day and last hour are left out (a charge is created a moment before it is paid).
        """
        lo = dt.datetime.fromtimestamp(since, dt.timezone.utc) + dt.timedelta(days=1)
        hi = dt.datetime.fromtimestamp(until, dt.timezone.utc) - dt.timedelta(hours=1)
        R = BillingRequest
        with self._db.uow(readonly=True) as uow:
            rows = uow.session.execute(select(R.id, R.charge_id, R.amount).where(
                R.clinic_id == clinic_id, R.charge_id.is_not(None), R.state.in_(list(PAID_STATES)),
                R.paid_at >= lo, R.paid_at <= hi)).all()
        out: dict[str, tuple[int | None, dict[str, dict[str, Any]]]] = {}
        for request_id, charge_id, amount in rows:
            if charge_id is None or charge_id in seen:
                continue
            try:
                info: ChargeInfo | None = gateway.retrieve_charge(charge_id)
            except ServiceUnavailableError:
                continue  # cannot be told now; the next run asks again
            except UserError:
                info = None  # unknown at PAY.JP, or another tenant's
            if info is None or not info.paid:
                out[charge_id] = (request_id, {NOT_PAID_AT_PAYJP: {"charge": charge_id, "amount": amount, "card": "-",
                                                                   "created": 0}})
            self._sleep(self._page_interval)
        return out

    def _ours(self, charges: list[ChargeInfo]) -> dict[str, _Ours]:
        ids = [c.id for c in charges]
        attempt_ids = [str(c.metadata.get(METADATA_ATTEMPT_KEY) or "") for c in charges]
        out = {c.id: _Ours() for c in charges}
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            attempts = list(s.scalars(select(PaymentAttempt).where(
                or_(PaymentAttempt.charge_id.in_(ids), PaymentAttempt.id.in_([a for a in attempt_ids if a])))).all())
            by_attempt = {a.id: a for a in attempts}
            by_charge = {a.charge_id: a for a in attempts if a.charge_id}
            request_ids = {a.billing_request_id for a in attempts}
            reqs = list(s.scalars(select(BillingRequest).where(
                or_(BillingRequest.charge_id.in_(ids), BillingRequest.id.in_(request_ids)))).all())
            req_by_id = {r.id: r for r in reqs}
            req_by_charge = {r.charge_id: r for r in reqs if r.charge_id}
            for charge, attempt_key in zip(charges, attempt_ids):
                found = by_attempt.get(attempt_key) if attempt_key else None
                if found is not None and found.charge_id and found.charge_id != charge.id:
                    found = None
                attempt = found or by_charge.get(charge.id)
                req = req_by_charge.get(charge.id) or (req_by_id.get(attempt.billing_request_id) if attempt else None)
                mine = out[charge.id]
                if attempt is not None:
                    mine.attempt_id, mine.attempt_status = attempt.id, attempt.status
                if req is not None:
                    mine.request_id, mine.state, mine.amount = req.id, req.state, req.amount
                    mine.refunded, mine.request_charge_id = req.refunded_amount, req.charge_id
        return out

    def _compare(self, clinic_id: int, charges: list[ChargeInfo]
                 ) -> tuple[dict[str, tuple[int | None, dict[str, dict[str, Any]]]], int]:
        ours = self._ours(charges)
        unsettled = [o.attempt_id for o in ours.values() if o.attempt_id and o.attempt_status in (
            AttemptStatus.PENDING, AttemptStatus.UNKNOWN, AttemptStatus.THREE_D_SECURE)]
        for attempt_id in unsettled:  # lost answers: the ordinary look-up settles them first
            try:
                self._reconciliation.reconcile_attempt(attempt_id)
            except UserError:
                pass  # declined: recorded by the look-up
        refunds_applied = 0
        for charge in charges:
            mine = ours[charge.id]
            if (mine.request_id is not None and mine.request_charge_id == charge.id and charge.paid
                    and min(charge.amount_refunded, charge.amount) > mine.refunded):
                open_refunds = self._refund_recorder.open_refund_ids(mine.request_id)
                for refund_id in open_refunds:  # a refund at the desk whose answer was lost
                    self._reconciliation.reconcile_refund(refund_id)
                if not open_refunds and self._refund_recorder.apply_observed(mine.request_id, charge, source="reconciliation"):
                    refunds_applied += 1
        if unsettled or refunds_applied:
            ours = self._ours(charges)  # as the look-ups and refunds left them
        found = {c.id: (ours[c.id].request_id, self._differences_of(c, ours[c.id])) for c in charges}
        return found, refunds_applied

    @staticmethod
    def _differences_of(charge: ChargeInfo, mine: _Ours) -> dict[str, dict[str, Any]]:
        """What differs between ``charge`` and our record of it: {kind: params}."""
        card = f"{charge.card_brand} •••• {charge.card_last4}" if charge.card_last4 else "-"
        base: dict[str, Any] = {"charge": charge.id, "amount": charge.amount, "card": card, "created": charge.created}
        still_charged = charge.paid and charge.amount_refunded < charge.amount
        if mine.request_id is None:
            return {UNKNOWN_CHARGE: base} if still_charged else {}
        if not charge.paid:
            paid_here = mine.request_charge_id == charge.id and mine.state in PAID_STATES
            return {NOT_PAID_AT_PAYJP: base} if paid_here else {}
        if mine.request_charge_id != charge.id:
            if not still_charged:
                return {}
            if mine.request_charge_id:
                return {DUPLICATE_CHARGE: base}
            if mine.state in (BillingState.PROCESSING,):
                return {}  # being recorded right now
            return {PAID_NOT_RECORDED: base}
        out: dict[str, dict[str, Any]] = {}
        if charge.amount != mine.amount:
            out[AMOUNT_MISMATCH] = {**base, "payjp_amount": charge.amount, "amount": mine.amount}
        payjp_refunded = min(charge.amount_refunded, charge.amount)
        if payjp_refunded != mine.refunded and mine.state is not BillingState.REFUNDING:
            out[REFUND_MISMATCH] = {**base, "payjp_refunded": payjp_refunded, "refunded": mine.refunded}
        return out

    def _record(self, s: Any, clinic_id: int, found: dict[str, tuple[int | None, dict[str, dict[str, Any]]]],
                now: dt.datetime) -> None:
        """Open, update or close the differences of the page's charges (in the caller's transaction)."""
        if not found:
            return
        D = ReconciliationDifference
        existing = {(d.charge_id, d.kind): d for d in s.scalars(select(D).where(
            D.clinic_id == clinic_id, D.charge_id.in_(list(found)))).all()}
        for charge_id, (request_id, kinds) in found.items():
            for kind, params in kinds.items():
                row = existing.get((charge_id, kind))
                text = json.dumps(params, ensure_ascii=False, sort_keys=True)
                if row is None:
                    s.add(D(clinic_id=clinic_id, charge_id=charge_id, kind=kind, billing_request_id=request_id,
                            params=text, found_at=now))
                elif row.resolved_by is None:  # checked by staff: stays closed
                    row.params, row.billing_request_id = text, request_id
                    if row.resolved_at is not None:
                        row.resolved_at, row.found_at = None, now
            for (cid, kind), row in existing.items():
                if cid == charge_id and kind not in kinds and row.resolved_at is None:
                    row.resolved_at = now  # no longer differs
        s.flush()

    # -- the differences -----------------------------------------------------------------------

    def differences(self, clinic_id: int) -> list[Difference]:
        """The clinic's open differences, oldest first."""
        D = ReconciliationDifference
        with self._db.uow(readonly=True) as uow:
            rows = uow.session.scalars(select(D).where(D.clinic_id == clinic_id, D.resolved_at.is_(None))
                                       .order_by(D.found_at, D.id)).all()
            return [Difference(r.id, r.kind, r.charge_id, r.billing_request_id, json.loads(r.params), r.found_at)
                    for r in rows]

    def mark_checked(self, actor: Actor, difference_id: int) -> None:
        """確認済み (管理者・経理): a difference staff have dealt with leaves 要対応 for good.

        One audit event ``difference_checked``.

        Raises:
            PermissionDeniedError: 受付 may not; NotFoundError: no such difference of the clinic.
        """
        require_actor(actor)
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            row = s.get(ReconciliationDifference, difference_id)
            if row is None:
                raise NotFoundError()
            staff = authorize(s, actor, Permission.HISTORY, clinic_id=row.clinic_id)
            if row.resolved_by is not None:
                return
            before = {"resolved_at": row.resolved_at.isoformat() if row.resolved_at else None}
            row.resolved_at, row.resolved_by = now, staff.id
            audit.record(s, clinic_id=row.clinic_id, actor="staff", staff_id=staff.id, action="difference_checked",
                         entity_type="reconciliation_difference", entity_id=row.id, before=before,
                         after={"kind": row.kind, "charge": row.charge_id, "resolved_at": now.isoformat()})
            uow.commit()
