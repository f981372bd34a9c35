"""Small widgets used by several screens."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, QDate, QElapsedTimer, QEvent, QModelIndex, QObject
from PySide6.QtCore import QPersistentModelIndex, QSize, Qt, QTime, QTimer
from PySide6.QtGui import QColor, QFocusEvent, QFont, QKeySequence, QMouseEvent, QPaintEvent, QPalette, QShortcut
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDateEdit, QFileDialog
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLayout, QLineEdit, QListWidget
from PySide6.QtWidgets import QListWidgetItem, QMenu, QPushButton, QRadioButton, QScrollArea, QSizePolicy, QStyle
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionComboBox, QStyleOptionViewItem, QStylePainter, QTableView
from PySide6.QtWidgets import QTableWidget, QVBoxLayout, QWidget

from desktop.domain.errors import UserError, every_error
from desktop.domain.formatting import JST
from desktop.domain.text import read_clock_time
from desktop.ui import i18n
from desktop.ui.widgets.fields import ErrorLabel as ErrorLabel  # the field helpers, also used from here
from desktop.ui.widgets.fields import cancel_button as cancel_button
from desktop.ui.widgets.fields import dialog_buttons as dialog_buttons
from desktop.ui.widgets.fields import error_row as error_row
from desktop.ui.widgets.fields import secret_edit as secret_edit
from desktop.ui.widgets.fields import wrapped_label as wrapped_label

V = TypeVar("V")


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


class FieldErrors(dict[str, ErrorLabel]):
    """A form's error labels, keyed by the field name a ``UserError`` carries (``errors["smtp_port"]``).

    ``add(field)`` makes a field's label; ``show(exc)`` puts each refused value's message (all of
    a ``FormErrors`` at once), in the UI language, under its field and returns True (a ``run_op``
    ``on_failure``); an error naming no field here goes under ``fallback`` when one is given, else
    ``show`` returns False and the message goes to the banner as any other error.
    """

    def __init__(self, *fields: str, fallback: str | None = None) -> None:
        super().__init__((field, ErrorLabel()) for field in fields)
        self.fallback = fallback

    def add(self, field: str) -> ErrorLabel:
        """A new, hidden label for ``field`` (placed by the caller)."""
        label = self[field] = ErrorLabel()
        return label

    def hide_all(self) -> None:
        """Hide every message (before a new attempt)."""
        for label in self.values():
            label.clear_error()

    def show(self, exc: BaseException, fallback: str | None = None) -> bool:
        """Show every refusal ``exc`` stands for (each one of a ``FormErrors``) under its field's
        label; one naming no field here goes under ``fallback`` (this call's, else the form's), when
        given. True when at least one was shown; False when none belongs to this form (the caller
        then shows ``exc`` in the banner)."""
        fallback = fallback or self.fallback
        shown = False
        for one in every_error(exc):
            if not isinstance(one, UserError):
                continue
            label = self.get(one.field or "")
            if label is None and fallback:
                label = self.get(fallback)
            if label is not None:
                label.show_error(one.message(i18n.language()))
                shown = True
        return shown

    def under(self, widget: QWidget, field: str, extra: QWidget | None = None) -> QWidget:
        """``widget`` with the new error label of ``field`` under it (see ``with_error``)."""
        return with_error(widget, self.add(field), extra)

    def text_row(self, form: QFormLayout, label: str, field: str, placeholder: str = "") -> QLineEdit:
        """A text input added to ``form`` under ``label``, with the error message of ``field`` under it."""
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(label)
        form.addRow(label, self.under(edit, field))
        return edit


def with_error(field: QWidget | QLayout, error: ErrorLabel, extra: QWidget | None = None) -> QWidget:
    """``field`` (an input, or a row of them) with its ``error`` message right under it, as one cell
    of a form, and an optional status on its right; an input narrower than 1000 px keeps its width,
    the rest of the row stays empty."""
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    col.setSpacing(2)
    row = QHBoxLayout()
    narrow = isinstance(field, QWidget) and field.maximumWidth() < 1000
    if isinstance(field, QLayout):
        row.addLayout(field, 1)
    else:
        row.addWidget(field, 0 if narrow else 1)
    if extra is not None:
        row.addWidget(extra)
    if narrow:
        row.addStretch(1)
    col.addLayout(row)
    col.addWidget(error)
    return box


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area that gives it the whole width (long settings pages)."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


def date_edit(day: dt.date) -> QDateEdit:
    """A date input showing ``day`` as 2026/11/30, with a calendar to pick from."""
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy/MM/dd")
    return edit


def edited_date(edit: QDateEdit) -> dt.date:
    """The date ``edit`` shows."""
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class PeriodFilter(QWidget):
    """期間 [from] 〜 [to] of a list's filter bar: the last ``days`` days up to today (Japan time);
    the dates count only while 期間 is ticked (``checked`` at first)."""

    def __init__(self, days: int, checked: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        today = dt.datetime.now(JST).date()
        self.check = QCheckBox(self.tr("期間"))
        self.from_edit = date_edit(today - dt.timedelta(days=days))
        self.to_edit = date_edit(today)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.check, self.from_edit, QLabel(self.tr("〜")), self.to_edit):
            row.addWidget(widget)
        for edit in (self.from_edit, self.to_edit):
            edit.setEnabled(checked)
            self.check.toggled.connect(edit.setEnabled)
        self.check.setChecked(checked)

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        """(first day, last day), both inclusive; (None, None) while 期間 is not ticked."""
        if not self.check.isChecked():
            return None, None
        return edited_date(self.from_edit), edited_date(self.to_edit)


def notice_label(style: str) -> QLabel:
    """A hidden, wrapping banner (``style``: its Qt style sheet), shown when it has something to say."""
    label = wrapped_label()
    label.setStyleSheet(style)
    label.hide()
    return label


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


class ValueList(QListWidget):
    """A list whose items each carry a value (a mail's key, a menu), refilled in place."""

    VALUE_ROLE = Qt.ItemDataRole.UserRole + 1

    @classmethod
    def value_of(cls, item: QListWidgetItem) -> object:
        """The value ``item`` was filled with."""
        return item.data(cls.VALUE_ROLE)

    def current_value(self) -> object:
        """The value of the current item (None when there is none)."""
        item = self.currentItem()
        return self.value_of(item) if item is not None else None

    def refill(self, rows: Iterable[tuple[str, V]], keep: Callable[[V], bool]) -> QListWidgetItem | None:
        """Replace the items with ``rows`` (text, value), quietly, then make current the one whose
        value ``keep`` picks, else the first: ``currentItemChanged`` announces only that one.
        Returns it (None: no rows, nothing is current)."""
        self.blockSignals(True)
        self.clear()
        chosen = None
        for text, value in rows:
            item = QListWidgetItem(text)
            item.setData(self.VALUE_ROLE, value)
            self.addItem(item)
            if chosen is None or keep(value):
                chosen = item
        self.blockSignals(False)
        if chosen is not None:
            self.setCurrentItem(chosen)
        return chosen


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


class FittedCombo(QComboBox):
    """A list to choose from (a filter) as wide as its longest entry, also for entries added later
    (names read from the database), up to ``max_width`` px (logical, so the same share of the
    screen at 150 %); a longer entry shows shortened with "…" and whole in the open list and in the
    tooltip."""

    def __init__(self, max_width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setMaximumWidth(max_width)
        self.currentIndexChanged.connect(lambda *_: self._tip())

    def text_width(self, width: int | None = None) -> int:
        """The px the shown entry's text has in a box ``width`` px wide (default: as it is now): the
        box less its frame and arrow, and the 1 px the label keeps from each side."""
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        if width is not None:
            option.rect.setWidth(width)
        return self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, self).width() - 2

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Qt's hint made wide enough that the longest entry's text fits the label (the style's arrow
        and frame can take more than Qt's hint allows for), within the maximum width."""
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        longest = max((metrics.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        missing = max(0, longest - self.text_width(hint.width()))
        return QSize(min(self.maximumWidth(), hint.width() + missing), hint.height())

    def _tip(self) -> None:
        text = self.currentText()
        self.setToolTip(text if self.fontMetrics().horizontalAdvance(text) > self.text_width() else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._tip()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight,
                                                           self.text_width())
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


def button_bar(*buttons: QWidget | None) -> QHBoxLayout:
    """A row of buttons (or labels, inputs) on a page, in the given order; each ``None`` is a
    stretch. A dialog's own buttons go in ``dialog_buttons`` (one order in every dialog)."""
    row = QHBoxLayout()
    for button in buttons:
        if button is None:
            row.addStretch(1)
        else:
            row.addWidget(button)
    return row


def row_table(headers: list[str], stretch_column: int, object_name: str = "", *,
              widths: Sequence[int] = ()) -> QTableWidget:
    """A read-only table whose rows are picked one at a time (no row numbers); ``stretch_column``
    takes the width left over. ``widths``: the first columns' widths in pixels; every column is
    widened to its header's own text where that is longer (English, 150 %)."""
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
        width = widths[column] if column < len(widths) else header.sectionSize(column)
        header.resizeSection(column, max(width, header.sectionSizeFromContents(column).width()))
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return table


def row_view(model: QAbstractItemModel, *, stretch_column: int | None = None, stripes: bool = False) -> QTableView:
    """A view of ``model`` whose rows are picked one at a time (no row numbers); Tab leaves it (the
    arrow keys move between rows) and coloured text stays readable on the selected row.
    ``stretch_column``: every column as wide as its contents and this one takes the width left over
    (None: the caller sizes the columns); ``stripes``: alternating row colours."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setTabKeyNavigation(False)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.setAlternatingRowColors(stripes)
    view.setItemDelegate(SelectedTextDelegate(view))
    if stretch_column is not None:
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return view


def open_on_activate(table: QTableWidget, open_row: Callable[[int], None]) -> None:
    """A double click on a row, or Enter on the current one, calls ``open_row(row)``."""
    table.cellDoubleClicked.connect(lambda row, _col: open_row(row))
    QShortcut(QKeySequence("Return"), table, lambda: open_row(table.currentRow()))


def ask_save_path(parent: QWidget, title: str, file_name: str, file_filter: str) -> pathlib.Path | None:
    """The save dialog, starting at ``file_name`` in the home folder; None when cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(pathlib.Path.home() / file_name), file_filter)
    return pathlib.Path(path) if path else None


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


def hint_label(text: str) -> QLabel:
    """A grey, wrapping note under a field or a section (what a setting does, where mail goes)."""
    label = wrapped_label(text)
    label.setStyleSheet("color: #666;")
    return label


class ElidedLabel(QLabel):
    """One line of text that ends in "…" where its width does not hold it all (the whole text is
    ``full_text()``, and the tooltip when it is cut): it never makes its window wider or taller."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def full_text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width) if width > 0 else self._full
        super().setText(shown)
