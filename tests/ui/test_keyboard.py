"""Every action without a mouse: shortcuts (shown in tooltips), the row menu by Shift+F10 / Menu key,
and the tab order of the dialogs, driven by key presses."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget

from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
from desktop.ui.dialogs.refund_dialog import RefundDialog
from desktop.ui.dialogs.reservation_dialog import ReservationDialog
from desktop.ui.pages.billing_page import BillingPage
from desktop.ui.pages.menu_page import MenuPage
from desktop.ui.pages.reservations_page import ReservationsPage

from .conftest import run, texts, wait_for, wait_idle
from .test_billing_page import _paid_requests

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def activate(qtbot: Any, w: QWidget) -> None:
    w.show()
    w.activateWindow()
    w.raise_()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w.window())


def press(qtbot: Any, key: Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> QWidget:
    """Press a key where the focus is; return the widget that has the focus afterwards."""
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, key, modifier)
    return QApplication.focusWidget()


def tab_chain(qtbot: Any, n: int) -> list[QWidget]:
    return [QApplication.focusWidget()] + [press(qtbot, Key.Key_Tab) for _ in range(n)]


def _request_detail(qtbot: Any, app: Any) -> Any:
    s = app.session
    rows = run(qtbot, app.ctx.runner.db(app.ctx.queries.reservations, s.clinic.id, None))
    rid = next(r.id for r in rows if "一般診療" in r.menu_name)
    return run(qtbot, app.ctx.runner.db(app.ctx.queries.reservation, rid))


def test_navigation_by_keyboard(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    activate(qtbot, w)
    assert "Ctrl+M" in w.menu_button.toolTip()
    qtbot.keyClick(w, Key.Key_M, CTRL)  # a button shortcut clicks after a short animation
    wait_for(qtbot, lambda: w.nav.isVisible() and w.nav.hasFocus())
    keys = list(w.pages)
    press(qtbot, Key.Key_Down)  # arrow keys walk the left column
    assert w.current_page() is w.pages[keys[1]]
    press(qtbot, Key.Key_Down)
    assert w.current_page() is w.pages[keys[2]]
    for i, key in enumerate(keys):
        assert w.nav.item(i).toolTip().endswith(f"(Ctrl+{i + 1})")
        qtbot.keyClick(w, getattr(Key, f"Key_{i + 1}"), CTRL)
        assert w.current_page() is w.pages[key]
    qtbot.keyClick(w, Key.Key_1, CTRL)
    assert w.current_page() is w.pages["予約管理"]
    wait_idle(qtbot)


def test_reservations_page_keys_and_tab_order(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    w = clinic_app.window
    page = w.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    activate(qtbot, w)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    qtbot.keyClick(page, Key.Key_F, CTRL)
    assert page.search_edit.hasFocus()
    d = page.detail
    chain = tab_chain(qtbot, 2)
    assert tab_chain(qtbot, 0) == [page.view]
    assert chain == [page.search_edit, page.new_button, page.view]
    # a row by the arrow keys, then on into the detail
    press(qtbot, Key.Key_Down)
    wait_idle(qtbot)
    row = next(i for i, t in enumerate(texts(page.view, 3)) if "一般診療" in t)
    page.view.selectRow(row)
    wait_for(qtbot, lambda: d.detail is not None and d.request_button.isEnabled())
    page.view.setFocus()
    assert tab_chain(qtbot, 3)[1:] == [d.status_combo, d.edit_patient_button, d.request_button]
    for button, key in ((page.new_button, "Ctrl+N"), (d.request_button, "Ctrl+P"), (d.rerequest_button, "Ctrl+R"),
                        (page.today_button, "Ctrl+T"), (page.prev_button, "Alt+")):
        assert key in button.toolTip()
    seen: list[str] = []
    monkeypatch.setattr(PaymentRequestDialog, "ask", classmethod(lambda cls, *a, **k: seen.append("request")))
    monkeypatch.setattr(ReservationDialog, "ask", classmethod(lambda cls, *a, **k: seen.append("new")))
    qtbot.keyClick(page.view, Key.Key_P, CTRL)
    wait_for(qtbot, lambda: seen == ["request"])
    qtbot.keyClick(page.view, Key.Key_N, CTRL)
    wait_for(qtbot, lambda: seen == ["request", "new"])
    day = page.day()
    qtbot.keyClick(page.view, Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    wait_for(qtbot, lambda: (page.day() - day).days == 1)
    qtbot.keyClick(page.view, Key.Key_T, CTRL)
    wait_for(qtbot, lambda: page.day() == day)
    wait_idle(qtbot)


def test_payment_request_dialog_by_keyboard(qtbot: Any, clinic_app: Any) -> None:
    detail = _request_detail(qtbot, clinic_app)
    dialog = PaymentRequestDialog(detail, clinic_app.window)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    assert dialog.amount_edit.hasFocus()
    checked_tax = dialog.tax.buttons[dialog.tax.value()]
    assert tab_chain(qtbot, 4) == [dialog.amount_edit, checked_tax, dialog.message_edit, dialog.confirm_button,
                                   dialog.cancel_button]
    dialog.amount_edit.setFocus()
    dialog.amount_edit.selectAll()
    qtbot.keyClicks(dialog.amount_edit, "1500")
    press(qtbot, Key.Key_Tab)
    press(qtbot, Key.Key_Right)  # 課税 → 非課税 with the arrow key
    assert dialog.tax.buttons[dialog.tax.value()].text() == "非課税"
    press(qtbot, Key.Key_Return)  # 確認 is the default button
    assert dialog.amount_error.isHidden(), dialog.amount_error.text()
    assert dialog.stack.currentIndex() == 1
    assert dialog.summary_amount.text() == "¥1,500" and dialog.summary_tax.text() == "非課税"
    assert dialog.send_button.hasFocus()
    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Key.Key_Return)  # 送信
    assert dialog.result_value is not None and dialog.result_value.amount == 1500


def _paid_row(qtbot: Any, app: Any, amount: int) -> Any:
    _paid_requests(qtbot, app, [amount])
    s = app.session
    return run(qtbot, app.ctx.runner.db(app.ctx.history.page, s.clinic.id, BillingPage(s).current_filter(), 0, 1))[0]


def test_refund_dialog_tab_order_and_enter_never_refunds(qtbot: Any, clinic_app: Any) -> None:
    row = _paid_row(qtbot, clinic_app, 3000)
    dialog = RefundDialog(row, clinic_app.window)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    assert dialog.reason_edit.hasFocus()
    assert dialog.cancel_button.isDefault() and not dialog.refund_button.isDefault()
    assert not dialog.refund_button.autoDefault()
    full = dialog.mode.buttons["full"]
    assert tab_chain(qtbot, 3) == [dialog.reason_edit, full, dialog.cancel_button, dialog.refund_button]
    press(qtbot, Key.Key_Return)  # Enter on 返金する: it is not default, Enter means キャンセル
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.result_value is None

    dialog = RefundDialog(row, clinic_app.window)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    qtbot.keyClicks(dialog.reason_edit, "overcharge")
    press(qtbot, Key.Key_Tab)
    press(qtbot, Key.Key_Right)  # 一部返金: the amount field takes the focus
    assert dialog.mode.value() == "partial"
    wait_for(qtbot, dialog.amount_edit.hasFocus)
    assert tab_chain(qtbot, 2)[1:] == [dialog.cancel_button, dialog.refund_button]
    dialog.amount_edit.setFocus()
    dialog.amount_edit.selectAll()
    qtbot.keyClicks(dialog.amount_edit, "1000")
    with qtbot.waitSignal(dialog.rejected):
        press(qtbot, Key.Key_Enter)
    assert dialog.result_value is None

    dialog = RefundDialog(row, clinic_app.window)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    dialog.refund_button.setFocus()
    with qtbot.waitSignal(dialog.accepted):
        press(qtbot, Key.Key_Space)  # a deliberate key on 返金する refunds
    assert dialog.result_value is not None and dialog.result_value.amount is None


def test_billing_row_menu_and_csv_by_keyboard(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: pathlib.Path) -> None:
    _paid_requests(qtbot, clinic_app, [1200])
    w = clinic_app.window
    qtbot.keyClick(w, Key.Key_2, CTRL)
    page = w.current_page()
    assert isinstance(page, BillingPage)
    activate(qtbot, w)
    page.apply_filter()
    wait_idle(qtbot)
    assert page.model.rowCount() == 1
    menus: list[QMenu] = []
    monkeypatch.setattr(QMenu, "popup", lambda self, *a: menus.append(self))
    page.view.setFocus()
    for key, mod in ((Key.Key_F10, Qt.KeyboardModifier.ShiftModifier), (Key.Key_Menu, Qt.KeyboardModifier.NoModifier)):
        qtbot.keyClick(page.view, key, mod)
    assert len(menus) == 2
    assert all(m.activeAction() is not None and m.activeAction().text() == "返金する" for m in menus)
    assert page.model.index(0, 10).data(Qt.ItemDataRole.ToolTipRole) == "操作メニュー（Shift+F10）"
    seen: list[Any] = []
    monkeypatch.setattr(RefundDialog, "ask", classmethod(lambda cls, parent, row: seen.append(row)))
    menus[0].activeAction().trigger()  # Enter on the active entry
    assert seen and seen[0].amount == 1200

    qtbot.keyClick(page, Key.Key_F, CTRL)
    assert page.patient_edit.hasFocus()
    assert "Ctrl+F" in page.patient_edit.toolTip()
    out = tmp_path / "out.csv"
    monkeypatch.setattr("desktop.ui.pages.billing_page.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(out), ""))
    assert "Ctrl+E" in page.csv_button.toolTip()
    qtbot.keyClick(page, Key.Key_E, CTRL)
    wait_for(qtbot, out.exists)
    wait_idle(qtbot)
    assert out.read_text(encoding="utf-8-sig").count("\n") == 2


def test_menu_page_duplicate_save_delete_by_keyboard(qtbot: Any, clinic_app: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    w = clinic_app.window
    qtbot.keyClick(w, getattr(Key, f"Key_{list(w.pages).index('メニュー設定') + 1}"), CTRL)
    page = w.current_page()
    assert isinstance(page, MenuPage)
    activate(qtbot, w)
    wait_idle(qtbot)
    page.list.setFocus()
    press(qtbot, Key.Key_Down)
    original = page.name_edit.text()
    for button, key in ((page.duplicate_button, "Ctrl+D"), (page.save_button, "Ctrl+S"),
                        (page.delete_button, "Ctrl+Delete"), (page.new_button, "Ctrl+N")):
        assert key in button.toolTip()
    qtbot.keyClick(page, Key.Key_D, CTRL)
    wait_for(qtbot, page.name_edit.hasFocus)
    assert page.name_edit.hasFocus() and page.name_edit.text() == original + "のコピー"
    count = page.list.count()
    qtbot.keyClick(page, Key.Key_S, CTRL)
    wait_for(qtbot, lambda: page.list.count() == count + 1)
    wait_idle(qtbot)
    asked: list[str] = []
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, parent, title, text, ok, **_k: asked.append(text)))
    qtbot.keyClick(page, Key.Key_Delete, CTRL)
    wait_for(qtbot, lambda: bool(asked))
    assert asked and "のコピー" in asked[0]
