"""決済管理 over a fake ``DeskActions``: the refund flow as staff see it, without the application."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from desktop.domain.errors import PaymentError
from desktop.ui import i18n, messages
from desktop.ui.dialogs.refund_dialog import RefundDialog
from desktop.ui.pages.billing_page import ACTIONS_COLUMN, BillingPage

from .conftest import texts, wait_for, wait_idle
from .fakes import MANAGER_ID, RECEPTIONIST_ID, FakeDeskActions, fake_session, paid_row

STATE, REFUNDED = 7, 9


@pytest.fixture
def open_page(qtbot: Any, qloop: asyncio.AbstractEventLoop) -> Any:
    i18n.set_language("ja")
    messages.bridge().history.clear()

    def open_(actions: FakeDeskActions, staff_id: int = MANAGER_ID) -> BillingPage:
        page = BillingPage(fake_session(actions, staff_id))
        qtbot.addWidget(page)
        page.resize(1366, 600)
        page.show()
        page.apply_filter()
        wait_idle(qtbot)
        return page

    yield open_
    wait_idle(qtbot)


def _row_menu(page: BillingPage, monkeypatch: pytest.MonkeyPatch) -> QMenu:
    """Click the row's ⋯ button; returns the menu that pops up."""
    menus: list[QMenu] = []
    monkeypatch.setattr(QMenu, "popup", lambda self, *a: menus.append(self))
    rect = page.view.visualRect(page.model.index(0, ACTIONS_COLUMN))
    page._on_cell_clicked(page.view.indexAt(rect.center()))
    assert len(menus) == 1
    return menus[0]


def _answer_refund_dialog(qtbot: Any, monkeypatch: pytest.MonkeyPatch, reason: str) -> dict[str, str]:
    seen: dict[str, str] = {}

    def ask(cls: Any, parent: Any, row: Any) -> Any:
        dialog = cls(row, parent)
        qtbot.addWidget(dialog)
        seen.update(patient=dialog.patient_label.text(), amount=dialog.amount_label.text())
        dialog.reason_edit.insert(reason)  # typed text (QTest types ASCII only)
        qtbot.mouseClick(dialog.refund_button, Qt.MouseButton.LeftButton)
        return dialog.result_value

    monkeypatch.setattr(RefundDialog, "ask", classmethod(ask))
    return seen


def _action(menu: QMenu, text: str) -> Any:
    return next(a for a in menu.actions() if a.text() == text)


def test_full_refund_shows_refunded_row_and_confirmation(qtbot: Any, open_page: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    actions = FakeDeskActions([paid_row(1, 1200, "山田 花子")])
    page = open_page(actions)
    assert texts(page.view, STATE) == ["決済済み"]
    assert texts(page.view, ACTIONS_COLUMN) == ["⋯"]
    seen = _answer_refund_dialog(qtbot, monkeypatch, "二重予約")
    _action(_row_menu(page, monkeypatch), "返金する").trigger()
    assert seen == {"patient": "山田 花子 様", "amount": "¥1,200"}
    wait_for(qtbot, lambda: texts(page.view, STATE) == ["返金済み"])
    assert texts(page.view, REFUNDED) == ["¥1,200"]
    assert texts(page.view, ACTIONS_COLUMN) == [""]  # nothing left to refund or cancel
    assert ("info", "返金しました（山田 花子 様・¥1,200）。") in messages.bridge().history
    assert [(r[0], r[1], r[3]) for r in actions.refunds] == [(1, MANAGER_ID, "二重予約")]


def test_refund_refused_by_payjp_shows_why_and_the_row_stays_paid(qtbot: Any, open_page: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    actions = FakeDeskActions([paid_row(1, 3000)], refund_error=PaymentError("refund_limit_exceeded"))
    page = open_page(actions)
    _answer_refund_dialog(qtbot, monkeypatch, "")
    _action(_row_menu(page, monkeypatch), "返金する").trigger()
    wait_for(qtbot, lambda: any(level == "error" for level, _ in messages.bridge().history))
    wait_idle(qtbot)
    assert ("error", "決済から180日を過ぎているため、PAY.JPで返金できません。") in messages.bridge().history
    assert texts(page.view, STATE) == ["決済済み"]
    assert _action(_row_menu(page, monkeypatch), "返金する").isEnabled()  # staff may try again


def test_receptionist_cannot_start_a_refund(qtbot: Any, open_page: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    actions = FakeDeskActions([paid_row(1, 1200)])
    page = open_page(actions, RECEPTIONIST_ID)
    refund = _action(_row_menu(page, monkeypatch), "返金する（管理者のみ）")
    assert not refund.isEnabled()
    assert actions.refunds == []
