"""返金する: the patient's name and the amount large, the warning, a reason, full or partial."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import ValidationError
from desktop.domain.formatting import format_yen
from desktop.domain.validation import parse_refund_amount, validate_refund_reason
from desktop.services.history import HistoryRow
from desktop.ui import i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.models.columns import short_time
from desktop.ui.widgets.common import ChoiceRow, ErrorLabel, big_label

WARNING = QT_TRANSLATE_NOOP("RefundDialog", "返金処理を実行すると元に戻すことができません。必ず患者名をご確認ください。")


@dataclasses.dataclass(frozen=True)
class RefundInput:
    amount: int | None  # None: all that is left
    reason: str


class RefundDialog(QDialog):
    """Confirmation before a refund. Use ``ask``."""

    def __init__(self, row: HistoryRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("返金する"))
        self.setMinimumWidth(480)
        self.result_value: RefundInput | None = None
        self._row = row
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("こちらの請求を返金しますか？")))
        self.patient_label = big_label(self.tr("{patient} 様").format(patient=row.patient_name), 2.0)
        self.patient_label.setWordWrap(True)  # a long name wraps instead of pushing the dialog off screen
        self.amount_label = big_label(format_yen(row.remaining), 2.0)
        layout.addWidget(self.patient_label)
        layout.addWidget(self.amount_label)
        info = QLabel(self.tr("メニュー: {menu}　決済日時: {paid_at}　請求金額: {amount}").format(
            menu=row.menu_name, paid_at=short_time(row.paid_at), amount=format_yen(row.amount)))
        info.setWordWrap(True)
        layout.addWidget(info)
        self.warning_label = QLabel(self.tr(WARNING))
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(
            "color: #b71c1c; font-weight: bold; background: #fdecea; padding: 8px; border-radius: 4px;")
        layout.addWidget(self.warning_label)

        form = QFormLayout()
        self.reason_edit = QLineEdit()
        self.reason_error = ErrorLabel()
        form.addRow(self.tr("返金理由"), self.reason_edit)
        form.addRow("", self.reason_error)
        self.mode = ChoiceRow([("full", self.tr("全額返金")), ("partial", self.tr("一部返金"))])
        form.addRow(self.tr("返金額"), self.mode)
        self.amount_edit = QLineEdit(str(row.remaining))
        self.amount_edit.setEnabled(False)
        self.amount_error = ErrorLabel()
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit)
        amount_row.addWidget(QLabel(self.tr("円")))
        amount_row.addWidget(QLabel(self.tr("返金可能額 {amount}").format(amount=format_yen(row.remaining))))
        form.addRow("", amount_row)
        form.addRow("", self.amount_error)
        layout.addLayout(form)

        self.cancel_button = QPushButton(self.tr("キャンセル"))
        self.refund_button = QPushButton(self.tr("返金する"))
        self.refund_button.setObjectName("dangerButton")
        self.refund_button.setStyleSheet("QPushButton#dangerButton { background: #c62828; color: white; "
                                         "padding: 6px 18px; font-weight: bold; }")
        self.refund_button.setAutoDefault(False)
        self.refund_button.setDefault(False)
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.refund_button)
        layout.addLayout(buttons)

        self.mode.buttons["partial"].toggled.connect(self._on_partial_toggled)
        self.cancel_button.clicked.connect(self.reject)
        self.refund_button.clicked.connect(self._on_refund_clicked)
        order: list[tuple[QWidget, QWidget]] = [
            (self.reason_edit, self.mode.focus_proxy()), (self.mode.focus_proxy(), self.amount_edit),
            (self.amount_edit, self.cancel_button), (self.cancel_button, self.refund_button)]
        for first, then in order:
            self.setTabOrder(first, then)
        # Enter anywhere presses キャンセル (the default, set once inside the dialog);
        # 返金する needs Space or a click on purpose
        self.cancel_button.setDefault(True)
        self.reason_edit.setFocus()

    def _on_partial_toggled(self, partial: bool) -> None:
        self.amount_edit.setEnabled(partial)
        if partial:
            # after the radio button's own arrow-key focus move has finished
            QTimer.singleShot(0, self._focus_amount)
        else:
            self.amount_edit.setText(str(self._row.remaining))
        self.amount_label.setText(format_yen(self._row.remaining))

    def _focus_amount(self) -> None:
        if self.amount_edit.isEnabled():
            self.amount_edit.setFocus()
            self.amount_edit.selectAll()

    def _on_refund_clicked(self) -> None:
        lang = i18n.language()
        self.reason_error.clear_error()
        self.amount_error.clear_error()
        try:
            reason = validate_refund_reason(self.reason_edit.text())
        except ValidationError as exc:
            self.reason_error.show_error(exc.message(lang))
            return
        amount: int | None = None
        if self.mode.value() == "partial":
            try:
                amount = parse_refund_amount(self.amount_edit.text(), self._row.remaining,
                                             format_yen(self._row.remaining))
            except ValidationError as exc:
                self.amount_error.show_error(exc.message(lang))
                self.amount_edit.setFocus()
                return
            if amount == self._row.remaining:
                amount = None
        self.result_value = RefundInput(amount, reason)
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, row: HistoryRow) -> RefundInput | None:
        dialog = cls(row, parent)
        try:
            return dialog.result_value if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
