"""返金する: the patient's name and the amount large, the warning, a reason, full or partial."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.domain.clinic import StaffRole
from desktop.domain.errors import UserError, ValidationError
from desktop.domain.staff import Actor
from desktop.domain.formatting import format_yen
from desktop.domain.validation import parse_refund_amount, validate_refund_reason
from desktop.services.history import HistoryRow
from desktop.services.staff import StaffAccount
from desktop.ui import async_ops, i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.models.columns import short_time
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ChoiceRow, ErrorLabel, big_label, cancel_button, dialog_buttons

WARNING = QT_TRANSLATE_NOOP("RefundDialog", "返金処理を実行すると元に戻すことができません。必ず患者名をご確認ください。")


@dataclasses.dataclass(frozen=True)
class RefundInput:
    amount: int | None  # None: all that is left
    reason: str
    approver: Actor | None = None  # the second 管理者 who approved here (above the clinic's threshold)


class RefundDialog(QDialog):
    """Confirmation before a refund. Use ``ask``."""

    def __init__(self, row: HistoryRow, parent: QWidget | None = None, *, session: UiSession | None = None) -> None:
        super().__init__(parent)
        if session is None and isinstance(getattr(parent, "session", None), UiSession):
            session = getattr(parent, "session")  # the page that asks: its clinic's approval limit
        self.session = session
        self._threshold = session.clinic.refund_approval_threshold if session is not None else 0
        self._pending_input: RefundInput | None = None
        self.setWindowTitle(self.tr("返金する"))
        self.setMinimumWidth(480)
        self.result_value: RefundInput | None = None
        self._row = row
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("こちらの請求を返金しますか？")))
        self.patient_label = big_label(self.tr("{patient} 様").format(patient=row.patient_name), 2.0)
        self.patient_label.setWordWrap(True)  # a long name wraps instead of pushing the dialog off screen
        # the amount that WILL be refunded, with what it is (全額 / 一部返金 and what is left after)
        self.amount_label = big_label(format_yen(row.remaining), 2.0)
        self.amount_note = QLabel()
        self.amount_note.setWordWrap(True)
        amount_line = QHBoxLayout()
        amount_line.addWidget(self.amount_label)
        amount_line.addWidget(self.amount_note, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.patient_label)
        layout.addLayout(amount_line)
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

        self.cancel_button = cancel_button(self)
        self.refund_button = QPushButton(self.tr("返金する"))
        self.refund_button.setObjectName("dangerButton")
        self.refund_button.setStyleSheet("QPushButton#dangerButton { background: #c62828; color: white; "
                                         "padding: 6px 18px; font-weight: bold; }")
        self.refund_button.setAutoDefault(False)
        self.refund_button.setDefault(False)
        self.cancel_button.setAutoDefault(False)
        layout.addLayout(dialog_buttons(self.refund_button, cancel=self.cancel_button))

        # 2人目の管理者: shown when the amount is above the clinic's threshold
        self.approval_box = QWidget()
        self.approval_box.setObjectName("approvalBox")
        box = QVBoxLayout(self.approval_box)
        box.setContentsMargins(0, 8, 0, 0)
        self.approval_note = QLabel()
        self.approval_note.setWordWrap(True)
        self.approval_note.setStyleSheet("background: #fff4e5; color: #7a4100; padding: 6px;")
        box.addWidget(self.approval_note)
        self.approval_amount_label = big_label("", 1.3)  # what the second 管理者 approves, as above
        box.addWidget(self.approval_amount_label)
        approve_form = QFormLayout()
        self.approver_combo = QComboBox()
        self.approver_secret = QLineEdit()
        self.approver_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.approver_pin = QCheckBox(self.tr("PINで入力"))
        self.approver_error = ErrorLabel()
        secret_row = QHBoxLayout()
        secret_row.addWidget(self.approver_secret, 1)
        secret_row.addWidget(self.approver_pin)
        approve_form.addRow(self.tr("承認する管理者"), self.approver_combo)
        approve_form.addRow(self.tr("パスワード"), secret_row)
        approve_form.addRow("", self.approver_error)
        box.addLayout(approve_form)
        self.wait_button = QPushButton(self.tr("承認待ちにする"))
        self.approve_button = QPushButton(self.tr("承認して返金する"))
        self.approve_button.setStyleSheet("background: #c62828; color: white; padding: 6px 18px; font-weight: bold;")
        for b in (self.wait_button, self.approve_button):
            b.setAutoDefault(False)
        # as the row above: the main action first (under 返金する), the other way on its right
        box.addLayout(dialog_buttons(self.approve_button, self.wait_button, cancel=None))
        self.approval_box.hide()
        layout.addWidget(self.approval_box)
        self.wait_button.clicked.connect(self._on_wait_clicked)
        self.approve_button.clicked.connect(self._on_approve_clicked)

        self.mode.buttons["partial"].toggled.connect(self._on_partial_toggled)
        self.amount_edit.textChanged.connect(self._on_amount_changed)
        self.reason_edit.textChanged.connect(self._drop_approval)
        self.refund_button.clicked.connect(self._on_refund_clicked)
        order: list[tuple[QWidget, QWidget]] = [
            (self.reason_edit, self.mode.focus_proxy()), (self.mode.focus_proxy(), self.amount_edit),
            (self.amount_edit, self.cancel_button), (self.cancel_button, self.refund_button)]
        for first, then in order:
            self.setTabOrder(first, then)
        # Enter anywhere presses キャンセル (the default, set once inside the dialog);
        # 返金する needs Space or a click on purpose
        self.cancel_button.setDefault(True)
        self._on_amount_changed()
        self.reason_edit.setFocus()

    def _on_partial_toggled(self, partial: bool) -> None:
        self.amount_edit.setEnabled(partial)
        if partial:
            # after the radio button's own arrow-key focus move has finished
            QTimer.singleShot(0, self._focus_amount)
        else:
            self.amount_edit.setText(str(self._row.remaining))
        self._on_amount_changed()

    def refund_amount(self) -> int | None:
        """Whole yen that 返金する would refund now: all that is left (全額), what is typed (一部返金),
        or None while the typed text is not an amount that can be refunded."""
        if self.mode.value() != "partial":
            return self._row.remaining
        try:
            return parse_refund_amount(self.amount_edit.text(), self._row.remaining, format_yen(self._row.remaining))
        except ValidationError:
            return None

    def _on_amount_changed(self) -> None:
        """The large amount follows the choice and what is typed; an approval asked for before is dropped."""
        self._drop_approval()
        amount, row = self.refund_amount(), self._row
        if amount is None:
            self.amount_label.setText("—")
            self.amount_label.setStyleSheet("color: #757575;")
            self.amount_note.setText(self.tr("返金額を入力してください"))
            return
        self.amount_label.setStyleSheet("")
        self.amount_label.setText(format_yen(amount))
        if amount < row.remaining:
            self.amount_note.setText(self.tr("一部返金（返金後の残り {rest}）").format(rest=format_yen(row.remaining - amount)))
        elif row.remaining < row.amount:
            self.amount_note.setText(self.tr("残りの全額"))
        else:
            self.amount_note.setText(self.tr("全額"))

    def _drop_approval(self) -> None:
        """What to refund changed after the approval part opened: it asks again for the new amount."""
        if self._pending_input is None:
            return
        self._pending_input = None
        self.approval_box.hide()
        self.approver_error.clear_error()
        self.refund_button.setEnabled(True)

    def _focus_amount(self) -> None:
        if self.amount_edit.isEnabled():
            self.amount_edit.setFocus()
            self.amount_edit.selectAll()

    def _on_refund_clicked(self) -> None:
        lang = i18n.language()
        self.reason_error.clear_error()
        self.amount_error.clear_error()
        wrong: list[QWidget] = []  # 返金理由 and 返金額 are checked together: every message at once
        reason = ""
        try:
            reason = validate_refund_reason(self.reason_edit.text())
        except ValidationError as exc:
            self.reason_error.show_error(exc.message(lang))
            wrong.append(self.reason_edit)
        amount: int | None = None
        if self.mode.value() == "partial":
            try:
                amount = parse_refund_amount(self.amount_edit.text(), self._row.remaining,
                                             format_yen(self._row.remaining))
            except ValidationError as exc:
                self.amount_error.show_error(exc.message(lang))
                wrong.append(self.amount_edit)
            if amount == self._row.remaining:
                amount = None
        if wrong:
            wrong[0].setFocus()
            return
        value = self._row.remaining if amount is None else amount
        if self.session is not None:
            self._threshold = self.session.clinic.refund_approval_threshold
        if self.session is not None and self._threshold and value > self._threshold:
            self._ask_approval(RefundInput(amount, reason))
            return
        self.result_value = RefundInput(amount, reason)
        self.accept()

    def _ask_approval(self, values: RefundInput) -> None:
        """Above the threshold: a second 管理者 signs here, or the refund waits (承認待ち)."""
        assert self.session is not None
        self._pending_input = values
        self.approval_note.setText(self.tr("{threshold}を超える返金には、別の管理者の承認が必要です。承認する管理者がここでパスワードまたはPINを入力するか、承認待ちにしてください。").format(
            threshold=format_yen(self._threshold)))
        amount = self._row.remaining if values.amount is None else values.amount
        self.approval_amount_label.setText(self.tr("承認する返金額 {amount}").format(amount=format_yen(amount)))
        self.refund_button.setEnabled(False)
        self.approval_box.show()
        layout = self.layout()
        if layout is not None:  # room for the approval part, its note wrapped at the dialog's width
            layout.activate()
            self.resize(self.width(), max(self.height(), layout.totalHeightForWidth(self.width())))
        session = self.session

        def fill(accounts: list[StaffAccount]) -> None:
            self.approver_combo.clear()
            for a in accounts:
                if a.role is StaffRole.MANAGER and a.id != session.staff_id:
                    self.approver_combo.addItem(a.name, a.id)
            self.approve_button.setEnabled(self.approver_combo.count() > 0)
            if self.approver_combo.count() == 0:
                self.approver_error.show_error(self.tr("承認できる別の管理者が登録されていません。承認待ちにしてください。"))
            self.approver_secret.setFocus()

        async_ops.run_op(session.actions.staff_accounts(session.clinic.id), on_success=fill, name="approvers")

    def _on_wait_clicked(self) -> None:
        if self._pending_input is not None:
            self.result_value = self._pending_input
            self.accept()

    def _on_approve_clicked(self) -> None:
        values, session = self._pending_input, self.session
        staff_id = self.approver_combo.currentData()
        if values is None or session is None or staff_id is None:
            return
        self.approver_error.clear_error()
        work = session.actions.sign_in(int(staff_id), self.approver_secret.text(),
                                       pin=self.approver_pin.isChecked(), action="approved_by")

        def done(approver: Actor) -> None:
            if self._pending_input is not values:  # the amount or reason changed while signing: ask again
                return
            self.result_value = dataclasses.replace(values, approver=approver)
            self.accept()

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, UserError):
                self.approver_error.show_error(exc.message(i18n.language()))
                self.approver_secret.selectAll()
                return True
            return False

        # what is approved cannot change while the approver signs
        async_ops.run_op(work, busy=[self.approve_button, self.amount_edit, self.reason_edit, self.mode],
                         on_success=done, on_failure=failed, name="approve")

    @classmethod
    def ask(cls, parent: QWidget | None, row: HistoryRow, *, session: UiSession | None = None) -> RefundInput | None:
        dialog = cls(row, parent, session=session)
        try:
            return dialog.result_value if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
