"""Small widgets used by several screens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QSizePolicy, QWidget


class ErrorLabel(QLabel):
    """The red message next to an input (hidden when empty)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setStyleSheet("color: #c62828;")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_error(self) -> None:
        self.show_error("")


class ChoiceRow(QWidget):
    """Radio buttons in a row; ``value()`` returns the chosen key."""

    def __init__(self, choices: list[tuple[object, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.buttons: dict[object, QRadioButton] = {}
        for i, (key, label) in enumerate(choices):
            button = QRadioButton(label, self)
            self.group.addButton(button, i)
            self.buttons[key] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._keys = [k for k, _ in choices]
        if self._keys:
            self.buttons[self._keys[0]].setChecked(True)

    def value(self) -> object:
        return self._keys[max(0, self.group.checkedId())]

    def set_value(self, key: object) -> None:
        self.buttons[key].setChecked(True)


def big_label(text: str, size: float = 1.6, bold: bool = True) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * size)
    font.setBold(bold)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
