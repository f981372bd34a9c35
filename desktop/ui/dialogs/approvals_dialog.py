"""承認待ち: refunds above the clinic's limit, waiting for a second 管理者 to approve or withdraw them.

The signed-in 管理者 approves directly unless they asked for the refund themselves; then another
管理者 signs here with their password or PIN. 取り下げ drops the refund (nothing refunded).
Signals: ``changed`` after an approval or a withdrawal.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.domain.clinic import StaffRole
from desktop.domain.formatting import format_yen
from desktop.domain.staff import Actor
from desktop.services.billing import RefundOutcome
from desktop.services.billing.refunds import PendingRefund
from desktop.services.staff import StaffAccount
from desktop.ui import async_ops, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from desktop.ui.models.columns import short_time
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import dialog_buttons, row_table, wrapped_label


class ApprovalsDialog(QDialog):
    changed = Signal()

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.pending: list[PendingRefund] = []
        self.approver_dialog: SignInDialog | None = None
        self.setWindowTitle(self.tr("承認待ち"))
        self.setMinimumSize(720, 320)
        layout = QVBoxLayout(self)
        note = wrapped_label(self.tr("承認が必要な金額の返金です。返金を依頼した管理者とは別の管理者が承認すると、すぐに返金されます。"))
        layout.addWidget(note)
        self.table = row_table([self.tr("依頼日時"), self.tr("患者名"), self.tr("返金額"),
                                self.tr("返金理由"), self.tr("依頼した管理者")], stretch_column=3)
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel(self.tr("承認待ちの返金はありません。"))
        layout.addWidget(self.empty_label)
        self.withdraw_button = QPushButton(self.tr("取り下げ"))
        self.approve_button = QPushButton(self.tr("承認して返金する"))
        self.close_button = QPushButton(self.tr("閉じる"))
        layout.addLayout(dialog_buttons(self.approve_button, cancel=self.close_button, apart=self.withdraw_button))
        self.close_button.setDefault(True)  # Enter closes: it never approves or withdraws a refund
        self.close_button.clicked.connect(self.reject)
        self.approve_button.clicked.connect(self.approve_selected)
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        self.reload()

    def reload(self) -> None:
        s = self.session

        def show(pending: list[PendingRefund]) -> None:
            self.pending = pending
            self.table.setRowCount(len(pending))
            for r, p in enumerate(pending):
                for c, text in enumerate((short_time(p.requested_at), p.patient_name, format_yen(p.amount), p.reason,
                                          p.requested_by_name)):
                    self.table.setItem(r, c, QTableWidgetItem(text))
            if pending:
                self.table.selectRow(0)
            self.empty_label.setVisible(not pending)
            self.approve_button.setEnabled(bool(pending))
            self.withdraw_button.setEnabled(bool(pending))

        async_ops.run_op(s.actions.pending_refunds(s.clinic.id), on_success=show, name="approvals")

    def selected(self) -> PendingRefund | None:
        rows = self.table.selectionModel().selectedRows()
        return self.pending[rows[0].row()] if rows and rows[0].row() < len(self.pending) else None

    def approve_selected(self) -> None:
        """The signed-in 管理者 approves, or — if they asked for it — another 管理者 signs in to approve."""
        item = self.selected()
        if item is None:
            return
        if item.requested_by != self.session.staff_id:
            self._approve(item, self.session.actor)
            return
        s = self.session

        def ask(accounts: list[StaffAccount]) -> None:
            others = [a for a in accounts if a.role is StaffRole.MANAGER and a.id != s.staff_id]
            if not others:
                messages.warning(self.tr("承認できる別の管理者が登録されていません。"))
                return
            dialog = SignInDialog(s.actions, s.clinic.name, others, purpose="approve", parent=self)
            dialog.signed_in.connect(lambda actor: self._approve(item, actor))
            self.approver_dialog = dialog
            dialog.open()

        async_ops.run_op(s.actions.staff_accounts(s.clinic.id), on_success=ask, name="approvers")

    def _approve(self, item: PendingRefund, approver: Actor) -> None:
        def done(outcome: RefundOutcome) -> None:
            messages.info(self.tr("承認して返金しました（{patient} 様・{amount}）。").format(
                patient=item.patient_name, amount=format_yen(outcome.amount)))
            self.changed.emit()
            self.reload()

        async_ops.run_op(self.session.actions.approve_refund(item.approval_id, approver),
                         busy=[self.approve_button], on_success=done, name="approve-refund")

    def withdraw_selected(self) -> None:
        """取り下げ, once confirmed: the refund is not made (a 管理者 may ask for it again)."""
        item = self.selected()
        if item is None:
            return
        title = self.tr("返金の依頼を取り下げる")
        question = self.tr("{patient} 様の返金（{amount}）の依頼を取り下げますか？返金は行われません。").format(
            patient=item.patient_name, amount=format_yen(item.amount))
        if not ConfirmDialog.ask(self, title, question, self.tr("取り下げる"), keep_text=self.tr("取り下げない")):
            return

        def done(_r: object) -> None:
            messages.info(self.tr("返金の依頼を取り下げました（{patient} 様）。").format(patient=item.patient_name))
            self.changed.emit()
            self.reload()

        async_ops.run_op(self.session.actions.withdraw_refund(item.approval_id, self.session.actor),
                         busy=[self.withdraw_button], on_success=done, name="withdraw-refund")
