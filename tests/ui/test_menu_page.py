"""メニュー設定: every field, validation next to the field, 複製 / 保存 / 削除 (archive)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.domain.clinic import PaymentTiming
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.pages.menu_page import MenuPage

from .conftest import wait_for, wait_idle


def _page(qtbot: Any, app: Any) -> MenuPage:
    page = app.window.show_page("メニュー設定")
    assert isinstance(page, MenuPage)
    wait_idle(qtbot)
    return page


def _names(page: MenuPage) -> list[str]:
    return [page.list.item(i).text().split("\n")[0] for i in range(page.list.count())]


def test_form_shows_every_field_and_validates_next_to_it(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    assert "オンライン診療 (事前決済)" in _names(page)
    page.list.setCurrentRow(_names(page).index("オンライン診療 (事前決済)"))
    assert page.price_edit.text() == "3300"
    assert page.timing.value() is PaymentTiming.PRE
    assert page.confirm_edit.toPlainText() == "予約時にクレジットカードで決済されます。"
    page.price_edit.setText("abc")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not page.errors["price"].isHidden()
    assert "9,999,999" in page.errors["price"].text()
    page.price_edit.setText("4400")
    page.name_edit.clear()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot)
    assert page.errors["name"].text() == "メニュー名を入力してください。"
    page.name_edit.setText("オンライン診療 (事前決済)")
    page.lump_sum.setChecked(False)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot)
    assert "決済種別" in page.errors["lump_sum"].text()
    page.lump_sum.setChecked(True)
    page.timing.buttons[PaymentTiming.PRE_AND_POST].click()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot)
    assert all(e.isHidden() for e in page.errors.values())
    wait_for(qtbot, lambda: page.current is not None and page.current.price == 4400)
    assert page.current.payment_timing is PaymentTiming.PRE_AND_POST


def test_duplicate_then_delete_and_archive(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(qtbot, clinic_app)
    page.list.setCurrentRow(_names(page).index("健康診断"))
    qtbot.mouseClick(page.duplicate_button, Qt.MouseButton.LeftButton)
    assert page.name_edit.text() == "健康診断のコピー"
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: "健康診断のコピー" in _names(page))
    assert page.current is not None and page.current.name == "健康診断のコピー"
    assert page.current.price == 8800 and not page.current.card_payment
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, *a, **_k: True))
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)  # no reservations: deleted
    wait_for(qtbot, lambda: "健康診断のコピー" not in _names(page))
    page.list.setCurrentRow(_names(page).index("一般診療 (後決済)"))
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)  # has reservations: archived
    wait_for(qtbot, lambda: "一般診療 (後決済)" not in _names(page))
    assert "アーカイブしました" in clinic_app.window.banner.label.text()
