"""A read-only URL with a コピー button (the clipboard gets the URL)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from desktop.ui import messages


class UrlRow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setReadOnly(True)
        self.copy_button = QPushButton(self.tr("コピー"))
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.copy_button)
        self.copy_button.clicked.connect(self.copy)

    def set_url(self, url: str) -> None:
        self.edit.setText(url)
        self.edit.setCursorPosition(0)
        self.copy_button.setEnabled(bool(url))

    def url(self) -> str:
        return self.edit.text()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.edit.text())
        messages.info(self.tr("クリップボードにコピーしました: {url}").format(url=self.edit.text()))
