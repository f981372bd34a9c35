"""要対応: what needs staff now — links about to expire unpaid, refunds near PAY.JP's 180-day
limit, cancelled reservations with a paid pre-payment, mail the server refused, requests stuck
in 決済処理中, declined cards. A double click (or Enter) opens the request in 決済管理; an item
leaves the list once it is resolved.

Signals:
    open_record(entity_type, entity_id): show that request.
    count_changed(int): how many items are open (the sidebar entry shows it).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.domain.formatting import format_jst_datetime, format_yen
from desktop.services.attention import AttentionItem, AttentionKind
from desktop.ui import async_ops, i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import button_bar, open_on_activate, row_table

REFRESH_MS = 60_000

KIND_LABELS: dict[AttentionKind, str] = {
    AttentionKind.STUCK_PROCESSING: QT_TRANSLATE_NOOP("AttentionPage", "決済処理中のまま"),
    AttentionKind.CANCELLED_PREPAID: QT_TRANSLATE_NOOP("AttentionPage", "キャンセル予約の事前決済"),
    AttentionKind.MAIL_FAILED: QT_TRANSLATE_NOOP("AttentionPage", "メール送信失敗"),
    AttentionKind.REFUND_DEADLINE: QT_TRANSLATE_NOOP("AttentionPage", "返金期限が近い"),
    AttentionKind.LINK_EXPIRING: QT_TRANSLATE_NOOP("AttentionPage", "リンクの期限が近い"),
    AttentionKind.DECLINED: QT_TRANSLATE_NOOP("AttentionPage", "カード決済の失敗"),
}

TODO: dict[AttentionKind, str] = {
    AttentionKind.STUCK_PROCESSING: QT_TRANSLATE_NOOP(
        "AttentionPage", "{at}から決済処理中です。PAY.JPで結果を確認中です。変わらない場合は決済管理で確認してください。"),
    AttentionKind.CANCELLED_PREPAID: QT_TRANSLATE_NOOP(
        "AttentionPage", "予約はキャンセル済みです。事前決済を返金してください。"),
    AttentionKind.MAIL_FAILED: QT_TRANSLATE_NOOP(
        "AttentionPage", "患者様へのメールが届きませんでした（{reason}）。メールアドレスを確認して再請求してください。"),
    AttentionKind.REFUND_DEADLINE: QT_TRANSLATE_NOOP(
        "AttentionPage", "PAY.JPで返金できるのは{at}までです。返金が必要なら早めに行ってください。"),
    AttentionKind.LINK_EXPIRING: QT_TRANSLATE_NOOP(
        "AttentionPage", "未決済の決済用リンクが{at}に期限切れになります。必要なら患者様へご連絡ください。"),
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
        self.reload_button = QPushButton(self.tr("更新"))
        layout.addLayout(button_bar(self.count_label, None, self.reload_button))
        self.table = row_table([self.tr(c) for c in self.COLUMNS], stretch_column=3, object_name="attentionTable",
                               widths=(190, 150, 100))
        self.table.setAlternatingRowColors(True)
        self.table.setToolTip(self.tr("ダブルクリックで決済管理の該当の請求を開きます"))
        layout.addWidget(self.table, 1)
        self.empty_label = QLabel(self.tr("対応が必要なものはありません。"))
        self.empty_label.setStyleSheet("color: #555; padding: 12px;")
        layout.addWidget(self.empty_label)

        self.reload_button.clicked.connect(self.reload)
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

    def _show(self, items: list[AttentionItem]) -> None:
        self.items = items
        lang = i18n.language()
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            at = format_jst_datetime(item.at, lang)
            todo = self.tr(TODO[item.kind]).format(at=at, reason=item.reason(lang))
            cells: list[Any] = [self.tr(KIND_LABELS[item.kind]), item.patient_name, format_yen(item.amount), todo]
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(str(text))
                cell.setToolTip(str(text))
                self.table.setItem(row, col, cell)
        self.table.resizeRowsToContents()
        self.count_label.setText(self.tr("{n} 件").format(n=len(items)))
        self.empty_label.setVisible(not items)
        self.count_changed.emit(len(items))

    def open_row(self, row: int) -> None:
        """Show the request of item ``row`` in 決済管理."""
        if 0 <= row < len(self.items):
            self.open_record.emit("billing_request", str(self.items[row].request_id))
