"""接続チェック: a ¥50 テスト payment through the public URL, checked step by step.

``LiveCheckService.start`` bills a ¥50 テスト request to the signed-in 管理者's e-mail address and
returns its link (for the QR code). While the check is open the checkout server reports what it
sees through ``LiveCheckRecorder`` (the pay page's scheme, the receipt page, PAY.JP's webhook
with the right or a wrong token, CSP violation reports). ``finish`` looks the charge up at
PAY.JP (its tenant), refunds the ¥50 and keeps the result (``desktop.domain.live_check``) with
its date; the 本番 guard asks ``last_pass`` for a pass within ``LIVE_CHECK_MAX_AGE``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import PaymentMode
from desktop.domain.errors import NotFoundError, StateError, UserError
from desktop.domain.live_check import LIVE_CHECK_AMOUNT, CspViolation, LiveCheckError, Observations, StepResult
from desktop.domain.live_check import evaluate, results_from_json, results_to_json
from desktop.domain.money import Yen
from desktop.domain.staff import Actor, Permission
from desktop.services.authz import authorize
from desktop.services.billing import BillingService
from desktop.services.directory import DirectoryService, MenuInput
from desktop.services.links import payment_url
from desktop.storage import audit as audit_log
from desktop.storage.orm import BillingRequest, Clinic, CspReport, LiveCheck, Menu, Patient
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

CHECK_MENU_NAME = "接続チェック"
CHECK_PATIENT_NAME = "接続チェック"
OPEN_FOR = dt.timedelta(hours=2)  # a check not finished by then no longer collects observations
MAX_CSP_ROWS = 200  # distinct (directive, origin, page) rows kept; the oldest go first


@dataclasses.dataclass(frozen=True)
class LiveCheckStarted:
    """A check started: its id, the ¥50 request and the link to open on a phone."""

    check_id: int
    request_id: int
    pay_url: str


@dataclasses.dataclass(frozen=True)
class LiveCheckResult:
    """A check's result: each step ✓ or its reason; ``finished_at`` UTC when last checked (None: not yet)."""

    check_id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    steps: tuple[StepResult, ...]

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


@dataclasses.dataclass(frozen=True)
class CspReportRow:
    """A CSP violation as listed in the app: how often, first and last time (UTC)."""

    directive: str
    blocked: str
    page: str
    report_only: bool
    count: int
    first_at: dt.datetime
    last_at: dt.datetime


class LiveCheckRecorder:
    """What the checkout server reports while checks are open (no staff member acts here).

    Every method is cheap when no check is open, and never raises for unknown ids.
    """

    def __init__(self, db: Database, clock: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._clock = clock

    def _open(self, now: dt.datetime) -> Any:
        return (LiveCheck.finished_at.is_(None)) & (LiveCheck.started_at > now - OPEN_FOR)

    def checking(self, request_id: int) -> bool:
        """Whether ``request_id`` is the request of an open check (its page may relax the CSP)."""
        now = self._clock()
        with self._db.uow(readonly=True) as uow:
            return uow.session.scalar(select(LiveCheck.id).where(
                self._open(now), LiveCheck.billing_request_id == request_id)) is not None

    def page_served(self, request_id: int, scheme: str) -> None:
        """The pay page of ``request_id`` was served over ``scheme`` (as the server saw it)."""
        now = self._clock()
        with self._db.uow() as uow:
            uow.session.execute(update(LiveCheck).where(self._open(now), LiveCheck.billing_request_id == request_id)
                                .values(page_scheme=scheme[:8], page_seen_at=now))
            uow.commit()

    def receipt_served(self, request_id: int) -> None:
        """The receipt page of ``request_id`` was served."""
        now = self._clock()
        with self._db.uow() as uow:
            uow.session.execute(update(LiveCheck).where(self._open(now), LiveCheck.billing_request_id == request_id)
                                .values(receipt_seen_at=now))
            uow.commit()

    def webhook_refused(self) -> None:
        """A webhook call came with a wrong or missing token (every open check notes it)."""
        now = self._clock()
        with self._db.uow() as uow:
            uow.session.execute(update(LiveCheck).where(self._open(now)).values(webhook_refused_at=now))
            uow.commit()

    def webhook_received(self, event: Mapping[str, Any]) -> None:
        """A verified PAY.JP event: it counts for the open check whose charge it is about."""
        data = event.get("data")
        charge_id = str(data.get("id") or "") if isinstance(data, Mapping) else ""
        if not charge_id.startswith("ch_"):
            return
        now = self._clock()
        with self._db.uow() as uow:
            ids = select(BillingRequest.id).where(BillingRequest.charge_id == charge_id).scalar_subquery()
            uow.session.execute(update(LiveCheck).where(self._open(now), LiveCheck.billing_request_id.in_(ids))
                                .values(webhook_ok_at=now))
            uow.commit()

    def csp_reported(self, violations: list[CspViolation]) -> None:
        """Count reduced CSP violations (``reduce_csp_report``); at most ``MAX_CSP_ROWS`` rows are kept."""
        now = self._clock()
        for v in violations:
            with self._db.uow() as uow:
                s = uow.session
                key = ((CspReport.directive == v.directive) & (CspReport.blocked == v.blocked)
                       & (CspReport.page == v.page) & (CspReport.report_only == v.report_only))
                done = s.execute(update(CspReport).where(key).values(count=CspReport.count + 1, last_at=now))
                if not getattr(done, "rowcount", 0):
                    total = int(s.scalar(select(func.count()).select_from(CspReport)) or 0)
                    if total >= MAX_CSP_ROWS:
                        oldest = select(CspReport.id).order_by(CspReport.last_at).limit(total - MAX_CSP_ROWS + 1)
                        s.execute(delete(CspReport).where(CspReport.id.in_(oldest.scalar_subquery())))
                    s.add(CspReport(directive=v.directive, blocked=v.blocked, page=v.page,
                                    report_only=v.report_only, count=1, first_at=now, last_at=now))
                try:
                    uow.commit()
                except IntegrityError:  # another server process added the same row just now
                    pass
            log.info("CSP violation reported: %s %s", v.directive, v.blocked)


class LiveCheckService:
    """Start, finish and read 接続チェック; list CSP reports.

    Args:
        db: the database.
        directory: registers the check's patient, menu and reservation.
        billing: bills the ¥50 request and refunds it.
        clock: now, in UTC.
    """

    def __init__(self, db: Database, directory: DirectoryService, billing: BillingService,
                 clock: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._directory = directory
        self._billing = billing
        self._clock = clock

    def start(self, actor: Actor, clinic_id: int, email: str) -> LiveCheckStarted:
        """Bill ¥50 in テストモード to ``email`` (the signed-in 管理者's) and open a check. Blocking.

        Raises:
            PermissionDeniedError: not a 管理者.
            LiveCheckError: ``live_check_test_mode_only``, ``live_check_email_missing``.
            ValidationError / StateError: as ``RequestService.request_payment`` (e-mail malformed,
                payments not usable: no tenant, no keys).
        """
        with self._db.uow(readonly=True) as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)
            clinic = uow.session.get(Clinic, clinic_id)
            if clinic is None:
                raise NotFoundError()
            if clinic.payment_mode is not PaymentMode.TEST:
                raise LiveCheckError("live_check_test_mode_only")
            base_url = clinic.public_base_url
            patient_id = uow.session.scalar(select(Patient.id).where(
                Patient.clinic_id == clinic_id, Patient.family_name == CHECK_PATIENT_NAME))
            menu_id = uow.session.scalar(select(Menu.id).where(Menu.clinic_id == clinic_id, Menu.name == CHECK_MENU_NAME))
        if not email.strip():
            raise LiveCheckError("live_check_email_missing", field="email")
        if patient_id is None:
            patient_id = self._directory.add_patient(actor, clinic_id, family_name=CHECK_PATIENT_NAME, email=email)
        else:
            self._directory.update_patient(actor, patient_id, email=email)
        if menu_id is None:
            menu_id = self._directory.save_menu(actor, clinic_id, MenuInput(
                name=CHECK_MENU_NAME, price=LIVE_CHECK_AMOUNT, tax_category=TaxCategory.NON_TAXABLE))
        reservation_id = self._directory.create_reservation(actor, clinic_id, patient_id=patient_id, menu_id=menu_id,
                                                            starts_at=self._clock())
        outcome = self._billing.requests.request_payment(
            reservation_id, actor, Yen(LIVE_CHECK_AMOUNT), TaxCategory.NON_TAXABLE, keep_link=True)
        assert outcome.link_token is not None
        with self._db.uow(readonly=True) as uow:
            menu = uow.session.get(Menu, menu_id)
            archived = menu is None or menu.archived
        if not archived:  # kept out of メニュー設定 and the reservation dialog (it has a reservation: archived)
            self._directory.delete_menu(actor, menu_id)
        with self._db.uow() as uow:
            check = LiveCheck(clinic_id=clinic_id, staff_id=actor.staff_id, billing_request_id=outcome.request_id,
                              started_at=self._clock())
            uow.session.add(check)
            uow.session.flush()
            audit_log.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id,
                             action="live_check_started", entity_type="live_check", entity_id=check.id,
                             after={"billing_request_id": outcome.request_id})
            uow.commit()
            check_id = check.id
        return LiveCheckStarted(check_id, outcome.request_id, payment_url(base_url, outcome.link_token))

    def finish(self, actor: Actor, check_id: int) -> LiveCheckResult:
        """Look the charge up, refund the ¥50 and keep every step's result with the date. Blocking.

        Each step that did not hold carries its reason and what to do; the check can be finished
        again (a new look) until it passes. Raises ``PermissionDeniedError`` (not a 管理者),
        ``NotFoundError`` (unknown check).
        """
        with self._db.uow(readonly=True) as uow:
            check = uow.session.get(LiveCheck, check_id)
            if check is None:
                raise NotFoundError()
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=check.clinic_id)
            clinic = uow.session.get(Clinic, check.clinic_id)
            req = uow.session.get(BillingRequest, check.billing_request_id) if check.billing_request_id else None
            assert clinic is not None
            started = check.started_at
            violations = tuple(
                CspViolation(r.directive, r.blocked, r.page, r.report_only)
                for r in uow.session.scalars(select(CspReport).where(CspReport.last_at >= started)
                                             .order_by(CspReport.last_at)))
        paid = req is not None and req.charge_id is not None and req.state in (
            BillingState.PAID, BillingState.PARTIALLY_REFUNDED, BillingState.REFUNDED)
        charge_tenant: str | None = None
        charge_error: UserError | None = None
        refund_error: UserError | None = None
        if paid and req is not None and req.charge_id:
            charge_tenant, charge_error = self._charge_tenant(clinic, req.charge_id)
            if req.state is BillingState.PAID and check.receipt_seen_at is not None:
                try:
                    self._billing.refunds.refund(req.id, actor, None, CHECK_MENU_NAME)
                except UserError as exc:
                    refund_error = exc
        obs = Observations(
            public_url=clinic.public_base_url, page_scheme=check.page_scheme, paid=paid, violations=violations,
            clinic_tenant=clinic.payjp_tenant_id, charge_tenant=charge_tenant, charge_error=charge_error,
            webhook_ok=check.webhook_ok_at is not None, webhook_refused=check.webhook_refused_at is not None,
            receipt_opened=check.receipt_seen_at is not None, refund_error=refund_error)
        steps = evaluate(obs)
        now = self._clock()
        passed = all(s.ok for s in steps)
        with self._db.uow() as uow:
            uow.session.execute(update(LiveCheck).where(LiveCheck.id == check_id).values(
                finished_at=now if passed else None, checked_at=now, passed=passed, results=json.dumps(results_to_json(steps))))
            audit_log.record(uow.session, clinic_id=clinic.id, actor="staff", staff_id=actor.staff_id,
                             action="live_check_finished", entity_type="live_check", entity_id=check_id,
                             after={"passed": passed, "failed": [s.item.value for s in steps if not s.ok]})
            uow.commit()
        return LiveCheckResult(check_id, started, now, steps)

    def _charge_tenant(self, clinic: Clinic, charge_id: str) -> tuple[str | None, UserError | None]:
        gateway = self._billing.refunds.gateway_for(clinic)
        try:
            return gateway.retrieve_charge(charge_id).tenant or "", None
        except UserError as exc:
            if exc.code == "tenant_mismatch":
                return "?", None
            return None, exc

    def last_pass(self, clinic_id: int) -> dt.datetime | None:
        """When the clinic last passed a check (UTC), or None."""
        with self._db.uow(readonly=True) as uow:
            return uow.session.scalar(select(func.max(LiveCheck.finished_at)).where(
                LiveCheck.clinic_id == clinic_id, LiveCheck.passed.is_(True)))

    def latest(self, clinic_id: int) -> LiveCheckResult | None:
        """The clinic's most recent check (open or finished), or None."""
        with self._db.uow(readonly=True) as uow:
            check = uow.session.scalars(select(LiveCheck).where(LiveCheck.clinic_id == clinic_id)
                                        .order_by(LiveCheck.id.desc()).limit(1)).first()
            if check is None:
                return None
            steps = results_from_json(json.loads(check.results)) if check.results else ()
            return LiveCheckResult(check.id, check.started_at, check.checked_at, steps)

    def csp_reports(self, limit: int = 50) -> list[CspReportRow]:
        """The CSP violations reported lately, newest first."""
        with self._db.uow(readonly=True) as uow:
            rows = uow.session.scalars(select(CspReport).order_by(CspReport.last_at.desc()).limit(limit)).all()
            return [CspReportRow(r.directive, r.blocked, r.page, r.report_only, r.count, r.first_at, r.last_at)
                    for r in rows]


__all__ = ["CspReportRow", "LiveCheckRecorder", "LiveCheckResult", "LiveCheckService", "LiveCheckStarted",
           "StateError"]
