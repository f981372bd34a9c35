"""接続設定 (manager): payment mode and PAY.JP keys, webhook, checkout page URL, clinic details, SMTP.

Secrets are typed here and handed to ``SettingsService``, which puts them in this PC's keyring;
the fields are masked, cleared after saving, and only "stored / not stored" is ever shown.
Each section saves on its own; a refused value shows its message next to its field.

Signals:
    saved: something was saved (the 決済会社設定 tab reloads: URLs and mode may have changed).
    mode_changed: 支払いモード changed (the window's badge, banner and status bar follow at once).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
from desktop.ui.widgets.common import ChoiceRow, FieldErrors, button_bar, heading, hint_label, notice_label, secret_edit
from desktop.ui.widgets.common import wrapped_label
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

    def reload(self) -> None:
        s = self.session
        async_ops.run_op(self.desk.connection(s.clinic.id), on_success=self.show_view)

    def show_view(self, view: ConnectionView) -> None:
        self.view = view
        self.mode.set_value(view.mode)
        self.payjp.public_key.setText(view.public_key)
        self.webhook_url.set_url(view.webhook_url)
        self.public_base_url.setText(view.public_base_url)
        self.expiry_days.setValue(view.link_expiry_days)
        self.reminder_enabled.setChecked(view.reminder_enabled)
        self.reminder_days.setValue(view.reminder_days_before)
        self.reminder_days.setEnabled(view.reminder_enabled)
        self.details.load(view)
        self.smtp.load(view)
        self.demo_mail_note.setVisible(view.mode is PaymentMode.DEMO)
        self._stored(self.webhook_status, view.webhook_token_stored, "webhook_token", view.webhook_token_hint)
        self._stored(self.smtp.password_status, view.smtp_password_stored, "smtp_password", view.smtp_password_hint)
        if view.test_mail_accepted_at is not None:
            self.test_mail_result.setText(self.tr("最後にテストメールが届いた日時: {time}").format(
                time=f"{view.test_mail_accepted_at.astimezone(JST):%Y/%m/%d %H:%M}"))
        if not view.smtp_password_stored and not view.smtp_username:
            self.smtp.password_status.setText("")  # no login configured: nothing is missing
        self._show_secret_status()
        missing = view.missing_secrets()
        self.missing_label.setText("\n".join("⚠ " + self.tr(MISSING_TEXT[m]) for m in missing))
        self.missing_label.setVisible(bool(missing))

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

    def _run(self, work: Awaitable[Any], button: QPushButton, on_success: Callable[[Any], None],
             name: str) -> None:
        self.errors.hide_all()
        async_ops.run_op(work, busy=[button], busy_text=self.tr("処理中…"), on_success=on_success,
                         on_failure=self.errors.show, name=name)

    def _saved(self, text: str) -> Callable[[Any], None]:
        def done(_result: Any) -> None:
            messages.info(text)
            self.reload()
            self.saved.emit()

        return done

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

        def done(result: Any) -> None:
            self.payjp.secret_key.clear()
            self._saved(self.tr("PAY.JPの接続設定を保存しました。"))(result)
            if changed:
                self.mode_changed.emit()

        self._run(work, self.save_payjp_button, done, "save-payjp")

    def _check_go_live(self, public: str, secret: str | None) -> None:
        """本番: check every condition, show them, switch after the explicit confirmation."""
        s = self.session

        def checked(report: GoLiveReport) -> None:
            for result in report.results:
                if result.reason is not None:
                    self.errors.show(result.reason)
            if any(r.reason is not None and r.reason.code == "keys_proof_needed" for r in report.results):
                if GoLiveDialog.choose(self, report) == PROVE_KEYS:  # the switch itself cannot be chosen
                    self._prove_keys(public, secret)
                return
            if not GoLiveDialog.ask(self, report):
                return
            work = self.desk.go_live(s.actor, s.clinic.id, public, secret, confirmed=True)

            def done(result: Any) -> None:
                self.payjp.secret_key.clear()
                self._saved(self.tr("本番モードに切り替えました。実際のカードに請求されます。"))(result)
                self.mode_changed.emit()

            self._run(work, self.save_payjp_button, done, "go-live")

        self._run(self.desk.go_live_check(s.clinic.id, public, secret), self.save_payjp_button, checked,
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

            self._run(self.desk.prove_key_pair(s.actor, s.clinic.id, secret), self.save_payjp_button, proven,
                      "key-proof")

        self._run(self.desk.open_key_proof(s.actor, s.clinic.id, public), self.save_payjp_button, opened,
                  "key-proof-open")

    def test_connection(self) -> None:
        s = self.session
        mode = self.mode.value()
        assert isinstance(mode, PaymentMode)
        self.payjp.test(self.desk.test_connection(s.actor, s.clinic.id, mode, self.payjp.secret()), "payjp-test")

    def save_webhook(self) -> None:
        token = self.webhook_token.text()

        def done(result: Any) -> None:
            self.webhook_token.clear()
            self._saved(self.tr("Webhookトークンを保存しました。"))(result)

        self._run(self.desk.save_webhook_token(self.session.actor, token), self.save_webhook_button,
                  done, "save-webhook")

    def save_checkout(self) -> None:
        s = self.session
        work = self.desk.save_checkout(s.actor, s.clinic.id, self.public_base_url.text(),
                                       self.expiry_days.value(), self.reminder_enabled.isChecked(),
                                       self.reminder_days.value())
        self._run(work, self.save_checkout_button, self._saved(self.tr("決済ページの設定を保存しました。")), "save-checkout")

    def save_clinic(self) -> None:
        self._run(self.details.save(self.desk, self.session), self.save_clinic_button, self._saved(self.tr("クリニック情報を保存しました。")), "save-clinic")

    def save_smtp(self) -> None:
        def done(result: Any) -> None:
            self.smtp.password.clear()
            self._saved(self.tr("メール送信の設定を保存しました。"))(result)

        self._run(self.smtp.save(self.desk, self.session), self.save_smtp_button, done, "save-smtp")

    def send_test_mail(self) -> None:
        s = self.session
        self.test_mail_result.setText("")

        def done(address: str) -> None:
            self.test_mail_result.setText(self.tr("テストメールを送信しました（宛先: {address}）。").format(address=address))

        self._run(self.desk.send_test_mail(s.actor, s.clinic.id), self.test_mail_button, done,
                  "test-mail")
