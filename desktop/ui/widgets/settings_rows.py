"""Rows that 接続設定 and the setup wizard both show: the clinic's details, the PAY.JP keys with 接続テスト,
and the mail server.

Each adds its rows to the caller's form, with every refused value's message under its field
(the caller's ``FieldErrors``); secrets are typed into masked fields and never shown back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton

from desktop.domain.errors import UserError
from desktop.services.actions import DeskActions
from desktop.services.settings_service import ConnectionView
from desktop.ui import async_ops, i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ChoiceRow, FieldErrors, secret_edit, wrapped_label

OK_STYLE = "color: #1b5e20;"
FAIL_STYLE = "color: #c62828;"
CLINIC_FIELDS: dict[str, tuple[str, str]] = {  # field → (label, example shown while empty)
    "name": (QT_TRANSLATE_NOOP("ClinicRows", "クリニック名"), ""),
    "representative": (QT_TRANSLATE_NOOP("ClinicRows", "代表者名"), ""),
    "postal_code": (QT_TRANSLATE_NOOP("ClinicRows", "郵便番号"), "123-4567"),
    "address": (QT_TRANSLATE_NOOP("ClinicRows", "住所"), ""),
    "phone": (QT_TRANSLATE_NOOP("ClinicRows", "電話番号"), "03-1234-5678"),
    "email": (QT_TRANSLATE_NOOP("ClinicRows", "メールアドレス"), "info@example-clinic.jp"),
}


class ClinicRows(dict[str, QLineEdit]):
    """The clinic as receipts, the 特定商取引法 page and PAY.JP's application show it: a text row for
    each field of ``CLINIC_FIELDS`` in ``order``, then 登録番号 under ``registration_label``; the
    inputs keyed by field name (``rows["phone"]``)."""

    def __init__(self, form: QFormLayout, errors: FieldErrors, order: Sequence[str], registration_label: str) -> None:
        super().__init__()
        for field in order:
            label, example = CLINIC_FIELDS[field]
            self[field] = errors.text_row(form, QCoreApplication.translate("ClinicRows", label), field, example)
        self["registration_number"] = errors.text_row(form, registration_label, "registration_number",
                                                      "T9234567890123")

    def load(self, view: ConnectionView) -> None:
        """Show what is saved."""
        for field, edit in self.items():
            edit.setText(str(getattr(view, field)))

    def save(self, desk: DeskActions, session: UiSession) -> Awaitable[None]:
        """The work of saving what is typed for the session's clinic; raises ``UserError`` naming the
        refused field when awaited."""
        return desk.save_clinic_details(session.actor, session.clinic.id,
                                        **{field: edit.text() for field, edit in self.items()})


class PayjpKeyRows(QObject):
    """公開キー, シークレットキー (whether this PC stores one on its right: ``secret_status``) and a row
    with 接続テスト, the ``extra`` buttons and the test's ``result``."""

    def __init__(self, form: QFormLayout, errors: FieldErrors, public_placeholder: str, *extra: QPushButton) -> None:
        super().__init__(form)
        self.errors = errors
        self.public_key = errors.text_row(form, self.tr("公開キー"), "public_key", public_placeholder)
        self.secret_key = secret_edit(clear_button=True)
        self.secret_status = QLabel()
        form.addRow(self.tr("シークレットキー"), errors.under(self.secret_key, "secret_key", self.secret_status))
        self.test_button = QPushButton(self.tr("接続テスト"))
        self.result = wrapped_label()
        row = QHBoxLayout()
        for button in (self.test_button, *extra):
            row.addWidget(button)
        row.addWidget(self.result, 1)
        form.addRow("", row)

    def secret(self) -> str | None:
        """The secret key typed (None: keep the stored one)."""
        return self.secret_key.text() or None

    def test(self, work: Awaitable[Any], name: str) -> None:
        """接続テスト: run ``work`` (``DeskActions.test_connection``) with the button busy; ``result``
        then says whether PAY.JP accepted the key, and a refusal also stands under its field."""
        for field in ("public_key", "secret_key"):  # the other fields' messages stay
            self.errors[field].clear_error()
        self.result.setText("")

        def done(_result: Any) -> None:
            self.result.setStyleSheet(OK_STYLE)
            self.result.setText(self.tr("接続に成功しました（APIキーは有効です）。"))

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, UserError):
                self.errors.show(exc)
                self.result.setStyleSheet(FAIL_STYLE)
                self.result.setText(self.tr("接続に失敗しました: {reason}").format(reason=exc.message(i18n.language())))
                return True
            return False

        async_ops.run_op(work, busy=[self.test_button], busy_text=self.tr("接続中…"), on_success=done,
                         on_failure=failed, name=name)


class SmtpRows(QObject):
    """SMTPサーバー, ポート, 暗号化, ユーザー名 and パスワード (whether this PC stores one on its right:
    ``password_status``, filled by the caller)."""

    def __init__(self, form: QFormLayout, errors: FieldErrors) -> None:
        super().__init__(form)
        self.host = errors.text_row(form, self.tr("SMTPサーバー"), "smtp_host", "smtp.example.jp")
        self.port = QLineEdit()
        self.port.setMaximumWidth(100)
        form.addRow(self.tr("ポート"), errors.under(self.port, "smtp_port"))
        self.security = ChoiceRow([("starttls", "STARTTLS"), ("ssl", "SSL"), ("none", self.tr("なし"))])
        form.addRow(self.tr("暗号化"), errors.under(self.security, "smtp_security"))
        self.username = errors.text_row(form, self.tr("ユーザー名"), "smtp_username")
        self.password = secret_edit(clear_button=True)
        self.password_status = QLabel()
        form.addRow(self.tr("パスワード"), errors.under(self.password, "smtp_password", self.password_status))

    def load(self, view: ConnectionView) -> None:
        """Show the saved server (the password stays empty)."""
        self.host.setText(view.smtp_host)
        self.port.setText(str(view.smtp_port))
        if view.smtp_security in self.security.buttons:
            self.security.set_value(view.smtp_security)
        self.username.setText(view.smtp_username)

    def save(self, desk: DeskActions, session: UiSession) -> Awaitable[None]:
        """The work of saving what is typed for the session's clinic (an empty password keeps the
        stored one); raises ``UserError`` naming the refused field when awaited."""
        return desk.save_smtp(session.actor, session.clinic.id, host=self.host.text(), port=self.port.text(),
                              security=str(self.security.value()), username=self.username.text(),
                              password=self.password.text() or None)
