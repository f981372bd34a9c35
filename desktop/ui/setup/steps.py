"""The setup's steps, one class each; ``STEPS`` is their order in the wizard.

A step shows its fields, loads them from ``ConnectionView`` and saves through ``DeskActions``
(the same services as 接続設定 / 決済会社設定); a refused value comes back as a ``UserError``
naming its field and is shown next to it, nothing saved. To add a step (e.g. the first
管理者 account after ``ClinicStep``): add its ``SetupStep`` member in ``desktop/services/setup.py``
(with its checklist rule in ``SetupService.status``), write a ``WizardStep`` subclass here and
insert it in ``STEPS``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from PySide6.QtWidgets import QFormLayout, QPushButton, QVBoxLayout, QWidget

from desktop.domain.clinic import PaymentMode
from desktop.services.settings_service import ConnectionView
from desktop.services.setup import SetupStep
from desktop.ui import async_ops
from desktop.ui.pages.payment_settings_page import ContractPanel
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import FieldErrors, button_bar, wrapped_label
from desktop.ui.widgets.settings_rows import OK_STYLE, ClinicRows, PayjpKeyRows, SmtpRows


class WizardStep(QWidget):
    """One page of the setup. ``save()`` returns the work of 次へ (None: nothing to save)."""

    step: ClassVar[SetupStep]

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.desk = session.actions
        self.errors = FieldErrors()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def intro_and_form(self, intro: str) -> QFormLayout:
        """The step's introduction and, under it, its form (empty: the step adds its rows)."""
        label = wrapped_label(intro)
        label.setStyleSheet("color: #444;")
        self.layout_.addWidget(label)
        form = QFormLayout()
        self.layout_.addLayout(form)
        self.layout_.addStretch(1)
        return form

    def load(self, view: ConnectionView) -> None:
        """Fill the fields with what is saved."""

    def save(self) -> Awaitable[Any] | None:
        return None


class ClinicStep(WizardStep):
    """クリニック情報: as receipts, the legal pages and PAY.JP's application show the clinic."""

    step = SetupStep.CLINIC

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        form = self.intro_and_form(self.tr(
            "領収書・特定商取引法に基づく表記・PAY.JPの利用申請に使う、クリニックの情報です。"
            "登録番号は適格請求書発行事業者の方だけ入力してください。"))
        self.fields = ClinicRows(form, self.errors,
                                 ("name", "representative", "postal_code", "address", "phone", "email"),
                                 self.tr("登録番号（任意）"))

    def load(self, view: ConnectionView) -> None:
        self.fields.load(view)

    def save(self) -> Awaitable[Any]:
        return self.fields.save(self.desk, self.session)


class MailStep(WizardStep):
    """メール送信: the SMTP server patients' mails leave through, proved by a テスト送信."""

    step = SetupStep.MAIL

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        form = self.intro_and_form(self.tr(
            "請求メールや領収書のお知らせを送るメールサーバー（SMTP）です。"
            "保存したら「テスト送信」で、クリニックのメールアドレスに届くことを確かめてください。"
            "パスワードはこの端末のOSの資格情報ストアにだけ保存されます。"))
        self.smtp = SmtpRows(form, self.errors)
        self.smtp.port.setText("587")
        self.test_button = QPushButton(self.tr("保存してテスト送信"))
        form.addRow("", button_bar(self.test_button, None))
        form.addRow("", self.errors.add("smtp_test"))
        self.result = wrapped_label()
        form.addRow("", self.result)
        self.test_button.clicked.connect(self.send_test)

    def load(self, view: ConnectionView) -> None:
        self.smtp.load(view)
        self.smtp.password_status.setText(self.tr("この端末に登録済み") if view.smtp_password_stored else "")
        self.smtp.password_status.setStyleSheet(OK_STYLE)

    def save(self) -> Awaitable[Any] | None:
        if not self.smtp.host.text().strip():
            return None  # nothing typed: the checklist keeps asking for it
        return self.smtp.save(self.desk, self.session)

    def send_test(self) -> None:
        """保存してテスト送信: save the server, then one mail to the clinic's own address."""
        self.errors.hide_all()
        self.result.setText("")
        clinic_id = self.session.clinic.id
        work = self.save()

        async def save_and_send() -> str:
            if work is not None:
                await work
            return await self.desk.send_test_mail(self.session.actor, clinic_id)

        def done(address: str) -> None:
            self.smtp.password.clear()
            self.result.setStyleSheet(OK_STYLE)
            self.result.setText(self.tr("テストメールを送信しました（宛先: {address}）。届いたことを確かめてください。")
                                .format(address=address))

        async_ops.run_op(save_and_send(), busy=[self.test_button], busy_text=self.tr("送信中…"), on_success=done,
                         on_failure=self.errors.show, name="setup-test-mail")


class CheckoutUrlStep(WizardStep):
    """決済ページの公開URL: what the payment links in the mails start with."""

    step = SetupStep.CHECKOUT_URL

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        form = self.intro_and_form(self.tr(
            "患者様がメールのリンクから開く決済ページのURLです。この端末の決済ページサーバーを、"
            "TLS（https）で公開したドメインまでのURLを入力してください。"))
        self.url = self.errors.text_row(form, self.tr("公開URL"), "public_base_url", "https://pay.example-clinic.jp")
        self._expiry_days = 7

    def load(self, view: ConnectionView) -> None:
        self.url.setText(view.public_base_url)
        self._expiry_days = view.link_expiry_days

    def save(self) -> Awaitable[Any] | None:
        if not self.url.text().strip():
            return None
        return self.desk.save_checkout(self.session.actor, self.session.clinic.id, self.url.text(), self._expiry_days)


class PayjpKeysStep(WizardStep):
    """PAY.JPのAPIキー (テストモード): the public key in the database, the secret key in this PC's keyring."""

    step = SetupStep.PAYJP_KEYS

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        form = self.intro_and_form(self.tr(
            "PAY.JPの管理画面にある、テストモードのAPIキーを入力してください。"
            "本番モードへの切り替えは、審査の承認後に「接続設定」で行います。"))
        self.payjp = PayjpKeyRows(form, self.errors, "pk_test_…")
        self.mode = PaymentMode.TEST
        self.payjp.test_button.clicked.connect(self.test_connection)

    def load(self, view: ConnectionView) -> None:
        self.mode = view.mode if view.mode is not PaymentMode.DEMO else PaymentMode.TEST
        self.payjp.public_key.setText(view.public_key if view.mode is not PaymentMode.DEMO else "")
        stored = view.secret_stored.get(self.mode, False)
        self.payjp.secret_status.setText(self.tr("この端末に登録済み") if stored else "")
        self.payjp.secret_status.setStyleSheet(OK_STYLE)
        self.payjp.secret_key.setPlaceholderText(self.tr("登録済み（変更するときだけ入力）") if stored else "sk_test_…")

    def save(self) -> Awaitable[Any]:
        return self.desk.save_payjp(self.session.actor, self.session.clinic.id, self.mode,
                                    self.payjp.public_key.text(), self.payjp.secret())

    def test_connection(self) -> None:
        work = self.desk.test_connection(self.session.actor, self.session.clinic.id, self.mode, self.payjp.secret())
        self.payjp.test(work, "setup-payjp-test")


class TenantStep(WizardStep):
    """テナント登録: the 決済会社設定 panel itself (register, 審査状況, the URLs PAY.JP's application asks for)."""

    step = SetupStep.TENANT

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.contract = ContractPanel(session, session.actions)
        self.layout_.addWidget(self.contract)


STEPS: tuple[type[WizardStep], ...] = (ClinicStep, MailStep, CheckoutUrlStep, PayjpKeysStep, TenantStep)
"""The wizard's pages in order (the first 管理者 account step goes after ``ClinicStep``)."""
