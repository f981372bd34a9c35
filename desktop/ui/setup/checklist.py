"""The setup checklist at the top of 決済会社設定: each step ✓ or what to do, with a button opening it.

Hidden when every item is done, and in トレーニング (the demo has nothing to set up).

Signals:
    open_step(str): 設定する was pressed for a step (a ``SetupStep`` value).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.services.setup import SetupStatus, SetupStep
from desktop.ui import async_ops
from desktop.ui.session import UiSession
from desktop.ui.setup.texts import step_title, todo_text
from desktop.ui.widgets.common import wrapped_label

DONE_STYLE = "color: #1b5e20; font-weight: bold;"
TODO_STYLE = "color: #8a4b00; font-weight: bold;"


class SetupChecklist(QGroupBox):
    open_step = Signal(str)

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.status: SetupStatus | None = None
        self.setTitle(self.tr("はじめの設定"))
        self.setStyleSheet("QGroupBox { background: #fffaf0; border: 1px solid #ffd8a8; border-radius: 4px;"
                           " margin-top: 14px; padding: 8px; } QGroupBox::title { subcontrol-origin: margin; left: 8px; }")
        outer = QVBoxLayout(self)
        self.intro = wrapped_label(self.tr("患者様からカードで支払いを受けるには、次の設定が必要です。"))
        outer.addWidget(self.intro)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(2, 1)
        outer.addLayout(self.grid)
        self.marks: dict[SetupStep, QLabel] = {}
        self.details: dict[SetupStep, QLabel] = {}
        self.buttons: dict[SetupStep, QPushButton] = {}
        for row, step in enumerate(SetupStep):
            mark, title, detail = QLabel(), QLabel(step_title(step)), QLabel()
            detail.setWordWrap(True)
            button = QPushButton(self.tr("設定する"))
            button.setAccessibleName(self.tr("設定する") + " " + step_title(step))
            button.clicked.connect(lambda _=False, s=step: self.open_step.emit(s.value))
            self.grid.addWidget(mark, row, 0)
            self.grid.addWidget(title, row, 1)
            self.grid.addWidget(detail, row, 2)
            self.grid.addWidget(button, row, 3)
            self.marks[step], self.details[step], self.buttons[step] = mark, detail, button
        self.hide()

    def reload(self) -> None:
        if self.session.training:
            self.hide()
            return
        async_ops.run_op(self.session.actions.setup_status(self.session.clinic.id), on_success=self.show_status,
                         name="setup-status")

    def show_status(self, status: SetupStatus) -> None:
        self.status = status
        for item in status.items:
            self.marks[item.step].setText("✓" if item.done else "!")
            self.marks[item.step].setStyleSheet(DONE_STYLE if item.done else TODO_STYLE)
            self.details[item.step].setText(self.tr("設定済み") if item.done else todo_text(item))
            self.buttons[item.step].setText(self.tr("確認する") if item.done else self.tr("設定する"))
        self.setVisible(not status.complete and not self.session.training)

    def missing_texts(self) -> list[str]:
        """The sentences of the items still to do, as shown (for tests and screen readers)."""
        return [self.details[s].text() for s in SetupStep if self.marks[s].text() != "✓"]
