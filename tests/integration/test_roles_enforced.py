"""Every public write of the services takes the signed-in staff member and refuses the roles it must.

The services are found by walking ``desktop.services`` (classes named ``…Service``, ``…Sender``,
``…Queries``). Each public method is one of:

* a staff write: it has an ``actor`` parameter and a case in ``CASES`` (roles it must refuse, how
  to call it, how many audit events it leaves attributed to the actor);
* a read (``READS``) or an entry point no staff member acts through (``NOT_STAFF``: the patient's
  checkout page, PAY.JP's webhooks, the app's own background work, first-run set-up), each with
  its reason.

A public method added later without an ``actor`` and without being listed as a read fails here,
and so does a write with an ``actor`` but no case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import itertools
import pathlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, func, select

import desktop.services
from desktop.bootstrap import build_context
from desktop.config import LocalSettings
from desktop.domain.billing import TaxCategory
from desktop.domain.clinic import CareType, PaymentMode, ReservationStatus, StaffRole
from desktop.domain.labels import STATE_LABELS
from desktop.domain.money import Yen
from desktop.domain.staff import Actor, PermissionDeniedError
from desktop.services.audit_log import AuditFilter
from desktop.domain.live_check import LiveCheckError
from desktop.services.go_live import GoLiveError
from desktop.services.context import AppContext, set_demo_api_base
from desktop.services.demo import ensure_demo_data
from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.services.go_live import GoLiveError
from desktop.services.directory import ClinicUpdate, MenuInput
from desktop.services.history import HistoryFilter
from desktop.services.payment_setup import DEMO_SECRET_KEY
from desktop.services.secrets import MemorySecretStore
from desktop.services.settings_service import SettingsError
from desktop.services.setup import SetupStep
from desktop.simulator.server import SimulatorServer
from desktop.simulator.testing import make_test_token
from desktop.storage.orm import AuditEvent, KeyProof, LiveCheck, Menu, ReconciliationDifference, Reservation

SUFFIXES = ("Service", "Sender", "Queries")

READS: dict[str, str] = {
    # what they return is shown on screen; nothing changes
    **{f"FrontDeskQueries.{m}": "read" for m in ("clinic_info", "staff", "patients", "patient", "menus",
                                                 "reservations", "reservation", "reservations_near")},
    **{f"HistoryService.{m}": "read" for m in ("count", "page", "get", "for_reservation", "change_token",
                                              "staff_names")},
    "DirectoryService.find_duplicates": "read: a warning before saving",
    "DirectoryService.requests_for_reservation": "read",
    "BookingService.wants_pre_payment": "read",
    "SettingsService.contract": "read", "SettingsService.connection": "read",
    "SettingsService.validate_payjp": "checks input, stores nothing",
    "TenantService.application_url": "a fresh URL of PAY.JP's page; stores nothing",
    "StaffService.accounts": "read (no secrets)", "StaffService.has_active_manager": "read",
    "RefundService.pending": "read",
    "PayjpReconciliationService.status": "read (要対応)", "PayjpReconciliationService.differences": "read (要対応)",
    "ReminderService.reminded_at": "read (経過)",
    "AttentionQueries.items": "read (要対応)", "AttentionQueries.count": "read (要対応)",
    "TimelineQueries.for_request": "read (経過)",
    "AuditLogService.latest_id": "read: the newest event's number only (操作履歴 reads its list again when it changes)",
    "DailyCloseService.figures": "read (日次締め)", "DailyCloseService.closed_days": "read (日次締め)",
    "ReceiptService.load": "read (patient's link)", "ReceiptService.render_pdf": "read",
    "ClinicPageService.page": "read (public pages)", "ClinicPageService.three_d_secure": "read",
    "OutboxSender.status": "read", "OutboxSender.retry_delay": "arithmetic",
    "BillingService.public_base_url": "read",
    "PaymentService.block_for": "read: why a clinic takes no card payment now",
    "PaymentService.card_payment_block": "read: why a request's clinic takes no card payment now",
    "SetupService.status": "read: the setup checklist",
    "GoLiveService.check": "read: probes PAY.JP and the public URL for 本番's conditions; stores nothing",
    "LiveCheckService.last_pass": "read (the 本番 guard)", "LiveCheckService.latest": "read",
    "LiveCheckService.csp_reports": "read (no personal data)",
    "KeyProofService.page": "read (the proof page)",
}

NOT_STAFF: dict[str, str] = {
    "KeyProofService.receive": "the 管理者's browser posts the token payjp.js made (no money, single use)",
    "KeyProofService.take": "called by GoLiveService.prove_with_token after its role check",
    "DirectoryService.create_clinic": "first-run set-up, before any staff exists (audited)",
    "DirectoryService.system_set_link_base": "the app points デモ links at its own port (audited as system)",
    "DirectoryService.set_patient_customer": "the patient saves a card on the checkout page (audited)",
    "StaffService.sign_in": "makes the Actor (a wrong try is counted and audited)",
    "StaffService.create_first_manager": "first-run set-up: refused once a 管理者 exists",
    "StaffService.claim_first_password": "upgrade: a 管理者's first password while nobody has one",
    "SetupService.start_clinic": "first run: the blank clinic and its first 管理者, before anyone can sign in",
    "PaymentService.open_link": "patient", "PaymentService.pay_with_token": "patient",
    "PaymentService.finish_three_d_secure": "patient",
    "PaymentService.pay_with_customer": "patient: a step of SavedCardService.pay_and_save",
    "SavedCardService.pay_and_save": "the patient saves a card on the checkout page, with consent (audited)",
    "PaymentService.charge_saved_card": "自動決済, a step of request_payment after its check",
    "ReconciliationService.reconcile_attempt": "background", "ReconciliationService.reconcile_refund": "background",
    "ReconciliationService.reconcile_pending": "background",
    "RequestService.expire_overdue": "background",
    "PayjpReconciliationService.run_due": "background: the periodic 照合 (refunds it applies are audited as payjp)",
    "ReminderService.send_due": "background: the automatic reminders (audited as system)", "PayjpEventService.handle": "PAY.JP webhook",
    "TenantService.refresh_review": "reads PAY.JP's review into the clinic (audited)",
    "TenantService.apply_tenant": "PAY.JP's tenant event",
    "ReceiptService.issue": "the patient issues a receipt (audited)",
    "OutboxSender.send_due": "background", "OutboxSender.requeue": "background mail retry",
}


def service_methods() -> Iterator[tuple[str, Callable[..., Any]]]:
    """``Class.method`` and the function of every public method of the services."""
    for info in pkgutil.walk_packages(desktop.services.__path__, "desktop.services."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not name.endswith(SUFFIXES):
                continue
            for attr, value in vars(cls).items():
                if attr.startswith("_") or isinstance(value, property):
                    continue
                func = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
                if inspect.isfunction(func):
                    yield f"{name}.{attr}", func


@dataclasses.dataclass
class Env:
    ctx: AppContext
    clinic_id: int
    actors: dict[StaffRole, Actor]
    tmp: pathlib.Path
    sim_base: str
    counter: itertools.count  # type: ignore[type-arg]

    def n(self) -> int:
        return next(self.counter)

    def reservation(self) -> int:
        """A fresh 後決済 reservation of a patient with an e-mail address."""
        with self.ctx.db.uow(readonly=True) as uow:
            res = uow.session.scalars(select(Reservation).join(Menu, Menu.id == Reservation.menu_id)
                                      .where(Menu.name == "一般診療 (後決済)")).first()
            assert res is not None
            patient_id, menu_id = res.patient_id, res.menu_id
        return self.ctx.directory.create_reservation(
            self.actors[StaffRole.STAFF], self.clinic_id, patient_id=patient_id, menu_id=menu_id,
            starts_at=dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.timezone.utc) + dt.timedelta(hours=self.n()))

    def open_request(self) -> int:
        return self.ctx.billing.request_payment(self.reservation(), self.actors[StaffRole.STAFF], 1200,
                                                "taxable").request_id

    def paid_request(self) -> int:
        request_id = self.open_request()
        raw = self._raw_link(request_id)
        token = make_test_token(self.sim_base, DEMO_SECRET_KEY)
        self.ctx.billing.pay_with_token(raw, token)
        return request_id

    def _raw_link(self, request_id: int) -> str:
        from desktop.services.demo_mailbox import DemoMailbox, extract_content

        self.ctx.outbox.send_due()
        box = DemoMailbox(self.ctx.data_dir / "mailbox")
        for m in sorted(box.list_messages(), key=lambda m: m.date, reverse=True):
            link = extract_content(box.get(m.key)).first_link or ""
            if "/pay/" in link:
                raw = link.rsplit("/pay/", 1)[1]
                view = self.ctx.billing.open_link(raw)
                if view.request_id == request_id:
                    return raw
        raise AssertionError("no payment link mailed")


@dataclasses.dataclass(frozen=True)
class Case:
    """How to call one staff write, who may, and how many audit events it leaves attributed to its actor."""

    refuse: frozenset[StaffRole]
    call: Callable[[Env, Actor], Any]
    events: int = 1
    prepare: Callable[[Env], Any] = lambda env: None
    raises: type[Exception] | None = None  # what the allowed call still raises after the role check


MANAGER_ONLY = frozenset({StaffRole.STAFF, StaffRole.ACCOUNTANT})
FRONT_DESK = frozenset({StaffRole.ACCOUNTANT})
HISTORY = frozenset({StaffRole.STAFF})


def _menu(env: Env) -> int:
    return env.ctx.directory.save_menu(env.actors[StaffRole.MANAGER], env.clinic_id,
                                       MenuInput(name=f"メニュー{env.n()}", price=1000))


def _no_proof(env: Env) -> None:
    with env.ctx.db.uow() as uow:
        uow.session.execute(delete(KeyProof))
        uow.commit()


def _live_check(env: Env) -> int:
    with env.ctx.db.uow() as uow:
        check = LiveCheck(clinic_id=env.clinic_id, started_at=env.ctx.clock())
        uow.session.add(check)
        uow.commit()
        return check.id


def _staff(env: Env) -> int:
    return env.ctx.staff.add_staff(env.actors[StaffRole.MANAGER], f"スタッフ {env.n()}", StaffRole.STAFF,
                                   "long-enough-pass-1")


def _approval(env: Env) -> str:
    """A refund above the threshold asked for by another 管理者, waiting (承認待ち)."""
    manager = env.actors[StaffRole.MANAGER]
    name = f"副院長 {env.n()}"
    other_id = env.ctx.staff.add_staff(manager, name, StaffRole.MANAGER, "long-enough-pass-3")
    other = Actor(other_id, env.clinic_id, StaffRole.MANAGER, name)
    request_id = env.paid_request()
    env.ctx.settings_service.save_security(manager, env.clinic_id, refund_approval_threshold=100,
                                           auto_lock_minutes=10)
    outcome = env.ctx.billing.refunds.refund(request_id, other, None, "承認待ち")
    env.ctx.settings_service.save_security(manager, env.clinic_id, refund_approval_threshold=0,
                                           auto_lock_minutes=10)
    assert outcome.approval_id is not None
    return outcome.approval_id


def _visit_with_unpaid_request(env: Env) -> int:
    reservation_id = env.reservation()
    env.ctx.billing.request_payment(reservation_id, env.actors[StaffRole.STAFF], 1200, "taxable")
    return reservation_id


def _difference(env: Env) -> int:
    """An open reconciliation difference (a charge at PAY.JP ClinicPay has no record of)."""
    with env.ctx.db.uow() as uow:
        row = ReconciliationDifference(clinic_id=env.clinic_id, charge_id=f"ch_unknown_{env.n()}",
                                       kind="unknown_charge", params='{"amount": 1000}', found_at=env.ctx.clock())
        uow.session.add(row)
        uow.commit()
        return row.id


def _no_smtp(env: Env) -> None:
    env.ctx.directory.update_clinic(env.actors[StaffRole.MANAGER], env.clinic_id, ClinicUpdate(smtp_host=""))


CASES: dict[str, Case] = {
    "DirectoryService.update_clinic": Case(MANAGER_ONLY, lambda e, a: e.ctx.directory.update_clinic(
        a, e.clinic_id, ClinicUpdate(link_expiry_days=1 + e.n() % 30))),
    "DirectoryService.add_patient": Case(FRONT_DESK, lambda e, a: e.ctx.directory.add_patient(
        a, e.clinic_id, family_name="新規", given_name=f"患者{e.n()}")),
    "DirectoryService.update_patient": Case(FRONT_DESK, lambda e, a: e.ctx.directory.update_patient(
        a, 1, phone=f"090-0000-{e.n():04d}")),
    "DirectoryService.save_menu": Case(MANAGER_ONLY, lambda e, a: e.ctx.directory.save_menu(
        a, e.clinic_id, MenuInput(name=f"新メニュー{e.n()}", price=500))),
    "DirectoryService.delete_menu": Case(MANAGER_ONLY, lambda e, a: e.ctx.directory.delete_menu(a, e.prepared),
                                         prepare=_menu),  # type: ignore[attr-defined]
    "DirectoryService.create_reservation": Case(FRONT_DESK, lambda e, a: e.ctx.directory.create_reservation(
        a, e.clinic_id, patient_id=1, menu_id=1, starts_at=dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc))),
    "DirectoryService.set_reservation_status": Case(FRONT_DESK, lambda e, a: e.ctx.directory.set_reservation_status(
        a, e.prepared, ReservationStatus.VISITED), prepare=lambda e: e.reservation()),  # type: ignore[attr-defined]
    "BookingService.book": Case(FRONT_DESK, lambda e, a: e.ctx.booking.book(
        e.clinic_id, a, patient_id=1, menu_id=1, starts_at=dt.datetime(2027, 2, 1, tzinfo=dt.timezone.utc))),
    "BillingService.request_payment": Case(FRONT_DESK, lambda e, a: e.ctx.billing.request_payment(
        e.prepared, a, 1500, "taxable"), prepare=lambda e: e.reservation()),  # type: ignore[attr-defined]
    "RequestService.request_payment": Case(FRONT_DESK, lambda e, a: e.ctx.billing.requests.request_payment(
        e.prepared, a, Yen(1500), TaxCategory.TAXABLE), prepare=lambda e: e.reservation()),  # type: ignore[attr-defined]
    "RequestService.request_pre_payment": Case(FRONT_DESK, lambda e, a: e.ctx.billing.requests.request_pre_payment(
        e.prepared, a), prepare=lambda e: e.ctx.directory.create_reservation(  # type: ignore[attr-defined]
        e.actors[StaffRole.STAFF], e.clinic_id, patient_id=1, menu_id=2,
        starts_at=dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=e.n()))),
    # re-request: the old request is cancelled and marked replaced, the new one created (3 events)
    "BillingService.re_request": Case(FRONT_DESK, lambda e, a: e.ctx.billing.re_request(e.prepared, a),
                                      events=3, prepare=lambda e: e.open_request()),  # type: ignore[attr-defined]
    "RequestService.re_request": Case(FRONT_DESK, lambda e, a: e.ctx.billing.requests.re_request(e.prepared, a),
                                      events=3, prepare=lambda e: e.open_request()),  # type: ignore[attr-defined]
    # キャンセル of a reservation with an unpaid request: the reservation's status and the request (2 events)
    "RequestService.cancel_reservation": Case(FRONT_DESK, lambda e, a: e.ctx.billing.cancel_reservation(
        e.prepared, a), events=2, prepare=_visit_with_unpaid_request),  # type: ignore[attr-defined]
    # 日次締め of a past day (管理者 or 経理), a different day each call
    "DailyCloseService.close_day": Case(HISTORY, lambda e, a: e.ctx.daily_close.close_day(
        a, e.clinic_id, dt.date(2026, 1, 1) + dt.timedelta(days=e.n()))),
    # リマインダーを送る from 決済管理's row menu: one reminder per request (one event)
    "ReminderService.send_reminder": Case(FRONT_DESK, lambda e, a: e.ctx.billing.reminders.send_reminder(
        e.prepared, a), prepare=lambda e: e.open_request()),  # type: ignore[attr-defined]
    # 照合 with PAY.JP (管理者・経理): one event with the counts
    "PayjpReconciliationService.run": Case(HISTORY, lambda e, a: e.ctx.billing.payjp_reconciliation.run(
        a, e.clinic_id)),
    "PayjpReconciliationService.mark_checked": Case(HISTORY, lambda e, a: e.ctx.billing.payjp_reconciliation
                                                    .mark_checked(a, e.prepared), prepare=_difference),  # type: ignore[attr-defined]
    "RequestService.cancel_request": Case(FRONT_DESK, lambda e, a: e.ctx.billing.cancel_request(e.prepared, a),
                                          prepare=lambda e: e.open_request()),  # type: ignore[attr-defined]
    "BillingService.refund": Case(MANAGER_ONLY, lambda e, a: e.ctx.billing.refund(e.prepared, a, 100, "返金"),
                                  prepare=lambda e: e.paid_request()),  # type: ignore[attr-defined]
    "RefundService.refund": Case(MANAGER_ONLY, lambda e, a: e.ctx.billing.refunds.refund(e.prepared, a, None, ""),
                                 prepare=lambda e: e.paid_request()),  # type: ignore[attr-defined]
    "RefundService.approve": Case(MANAGER_ONLY, lambda e, a: e.ctx.billing.refunds.approve(e.prepared, a),
                                  prepare=_approval),  # type: ignore[attr-defined]
    "RefundService.withdraw": Case(MANAGER_ONLY, lambda e, a: e.ctx.billing.refunds.withdraw(e.prepared, a),
                                   prepare=_approval),  # type: ignore[attr-defined]
    "SettingsService.set_payment_company": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.set_payment_company(
        a, e.clinic_id, "PAYJP", e.n() % 2 == 0)),
    "SettingsService.set_auto_charge_cap": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.set_auto_charge_cap(
        a, e.clinic_id, 90_000 + e.n())),
    "SettingsService.save_payjp": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.save_payjp(
        a, e.clinic_id, PaymentMode.DEMO, f"pk_demo_{e.n()}", None)),
    "SettingsService.test_connection": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.test_connection(
        a, e.clinic_id, PaymentMode.DEMO), events=0),  # changes nothing
    "SettingsService.save_webhook_token": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.save_webhook_token(
        a, f"whook_{e.n()}")),
    "SettingsService.save_checkout": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.save_checkout(
        a, e.clinic_id, "http://127.0.0.1:8470", 1 + e.n() % 30)),
    "SettingsService.save_clinic_details": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.save_clinic_details(
        a, e.clinic_id, name=f"さくら内科{e.n()}", postal_code="100-0005", address="東京都千代田区丸の内1-1-1",
        phone="03-1234-5678", email="info@sakura-clinic.example.jp", representative="桜井 一郎",
        registration_number="")),
    "SettingsService.save_smtp": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.save_smtp(
        a, e.clinic_id, host="smtp.example.jp", port=587 + e.n() % 2, security="starttls", username="u",
        password="secret-smtp")),
    "SettingsService.save_security": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.save_security(
        a, e.clinic_id, refund_approval_threshold=0, auto_lock_minutes=1 + e.n() % 60)),
    "SettingsService.send_test_mail": Case(MANAGER_ONLY, lambda e, a: e.ctx.settings_service.send_test_mail(
        a, e.clinic_id), events=0, prepare=_no_smtp, raises=SettingsError),  # no SMTP server here
    "TenantService.register": Case(MANAGER_ONLY, lambda e, a: e.ctx.tenants.register(
        e.clinic_id, a, CareType.WITHOUT_INSURANCE)),
    "HistoryService.export_csv": Case(HISTORY, lambda e, a: e.ctx.history.export_csv(
        a, e.clinic_id, HistoryFilter(), e.tmp / f"h{e.n()}.csv", headers=["ID"], state_labels=dict(STATE_LABELS))),
    "AuditLogService.events": Case(HISTORY, lambda e, a: e.ctx.actions._audit.events(a, e.clinic_id, AuditFilter()),
                                   events=0),  # a read, but only for 経理 and 管理者
    "AuditLogService.export_csv": Case(HISTORY, lambda e, a: e.ctx.actions._audit.export_csv(
        a, e.clinic_id, AuditFilter(), e.tmp / f"a{e.n()}.csv")),
    "TenantService.set_platform_fee_rate": Case(MANAGER_ONLY, lambda e, a: e.ctx.tenants.set_platform_fee_rate(
        a, e.clinic_id, f"{1 + e.n() % 9}.5")),
    "SetupService.set_step": Case(MANAGER_ONLY, lambda e, a: e.ctx.setup.set_step(
        a, e.clinic_id, SetupStep.MAIL), events=0),  # where the wizard stands, no setting
    "SetupService.finish": Case(MANAGER_ONLY, lambda e, a: e.ctx.setup.finish(a, e.clinic_id)),
    # 本番 is refused before the confirmation and the conditions are looked at; unconfirmed, nothing changes
    "GoLiveService.go_live": Case(MANAGER_ONLY, lambda e, a: e.ctx.actions._switch().go_live(
        a, e.clinic_id, "pk_live_sakura000000000000000a1", None, confirmed=False), events=0, raises=GoLiveError),
    "GoLiveService.leave_live": Case(MANAGER_ONLY, lambda e, a: e.ctx.actions._switch().leave_live(
        a, e.clinic_id, PaymentMode.DEMO, f"pk_demo_leave_{e.n()}", None, confirmed=True)),
    "StaffService.add_staff": Case(MANAGER_ONLY, lambda e, a: e.ctx.staff.add_staff(
        a, f"新人 {e.n()}", StaffRole.STAFF, "long-enough-pass-2")),
    "StaffService.rename": Case(MANAGER_ONLY, lambda e, a: e.ctx.staff.rename(a, e.prepared, f"改名 {e.n()}"),
                                prepare=_staff),  # type: ignore[attr-defined]
    "StaffService.set_role": Case(MANAGER_ONLY, lambda e, a: e.ctx.staff.set_role(
        a, e.prepared, StaffRole.ACCOUNTANT), prepare=_staff),  # type: ignore[attr-defined]
    "StaffService.set_active": Case(MANAGER_ONLY, lambda e, a: e.ctx.staff.set_active(a, e.prepared, False),
                                    prepare=_staff),  # type: ignore[attr-defined]
    "StaffService.reset_password": Case(MANAGER_ONLY, lambda e, a: e.ctx.staff.reset_password(
        a, e.prepared, "another-long-pass"), prepare=_staff),  # type: ignore[attr-defined]
    "StaffService.set_pin": Case(MANAGER_ONLY, lambda e, a: e.ctx.staff.set_pin(a, e.prepared, "4321"),
                                 prepare=_staff),  # type: ignore[attr-defined]
    "SavedCardService.card_of": Case(FRONT_DESK, lambda e, a: e.ctx.billing.saved_cards.card_of(a, 1), events=0),
    "SavedCardService.plan": Case(FRONT_DESK, lambda e, a: e.ctx.billing.saved_cards.plan(a, e.prepared, 1500),
                                  events=0, prepare=lambda e: e.reservation()),  # type: ignore[attr-defined]
    # a card PAY.JP no longer knows: removed here all the same (one event, the staff member's)
    "SavedCardService.remove_card": Case(FRONT_DESK, lambda e, a: e.ctx.billing.saved_cards.remove_card(a, 1),
                                         prepare=lambda e: e.ctx.directory.set_patient_customer(1, "cus_gone")),
    "StaffService.sign_out": Case(frozenset(), lambda e, a: e.ctx.staff.sign_out(a)),
    "StaffService.lock": Case(frozenset(), lambda e, a: e.ctx.staff.lock(a)),
    # the demo clinic is in デモ: the 管理者 passes the role check and is told the check needs テスト
    "LiveCheckService.start": Case(MANAGER_ONLY, lambda e, a: e.ctx.live_check.start(a, e.clinic_id, "kensa@example.jp"),
                                   events=0, raises=LiveCheckError),
    "KeyProofService.open": Case(MANAGER_ONLY, lambda e, a: e.ctx.key_proofs.open(a, e.clinic_id, "pk_live_x")),
    # nothing was tokenised on a proof page yet: the 管理者 passes the role check and is told so
    "GoLiveService.prove_with_token": Case(MANAGER_ONLY, lambda e, a: e.ctx.actions._go_live.prove_with_token(  # type: ignore[union-attr]
        a, e.clinic_id, "sk_live_x"), events=0, raises=GoLiveError, prepare=_no_proof),
    "LiveCheckService.finish": Case(MANAGER_ONLY, lambda e, a: e.ctx.live_check.finish(a, e.prepared),
                                    prepare=_live_check),  # type: ignore[attr-defined]
}


def test_every_public_service_method_is_a_listed_read_or_takes_an_actor() -> None:
    problems = []
    found = set()
    for name, func in service_methods():
        found.add(name)
        takes_actor = "actor" in inspect.signature(func).parameters
        if takes_actor and name not in CASES:
            problems.append(f"{name} takes an actor but has no case in CASES (roles it refuses, its audit)")
        if not takes_actor and name not in READS and name not in NOT_STAFF:
            problems.append(f"{name} takes no actor: a staff write must take the signed-in Actor "
                            "(or list it in READS / NOT_STAFF with the reason)")
    stale = sorted((set(CASES) | set(READS) | set(NOT_STAFF)) - found)
    assert not problems and not stale, "\n".join(problems + [f"{n} is listed but no longer exists" for n in stale])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    yield from demo_clinic(tmp_path_factory.mktemp("roles"))


def demo_clinic(tmp: pathlib.Path) -> Iterator[Env]:
    """The demo clinic in ``tmp``, its three roles signed in, its PAY.JP a simulator; closed after."""
    ctx = build_context(tmp, LocalSettings(), secrets=MemorySecretStore())
    clinic_id = ensure_demo_data(ctx)
    assert clinic_id is not None
    by_name = {a.name: a for a in ctx.staff.accounts(clinic_id)}
    actors = {d.role: ctx.staff.sign_in(by_name[d.name].id, d.password) for d in DEMO_ACCOUNTS}
    with SimulatorServer() as sim:
        set_demo_api_base(ctx, sim.base_url)
        yield Env(ctx, clinic_id, actors, tmp, sim.base_url, itertools.count(1))
    ctx.close()


def _events(env: Env) -> list[AuditEvent]:
    with env.ctx.db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all())


def _count(env: Env) -> int:
    with env.ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_write_requires_an_actor_refuses_roles_and_leaves_its_audit(env: Env, name: str) -> None:
    case = CASES[name]
    env.prepared = case.prepare(env)  # type: ignore[attr-defined]
    before = _count(env)
    with pytest.raises(TypeError):  # no signed-in staff member: a bug, refused before anything happens
        case.call(env, env.actors[StaffRole.MANAGER].staff_id)  # type: ignore[arg-type]
    for role in sorted(case.refuse, key=lambda r: r.value):
        with pytest.raises(PermissionDeniedError) as refused:
            case.call(env, env.actors[role])
        assert refused.value.message("en") and refused.value.message("ja")
    assert _count(env) == before, "a refused call left an audit event"
    allowed = [r for r in (StaffRole.MANAGER, StaffRole.STAFF, StaffRole.ACCOUNTANT) if r not in case.refuse]
    actor = env.actors[allowed[0]]
    last = max((e.id for e in _events(env)), default=0)
    if case.raises is not None:
        with pytest.raises(case.raises):
            case.call(env, actor)
    else:
        case.call(env, actor)
    mine = [e for e in _events(env) if e.id > last and e.actor == "staff"]
    assert len(mine) == case.events, [e.action for e in mine]
    assert all(e.staff_id == actor.staff_id for e in mine)
