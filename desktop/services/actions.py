"""What the reception screens may ask for, each call already running in the right thread pool.

The UI holds one ``DeskActions`` and awaits its methods on the qasync loop, e.g.
``run_op(actions.refund(request_id, actor, amount, reason), ...)``; it never sees a runner,
a database or a service. PAY.JP calls run in the ``payments`` pool, SMTP in ``mail``, reads and
local writes in ``db`` (see ``BackgroundRunner``). No Qt here: page tests pass a fake instead.

Amounts are whole yen; times are aware datetimes (the services store UTC, the screens show JST).
Errors are the services' own: ``UserError`` subclasses (``ValidationError``, ``StateError``,
``PaymentError``, ``SettingsError``…) carry a message for people; anything else is a bug.
"""

from __future__ import annotations

import datetime as dt
import functools
import pathlib
from collections.abc import Sequence
from typing import Any

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import CareType, PaymentMode, ReservationStatus, ReviewStatus, StaffRole
from desktop.domain.staff import Actor
from desktop.services.audit_log import AuditFilter, AuditLogService, AuditRow
from desktop.services.attention import AttentionItem, AttentionQueries
from desktop.services.timeline import TimelineEntry, TimelineQueries
from desktop.services import daily_close as day_close
from desktop.services.daily_close import DailyCloseService, DayFigures
from desktop.services.billing import DEFAULT_MESSAGE, AutoChargePlan, BillingService, RefundOutcome, RequestOutcome
from desktop.services.billing import SavedCardView, VisitCancelled
from desktop.services.billing.common import utcnow
from desktop.services.billing.payjp_reconciliation import ReconciliationReport, ReconciliationStatus
from desktop.services.billing.refunds import PendingRefund
from desktop.services.billing.reminders import ReminderSent
from desktop.services.demo_accounts import DEMO_ACCOUNTS, DemoAccount
from desktop.services.booking import Booking, BookingService
from desktop.services.demo_mailbox import DemoMailbox, MailContent, MailSummary, extract_content
from desktop.services.directory import DirectoryService, DuplicatePatient, MenuInput
from desktop.services.key_proof import KeyProofService
from desktop.services.live_check import CspReportRow, LiveCheckResult, LiveCheckService, LiveCheckStarted
from desktop.services.go_live import GoLiveReport, GoLiveService
from desktop.services.front_desk import ClinicInfo, FrontDeskQueries, MenuInfo, PatientInfo, ReservationDetail, ReservationRow
from desktop.services.history import HistoryFilter, HistoryRow, HistoryService
from desktop.services.outbox import OutboxSender, OutboxStatus, SendReport
from desktop.services.runner import BackgroundRunner
from desktop.services.settings_service import ConnectionView, ContractView, SettingsService
from desktop.services.setup import SetupService, SetupStatus, SetupStep
from desktop.services.staff import StaffAccount, StaffService


class DeskActions:
    """The reception app's operations as coroutines (one per use case).

    Args:
        runner: the thread pools the blocking services run in.
        billing: requests, payments, refunds, reconciliation.
        booking: 予約の登録 (with its 事前決済 request).
        directory: patients, menus, reservations.
        settings: 決済会社設定 and 接続設定 (with テナント登録 through ``settings.tenants``).
        go_live: the guarded switch to 本番 and back (None: the switch is not offered).
        queries: the reception read models.
        history: the 決済管理 list.
        outbox: the mail queue.
        mailbox_dir: the デモ mailbox's folder (what the clinic's patients would have received);
            opened on first use.
        setup: the first-run setup's progress and checklist.
        staff: staff accounts and sign-in.
        audit: the audit log (操作履歴).
        live_check: the 接続チェック and the CSP reports.
        key_proofs: the live key-pair proof pages.
    """

    def __init__(self, *, runner: BackgroundRunner, billing: BillingService, booking: BookingService,
                 directory: DirectoryService, settings: SettingsService, queries: FrontDeskQueries,
                 history: HistoryService, outbox: OutboxSender, mailbox_dir: pathlib.Path,
                 setup: SetupService, staff: StaffService, audit: AuditLogService,
                 go_live: GoLiveService | None = None, attention: AttentionQueries | None = None,
                 daily_close: DailyCloseService | None = None, live_check: LiveCheckService | None = None,
                 key_proofs: KeyProofService | None = None) -> None:
        self._live_check = live_check
        self._key_proofs = key_proofs
        self._run = runner
        self._setup = setup
        self._billing = billing
        self._booking = booking
        self._directory = directory
        self._settings = settings
        self._go_live = go_live
        self._queries = queries
        self._history = history
        self._outbox = outbox
        self._mailbox_dir = mailbox_dir
        self._staff = staff
        self._audit = audit
        self._attention_queries = attention
        self._daily_close_service = daily_close
        self._opened_mailbox: DemoMailbox | None = None

    def _mailbox(self) -> DemoMailbox:
        if self._opened_mailbox is None:
            self._opened_mailbox = DemoMailbox(self._mailbox_dir)
        return self._opened_mailbox

    # -- 予約管理 ------------------------------------------------------------------------------

    async def clinic_info(self) -> ClinicInfo | None:
        """The clinic as the screens show it (name, mode), or None before one exists."""
        return await self._run.db(self._queries.clinic_info)

    async def reservations(self, clinic_id: int, day: dt.date | None, search: str = "") -> list[ReservationRow]:
        """The reservations of ``day`` (JST calendar day; None = every day) matching ``search``."""
        return await self._run.db(self._queries.reservations, clinic_id, day, search)

    async def reservations_near(self, clinic_id: int, patient_id: int, starts_at: dt.datetime) -> list[ReservationRow]:
        """The patient's reservations (not キャンセル) within 30 minutes of ``starts_at`` (aware): booked twice?"""
        return await self._run.db(self._queries.reservations_near, clinic_id, patient_id, starts_at)

    async def reservation(self, reservation_id: int) -> ReservationDetail | None:
        """One reservation with its patient and menu, or None if it no longer exists."""
        return await self._run.db(self._queries.reservation, reservation_id)

    async def requests_for_reservation(self, reservation_id: int) -> list[HistoryRow]:
        """The billing requests of one reservation, newest first."""
        return await self._run.db(self._history.for_reservation, reservation_id)

    async def patients(self, clinic_id: int) -> list[PatientInfo]:
        """Every patient of the clinic, by name."""
        return await self._run.db(self._queries.patients, clinic_id)

    async def menus(self, clinic_id: int) -> list[MenuInfo]:
        """The clinic's menus in use (archived ones left out); prices in whole yen."""
        return await self._run.db(self._queries.menus, clinic_id)

    async def book(self, clinic_id: int, actor: Actor, *, patient_id: int, menu_id: int, starts_at: dt.datetime,
                   message: str = "", attachments: list[str] | None = None) -> Booking:
        """予約の登録 at ``starts_at`` (aware; stored as UTC). A 事前決済 menu's price is requested at once.

        Runs in the payments pool (自動決済 may call PAY.JP). A request that cannot be sent does
        not undo the reservation: it comes back as ``Booking.pre_payment_error``.
        Raises ``ValidationError`` for bad input.
        """
        return await self._run.payments(self._booking.book, clinic_id, actor, patient_id=patient_id,
                                        menu_id=menu_id, starts_at=starts_at, message=message,
                                        attachments=attachments)

    async def set_reservation_status(self, actor: Actor, reservation_id: int,
                                     status: ReservationStatus) -> VisitCancelled | None:
        """Change a reservation's 状態 (予約済み, 来院済み…); audited.

        キャンセル also cancels the visit's unpaid requests (links dead, patients mailed) and returns
        what was done, with the paid pre-payments staff should now refund. Raises ``StateError``
        (``request_processing``) while a patient is paying.
        """
        if ReservationStatus(status) is ReservationStatus.CANCELLED:
            return await self._run.payments(self._billing.cancel_reservation, reservation_id, actor)
        await self._run.db(self._directory.set_reservation_status, actor, reservation_id, status)
        return None

    async def save_patient(self, clinic_id: int, actor: Actor, patient_id: int | None, values: dict[str, Any], *,
                           check_duplicates: bool) -> PatientInfo | list[DuplicatePatient]:
        """新規患者 (``patient_id`` None) or 患者情報の編集, with the patient's fields in ``values``.

        With ``check_duplicates``, patients who may be the same person come back instead and
        nothing is saved. Returns the saved patient. Raises ``ValidationError`` for a bad field.
        """
        def save() -> PatientInfo | list[DuplicatePatient]:
            pid = patient_id
            if check_duplicates:
                found = self._directory.find_duplicates(
                    clinic_id, family_name=values["family_name"], given_name=values["given_name"],
                    phone=values["phone"], email=values["email"], exclude_id=pid)
                if found:
                    return found
            if pid is None:
                pid = self._directory.add_patient(actor, clinic_id, **values)
            else:
                self._directory.update_patient(actor, pid, **values)
            info = self._queries.patient(pid)
            assert info is not None
            return info

        return await self._run.db(save)

    # -- 後決済請求 and 決済管理 -----------------------------------------------------------------

    async def request_payment(self, reservation_id: int, actor: Actor, amount: int,
                              tax_category: TaxCategory | str, message: str | None = DEFAULT_MESSAGE, *,
                              replace_open: int | None = None, additional: bool = False) -> RequestOutcome:
        """後決済請求 of ``amount`` whole yen: the patient is e-mailed a link (or charged at once with 自動決済).

        Raises ``ValidationError`` (e.g. ``field == "email"`` when the patient has no usable address)
        or ``StateError``; nothing is recorded then. ``StateError`` ``visit_has_open_request`` asks
        whether to replace the visit's unpaid request (call again with ``replace_open``);
        ``visit_already_paid`` whether to send a 追加請求 (call again with ``additional``).
        """
        return await self._run.payments(self._billing.request_payment, reservation_id, actor, amount,
                                        tax_category, message, replace_open=replace_open, additional=additional)

    async def request_pre_payment(self, reservation_id: int, actor: Actor, *, replace_open: int | None = None,
                                  additional: bool = False) -> RequestOutcome:
        """事前決済 of the reservation's menu price (whole yen), requested by hand: as ``request_payment``
        (link by mail or 自動決済; the same ``StateError`` codes and their follow-up calls)."""
        return await self._run.payments(self._billing.request_pre_payment, reservation_id, actor,
                                        replace_open=replace_open, additional=additional)

    async def set_auto_charge_cap(self, actor: Actor, clinic_id: int, cap: int | str) -> ContractView:
        """自動決済の上限額 in whole yen (管理者). Returns the new view; ``ValidationError`` for a bad amount."""
        return await self._run.db(self._settings.set_auto_charge_cap, actor, clinic_id, cap)

    async def auto_charge_plan(self, actor: Actor, reservation_id: int, amount: int) -> AutoChargePlan:
        """The 確認 step: whether a request of ``amount`` whole yen charges the saved card now or sends a link."""
        return await self._run.db(self._billing.saved_cards.plan, actor, reservation_id, amount)

    async def saved_card(self, actor: Actor, patient_id: int) -> SavedCardView | None:
        """The patient's saved card for 自動決済 (brand, last 4, expiry, saved on, consent), or None."""
        return await self._run.db(self._billing.saved_cards.card_of, actor, patient_id)

    async def remove_saved_card(self, actor: Actor, patient_id: int) -> None:
        """Remove the patient's saved card at their request (at PAY.JP too); the patient is mailed a notice.

        Raises ``ServiceUnavailableError`` when PAY.JP cannot be reached (the card stays saved).
        """
        await self._run.payments(self._billing.saved_cards.remove_card, actor, patient_id)

    async def re_request(self, request_id: int, actor: Actor, *, amount: int | None = None,
                         tax_category: TaxCategory | str | None = None, message: str | None = None,
                         replace_open: int | None = None, additional: bool = False) -> RequestOutcome:
        """後決済取消後の再請求: cancel request ``request_id`` and send a new one (``amount`` in whole yen).

        ``replace_open`` / ``additional`` as ``request_payment``.
        """
        return await self._run.payments(self._billing.re_request, request_id, actor, amount=amount,
                                        tax_category=tax_category, message=message,
                                        replace_open=replace_open, additional=additional)

    async def send_reminder(self, request_id: int, actor: Actor) -> ReminderSent:
        """リマインダーを送る (受付・管理者): mail the patient of an unpaid request its link again, now.

        At most one reminder per request (automatic or by hand). Raises ``StateError``
        (``reminder_already_sent``, ``reminder_not_unpaid``, ``reminder_link_expired``) or
        ``ValidationError`` (``reminder_no_email``); nothing is sent then.
        """
        return await self._run.db(self._billing.reminders.send_reminder, request_id, actor)

    async def cancel_request(self, request_id: int, actor: Actor) -> None:
        """Cancel an unpaid request; its link is refused from then on. Raises ``StateError`` if paid."""
        await self._run.payments(self._billing.cancel_request, request_id, actor)

    async def refund(self, request_id: int, actor: Actor, amount: int | None, reason: str, *,
                     approver: Actor | None = None) -> RefundOutcome:
        """返金する: ``amount`` whole yen (None = all that is left) of a paid request, through PAY.JP.

        Returns the refund's outcome (``amount`` refunded, new state). Raises ``ValidationError``
        for a bad amount or reason, ``StateError`` if not refundable, ``PaymentError`` if PAY.JP refuses.
        Above the clinic's approval threshold it needs ``approver`` (a second 管理者, signed in with
        ``verify``), or it waits as 承認待ち (``RefundOutcome.approval_id`` set, nothing refunded).
        """
        extra = {"approver": approver} if approver is not None else {}
        return await self._run.payments(self._billing.refund, request_id, actor, amount, reason, **extra)

    @property
    def _attention(self) -> AttentionQueries:
        if self._attention_queries is None:
            self._attention_queries = AttentionQueries(self._billing.requests.db, utcnow)
        return self._attention_queries

    @property
    def _daily_close(self) -> DailyCloseService:
        if self._daily_close_service is None:
            self._daily_close_service = DailyCloseService(self._billing.requests.db, utcnow)
        return self._daily_close_service

    async def timeline(self, request_id: int) -> list[TimelineEntry]:
        """経過: what happened to a request and its mail, oldest first."""
        return await self._run.db(TimelineQueries(self._billing.requests.db).for_request, request_id)

    async def attention_items(self, clinic_id: int) -> list[AttentionItem]:
        """要対応: what staff must look at now (expiring links, refunds near PAY.JP's limit, …)."""
        return await self._run.db(self._attention.items, clinic_id)

    async def reconcile_with_payjp(self, actor: Actor, clinic_id: int) -> ReconciliationReport:
        """照合 (管理者・経理): compare PAY.JP's charges of the last 180 days with ours (payments pool).

        Refunds made in PAY.JP's dashboard are applied (patients mailed); differences go to 要対応.
        Raises ``StateError`` (``recon_running``: another PC runs it) or ``ServiceUnavailableError``.
        """
        return await self._run.payments(self._billing.payjp_reconciliation.run, actor, clinic_id)

    async def reconciliation_status(self, clinic_id: int) -> ReconciliationStatus:
        """When 照合 last finished (UTC) and whether one runs now."""
        return await self._run.db(self._billing.payjp_reconciliation.status, clinic_id)

    async def mark_difference_checked(self, actor: Actor, difference_id: int) -> None:
        """確認済み (管理者・経理): a reconciliation difference staff dealt with leaves 要対応."""
        await self._run.db(self._billing.payjp_reconciliation.mark_checked, actor, difference_id)

    async def day_figures(self, clinic_id: int, day: dt.date) -> DayFigures:
        """日次締め: the figures of ``day`` (JST) — as closed, or as the records stand now."""
        return await self._run.db(self._daily_close.figures, clinic_id, day)

    async def closed_days(self, clinic_id: int) -> list[dt.date]:
        """Days already closed, newest first."""
        return await self._run.db(self._daily_close.closed_days, clinic_id)

    async def close_day(self, actor: Actor, clinic_id: int, day: dt.date) -> DayFigures:
        """締める (管理者・経理): store ``day``'s figures for good. Raises ``StateError`` if it cannot be closed."""
        return await self._run.db(self._daily_close.close_day, actor, clinic_id, day)

    async def export_day_csv(self, figures: DayFigures, path: pathlib.Path, lang: str) -> None:
        """The day's figures as CSV for Excel (UTF-8 with BOM) at ``path``."""
        await self._run.db(day_close.write_csv, figures, path, lang)

    async def export_day_pdf(self, figures: DayFigures, clinic_name: str, path: pathlib.Path, lang: str) -> None:
        """The day's figures as a PDF (Japanese font) at ``path``."""
        def write() -> None:
            path.write_bytes(day_close.render_pdf(figures, clinic_name, lang, printed_at=dt.datetime.now(dt.timezone.utc)))
        await self._run.db(write)

    async def pending_refunds(self, clinic_id: int) -> list[PendingRefund]:
        """Refunds waiting for a second 管理者 (承認待ち), oldest first."""
        return await self._run.db(self._billing.refunds.pending, clinic_id)

    async def approve_refund(self, approval_id: str, actor: Actor) -> RefundOutcome:
        """承認: a second 管理者 approves a waiting refund, which runs at once (payments pool)."""
        return await self._run.payments(self._billing.refunds.approve, approval_id, actor)

    async def withdraw_refund(self, approval_id: str, actor: Actor) -> None:
        """取り下げ: drop a waiting refund; nothing is refunded."""
        await self._run.db(self._billing.refunds.withdraw, approval_id, actor)

    async def history_count(self, clinic_id: int, f: HistoryFilter) -> int:
        """How many requests match ``f``."""
        return await self._run.db(self._history.count, clinic_id, f)

    async def history_page(self, clinic_id: int, f: HistoryFilter, offset: int, limit: int, *,
                           total: int | None = None) -> list[HistoryRow]:
        """Rows ``offset`` … ``offset + limit - 1`` of the newest-first list matching ``f``."""
        return await self._run.db(self._history.page, clinic_id, f, offset, limit, total=total)

    async def staff_names(self, clinic_id: int) -> list[tuple[int, str]]:
        """(staff id, name) of everyone who made a request, for the filter."""
        return await self._run.db(self._history.staff_names, clinic_id)

    async def export_csv(self, actor: Actor, clinic_id: int, f: HistoryFilter, path: pathlib.Path, *, headers: Sequence[str],
                         state_labels: dict[BillingState, str], lang: str = "ja") -> int:
        """CSV出力 of the rows matching ``f`` to ``path`` (UTF-8 with BOM). Returns the number of rows."""
        return await self._run.db(self._history.export_csv, actor, clinic_id, f, path, headers=headers,
                                  state_labels=state_labels, lang=lang)

    # -- メニュー設定 ----------------------------------------------------------------------------

    async def save_menu(self, actor: Actor, clinic_id: int, data: MenuInput, menu_id: int | None = None) -> int:
        """Add (``menu_id`` None) or change a menu. Returns its id. Raises ``ValidationError``."""
        return await self._run.db(self._directory.save_menu, actor, clinic_id, data, menu_id)

    async def delete_menu(self, actor: Actor, menu_id: int) -> bool:
        """Delete a menu; True if deleted, False if archived because reservations use it."""
        return await self._run.db(self._directory.delete_menu, actor, menu_id)

    # -- 決済会社設定 and 接続設定 -----------------------------------------------------------------

    async def contract(self, clinic_id: int) -> ContractView:
        """決済会社設定 as shown: テナント, 審査状況, payment company, 自動決済."""
        return await self._run.db(self._settings.contract, clinic_id)

    async def set_payment_company(self, actor: Actor, clinic_id: int, company: str | None,
                                  auto_charge: bool) -> ContractView:
        """Choose the payment company (None = none) and 自動決済. Returns the new view."""
        return await self._run.db(self._settings.set_payment_company, actor, clinic_id, company, auto_charge)

    async def register_tenant(self, clinic_id: int, actor: Actor, care_type: CareType) -> str:
        """テナントを登録する at PAY.JP (payments pool). Returns the URL of PAY.JP's application page."""
        return await self._run.payments(self._settings.tenants.register, clinic_id, actor, care_type)

    async def application_url(self, clinic_id: int) -> str:
        """A fresh URL of PAY.JP's application page for the clinic's tenant."""
        return await self._run.payments(self._settings.tenants.application_url, clinic_id)

    async def refresh_review(self, clinic_id: int) -> ReviewStatus:
        """Read 審査状況 from PAY.JP now and store it. Returns it."""
        return await self._run.payments(self._settings.tenants.refresh_review, clinic_id)

    async def connection(self, clinic_id: int) -> ConnectionView:
        """接続設定 as shown (keys are reported as stored or not, never shown)."""
        return await self._run.db(self._settings.connection, clinic_id)

    async def save_payjp(self, actor: Actor, clinic_id: int, mode: PaymentMode, public_key: str,
                         secret_key: str | None) -> None:
        """Mode and API keys; the secret key (when given) goes to this PC's keyring. Raises ``SettingsError``."""
        await self._run.db(self._settings.save_payjp, actor, clinic_id, mode, public_key, secret_key)

    async def test_connection(self, actor: Actor, clinic_id: int, mode: PaymentMode, secret_key: str | None) -> None:
        """接続テスト: one read-only PAY.JP call with the key (payments pool). Raises ``UserError``."""
        await self._run.payments(self._settings.test_connection, actor, clinic_id, mode, secret_key)

    async def save_webhook_token(self, actor: Actor, token: str) -> None:
        """The PAY.JP webhook token (keyring). Raises ``SettingsError``."""
        await self._run.db(self._settings.save_webhook_token, actor, token)

    async def save_checkout(self, actor: Actor, clinic_id: int, public_base_url: str,
                            link_expiry_days: int | str, reminder_enabled: bool | None = None,
                            reminder_days_before: int | str | None = None) -> None:
        """The checkout page's public URL, how many days a payment link lasts and the automatic
        reminder (on/off, whole days before expiry; None: unchanged). ``SettingsError`` for bad input."""
        await self._run.db(self._settings.save_checkout, actor, clinic_id, public_base_url, link_expiry_days,
                           reminder_enabled, reminder_days_before)

    async def save_clinic_details(self, actor: Actor, clinic_id: int, **values: str) -> None:
        """The clinic as receipts and the legal pages show it (name, address, phone…)."""
        await self._run.db(functools.partial(self._settings.save_clinic_details, actor, clinic_id, **values))

    async def save_smtp(self, actor: Actor, clinic_id: int, *, host: str, port: int | str, security: str,
                        username: str, password: str | None) -> None:
        """SMTP server settings; the password (when given) goes to the keyring only.

        A change of server, port, security, user or password needs a new テスト送信 (setup checklist).
        """
        await self._run.db(self._settings.save_smtp, actor, clinic_id, host=host, port=port, security=security,
                           username=username, password=password)

    async def save_security(self, actor: Actor, clinic_id: int, *, refund_approval_threshold: int | str,
                            auto_lock_minutes: int | str) -> None:
        """The refund amount (whole yen, 0 = none) above which a second 管理者 approves, and the auto-lock minutes."""
        await self._run.db(functools.partial(self._settings.save_security, actor, clinic_id,
                                             refund_approval_threshold=refund_approval_threshold,
                                             auto_lock_minutes=auto_lock_minutes))

    async def send_test_mail(self, actor: Actor, clinic_id: int) -> str:
        """テストメール送信 to the clinic's own address (mail pool). Returns that address."""
        return await self._run.mail(self._settings.send_test_mail, actor, clinic_id)

    # -- スタッフ and sign-in ------------------------------------------------------------------

    async def staff_accounts(self, clinic_id: int, *, include_disabled: bool = False) -> list[StaffAccount]:
        """The clinic's staff (no secrets), by name; disabled ones only with ``include_disabled``."""
        return await self._run.db(functools.partial(self._staff.accounts, clinic_id,
                                                    include_disabled=include_disabled))

    async def sign_in(self, staff_id: int, secret: str, *, pin: bool = False, action: str = "signed_in") -> Actor:
        """Sign in with the password (or PIN); ``action`` is ``signed_in``, ``switched``, ``unlocked`` or
        ``approved_by``. Raises ``SignInError`` (wrong, locked, disabled) after counting the try."""
        return await self._run.db(functools.partial(self._staff.sign_in, staff_id, secret, pin=pin, action=action))

    async def claim_first_password(self, staff_id: int, password: str, pin: str | None = None, *,
                                   name: str | None = None) -> Actor:
        """最初のパスワード: while nobody of the clinic has a password, its 管理者 sets one (and may correct
        their name), signed in. Raises ``ValidationError`` (field ``name``, ``password`` or ``pin``),
        ``StateError("manager_exists")``, ``PermissionDeniedError`` (not an active 管理者)."""
        return await self._run.db(functools.partial(self._staff.claim_first_password, staff_id, password, pin,
                                                    name=name))

    async def sign_out(self, actor: Actor) -> None:
        """サインアウト (audited)."""
        await self._run.db(self._staff.sign_out, actor)

    async def lock_screen(self, actor: Actor) -> None:
        """The screen locked (audited)."""
        await self._run.db(self._staff.lock, actor)

    async def add_staff(self, actor: Actor, name: str, role: StaffRole, password: str, pin: str | None) -> int:
        """A new staff member (管理者). Raises ``ValidationError`` (name, password rule, PIN)."""
        return await self._run.db(self._staff.add_staff, actor, name, role, password, pin)

    async def rename_staff(self, actor: Actor, staff_id: int, name: str) -> None:
        """Rename a staff member (管理者)."""
        await self._run.db(self._staff.rename, actor, staff_id, name)

    async def set_staff_role(self, actor: Actor, staff_id: int, role: StaffRole) -> None:
        """Change a role (管理者); the last active 管理者 keeps theirs."""
        await self._run.db(self._staff.set_role, actor, staff_id, role)

    async def set_staff_active(self, actor: Actor, staff_id: int, active: bool) -> None:
        """Disable (never delete) or enable a staff member (管理者)."""
        await self._run.db(self._staff.set_active, actor, staff_id, active)

    async def reset_password(self, actor: Actor, staff_id: int, password: str) -> None:
        """Set a password (管理者, or one's own); unlocks the account."""
        await self._run.db(self._staff.reset_password, actor, staff_id, password)

    async def set_pin(self, actor: Actor, staff_id: int, pin: str | None) -> None:
        """Set (4–8 digits) or clear a PIN (管理者, or one's own)."""
        await self._run.db(self._staff.set_pin, actor, staff_id, pin)

    async def demo_accounts(self, clinic_id: int) -> list[DemoAccount]:
        """The トレーニング accounts (with passwords) when the clinic is the デモ clinic; otherwise none."""
        def find() -> list[DemoAccount]:
            info = self._queries.clinic_info()
            if info is None or info.id != clinic_id or info.payment_mode is not PaymentMode.DEMO:
                return []
            names = {a.name for a in self._staff.accounts(clinic_id)}
            return [a for a in DEMO_ACCOUNTS if a.name in names]

        return await self._run.db(find)

    async def audit_events(self, actor: Actor, clinic_id: int, f: AuditFilter, *, limit: int = 500) -> list[AuditRow]:
        """操作履歴 (経理, 管理者): the newest events matching ``f``, at most ``limit``."""
        return await self._run.db(functools.partial(self._audit.events, actor, clinic_id, f, limit=limit))

    async def latest_audit_id(self) -> int:
        """The newest audit event's id (0 without any); it changes whenever anything is recorded."""
        return await self._run.db(self._audit.latest_id)

    async def export_audit_csv(self, actor: Actor, clinic_id: int, f: AuditFilter, path: pathlib.Path,
                               lang: str = "ja") -> int:
        """操作履歴のCSV出力 (UTF-8 with BOM, for Excel). Returns the number of rows."""
        return await self._run.db(functools.partial(self._audit.export_csv, actor, clinic_id, f, path, lang=lang))

    async def set_platform_fee_rate(self, actor: Actor, clinic_id: int, rate: str) -> str:
        """プラットフォーム手数料率 (管理者; percent, ≤ 2 decimals, 0–95); a registered tenant is updated at PAY.JP.

        Returns the stored rate (``"3.50"``). Raises ``ValidationError`` (field ``platform_fee_rate``),
        ``PermissionDeniedError``.
        """
        return await self._run.payments(self._settings.tenants.set_platform_fee_rate, actor, clinic_id, rate)

    def _switch(self) -> GoLiveService:
        if self._go_live is None:
            raise RuntimeError("no GoLiveService was given")
        return self._go_live

    async def go_live_check(self, clinic_id: int, public_key: str, secret_key: str | None) -> GoLiveReport:
        """Every condition of 本番 with these live keys (payments pool: PAY.JP and the public URL are asked).

        Raises ``SettingsError`` with ``field`` for a malformed key.
        """
        return await self._run.payments(self._switch().check, clinic_id, public_key, secret_key)

    async def go_live(self, actor: Actor, clinic_id: int, public_key: str, secret_key: str | None, *,
                      confirmed: bool) -> GoLiveReport:
        """Switch to 本番 (管理者; checked again first). Raises ``GoLiveError`` / ``SettingsError`` /
        ``PermissionDeniedError``; nothing saved then."""
        return await self._run.payments(lambda: self._switch().go_live(actor, clinic_id, public_key, secret_key,
                                                                       confirmed=confirmed))

    async def open_key_proof(self, actor: Actor, clinic_id: int, public_key: str) -> str:
        """A proof page for the live public key (管理者): its URL, to open in the browser."""
        if self._key_proofs is None:
            raise RuntimeError("no KeyProofService was given")
        return await self._run.db(self._key_proofs.open, actor, clinic_id, public_key)

    async def prove_key_pair(self, actor: Actor, clinic_id: int, secret_key: str | None) -> bool:
        """Read the proof page's token back with the live secret key: True = one account (PAY.JP is asked)."""
        return await self._run.payments(self._switch().prove_with_token, actor, clinic_id, secret_key)

    async def leave_live(self, actor: Actor, clinic_id: int, mode: PaymentMode, public_key: str,
                         secret_key: str | None, *, confirmed: bool) -> None:
        """Go from 本番 back to ``mode`` (テスト / デモ) after the user (管理者) confirmed."""
        await self._run.db(lambda: self._switch().leave_live(actor, clinic_id, mode, public_key, secret_key,
                                                             confirmed=confirmed))

    # -- 接続チェック --------------------------------------------------------------------------------

    def _checks(self) -> LiveCheckService:
        if self._live_check is None:
            raise RuntimeError("no LiveCheckService was given")
        return self._live_check

    async def start_live_check(self, actor: Actor, clinic_id: int, email: str) -> LiveCheckStarted:
        """Bill ¥50 in テストモード to ``email`` and open a 接続チェック (管理者). Raises ``LiveCheckError``,
        ``ValidationError`` / ``StateError`` (as a payment request), ``PermissionDeniedError``."""
        return await self._run.payments(self._checks().start, actor, clinic_id, email)

    async def finish_live_check(self, actor: Actor, check_id: int) -> LiveCheckResult:
        """Look at the check now: charge and tenant at PAY.JP, refund of the ¥50, every step's result."""
        return await self._run.payments(self._checks().finish, actor, check_id)

    async def latest_live_check(self, clinic_id: int) -> LiveCheckResult | None:
        """The clinic's most recent 接続チェック, or None."""
        return await self._run.db(self._checks().latest, clinic_id)

    async def csp_reports(self) -> list[CspReportRow]:
        """CSP violations browsers reported from the checkout pages, newest first."""
        return await self._run.db(self._checks().csp_reports)

    # -- first-run setup -----------------------------------------------------------------------

    async def setup_status(self, clinic_id: int) -> SetupStatus:
        """The setup checklist: each step done or what it still needs, and the step to resume at."""
        return await self._run.db(self._setup.status, clinic_id)

    async def set_setup_step(self, actor: Actor, clinic_id: int, step: SetupStep) -> None:
        """Remember the step the setup shows (管理者; it resumes there, on any PC)."""
        await self._run.db(self._setup.set_step, actor, clinic_id, step)

    async def finish_setup(self, actor: Actor, clinic_id: int) -> None:
        """完了 (管理者): the setup is not opened by itself any more (the checklist stays while items are missing)."""
        await self._run.db(self._setup.finish, actor, clinic_id)

    # -- メールボックス（デモ） ------------------------------------------------------------------

    async def demo_mails(self) -> list[MailSummary]:
        """The mails in the デモ mailbox (any order)."""
        return await self._run.db(lambda: self._mailbox().list_messages())

    async def demo_mail(self, key: str) -> MailContent:
        """One mail of the デモ mailbox: its text and its first link."""
        return await self._run.db(lambda: extract_content(self._mailbox().get(key)))

    # -- background work of the app ------------------------------------------------------------

    async def send_due_mail(self) -> SendReport:
        """Send the mails that are due (mail pool)."""
        return await self._run.mail(self._outbox.send_due)

    async def outbox_status(self) -> OutboxStatus:
        """How many mails wait and how many failed for good."""
        return await self._run.db(self._outbox.status)

    async def change_token(self, clinic_id: int) -> tuple[Any, ...]:
        """A value that changes whenever any billing request of the clinic changes."""
        return await self._run.db(self._history.change_token, clinic_id)

    async def daily_backup(self, keep_days: int) -> pathlib.Path | None:
        """The automatic SQLite backup: one a day into ``backups/`` of the data directory, kept
        ``keep_days`` days (None: none was due, or the database is PostgreSQL)."""
        from desktop.storage import backups

        engine = self._billing.requests.db.engine
        return await self._run.db(backups.daily_backup, engine, keep_days, dt.datetime.now(dt.timezone.utc))

    async def send_due_reminders(self) -> int:
        """Queue the automatic reminders due now (db pool); returns how many."""
        return await self._run.db(self._billing.reminders.send_due)

    async def reconcile_with_payjp_due(self) -> int:
        """The periodic 照合 of each clinic whose last run is old or was cut short (payments pool)."""
        return await self._run.payments(self._billing.payjp_reconciliation.run_due)

    async def reconcile(self) -> None:
        """Resolve attempts and refunds left unknown (payments pool), then expire overdue links."""
        await self._run.payments(self._billing.reconcile_pending)
        await self._run.db(self._billing.expire_overdue)
