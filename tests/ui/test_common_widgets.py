"""The small shared widgets: button rows, the read-only row table, shortcut buttons, headings, the
errors shown under their fields, the 期間 filter, the save dialog."""

from __future__ import annotations

import datetime as dt
import pathlib
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpacerItem,
    QTableWidgetItem,
    QWidget,
)

from desktop.domain.errors import FormErrors, ValidationError
from desktop.domain.formatting import JST
from desktop.ui import i18n
from desktop.ui.widgets.common import (
    FieldErrors,
    PeriodFilter,
    SelectedTextDelegate,
    ValueList,
    ask_save_path,
    button_bar,
    cancel_button,
    heading,
    open_on_activate,
    row_table,
    row_view,
    shortcut_button,
    with_error,
    wrapped_label,
)


def test_button_bar_keeps_the_order_and_puts_a_stretch_where_none_stands(qapp: Any) -> None:
    left, middle, right = QPushButton("取り下げ"), QPushButton("閉じる"), QPushButton("承認")
    row = button_bar(left, None, middle, right)
    items = [row.itemAt(i) for i in range(row.count())]
    assert [item.widget() for item in items] == [left, None, middle, right]
    assert isinstance(items[1].spacerItem(), QSpacerItem)
    assert row.stretch(1) == 1


def test_row_view_picks_one_whole_row_leaves_on_tab_and_keeps_coloured_text_readable(qapp: Any) -> None:
    model = QStandardItemModel(2, 3)
    model.setItem(0, 0, QStandardItem("決済済み"))
    view = row_view(model, stretch_column=2, stripes=True)
    assert view.model() is model
    assert view.selectionBehavior() is QAbstractItemView.SelectionBehavior.SelectRows
    assert view.selectionMode() is QAbstractItemView.SelectionMode.SingleSelection
    assert not view.tabKeyNavigation() and view.verticalHeader().isHidden() and view.alternatingRowColors()
    assert isinstance(view.itemDelegate(), SelectedTextDelegate)
    header = view.horizontalHeader()
    assert header.sectionResizeMode(0) is QHeaderView.ResizeMode.ResizeToContents
    assert header.sectionResizeMode(2) is QHeaderView.ResizeMode.Stretch
    plain = row_view(model)  # the caller sizes the columns
    assert not plain.alternatingRowColors()
    assert plain.horizontalHeader().sectionResizeMode(2) is QHeaderView.ResizeMode.Interactive


def test_value_list_refilled_keeps_the_chosen_value_and_announces_it_once(qapp: Any) -> None:
    values = ValueList()
    announced: list[object] = []
    values.currentItemChanged.connect(lambda item, _prev: announced.append(item and ValueList.value_of(item)))
    first = values.refill([("メールA", "a"), ("メールB", "b")], keep=lambda key: key == "none")
    assert first is not None and values.current_value() == "a" and announced == ["a"]  # nothing kept: the first
    kept = values.current_value()
    values.refill([("メールC", "c"), ("メールB", "b"), ("メールA", "a")], keep=lambda key: key == kept)
    assert values.current_value() == "a" and announced == ["a", "a"]
    assert [values.item(i).text() for i in range(values.count())] == ["メールC", "メールB", "メールA"]
    assert values.refill([], keep=lambda key: True) is None
    assert values.current_value() is None and announced == ["a", "a"]


def test_cancel_button_closes_its_dialog_unchanged(qapp: Any) -> None:
    dialog = QDialog()
    button = cancel_button(dialog)
    dialog.open()
    button.click()
    assert button.text() == "キャンセル"
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected


def test_row_table_picks_one_whole_row_and_cannot_be_edited(qapp: Any) -> None:
    table = row_table(["スタッフ名", "権限", "状態"], stretch_column=1, object_name="staffTable")
    assert table.objectName() == "staffTable"
    assert [table.horizontalHeaderItem(i).text() for i in range(3)] == ["スタッフ名", "権限", "状態"]
    assert table.selectionBehavior() is QAbstractItemView.SelectionBehavior.SelectRows
    assert table.selectionMode() is QAbstractItemView.SelectionMode.SingleSelection
    assert table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert table.verticalHeader().isHidden()
    assert table.horizontalHeader().sectionResizeMode(1) is QHeaderView.ResizeMode.Stretch
    assert table.horizontalHeader().sectionResizeMode(0) is not QHeaderView.ResizeMode.Stretch


def test_shortcut_button_names_its_keys_in_the_tooltip(qapp: Any) -> None:
    save = shortcut_button("保存", "Ctrl+S")
    assert save.shortcut() == QKeySequence("Ctrl+S")
    assert save.toolTip() == "保存 (Ctrl+S)"
    edit = shortcut_button("編集", "Ctrl+Shift+E", tip="患者情報を編集")
    assert edit.text() == "編集"
    assert edit.toolTip() == "患者情報を編集 (Ctrl+Shift+E)"


def test_heading_and_wrapped_label(qapp: Any) -> None:
    host = QWidget()
    title = heading("接続設定", 18)
    title.setParent(host)
    title.ensurePolished()
    assert title.text() == "接続設定"
    assert title.font().bold()
    assert title.font().pixelSize() == 18
    note = wrapped_label("承認が必要な金額の返金です。")
    assert note.wordWrap() and note.text() == "承認が必要な金額の返金です。"
    assert wrapped_label().text() == ""


def test_field_errors_show_a_refused_value_under_its_field_in_the_ui_language(qapp: Any) -> None:
    errors = FieldErrors("name", "pin")
    host = QWidget()
    form = QFormLayout(host)
    edit = errors.text_row(form, "PIN", "pin_code", "1234")
    host.show()
    assert edit.placeholderText() == "1234" and edit.accessibleName() == "PIN"
    assert sorted(errors) == ["name", "pin", "pin_code"]
    assert not any(label.isVisible() for label in errors.values())
    refused = ValidationError("field_required", field="pin_code", label="PIN")
    assert errors.show(refused)
    assert errors["pin_code"].isVisible()
    assert errors["pin_code"].text() == refused.message(i18n.language())
    assert [f for f, label in errors.items() if not label.isHidden()] == ["pin_code"]
    errors.hide_all()
    assert all(label.isHidden() and label.text() == "" for label in errors.values())


def test_field_errors_leave_other_errors_to_the_banner_unless_a_fallback_takes_them(qapp: Any) -> None:
    errors = FieldErrors("name", "pin")
    elsewhere = ValidationError("field_required", field="email", label="メール")
    assert not errors.show(elsewhere)
    assert not errors.show(RuntimeError("database is gone"))
    assert all(label.isHidden() for label in errors.values())
    assert errors.show(elsewhere, fallback="pin") and not errors["pin"].isHidden()
    named = FieldErrors("name", "pin", fallback="name")
    assert named.show(elsewhere) and not named["name"].isHidden() and named["pin"].isHidden()
    assert not named.show(RuntimeError("database is gone"))


def test_field_errors_show_every_refusal_of_a_form_at_once(qapp: Any) -> None:
    errors = FieldErrors("name", "pin", "email", fallback="name")
    host = QWidget()
    for label in errors.values():
        label.setParent(host)
    host.show()
    pin = ValidationError("field_required", field="pin", label="PIN")
    email = ValidationError("field_required", field="email", label="メール")
    stray = ValidationError("field_required", field="phone", label="電話番号")
    assert errors.show(FormErrors([pin, email, stray]))
    assert errors["pin"].text() == pin.message(i18n.language())
    assert errors["email"].text() == email.message(i18n.language())
    assert errors["name"].text() == stray.message(i18n.language())  # no 電話番号 here: under the fallback
    assert all(label.isVisible() for label in errors.values())
    errors.hide_all()
    unplaced = FieldErrors("name")
    assert not unplaced.show(FormErrors([pin, email]))  # none of them is on this form: the banner shows it
    assert unplaced["name"].isHidden()


def test_with_error_puts_the_message_under_an_input_or_a_row_of_inputs(qapp: Any) -> None:
    errors = FieldErrors("amount", "port")
    row = QHBoxLayout()
    amount = QLineEdit()
    row.addWidget(amount)
    cell = with_error(row, errors["amount"])
    port = QLineEdit()
    port.setMaximumWidth(120)
    narrow = with_error(port, errors["port"])
    for widget in (cell, narrow):
        widget.resize(600, 80)
        widget.show()
    errors.show(ValidationError("field_required", field="amount", label="金額"))
    qapp.processEvents()
    assert errors["amount"].geometry().top() >= amount.geometry().bottom()
    assert amount.width() > 500  # a row of inputs takes the whole width
    assert port.width() <= 120 and port.geometry().left() == 0  # a narrow input keeps its width, on the left


def test_row_table_widens_columns_to_their_header_text(qapp: Any) -> None:
    table = row_table(["種類", "A much longer English header than forty pixels", "対応"], stretch_column=2,
                      widths=(190, 40))
    header = table.horizontalHeader()
    assert header.sectionSize(0) == 190
    assert header.sectionSize(1) > 40
    assert header.sectionSize(1) >= header.sectionSizeFromContents(1).width()


def test_open_on_activate_opens_the_double_clicked_or_current_row(qtbot: Any) -> None:
    table = row_table(["患者名", "対応"], stretch_column=1)
    qtbot.addWidget(table)
    table.setRowCount(2)
    for r in range(2):
        for c in range(2):
            table.setItem(r, c, QTableWidgetItem(f"{r}-{c}"))
    opened: list[int] = []
    open_on_activate(table, opened.append)
    table.show()
    table.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is table)
    table.cellDoubleClicked.emit(1, 0)
    table.setFocus()
    table.setCurrentCell(0, 1)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened == [1, 0]


def test_period_filter_counts_its_dates_only_while_ticked(qtbot: Any) -> None:
    today = dt.datetime.now(JST).date()
    period = PeriodFilter(days=7, checked=True)
    qtbot.addWidget(period)
    assert period.period() == (today - dt.timedelta(days=7), today)
    assert period.from_edit.displayFormat() == "yyyy/MM/dd" and period.from_edit.calendarPopup()
    period.check.setChecked(False)
    assert period.period() == (None, None)
    assert not period.from_edit.isEnabled() and not period.to_edit.isEnabled()
    off = PeriodFilter(days=30, checked=False)
    qtbot.addWidget(off)
    assert off.period() == (None, None) and not off.from_edit.isEnabled()
    off.check.setChecked(True)
    assert off.from_edit.isEnabled() and off.period() == (today - dt.timedelta(days=30), today)


def test_ask_save_path_starts_in_the_home_folder_and_knows_a_cancel(qapp: Any, monkeypatch: Any) -> None:
    asked: list[tuple[str, str, str]] = []
    answer = [""]

    def fake(_parent: Any, title: str, start: str, file_filter: str) -> tuple[str, str]:
        asked.append((title, start, file_filter))
        return answer[0], file_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    host = QWidget()
    assert ask_save_path(host, "CSV出力", "操作履歴.csv", "CSVファイル (*.csv)") is None
    assert asked == [("CSV出力", str(pathlib.Path.home() / "操作履歴.csv"), "CSVファイル (*.csv)")]
    answer[0] = "/tmp/out.csv"
    assert ask_save_path(host, "CSV出力", "操作履歴.csv", "CSVファイル (*.csv)") == pathlib.Path("/tmp/out.csv")
