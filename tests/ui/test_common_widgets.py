"""The small shared widgets: button rows, the read-only row table, shortcut buttons, headings."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QPushButton, QSpacerItem, QWidget

from desktop.ui.widgets.common import button_bar, heading, row_table, shortcut_button, wrapped_label


def test_button_bar_keeps_the_order_and_puts_a_stretch_where_none_stands(qapp: Any) -> None:
    left, middle, right = QPushButton("取り下げ"), QPushButton("閉じる"), QPushButton("承認")
    row = button_bar(left, None, middle, right)
    items = [row.itemAt(i) for i in range(row.count())]
    assert [item.widget() for item in items] == [left, None, middle, right]
    assert isinstance(items[1].spacerItem(), QSpacerItem)
    assert row.stretch(1) == 1


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
