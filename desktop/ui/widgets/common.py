"""Small widgets used by several screens."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QElapsedTimer, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTime, QTimer
from PySide6.QtGui import QColor, QFont, QKeySequence, QFocusEvent, QMouseEvent, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QMenu,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.errors import UserError, every_error
from desktop.domain.text import read_clock_time
from desktop.ui import i18n


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
        if text:
            self.fit_dialog()

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


def field_with_error(field: QWidget | QLayout, error: ErrorLabel) -> QWidget:
    """``field`` with its ``error`` right under it, as one cell of a form (a message then takes one
    or two short lines under its own field instead of a row of the form)."""
    cell = QWidget()
    column = QVBoxLayout(cell)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    if isinstance(field, QLayout):
        column.addLayout(field)
    else:
        column.addWidget(field)
    column.addWidget(error)
    return cell


def show_field_errors(exc: BaseException, labels: Mapping[str, ErrorLabel], default: str | None = None) -> bool:
    """Show each refusal ``exc`` stands for (every one of a ``FormErrors``) under its field's label in
    ``labels`` (keyed by field; one naming no listed field goes to ``default``, when given).
    False when none of them belongs to this form (the caller then shows ``exc`` in the banner)."""
    shown = False
    for one in every_error(exc):
        if not isinstance(one, UserError):
            continue
        label = labels.get(one.field or "") or (labels[default] if default is not None else None)
        if label is not None:
            label.show_error(one.message(i18n.language()))
            shown = True
    return shown


class ClockEdit(QComboBox):
    """A time of day: pick a slot (every ``step`` minutes from ``first`` to ``last`` o'clock) or type
    one as staff say it (``16:30``, ``1630``, ``16時30分``, full-width digits); whatever is typed
    replaces the whole time. ``time()`` raises ``ValidationError`` (``time_invalid``) for text that is
    not a time; ``setTime`` shows one as ``HH:mm``."""

    def __init__(self, value: QTime, *, first: int = 7, last: int = 21, step: int = 15,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(12)
        for minutes in range(first * 60, last * 60 + 1, step):
            self.addItem(f"{minutes // 60:02d}:{minutes % 60:02d}")
        self.setTime(value)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        line = self.lineEdit()
        if line is not None:  # after the click has placed the cursor: typing replaces the whole time
            QTimer.singleShot(0, line.selectAll)

    def setTime(self, value: QTime) -> None:
        text = value.toString("HH:mm")
        index = self.findText(text)
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(text)

    def time(self) -> QTime:
        """The time typed or chosen (JST wall-clock). Raises ValidationError (``time_invalid``)."""
        value = read_clock_time(self.currentText())
        return QTime(value.hour, value.minute)


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

    def focus_proxy(self) -> QRadioButton:
        """The first radio button: ``setTabOrder`` places the group with it (Tab then enters the checked one)."""
        return self.buttons[self._keys[0]]

    def value(self) -> object:
        return self._keys[max(0, self.group.checkedId())]

    def set_value(self, key: object) -> None:
        self.buttons[key].setChecked(True)


class SelectedTextDelegate(QStyledItemDelegate):
    """Coloured cell text (決済済み green, 一部返金済み brown …) is drawn in the palette's
    highlighted-text colour on a selected row, where green on the selection blue is unreadable
    (some styles keep the item's own colour on the selection). A selection colour too light for
    that text (Fusion's #308cc6 is 3.7:1 with white) is darkened to 4.5:1."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if option.state & QStyle.StateFlag.State_Selected:
            palette: QPalette = option.palette
            for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
                text = palette.color(group, QPalette.ColorRole.HighlightedText)
                palette.setColor(group, QPalette.ColorRole.Text, text)
                palette.setColor(group, QPalette.ColorRole.Highlight,
                                 readable_background(palette.color(group, QPalette.ColorRole.Highlight), text))


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two colours (1 … 21; 4.5 is the minimum for body text)."""

    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable_background(background: QColor, text: QColor, minimum: float = 4.5) -> QColor:
    """``background`` made darker (or lighter, for dark text) until ``text`` on it reaches ``minimum``."""
    bg = QColor(background)
    lighten = text.lightness() < 128
    for _ in range(20):
        if contrast_ratio(text, bg) >= minimum:
            break
        bg = bg.lighter(112) if lighten else bg.darker(112)
    return bg


def big_label(text: str, size: float = 1.6, bold: bool = True) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * size)
    font.setBold(bold)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class GuardedMenu(QMenu):
    """A row menu opened by a mouse press: the release of that same click never picks an item.

    Without a window manager (and with some) a right-click opens the menu under the pointer and
    its release lands on the first item; a release within ``GUARD_MS`` of opening is ignored.
    """

    GUARD_MS = 250

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._opened = QElapsedTimer()

    def showEvent(self, event: QShowEvent) -> None:
        self._opened.start()
        super().showEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._opened.isValid() and self._opened.elapsed() < self.GUARD_MS:
            event.accept()
            return
        super().mouseReleaseEvent(event)


class ColumnFitter(QObject):
    """Keeps every column of ``view`` on screen: the ``flexible`` columns (index → least width in
    pixels) share what the others leave of the visible width, so the last columns (状態, ⋯) never
    need a horizontal scroll; below the least widths the table scrolls as before."""

    def __init__(self, view: QTableView, flexible: dict[int, int]) -> None:
        super().__init__(view)
        self._view = view
        self._flexible = flexible
        self._preferred = {c: view.horizontalHeader().sectionSize(c) for c in flexible}
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        header = self._view.horizontalHeader()
        fixed = sum(header.sectionSize(c) for c in range(header.count())
                    if c not in self._flexible and not header.isSectionHidden(c))
        extra = max(0, self._view.viewport().width() - fixed - sum(self._flexible.values()))
        preferred = sum(self._preferred.values()) or 1
        for column, least in self._flexible.items():  # each its least width and a share of the rest
            header.resizeSection(column, least + extra * self._preferred[column] // preferred)


def button_bar(*buttons: QWidget | None) -> QHBoxLayout:
    """A row of buttons in the given order; each ``None`` is a stretch (``None, cancel, ok``: right-aligned)."""
    row = QHBoxLayout()
    for button in buttons:
        if button is None:
            row.addStretch(1)
        else:
            row.addWidget(button)
    return row


def row_table(headers: list[str], stretch_column: int, object_name: str = "") -> QTableWidget:
    """A read-only table whose rows are picked one at a time (no row numbers); ``stretch_column``
    takes the width left over."""
    table = QTableWidget(0, len(headers))
    if object_name:
        table.setObjectName(object_name)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    for column in range(len(headers)):  # never narrower than the header's own text (English, 150 %)
        header.resizeSection(column, max(header.sectionSize(column), header.sectionSizeFromContents(column).width()))
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return table


def shortcut_button(text: str, keys: str, tip: str | None = None) -> QPushButton:
    """A push button with a keyboard shortcut (``keys`` as ``QKeySequence`` reads it, e.g. "Ctrl+S"),
    named in its tooltip: "保存 (Ctrl+S)" (``tip`` instead of ``text`` when given)."""
    button = QPushButton(text)
    button.setShortcut(QKeySequence(keys))
    button.setToolTip(f"{tip or text} ({keys})")
    return button


def heading(text: str, size_px: int) -> QLabel:
    """A bold title of ``size_px`` pixels for the top of a page or dialog."""
    label = QLabel(text)
    label.setStyleSheet(f"font-size: {size_px}px; font-weight: bold;")
    return label


def wrapped_label(text: str = "") -> QLabel:
    """A label whose text wraps at the layout's width (intros, notes, results)."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label
