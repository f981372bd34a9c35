"""接続設定 (manager): payment mode and PAY.JP keys, webhook, checkout page URL, clinic details, SMTP.

Secrets are typed here and handed to ``SettingsService``, which puts them in this PC's keyring;
the fields are masked, cleared after saving, and only "stored / not stored" is ever shown.
Each section saves on its own; a refused value shows its message next to its field. A save shows
the saved values again in its own section only: what is typed in the others, and the messages
under their fields, stay (``FormSections``).

Signals:
    saved: something was saved (the 決済会社設定 tab reloads: URLs and mode may have changed).
    mode_changed: 支払いモード changed (the window's badge, banner and status bar follow at once).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from desktop.domain.clinic import PaymentMode
from desktop.domain.formatting import JST
from desktop.services.actions import DeskActions
from desktop.services.go_live import GoLiveError, GoLiveReport
from desktop.services.settings_service import ConnectionView
from desktop.ui import async_ops, i18n, messages
from desktop.ui.dialogs.go_live_dialog import PROVE_KEYS, GoLiveDialog
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ChoiceRow, FieldErrors, button_bar, heading, hint_label, notice_label
from desktop.ui.widgets.common import secret_edit, wrapped_label
from desktop.ui.widgets.sections import FormSection, FormSections
from desktop.ui.widgets.settings_rows import OK_STYLE, ClinicRows, PayjpKeyRows, SmtpRows
from desktop.ui.widgets.url_row import UrlRow

MISSING_TEXT = {
    "payjp_secret": QT_TRANSLATE_NOOP("ConnectionSettingsPanel", "この端末にはシークレットキーが登録されていません"),
    "webhook_token": QT_TRANSLATE_NOOP("ConnectionSettingsPanel", "この端末にはWebhookトークンが登録されていません"),
    "smtp_password": QT_TRANSLATE_NOOP("ConnectionSettingsPanel", "この端末にはSMTPパスワードが登録されていません"),
}
WARN_STYLE = "color: #8a4b00;"


class ConnectionSettingsPanel(QWidget):
    saved = Signal()
    mode_changed = Signal()

    def __init__(self, session: UiSession, actions: DeskActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.desk = actions  # not self.actions: QWidget.actions() lists the widget's QActions
        self.view: ConnectionView | None = None
        self.errors = FieldErrors()
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("接続設定"), 18))
        intro = wrapped_label(self.tr("管理者向けの設定です。シークレットキーとパスワードは、この端末のOSの資格情報ストアにだけ保存されます。"))
        layout.addWidget(intro)
        self.missing_label = notice_label("background: #fdecea; color: #b71c1c; border: 1px solid #f5c6c2; padding: 6px;")
        layout.addWidget(self.missing_label)

        # PAY.JP
        payjp = QGroupBox(self.tr("PAY.JP 接続"))
        form = QFormLayout(payjp)
        self.mode = ChoiceRow([(mode, i18n.mode_label(mode)) for mode in PaymentMode])
        form.addRow(self.tr("支払いモード"), self.errors.under(self.mode, "payment_mode"))
        self.save_payjp_button = QPushButton(self.tr("保存"))
        self.payjp = PayjpKeyRows(form, self.errors, "pk_test_… / pk_live_…", self.save_payjp_button)
        layout.addWidget(payjp)

        # webhook
        hook = QGroupBox(self.tr("Webhook"))
        hform = QFormLayout(hook)
        self.webhook_url = UrlRow()
        hform.addRow(self.tr("Webhook URL（PAY.JPに登録）"), self.webhook_url)
        self.webhook_token = secret_edit(clear_button=True)
        self.webhook_status = QLabel()
        self.save_webhook_button = QPushButton(self.tr("保存"))
        hform.addRow(self.tr("Webhookトークン"),
                     self.errors.under(self.webhook_token, "webhook_token", self.webhook_status))
        hform.addRow("", button_bar(self.save_webhook_button, None))
        layout.addWidget(hook)

        # checkout page
        page = QGroupBox(self.tr("決済ページ"))
        pform = QFormLayout(page)
        self.public_base_url = self.errors.text_row(pform, self.tr("公開URL（メールに記載）"), "public_base_url",
                                                    "https://pay.example-clinic.jp")
        self.expiry_days = QSpinBox()
        self.expiry_days.setRange(1, 30)
        self.expiry_days.setSuffix(self.tr(" 日"))
        self.expiry_days.setMaximumWidth(120)
        pform.addRow(self.tr("決済リンクの有効期限"), self.errors.under(self.expiry_days, "link_expiry_days"))
        self.reminder_enabled = QCheckBox(self.tr("未決済のまま期限が近づいたらリマインダーを送る"))
        self.reminder_days = QSpinBox()
        self.reminder_days.setRange(1, 29)
        self.reminder_days.setSuffix(self.tr(" 日前"))
        self.reminder_days.setMaximumWidth(160)
        self.reminder_enabled.toggled.connect(self.reminder_days.setEnabled)
        reminder_box = QWidget()
        reminder_row = button_bar(self.reminder_enabled, self.reminder_days, None)
        reminder_row.setContentsMargins(0, 0, 0, 0)
        reminder_box.setLayout(reminder_row)
        pform.addRow(self.tr("リマインダー"), self.errors.under(reminder_box, "reminder_days_before"))
        self.save_checkout_button = QPushButton(self.tr("保存"))
        pform.addRow("", button_bar(self.save_checkout_button, None))
        layout.addWidget(page)

        # clinic details
        clinic = QGroupBox(self.tr("クリニック情報（領収書・特定商取引法に基づく表記）"))
        cform = QFormLayout(clinic)
        self.details = ClinicRows(cform, self.errors,
                                  ("name", "postal_code", "address", "phone", "email", "representative"),
                                  self.tr("登録番号（適格請求書発行事業者）"))
        self.save_clinic_button = QPushButton(self.tr("保存"))
        cform.addRow("", button_bar(self.save_clinic_button, None))
        layout.addWidget(clinic)

        # SMTP
        smtp = QGroupBox(self.tr("メール送信（SMTP）"))
        sform = QFormLayout(smtp)
        self.demo_mail_note = hint_label(self.tr("デモモードでは、患者様へのメールは「メールボックス（デモ）」に届きます。"
                                                 "テストメールは下記のSMTPサーバーから送信します。"))
        sform.addRow(self.demo_mail_note)
        self.smtp = SmtpRows(sform, self.errors)
        self.save_smtp_button = QPushButton(self.tr("保存"))
        self.test_mail_button = QPushButton(self.tr("テストメール送信"))
        sform.addRow("", button_bar(self.save_smtp_button, self.test_mail_button, None))
        sform.addRow("", self.errors.add("smtp_test"))
        self.test_mail_result = wrapped_label()
        self.test_mail_result.setStyleSheet(OK_STYLE)
        sform.addRow("", self.test_mail_result)
        layout.addWidget(smtp)
        layout.addStretch(1)

        # each part saves on its own: a save shows the saved values again in that part only
        self.sections: FormSections[ConnectionView] = FormSections(self.errors)
        self.payjp_section = self.sections.add(payjp, ("payment_mode", "public_key", "secret_key"), self._load_payjp)
        self.webhook_section = self.sections.add(hook, ("webhook_token",), lambda _view: None)  # a masked token only
        self.checkout_section = self.sections.add(
            page, ("public_base_url", "link_expiry_days", "reminder_days_before"), self._load_checkout)
        self.clinic_section = self.sections.add(clinic, tuple(self.details), self.details.load)
        self.smtp_section = self.sections.add(
            smtp, ("smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password", "smtp_test"),
            self.smtp.load)
        self._condition_fields: set[str] = set()  # where the last 本番 check put its conditions

        for button in self.mode.buttons.values():
            button.toggled.connect(lambda *_: self._show_secret_status())
        self.save_payjp_button.clicked.connect(self.save_payjp)
        self.payjp.test_button.clicked.connect(self.test_connection)
        self.save_webhook_button.clicked.connect(self.save_webhook)
        self.save_checkout_button.clicked.connect(self.save_checkout)
        self.save_clinic_button.clicked.connect(self.save_clinic)
        self.save_smtp_button.clicked.connect(self.save_smtp)
        self.test_mail_button.clicked.connect(self.send_test_mail)

    # -- state --------------------------------------------------------------------------------

    def reload(self, saved: FormSection[ConnectionView] | None = None) -> None:
        """Read the saved settings again; ``saved``: the part just saved (see ``show_view``)."""
        self.sections.read(self.desk.connection(self.session.clinic.id), self.show_view, saved, "connection-read")

    def show_view(self, view: ConnectionView, saved: FormSection[ConnectionView] | None = None) -> None:
        """Show ``view``: the part ``saved`` (when one was just saved) and every untouched part show
        the saved values, the other parts keep what is typed and the messages under their fields
        (``FormSections.show``); the stored-secret notes and the warnings always follow ``view``."""
        self.view = view
        self.sections.show(view, saved)
        self.webhook_url.set_url(view.webhook_url)
        self.reminder_days.setEnabled(self.reminder_enabled.isChecked())
        self.demo_mail_note.setVisible(view.mode is PaymentMode.DEMO)
        self._stored(self.webhook_status, view.webhook_token_stored, "webhook_token", view.webhook_token_hint)
        self._stored(self.smtp.password_status, view.smtp_password_stored, "smtp_password", view.smtp_password_hint)
        if view.test_mail_accepted_at is not None:
            self.test_mail_result.setText(self.tr("最後にテストメールが届いた日時: {time}").format(
                time=f"{view.test_mail_accepted_at.astimezone(JST):%Y/%m/%d %H:%M}"))
        else:  # never, or the server changed since (saving SMTP forgets the last test mail)
            self.test_mail_result.setText("")
        if not view.smtp_password_stored and not view.smtp_username:
            self.smtp.password_status.setText("")  # no login configured: nothing is missing
        self._show_secret_status()
        missing = view.missing_secrets()
        self.missing_label.setText("\n".join("⚠ " + self.tr(MISSING_TEXT[m]) for m in missing))
        self.missing_label.setVisible(bool(missing))

    def _load_payjp(self, view: ConnectionView) -> None:
        self.mode.set_value(view.mode)
        self.payjp.public_key.setText(view.public_key)

    def _load_checkout(self, view: ConnectionView) -> None:
        self.public_base_url.setText(view.public_base_url)
        self.expiry_days.setValue(view.link_expiry_days)
        self.reminder_enabled.setChecked(view.reminder_enabled)
        self.reminder_days.setValue(view.reminder_days_before)

    def _stored(self, label: QLabel, stored: bool, what: str, hint: str = "") -> None:
        if stored and hint:
            label.setText(self.tr("{hint} を保存済み").format(hint=hint))
        else:
            label.setText(self.tr("この端末に登録済み") if stored else self.tr(MISSING_TEXT[what]))
        label.setStyleSheet(OK_STYLE if stored else WARN_STYLE)

    def _show_secret_status(self) -> None:
        mode = self.mode.value()
        demo = mode is PaymentMode.DEMO
        keys = self.payjp
        keys.public_key.setEnabled(not demo)
        keys.secret_key.setEnabled(not demo)
        if demo:
            keys.secret_status.setText(self.tr("デモではシミュレーターのキーを使います"))
            keys.secret_status.setStyleSheet("color: #666;")
            keys.secret_key.setPlaceholderText("")
            return
        stored = bool(self.view and isinstance(mode, PaymentMode) and self.view.secret_stored.get(mode))
        hint = self.view.secret_hints.get(mode, "") if self.view is not None and isinstance(mode, PaymentMode) else ""
        self._stored(keys.secret_status, stored, "payjp_secret", hint)
        prefix = "sk_test_…" if mode is PaymentMode.TEST else "sk_live_…"
        keys.secret_key.setPlaceholderText(self.tr("登録済み（変更するときだけ入力）") if stored else prefix)

    # -- running a save -----------------------------------------------------------------------

    def _run(self, work: Awaitable[Any], clears: Iterable[str], button: QPushButton,
             on_success: Callable[[Any], None], name: str) -> None:
        """Run ``work`` with ``button`` busy, after hiding the messages of the fields ``clears``
        (only those the attempt answers for); a refused value is shown under its field."""
        for field in clears:
            self.errors[field].clear_error()
        async_ops.run_op(work, busy=[button], busy_text=self.tr("処理中…"), on_success=on_success,
                         on_failure=self.errors.show, name=name)

    def _save(self, work: Awaitable[Any], section: FormSection[ConnectionView], button: QPushButton, text: str,
              name: str, then: Callable[[], None] | None = None) -> None:
        """保存 of ``section``: run ``work``; once saved, ``then`` (clearing a typed secret), the
        message ``text``, and the saved values shown again in ``section`` only (the other parts
        keep what is typed in them and their messages)."""

        def done(_result: Any) -> None:
            if then is not None:
                then()
            messages.info(text)
            self.reload(section)
            self.saved.emit()

        self._run(work, section.fields, button, done, name)

    # -- actions ------------------------------------------------------------------------------

    def save_payjp(self) -> None:
        """保存 of 支払いモード and keys. Entering 本番 goes through the conditions and the
        confirmation (``GoLiveDialog``); leaving it asks first, naming what changes."""
        s = self.session
        mode = self.mode.value()
        assert isinstance(mode, PaymentMode)
        secret = self.payjp.secret()
        public = self.payjp.public_key.text()
        current = self.view.mode if self.view is not None else s.clinic.payment_mode
        if mode is PaymentMode.LIVE:
            self._check_go_live(public, secret)
            return
        if current is PaymentMode.LIVE:
            if not GoLiveDialog.ask_leave_live(self, mode):
                return
            work = self.desk.leave_live(s.actor, s.clinic.id, mode, public, secret, confirmed=True)
        else:
            work = self.desk.save_payjp(s.actor, s.clinic.id, mode, public, secret)
        changed = mode is not current

        def then() -> None:
            self.payjp.secret_key.clear()
            if changed:
                self.mode_changed.emit()

        self._save(work, self.payjp_section, self.save_payjp_button, self.tr("PAY.JPの接続設定を保存しました。"),
                   "save-payjp", then)

    def _keys_saved(self) -> None:
        """The switch to 本番 is saved: the typed secret is cleared; the window follows the mode."""
        self.payjp.secret_key.clear()
        self.mode_changed.emit()

    def _check_go_live(self, public: str, secret: str | None) -> None:
        """本番: check every condition, show them, switch after the explicit confirmation."""
        s = self.session

        def checked(report: GoLiveReport) -> None:
            for result in report.results:
                if result.reason is None:
                    continue
                self.errors.show(result.reason)
                if (field := result.reason.field or "") in self.errors:
                    self._condition_fields.add(field)
            if any(r.reason is not None and r.reason.code == "keys_proof_needed" for r in report.results):
                if GoLiveDialog.choose(self, report) == PROVE_KEYS:  # the switch itself cannot be chosen
                    self._prove_keys(public, secret)
                return
            if not GoLiveDialog.ask(self, report):
                return
            work = self.desk.go_live(s.actor, s.clinic.id, public, secret, confirmed=True)
            self._save(work, self.payjp_section, self.save_payjp_button,
                       self.tr("本番モードに切り替えました。実際のカードに請求されます。"), "go-live", self._keys_saved)

        # the conditions are checked anew: the messages the last check left elsewhere go
        clears = {*self.payjp_section.fields, *self._condition_fields}
        self._condition_fields = set()
        self._run(self.desk.go_live_check(s.clinic.id, public, secret), clears, self.save_payjp_button, checked,
                  "go-live-check")

    def _prove_keys(self, public: str, secret: str | None) -> None:
        """The live key-pair proof: the proof page in the browser, then the token read back; the
        conditions are checked again when the keys are proven."""
        s = self.session

        def opened(url: str) -> None:
            QDesktopServices.openUrl(QUrl(url))
            if not GoLiveDialog.ask_proof_done(self):
                return

            def proven(same: bool) -> None:
                if not same:
                    self.errors["public_key"].show_error(
                        GoLiveError("keys_two_accounts").message(i18n.language()))
                    return
                self._check_go_live(public, secret)

            self._run(self.desk.prove_key_pair(s.actor, s.clinic.id, secret), self.payjp_section.fields,
                      self.save_payjp_button, proven, "key-proof")

        self._run(self.desk.open_key_proof(s.actor, s.clinic.id, public), self.payjp_section.fields,
                  self.save_payjp_button, opened, "key-proof-open")

    def test_connection(self) -> None:
        s = self.session
        mode = self.mode.value()
        assert isinstance(mode, PaymentMode)
        self.payjp.test(self.desk.test_connection(s.actor, s.clinic.id, mode, self.payjp.secret()), "payjp-test")

    def save_webhook(self) -> None:
        self._save(self.desk.save_webhook_token(self.session.actor, self.webhook_token.text()), self.webhook_section,
                   self.save_webhook_button, self.tr("Webhookトークンを保存しました。"), "save-webhook",
                   self.webhook_token.clear)

    def save_checkout(self) -> None:
        s = self.session
        work = self.desk.save_checkout(s.actor, s.clinic.id, self.public_base_url.text(),
                                       self.expiry_days.value(), self.reminder_enabled.isChecked(),
                                       self.reminder_days.value())
        self._save(work, self.checkout_section, self.save_checkout_button, self.tr("決済ページの設定を保存しました。"),
                   "save-checkout")

    def save_clinic(self) -> None:
        self._save(self.details.save(self.desk, self.session), self.clinic_section, self.save_clinic_button,
                   self.tr("クリニック情報を保存しました。"), "save-clinic")

    def save_smtp(self) -> None:
        self._save(self.smtp.save(self.desk, self.session), self.smtp_section, self.save_smtp_button,
                   self.tr("メール送信の設定を保存しました。"), "save-smtp", self.smtp.password.clear)

    def send_test_mail(self) -> None:
        s = self.session
        self.test_mail_result.setText("")

        def done(address: str) -> None:
            self.test_mail_result.setText(self.tr("テストメールを送信しました（宛先: {address}）。").format(address=address))

        self._run(self.desk.send_test_mail(s.actor, s.clinic.id), ("smtp_test",), self.test_mail_button, done,
                  "test-mail")
