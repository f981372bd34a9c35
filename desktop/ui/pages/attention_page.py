"""要対応: what needs staff now — links about to expire unpaid, refunds near PAY.JP's 180-day
limit, cancelled reservations with a paid pre-payment, mail the server refused, requests stuck
in 決済処理中, declined cards, and the differences 照合 found between PAY.JP and ClinicPay. A double
click (or Enter) opens the request in 決済管理; an item leaves the list once it is resolved.

「PAY.JPと照合」 (管理者・経理) compares PAY.JP's charges with ClinicPay's records now (it also runs
by itself every few hours); a difference staff have dealt with is closed with 「確認済みにする」.

Signals:
    open_record(entity_type, entity_id): show that request.
    count_changed(int): how many items are open (the sidebar entry shows it).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.domain.formatting import format_jst_datetime, format_yen
from desktop.domain.staff import Permission
from desktop.services.attention import AttentionItem, AttentionKind
from desktop.services.billing.payjp_reconciliation import ReconciliationReport, ReconciliationStatus
from desktop.ui import async_ops, i18n, messages
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import button_bar, open_on_activate, row_table

REFRESH_MS = 60_000

KIND_LABELS: dict[AttentionKind, str] = {
    AttentionKind.STUCK_PROCESSING: QT_TRANSLATE_NOOP("AttentionPage", "処理中のまま"),
    AttentionKind.RECONCILIATION: QT_TRANSLATE_NOOP("AttentionPage", "照合の差異"),
    AttentionKind.CANCELLED_PREPAID: QT_TRANSLATE_NOOP("AttentionPage", "返金が必要"),
    AttentionKind.MAIL_FAILED: QT_TRANSLATE_NOOP("AttentionPage", "送信失敗"),
    AttentionKind.REFUND_DEADLINE: QT_TRANSLATE_NOOP("AttentionPage", "返金期限間近"),
    AttentionKind.LINK_EXPIRING: QT_TRANSLATE_NOOP("AttentionPage", "期限切れ間近"),
    AttentionKind.DECLINED: QT_TRANSLATE_NOOP("AttentionPage", "カード拒否"),
}

TODO: dict[AttentionKind, str] = {
    AttentionKind.RECONCILIATION: QT_TRANSLATE_NOOP("AttentionPage", "{reason}"),
    AttentionKind.STUCK_PROCESSING: QT_TRANSLATE_NOOP(
        "AttentionPage", "{at}から決済処理中です。PAY.JPで結果を確認中です。変わらない場合は決済管理で確認してください。"),
    AttentionKind.CANCELLED_PREPAID: QT_TRANSLATE_NOOP(
        "AttentionPage", "予約はキャンセル済みです。事前決済を返金してください。"),
    AttentionKind.MAIL_FAILED: QT_TRANSLATE_NOOP(
        "AttentionPage", "患者様へのメールが届きませんでした（{reason}）。メールアドレスを確認して再請求してください。"),
    AttentionKind.REFUND_DEADLINE: QT_TRANSLATE_NOOP(
        "AttentionPage", "PAY.JPで返金できるのは{at}までです。返金が必要なら早めに行ってください。"),
    AttentionKind.LINK_EXPIRING: QT_TRANSLATE_NOOP(
        "AttentionPage", "未決済の決済用リンクが{at}に期限切れになります。必要なら患者様へご連絡ください（決済管理の「⋯」からリマインダーも送れます）。"),
    AttentionKind.DECLINED: QT_TRANSLATE_NOOP(
        "AttentionPage", "{at}にカードが通りませんでした（{reason}）。患者様からお問い合わせがあればご案内ください。"),
}


class AttentionPage(QWidget):
    open_record = Signal(str, str)
    count_changed = Signal(int)

    COLUMNS = (QT_TRANSLATE_NOOP("AttentionPage", "種類"), QT_TRANSLATE_NOOP("AttentionPage", "患者名"),
               QT_TRANSLATE_NOOP("AttentionPage", "金額"), QT_TRANSLATE_NOOP("AttentionPage", "対応"))

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.items: list[AttentionItem] = []
        layout = QVBoxLayout(self)
        self.count_label = QLabel()
        self.reconciled_label = QLabel()
        self.reconciled_label.setStyleSheet("color: #555;")
        self.reload_button = QPushButton(self.tr("更新"))
        self.reconcile_button = QPushButton(self.tr("PAY.JPと照合"))
        self.reconcile_button.setToolTip(self.tr(
            "PAY.JPの決済（過去180日分）とClinicPayの記録を照らし合わせます。PAY.JPの管理画面で行われた返金は反映され、"
            "患者様にメールでお知らせします。"))
        self.checked_button = QPushButton(self.tr("確認済みにする"))
        self.checked_button.setEnabled(False)
        may_reconcile = session.may(Permission.HISTORY)
        self.reconcile_button.setVisible(may_reconcile)
        self.checked_button.setVisible(may_reconcile)
        bar = button_bar(self.count_label, self.reconciled_label, self.checked_button, self.reconcile_button,
                         self.reload_button)
        bar.setStretchFactor(self.reconciled_label, 1)
        layout.addLayout(bar)
        self.table = row_table([self.tr(c) for c in self.COLUMNS], stretch_column=3, object_name="attentionTable",
                               widths=(190, 150, 100))
        self.table.setAlternatingRowColors(True)
        self.table.setToolTip(self.tr("ダブルクリックで決済管理の該当の請求を開きます"))
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel(self.tr("対応が必要なものはありません。"))
        self.empty_label.setStyleSheet("color: #555; padding: 12px;")
        layout.addWidget(self.empty_label)

        self.reload_button.clicked.connect(self.reload)
        self.reconcile_button.clicked.connect(self.reconcile)
        self.checked_button.clicked.connect(self.mark_checked)
        self.table.itemSelectionChanged.connect(self._on_selection)
        open_on_activate(self.table, self.open_row)
        session.events.billing_changed.connect(self.reload)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        self.timer.start()
        self.reload()

    def reload(self) -> None:
        """Read the list again (also every minute and whenever a request changes)."""
        async_ops.run_op(self.session.actions.attention_items(self.session.clinic.id), on_success=self._show,
                         name="attention")
        if self.session.may(Permission.HISTORY):
            async_ops.run_op(self.session.actions.reconciliation_status(self.session.clinic.id),
                             on_success=self._show_status, name="reconciliation-status")

    def _show_status(self, status: ReconciliationStatus) -> None:
        if status.running:
            self.reconciled_label.setText(self.tr("PAY.JPと照合中…"))
        elif status.last_finished_at is not None:
            self.reconciled_label.setText(self.tr("最終照合: {at}").format(
                at=format_jst_datetime(status.last_finished_at, i18n.language())))
        else:
            self.reconciled_label.setText(self.tr("PAY.JPとはまだ照合していません"))

    def reconcile(self) -> None:
        """PAY.JPと照合: compare now; what differs shows in the list."""
        s = self.session

        def done(report: ReconciliationReport) -> None:
            messages.info(self.tr("PAY.JPと照合しました（決済 {charges} 件・PAY.JPで行われた返金の反映 {refunds} 件・相違 {open} 件）。")
                          .format(charges=report.charges, refunds=report.refunds_applied,
                                  open=report.open_differences))
            s.events.billing_changed.emit()

        async_ops.run_op(s.actions.reconcile_with_payjp(s.actor, s.clinic.id), busy=[self.reconcile_button],
                         busy_text=self.tr("照合中…"), on_success=done, name="reconcile")

    def _selected(self) -> AttentionItem | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _on_selection(self) -> None:
        item = self._selected()
        self.checked_button.setEnabled(item is not None and item.difference_id is not None)

    def mark_checked(self) -> None:
        """確認済みにする: the selected difference leaves the list."""
        item = self._selected()
        if item is None or item.difference_id is None:
            return
        s = self.session
        async_ops.run_op(s.actions.mark_difference_checked(s.actor, item.difference_id),
                         on_success=lambda _: self.reload(), name="difference-checked")

    def _show(self, items: list[AttentionItem]) -> None:
        self.items = items
        lang = i18n.language()
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            at = format_jst_datetime(item.at, lang)
            todo = self.tr(TODO[item.kind]).format(at=at, reason=item.reason(lang))
            patient = item.patient_name or ("—" if item.request_id is None else "")
            cells: list[Any] = [self.tr(KIND_LABELS[item.kind]), patient, format_yen(item.amount), todo]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(str(text))
                cell.setToolTip(str(text))
                self.table.setItem(row, col, cell)
        self.table.resizeRowsToContents()
        self.count_label.setText(self.tr("{n} 件").format(n=len(items)))
        self.empty_label.setVisible(not items)
        self._on_selection()
        self.count_changed.emit(len(items))

    def open_row(self, row: int) -> None:
        """Show the request of item ``row`` in 決済管理."""
        if 0 <= row < len(self.items) and self.items[row].request_id is not None:
            self.open_record.emit("billing_request", str(self.items[row].request_id))
