"""The few helpers the サインイン dialog needs: a field's error message, a masked input, a wrapping
label, and the button row every dialog ends with (``dialog_buttons``).

Kept apart from ``desktop.ui.widgets.common`` (which re-exports them) because サインイン can be the
app's first window (``desktop.launch``): this module is quick to import.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLayout, QLineEdit, QPushButton, QSizePolicy
from PySide6.QtWidgets import QWidget


class ErrorLabel(QLabel):
    """The red message next to an input (hidden when empty)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setStyleSheet("color: #c62828;")
        self.setWordWrap(True)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)  # as high as its lines, never stretched by a taller form
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))
        self._fit_lines()
        if text:
            self.fit_dialog()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_lines()

    def _fit_lines(self) -> None:
        """At least as high as its lines need at its width: a form in a scrolled page does not ask
        a label its height for its width, so a long (English) message would be cut off."""
        need = self.heightForWidth(self.width()) if self.text() else 0
        if need != self.minimumHeight():
            self.setMinimumHeight(max(0, need))

    def fit_dialog(self) -> None:
        """Grow the dialog this label is in to what its layout now needs, so a message never makes
        the buttons overlap the fields (a dialog with its own minimum width keeps no minimum height)."""
        window = self.window()
        if window is self or not isinstance(window, QDialog) or window.layout() is None:
            return
        layout = window.layout()
        assert layout is not None
        layout.activate()
        need = window.minimumSizeHint().expandedTo(layout.minimumSize())
        if layout.hasHeightForWidth():  # wrapped messages: the height their lines need at this width
            need.setHeight(max(need.height(), layout.totalHeightForWidth(window.width())))
        if window.height() < need.height() or window.width() < need.width():
            window.resize(window.size().expandedTo(need))

    def clear_error(self) -> None:
        self.show_error("")


def error_row(form: QFormLayout, label: str, field: QWidget | QLayout, error: ErrorLabel) -> None:
    """A row of ``form`` and, on the row under it, the field's error message."""
    form.addRow(label, field)
    form.addRow("", error)


def secret_edit(*, clear_button: bool = False) -> QLineEdit:
    """A masked input for a password, PIN or key (optionally with a clear button)."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setClearButtonEnabled(clear_button)
    return edit


def wrapped_label(text: str = "") -> QLabel:
    """A label whose text wraps at the layout's width (intros, notes, results)."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def cancel_button(dialog: QDialog) -> QPushButton:
    """キャンセル: closes ``dialog`` unchanged (its ``reject``, as Esc does)."""
    button = QPushButton(QCoreApplication.translate("DialogButtons", "キャンセル"))
    button.clicked.connect(dialog.reject)
    return button


def dialog_buttons(*actions: QWidget, cancel: QWidget | None, apart: QWidget | None = None) -> QHBoxLayout:
    """The row of buttons at the foot of a dialog, in one order everywhere (Windows' order, which
    the clinics' PCs use): right-aligned, ``actions`` in the order given (the main action first),
    then ``cancel`` (キャンセル, 閉じる: the button that leaves the dialog) right-most.
    ``apart``: a button that acts on a chosen row rather than answering the dialog (取り下げ),
    alone at the left end. ``cancel=None``: a row without one (Esc still rejects the dialog).

    Tab follows this order too unless the dialog sets its own (返金する keeps キャンセル first);
    which button Enter presses stays each dialog's own choice (``setDefault``)."""
    row = QHBoxLayout()
    if apart is not None:
        row.addWidget(apart)
    row.addStretch(1)
    for button in (*actions, cancel):
        if button is not None:
            row.addWidget(button)
    return row
