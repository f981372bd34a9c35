"""The clinic's setup: the steps of ``STEPS`` one after the other, left and resumed at will.

The list on the left shows every step with ✓ when the checklist says it is done; 次へ saves the
step (a refused value stays on the page, its message next to the field, nothing saved) and
remembers the next one, so the setup resumes there — after あとで続ける, a restart, on another PC.

Signals:
    changed: something was saved (the window reloads the clinic's name and the checklist).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QListWidget, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop.services.settings_service import ConnectionView
from desktop.services.setup import SetupStatus, SetupStep
from desktop.ui import async_ops, messages
from desktop.ui.session import UiSession
from desktop.ui.setup.steps import STEPS, WizardStep
from desktop.ui.setup.texts import step_title
from desktop.ui.widgets.common import dialog_buttons, heading, scrolled


class SetupWizard(QDialog):
    changed = Signal()

    def __init__(self, session: UiSession, start: SetupStep | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.desk = session.actions
        self.status: SetupStatus | None = None
        self.setWindowTitle(self.tr("クリニックの設定"))
        self.resize(960, 640)
        outer = QVBoxLayout(self)
        outer.addWidget(heading(self.tr("クリニックの設定"), 18))
        body = QHBoxLayout()
        self.step_list = QListWidget()
        self.step_list.setFixedWidth(220)
        self.step_list.setStyleSheet("QListWidget { background: #f2f5f8; font-size: 14px; } "
                                     "QListWidget::item { padding: 8px; }")
        self.stack = QStackedWidget()
        self.steps: list[WizardStep] = []
        for cls in STEPS:
            page = cls(session)
            self.steps.append(page)
            holder = QWidget()
            col = QVBoxLayout(holder)
            col.addWidget(heading(step_title(cls.step), 16))
            col.addWidget(page, 1)
            self.stack.addWidget(scrolled(holder))
            self.step_list.addItem(step_title(cls.step))
        body.addWidget(self.step_list)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.later_button = QPushButton(self.tr("あとで続ける"))
        self.later_button.setToolTip(self.tr("入力済みの内容は保存されています。次に開いたとき、このステップから再開します。"))
        self.back_button = QPushButton(self.tr("戻る"))
        self.next_button = QPushButton(self.tr("保存して次へ"))
        self.next_button.setDefault(True)
        outer.addLayout(dialog_buttons(self.back_button, self.next_button, cancel=self.later_button))
        self.later_button.clicked.connect(self.close)
        self.back_button.clicked.connect(lambda: self.go(self.index() - 1))
        self.next_button.clicked.connect(self.save_and_next)
        self.step_list.currentRowChanged.connect(self._on_row_changed)
        self._start = start
        self.go(0 if start is None else self._index_of(start), remember=False)
        self.reload()

    # -- state --------------------------------------------------------------------------------

    def _index_of(self, step: SetupStep) -> int:
        return next((i for i, s in enumerate(self.steps) if s.step is step), 0)

    def index(self) -> int:
        return self.stack.currentIndex()

    def current(self) -> WizardStep:
        return self.steps[self.index()]

    def reload(self) -> None:
        """Read the saved values into every step and the ✓ marks into the list."""
        clinic_id = self.session.clinic.id

        def loaded(view: ConnectionView) -> None:
            for step in self.steps:
                step.load(view)

        async_ops.run_op(self.desk.connection(clinic_id), on_success=loaded, name="setup-load")
        self.reload_status()

    def reload_status(self) -> None:
        def shown(status: SetupStatus) -> None:
            self.status = status
            if self._start is None:
                self._start = status.current_step
                self.go(self._index_of(status.current_step), remember=False)
            for i, step in enumerate(self.steps):
                done = status.item(step.step).done if step.step in {it.step for it in status.items} else False
                self.step_list.item(i).setText(("✓ " if done else "　 ") + step_title(step.step))

        async_ops.run_op(self.desk.setup_status(self.session.clinic.id), on_success=shown, name="setup-status")

    def go(self, index: int, *, remember: bool = True) -> None:
        if not 0 <= index < len(self.steps):
            return
        self.stack.setCurrentIndex(index)
        self.step_list.blockSignals(True)
        self.step_list.setCurrentRow(index)
        self.step_list.blockSignals(False)
        last = index == len(self.steps) - 1
        self.back_button.setEnabled(index > 0)
        self.next_button.setText(self.tr("完了") if last else self.tr("保存して次へ"))
        if remember:
            async_ops.run_op(self.desk.set_setup_step(self.session.actor, self.session.clinic.id,
                                                         self.steps[index].step),
                             name="setup-step")

    def _on_row_changed(self, row: int) -> None:
        self.go(row)

    # -- actions ------------------------------------------------------------------------------

    def save_and_next(self) -> None:
        """Save this step; when it is accepted, go on (or finish on the last step)."""
        step = self.current()
        step.errors.hide_all()
        work = step.save()
        last = self.index() == len(self.steps) - 1

        def after(_result: object = None) -> None:
            self.changed.emit()
            self.reload_status()
            if last:
                self.finish()
            else:
                self.go(self.index() + 1)

        if work is None:
            after()
            return
        async_ops.run_op(work, busy=[self.next_button], busy_text=self.tr("保存中…"), on_success=after,
                         on_failure=step.errors.show, name="setup-save")

    def finish(self) -> None:
        def done(_result: object) -> None:
            messages.info(self.tr("設定を保存しました。まだの項目は「決済会社設定」のチェックリストに表示されます。"))
            self.changed.emit()
            self.accept()

        async_ops.run_op(self.desk.finish_setup(self.session.actor, self.session.clinic.id), on_success=done, name="setup-finish")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.changed.emit()
        super().closeEvent(event)
