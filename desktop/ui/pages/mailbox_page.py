"""メールボックス（デモ）: the mail デモ mode "sent" to patients, with the payment link to open."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QListWidgetItem, QPlainTextEdit, QPushButton, QSplitter, QVBoxLayout, QWidget

from desktop.services.demo_mailbox import MailContent, MailSummary
from desktop.ui import async_ops
from desktop.ui.models.columns import short_time
from desktop.ui.session import UiSession
from desktop.ui.widgets.common import ValueList, button_bar, shortcut_button


class MailboxPage(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.link: str | None = None
        layout = QVBoxLayout(self)
        self.refresh_button = QPushButton(self.tr("更新"))
        self.refresh_button.setToolTip(self.tr("最新の状態に更新 (F5)"))
        self.open_button = shortcut_button(self.tr("決済ページを開く"), "Ctrl+O")
        self.open_button.setEnabled(False)
        self.count_label = QLabel()
        layout.addLayout(button_bar(self.refresh_button, self.count_label, None, self.open_button))
        self.list = ValueList()
        self.body = QPlainTextEdit()
        self.body.setReadOnly(True)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.list)
        splitter.addWidget(self.body)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        self.refresh_button.clicked.connect(self.reload)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.list.currentItemChanged.connect(lambda item, _prev: self._on_item_changed(item))
        session.events.mail_changed.connect(self.reload)
        QShortcut(QKeySequence("F5"), self, self.reload)

    def reload(self) -> None:
        async_ops.run_op(self.session.actions.demo_mails(), on_success=self._show, name="mailbox")

    def _show(self, mails: list[MailSummary]) -> None:
        current = self.list.current_value()
        self.count_label.setText(self.tr("{n:,} 件").format(n=len(mails)) if mails else self.tr("メールがありません"))
        newest_first = sorted(mails, key=lambda m: m.date, reverse=True)
        rows = ((f"{short_time(m.date)}　{m.to}\n{m.subject}", m.key) for m in newest_first)
        self.list.refill(rows, keep=lambda key: key == current)

    def _on_item_changed(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        key = str(ValueList.value_of(item))
        async_ops.run_op(self.session.actions.demo_mail(key), on_success=self._show_content, name="mail")

    def _show_content(self, content: MailContent) -> None:
        self.body.setPlainText(content.text or content.html or "")
        self.link = content.first_link
        self.open_button.setEnabled(bool(self.link))

    def _on_open_clicked(self) -> None:
        if self.link:
            QDesktopServices.openUrl(QUrl(self.link))

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.reload()
