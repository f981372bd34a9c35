"""後決済請求: 金額, 課税対象, 伝達事項, then 確認 shows the summary and 送信 sends."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from desktop.domain.billing import RequestKind, TaxCategory
from desktop.domain.errors import ValidationError
from desktop.domain.formatting import format_yen
from desktop.domain.validation import parse_amount, validate_message
from desktop.services.billing import DEFAULT_MESSAGE, AutoChargePlan, message_for
from desktop.services.front_desk import ReservationDetail
from desktop.ui import i18n
from desktop.ui.widgets.common import ChoiceRow, ErrorLabel, big_label, cancel_button, dialog_buttons, with_error


@dataclasses.dataclass(frozen=True)
class PaymentRequestInput:
    amount: int
    tax_category: TaxCategory
    message: str


class PaymentRequestDialog(QDialog):
    """The 後決済請求 modal. Use ``ask``; tests replace ``ask`` or drive the dialog directly."""

    def __init__(self, detail: ReservationDetail, parent: QWidget | None = None, *,
                 amount: int | None = None, tax: TaxCategory | None = None, message: str | None = None,
                 title: str | None = None, plan: AutoChargePlan | None = None) -> None:
        super().__init__(parent)
        # 自動決済 with a saved card: the 確認 step says whether it is charged now (``plan`` from
        # DeskActions.auto_charge_plan; None when the patient has no saved card or 自動決済 is off)
        self._plan = plan if plan is not None and (plan.charge_now or plan.reason is not None) else None
        self.setWindowTitle(title or self.tr("後決済請求"))  # a given title is already translated
        self.setMinimumWidth(520)
        self.result_value: PaymentRequestInput | None = None
        self._detail = detail
        self.stack = QStackedWidget(self)
        layout = QVBoxLayout(self)
        head = QLabel(self.tr("{patient} 様 ／ {menu}").format(patient=detail.patient.name, menu=detail.menu.name))
        head.setWordWrap(True)
        layout.addWidget(head)
        layout.addWidget(self.stack)

        # --- input page
        form_page = QWidget()
        form = QFormLayout(form_page)
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("1200")
        default_amount = amount if amount is not None else (detail.menu.price or None)
        if default_amount:
            self.amount_edit.setText(str(default_amount))
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit)
        amount_row.addWidget(QLabel(self.tr("円")))
        self.amount_error = ErrorLabel()
        form.addRow(self.tr("金額"), with_error(amount_row, self.amount_error))
        self.tax = ChoiceRow([(category, i18n.enum_label(category)) for category in TaxCategory])
        self.tax.set_value(tax or detail.menu.tax_category)
        form.addRow(self.tr("課税対象"), self.tax)
        default_amount_charged = self._charges_now(default_amount or 0)
        self.message_edit = QPlainTextEdit(self._message(DEFAULT_MESSAGE if message is None else message,
                                                         default_amount_charged))
        self.message_edit.setTabChangesFocus(True)
        self.message_edit.setFixedHeight(90)
        self.message_error = ErrorLabel()
        form.addRow(self.tr("伝達事項"), with_error(self.message_edit, self.message_error))
        self.cancel_button = cancel_button(self)
        self.confirm_button = QPushButton(self.tr("確認"))
        form.addRow(dialog_buttons(self.confirm_button, cancel=self.cancel_button))
        self.stack.addWidget(form_page)

        # --- confirmation page
        confirm_page = QWidget()
        c = QVBoxLayout(confirm_page)
        c.addWidget(QLabel(self.tr("以下の内容で請求します。よろしいですか？")))
        summary = QFormLayout()
        self.summary_patient = QLabel(detail.patient.name)
        self.summary_email = QLabel(detail.patient.email)
        self.summary_amount = big_label("")
        self.summary_tax = QLabel()
        self.summary_message = QLabel()
        self.summary_message.setWordWrap(True)
        summary.addRow(self.tr("請求先"), self.summary_patient)
        summary.addRow(self.tr("Eメール"), self.summary_email)
        summary.addRow(self.tr("メニュー"), QLabel(detail.menu.name))
        summary.addRow(self.tr("金額"), self.summary_amount)
        summary.addRow(self.tr("課税対象"), self.summary_tax)
        summary.addRow(self.tr("伝達事項"), self.summary_message)
        c.addLayout(summary)
        self.summary_auto = QLabel()
        self.summary_auto.setWordWrap(True)
        self.summary_auto.setObjectName("autoChargeNotice")
        self.summary_auto.setStyleSheet("font-weight: bold; color: #0b4f8a; background: #eef5fc; "
                                        "border: 1px solid #b6d4f2; padding: 6px;")
        self.summary_auto.hide()
        c.addWidget(self.summary_auto)
        self.back_button = QPushButton(self.tr("戻る"))
        self.send_button = QPushButton(self.tr("送信"))
        c.addLayout(dialog_buttons(self.back_button, self.send_button, cancel=None))  # Esc cancels here
        self.stack.addWidget(confirm_page)

        for b in (self.cancel_button, self.back_button):
            b.setAutoDefault(False)  # Enter means 確認 / 送信 wherever the focus is; Esc cancels
        self.confirm_button.clicked.connect(self._on_confirm_clicked)
        self.back_button.clicked.connect(self._on_back_clicked)
        self.send_button.clicked.connect(self._on_send_clicked)
        order: list[tuple[QWidget, QWidget]] = [
            (self.amount_edit, self.tax.focus_proxy()), (self.tax.focus_proxy(), self.message_edit),
            (self.message_edit, self.confirm_button), (self.confirm_button, self.cancel_button),
            (self.back_button, self.send_button)]
        for first, then in order:
            self.setTabOrder(first, then)
        # set once the button is inside the dialog, or QDialog forgets it when another button had the focus
        self.confirm_button.setDefault(True)
        self.amount_edit.setFocus()

    def _on_confirm_clicked(self) -> None:
        """Check 金額 and 伝達事項 together (every message at once, under its field), then 確認."""
        lang = i18n.language()
        self.amount_error.clear_error()
        self.message_error.clear_error()
        amount = message = None
        try:
            amount = parse_amount(self.amount_edit.text())
        except ValidationError as exc:
            self.amount_error.show_error(exc.message(lang))
        try:
            message = validate_message(self.message_edit.toPlainText())
        except ValidationError as exc:
            self.message_error.show_error(exc.message(lang))
        if amount is None or message is None:
            (self.amount_edit if amount is None else self.message_edit).setFocus()
            return
        tax = TaxCategory(self.tax.value())
        message = self._message(message, self._charges_now(amount))
        if message != self.message_edit.toPlainText():  # only ever a default message: 戻る shows the one sent
            self.message_edit.setPlainText(message)
        self.result_value = PaymentRequestInput(amount, tax, message)
        self.summary_amount.setText(format_yen(amount))
        self.summary_tax.setText(i18n.enum_label(tax))  # the words of the 課税対象 choice above
        self.summary_message.setText(message)
        self._show_auto_charge(amount)
        self.stack.setCurrentIndex(1)
        self.confirm_button.setDefault(False)
        self.send_button.setDefault(True)
        self.send_button.setFocus()

    def _charges_now(self, amount: int) -> bool:
        """Whether 自動決済 charges the saved card for ``amount`` whole yen (no link is mailed)."""
        return self._plan is not None and 0 < amount <= self._plan.cap

    @staticmethod
    def _message(text: str, charge_now: bool) -> str:
        """``text``, or the default 伝達事項 that fits the plan (never the link's words when the
        saved card is charged now); a message staff typed stays as typed."""
        return message_for(text, kind=RequestKind.POST_PAYMENT, charge_now=charge_now)

    def _show_auto_charge(self, amount: int) -> None:
        plan = self._plan
        if plan is None:
            self.summary_auto.hide()
            return
        card = plan.card.label if plan.card is not None else ""
        if amount <= plan.cap:
            text = (self.tr("登録済みカード ({card}) に今すぐ請求します").format(card=card) if card
                    else self.tr("登録済みカードに今すぐ請求します"))
        else:
            text = self.tr("請求額が自動決済の上限額 ({cap}) を超えるため、登録済みカードには請求せず、"
                           "お支払いのお願いをメールで送ります。").format(cap=format_yen(plan.cap))
        self.summary_auto.setText(text)
        self.summary_auto.show()

    def _on_back_clicked(self) -> None:
        self.stack.setCurrentIndex(0)
        self.send_button.setDefault(False)
        self.confirm_button.setDefault(True)
        self.amount_edit.setFocus()

    def _on_send_clicked(self) -> None:
        if self.result_value is not None:
            self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, detail: ReservationDetail, **initial: object) -> PaymentRequestInput | None:
        dialog = cls(detail, parent, **initial)  # type: ignore[arg-type]
        try:
            return dialog.result_value if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
