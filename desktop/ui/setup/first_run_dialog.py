"""The first start of a fresh install: 「デモで試す」 or 「クリニックの設定を始める」.

Signals:
    chosen(str): ``"demo"`` or ``"clinic"`` (closing the dialog counts as デモで試す: the demo
        stays open and the clinic's setup can be started later from the ☰ menu).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget
from desktop.ui.widgets.common import heading, wrapped_label

CHOICE_STYLE = ("QPushButton { text-align: left; padding: 14px 18px; font-size: 15px; border: 1px solid #b0bec5;"
                " border-radius: 6px; background: #ffffff; } QPushButton:focus { border: 2px solid #1976d2; }"
                " QPushButton:hover { background: #e3f2fd; }")


class FirstRunDialog(QDialog):
    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("クリニック決済へようこそ"))
        self.setMinimumWidth(560)
        self._sent = False
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(heading(self.tr("クリニック決済へようこそ"), 20))
        intro = wrapped_label(self.tr("はじめに、どちらで始めるかを選んでください。あとから「☰」メニューでいつでも切り替えられます。"))
        layout.addWidget(intro)
        self.demo_button = self._choice(
            self.tr("デモで試す"),
            self.tr("見本のクリニックで操作を試します。決済はシミュレーター、メールは「メールボックス（デモ）」に届き、"
                    "実際の患者様やPAY.JPには何も届きません。"))
        self.clinic_button = self._choice(
            self.tr("クリニックの設定を始める"),
            self.tr("クリニック情報、メール、決済ページのURL、PAY.JPを順に設定します。途中でやめても、続きから再開できます。"))
        layout.addWidget(self.demo_button)
        layout.addWidget(self.clinic_button)
        self.demo_button.clicked.connect(lambda: self._choose("demo"))
        self.clinic_button.clicked.connect(lambda: self._choose("clinic"))
        self.clinic_button.setDefault(True)

    @staticmethod
    def _choice(title: str, text: str) -> QPushButton:
        button = QPushButton()
        button.setStyleSheet(CHOICE_STYLE)
        button.setMinimumHeight(90)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setAccessibleName(title)
        button.setAccessibleDescription(text)
        label = wrapped_label(f"<b style='font-size: 16px'>{html.escape(title)}</b><br>{html.escape(text)}")
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        inner = QHBoxLayout(button)
        inner.setContentsMargins(16, 10, 16, 10)
        inner.addWidget(label)
        button.label = label  # type: ignore[attr-defined]
        return button

    def _choose(self, choice: str) -> None:
        if not self._sent:
            self._sent = True
            self.chosen.emit(choice)
        self.accept()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._sent:
            self._sent = True
            self.chosen.emit("demo")
        super().closeEvent(event)

    def reject(self) -> None:
        if not self._sent:
            self._sent = True
            self.chosen.emit("demo")
        super().reject()
