"""経過: the delivery timeline of one request (mail queued / sent / failed, declined cards with
PAY.JP's reason, paid, refunds), opened with a double click on a request."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem
from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.domain.errors import message_for_code
from desktop.domain.formatting import format_jst_datetime, format_yen
from desktop.services.mail_types import mail_error_message
from desktop.services.timeline import TimelineEntry
from desktop.ui import i18n
from desktop.ui.i18n import QT_TRANSLATE_NOOP

EVENTS = {
    "requested": QT_TRANSLATE_NOOP("TimelineDialog", "請求"),
    "reminded": QT_TRANSLATE_NOOP("TimelineDialog", "リマインダー送信"),
    "mail_queued": QT_TRANSLATE_NOOP("TimelineDialog", "メール送信待ち"),
    "mail_sent": QT_TRANSLATE_NOOP("TimelineDialog", "メール送信済み（メールサーバーが受け付け）"),
    "mail_failed": QT_TRANSLATE_NOOP("TimelineDialog", "メール送信失敗"),
    "declined": QT_TRANSLATE_NOOP("TimelineDialog", "カード拒否"),
    "paid": QT_TRANSLATE_NOOP("TimelineDialog", "決済"),
    "refunded": QT_TRANSLATE_NOOP("TimelineDialog", "返金"),
    "cancelled": QT_TRANSLATE_NOOP("TimelineDialog", "取消"),
    "expired": QT_TRANSLATE_NOOP("TimelineDialog", "期限切れ"),
}
MAILS = {
    "payment_request": QT_TRANSLATE_NOOP("TimelineDialog", "請求メール"),
    "reminder": QT_TRANSLATE_NOOP("TimelineDialog", "リマインダー"),
    "receipt": QT_TRANSLATE_NOOP("TimelineDialog", "領収メール"),
    "refund": QT_TRANSLATE_NOOP("TimelineDialog", "返金のお知らせ"),
    "cancel": QT_TRANSLATE_NOOP("TimelineDialog", "取消のお知らせ"),
}


class TimelineDialog(QDialog):
    COLUMNS = (QT_TRANSLATE_NOOP("TimelineDialog", "日時"), QT_TRANSLATE_NOOP("TimelineDialog", "経過"),
               QT_TRANSLATE_NOOP("TimelineDialog", "詳細"))

    def __init__(self, entries: list[TimelineEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("経過"))
        self.resize(760, 360)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(entries), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        lang = i18n.language()
        for row, e in enumerate(entries):
            what = self.tr(EVENTS.get(e.event, e.event))
            if e.mail:
                what = f"{what}: {self.tr(MAILS.get(e.mail, e.mail))}"
            detail = self._detail(e, lang)
            for col, text in enumerate((format_jst_datetime(e.at, lang), what, detail)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _detail(self, e: TimelineEntry, lang: str) -> str:
        parts = []
        if e.amount:
            parts.append(format_yen(e.amount))
        if e.staff:
            parts.append(e.staff)
        elif e.event == "reminded":
            parts.append(self.tr("自動（有効期限の前）"))
        if e.code:
            try:
                parts.append(mail_error_message(e.code, lang) if e.code.startswith("mail_")
                             else message_for_code(e.code, lang))
            except (ValueError, KeyError):
                parts.append(message_for_code("unexpected", lang))
        return (" ・ " if lang == "ja" else " · ").join(parts)  # no 「・」 in the English window
