"""The front desk on a busy morning at 1366×768: every listed key from any focus, a selection that
never jumps to another patient, messages that never move the page, every error of a form at once,
confirmations that name the patient and the amount, a row menu safe from its own opening click."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QScreen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from desktop.domain.billing import TaxCategory
from desktop.domain.errors import FormErrors
from desktop.ui import messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.patient_dialog import PatientDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
from desktop.ui.dialogs.refund_dialog import RefundDialog
from desktop.ui.dialogs.reservation_dialog import ReservationDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.billing_page import ACTIONS_COLUMN, BillingPage
from desktop.ui.pages.menu_page import MenuPage
from desktop.ui.pages.reservations_page import ReservationsPage
from desktop.ui.pages.staff_page import StaffPage

from .conftest import pay_link, payment_links, run, sleep, texts, wait_for, wait_idle
from .layout_check import overlaps
from .test_billing_page import _page as _billing_page
from .test_billing_page import _paid_requests
from .test_keyboard import activate

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def _page(qtbot: Any, app: Any) -> ReservationsPage:
    page = app.window.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    wait_idle(qtbot)
    return page


def _select_patient(qtbot: Any, page: ReservationsPage, name: str) -> None:
    row = next(i for i, t in enumerate(texts(page.view, 2)) if t.startswith(name))
    page.view.selectRow(row)
    wait_idle(qtbot)
    wait_for(qtbot, lambda: page.detail.detail is not None and page.detail.detail.patient.name.startswith(name))


def _request_for(qtbot: Any, app: Any, page: ReservationsPage, amount: int) -> int:
    """A 後決済請求 of ``amount`` yen for the reservation shown in the detail (its id)."""
    detail = page.detail.detail
    assert detail is not None
    s = app.session
    outcome = run(qtbot, app.ctx.runner.payments(app.ctx.billing.request_payment, detail.id, s.actor, amount,
                                                 TaxCategory.TAXABLE))
    page.detail.reload()
    wait_idle(qtbot)
    wait_for(qtbot, lambda: page.detail.history_model.rowCount() >= 1)
    return int(getattr(outcome, "request_id", 0) or 0)


def _pay_new(qtbot: Any, app: Any, amount: int) -> None:
    """A paid 後決済 request of ``amount`` yen for the first demo visit that has no request yet."""
    s, ctx = app.session, app.ctx
    for r in run(qtbot, ctx.runner.db(ctx.queries.reservations, s.clinic.id, None)):
        detail = run(qtbot, ctx.runner.db(ctx.queries.reservation, r.id))
        if (detail is not None and detail.can_request_post_payment and detail.patient.email
                and not run(qtbot, s.actions.requests_for_reservation(r.id))):
            run(qtbot, ctx.runner.payments(ctx.billing.request_payment, r.id, s.actor, amount, "taxable"))
            pay_link(qtbot, app, payment_links(app)[0])
            return
    raise AssertionError("no demo visit left without a request")


# -- 1. every key the README lists, from any focus ------------------------------------------------

def test_every_listed_key_works_from_any_focus(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Any) -> None:
    w = clinic_app.window
    page = _page(qtbot, clinic_app)
    activate(qtbot, w)
    _select_patient(qtbot, page, "高橋")  # 一般診療 (後決済): 後決済請求 is possible
    _request_for(qtbot, clinic_app, page, 2400)
    d = page.detail
    seen: list[str] = []
    monkeypatch.setattr(PaymentRequestDialog, "ask",
                        classmethod(lambda cls, parent, detail, **k: seen.append(k.get("title") or "後決済請求")))
    monkeypatch.setattr(ReservationDialog, "ask", classmethod(lambda cls, *a, **k: seen.append("新規予約")))
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, parent, title, text, ok, **_k: seen.append(title)))
    monkeypatch.setattr(PatientDialog, "open_for", classmethod(lambda cls, *a, **k: seen.append("患者情報の編集")))
    focus_places = (page.search_edit, page.view, d.history_view, page.date_edit, d.status_combo)
    keys = ((Key.Key_P, CTRL, "後決済請求"), (Key.Key_R, CTRL, "再請求"), (Key.Key_X, CTRL | SHIFT, "請求を取り消す"),
            (Key.Key_N, CTRL, "新規予約"), (Key.Key_E, CTRL | SHIFT, "患者情報の編集"))
    for place in focus_places:
        place.setFocus()
        for key, mod, expected in keys:
            seen.clear()
            qtbot.keyClick(QApplication.focusWidget(), key, mod)
            wait_for(qtbot, lambda: bool(seen))
            assert seen == [expected], (type(place).__name__, expected, seen)
            wait_idle(qtbot)
            assert page.detail.detail is not None and page.detail.detail.patient.name.startswith("高橋")
    page.view.setFocus()
    qtbot.keyClick(page.view, Key.Key_F, CTRL)
    assert page.search_edit.hasFocus()
    day = page.day()
    qtbot.keyClick(page.search_edit, Key.Key_Right, ALT)
    wait_for(qtbot, lambda: page.day() == day + dt.timedelta(days=1))
    qtbot.keyClick(page.search_edit, Key.Key_Right, ALT)
    wait_for(qtbot, lambda: page.day() == day + dt.timedelta(days=2))
    d.history_view.setFocus()
    qtbot.keyClick(d.history_view, Key.Key_Left, ALT)
    wait_for(qtbot, lambda: page.day() == day + dt.timedelta(days=1))
    qtbot.keyClick(page.view, Key.Key_T, CTRL)  # 今日
    wait_for(qtbot, lambda: page.day() == day)
    wait_idle(qtbot)
    before = page._seq
    qtbot.keyClick(page.view, Key.Key_F5)
    assert page._seq == before + 1  # F5 reads the list again
    wait_idle(qtbot)
    qtbot.keyClick(page.search_edit, Key.Key_M, CTRL)
    wait_for(qtbot, w.nav.isVisible)
    for i, key in enumerate(list(w.pages)[:5]):
        qtbot.keyClick(QApplication.focusWidget(), getattr(Key, f"Key_{i + 1}"), CTRL)
        assert w.current_page() is w.pages[key]
    wait_idle(qtbot)

    # 決済管理: Shift+F10 row menu, Ctrl+F, Ctrl+E, F5
    _paid_requests(qtbot, clinic_app, [1500])
    billing = _billing_page(qtbot, clinic_app)
    menus: list[QMenu] = []
    monkeypatch.setattr(QMenu, "popup", lambda self, *a: menus.append(self))
    billing.view.setFocus()
    billing.view.selectRow(0)
    qtbot.keyClick(billing.view, Key.Key_F10, SHIFT)
    assert menus and menus[0].activeAction() is not None
    qtbot.keyClick(billing.view, Key.Key_F, CTRL)
    assert billing.patient_edit.hasFocus()
    out = tmp_path / "keys.csv"
    monkeypatch.setattr("desktop.ui.pages.billing_page.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.keyClick(billing.patient_edit, Key.Key_E, CTRL)
    wait_for(qtbot, out.exists)
    wait_idle(qtbot)
    total = billing.model.total
    _pay_new(qtbot, clinic_app, 1600)  # paid meanwhile on another PC
    billing.view.setFocus()
    qtbot.keyClick(billing.view, Key.Key_F5)
    wait_for(qtbot, lambda: billing.model.total == total + 1)
    wait_idle(qtbot)

    # メニュー設定: Ctrl+S from the list saves (here: refused, with the message under its field)
    menu_page = w.show_page("メニュー設定")
    assert isinstance(menu_page, MenuPage)
    wait_idle(qtbot)
    menu_page.name_edit.clear()
    menu_page.list.setFocus()
    qtbot.keyClick(menu_page.list, Key.Key_S, CTRL)
    wait_for(qtbot, lambda: not menu_page.errors["name"].isHidden())
    menu_page.reload()
    wait_idle(qtbot)


def test_a_key_whose_action_cannot_run_says_why(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(qtbot, clinic_app)
    activate(qtbot, clinic_app.window)
    seen: list[str] = []
    monkeypatch.setattr(PaymentRequestDialog, "ask", classmethod(lambda cls, *a, **k: seen.append("opened")))
    _select_patient(qtbot, page, "佐藤")  # オンライン診療 (事前決済): no 後決済請求
    messages.bridge().history.clear()
    page.view.setFocus()
    qtbot.keyClick(page.view, Key.Key_P, CTRL)
    wait_for(qtbot, lambda: bool(messages.bridge().history))
    level, text = messages.bridge().history[-1]
    assert not seen and text.startswith("後決済請求: ") and "後決済請求を利用できません" in text
    qtbot.keyClick(page.view, Key.Key_X, CTRL | SHIFT)
    wait_for(qtbot, lambda: "請求を取り消す: " in messages.bridge().history[-1][1])
    assert "まだ請求がありません" in messages.bridge().history[-1][1]


# -- 2. 予約の登録 › 時間: what is typed is the time --------------------------------------------------

def test_typed_time_replaces_the_whole_time_and_bad_input_shows_every_error(qtbot: Any, clinic_app: Any) -> None:
    s = clinic_app.session
    patients = run(qtbot, s.actions.patients(s.clinic.id))
    menus = run(qtbot, s.actions.menus(s.clinic.id))
    dialog = ReservationDialog(patients, menus, dt.date(2026, 12, 1), clinic_app.window, session=s,
                               patient_id=patients[3].id)
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    line = dialog.time_edit.lineEdit()
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=QPoint(4, line.height() // 2))  # the hour, as staff click
    wait_for(qtbot, lambda: line.selectedText() == "10:00")
    qtbot.keyClicks(line, "16:30")
    dialog.ok_button.click()
    assert dialog.result_value is not None
    assert dialog.result_value.starts_at.strftime("%H:%M") == "16:30"
    assert dialog.result_value.patient_id == patients[3].id

    for typed in ("1745", "９時１５分"):
        again = ReservationDialog(patients, menus, dt.date(2026, 12, 1), clinic_app.window, session=s,
                                  patient_id=patients[0].id)
        qtbot.addWidget(again)
        again.time_edit.setEditText(typed)
        again.ok_button.click()
        assert again.result_value is not None
        assert again.result_value.starts_at.strftime("%H:%M") == {"1745": "17:45", "９時１５分": "09:15"}[typed]

    bad = ReservationDialog(patients, menus, dt.date(2026, 12, 1), clinic_app.window, session=s)
    qtbot.addWidget(bad)
    bad.show()
    assert bad.patient_combo.currentText() == ""  # nobody chosen: nobody prefilled
    bad.time_edit.setEditText("25:00")
    bad.ok_button.click()
    assert bad.result_value is None and bad.isVisible()
    assert bad.error.text() == "患者を入力してください。" and not bad.error.isHidden()
    assert bad.time_error.text() == "時刻は「16:30」のように入力してください（0:00〜23:59）。"
    assert not bad.time_error.isHidden()
    qtbot.wait(50)
    assert overlaps(bad) == []


# -- 3. and 10. the selection is kept by the reservation's id -----------------------------------------

def test_selection_survives_a_search_without_match_and_new_booking_prefills_it(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(qtbot, clinic_app)
    _select_patient(qtbot, page, "高橋")
    chosen = page.selected_id()
    d = page.detail
    qtbot.keyClicks(page.search_edit, "abc")
    wait_for(qtbot, lambda: page.model.rowCount() == 0)
    wait_idle(qtbot)
    assert page.selected_id() is None and d.detail is None
    assert d.title.text() == "予約を選択してください"
    assert d.menu_label.text() == "" and d.message_label.text() == "" and d.timing_label.text() == ""
    assert all(label.text() == "—" for label in d.patient_labels.values())
    asked: list[Any] = []
    monkeypatch.setattr(PaymentRequestDialog, "ask", classmethod(lambda cls, *a, **k: asked.append(a)))
    d._press(d.request_button)
    assert not asked and "予約を選択してください" in messages.bridge().history[-1][1]
    page.search_edit.clear()
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    wait_idle(qtbot)
    assert page.selected_id() == chosen
    assert d.detail is not None and d.detail.patient.name.startswith("高橋")
    page.reload()  # F5 / a change elsewhere: still 高橋
    wait_idle(qtbot)
    assert page.selected_id() == chosen

    prefilled: list[str] = []

    def ask(cls: Any, parent: Any, patients: Any, menus: Any, day: Any, session: Any = None,
            patient_id: Any = None) -> Any:
        dialog = cls(patients, menus, day, parent, session=session, patient_id=patient_id)
        qtbot.addWidget(dialog)
        prefilled.append(dialog.patient_combo.currentText())
        return None

    monkeypatch.setattr(ReservationDialog, "ask", classmethod(ask))
    page.new_button.click()
    wait_for(qtbot, lambda: bool(prefilled))
    assert prefilled[0].startswith("高橋 美咲")


def test_billing_selection_is_kept_by_request_across_a_reload(qtbot: Any, clinic_app: Any) -> None:
    _paid_requests(qtbot, clinic_app, [1100, 2200])
    billing = _billing_page(qtbot, clinic_app)
    billing.view.selectRow(1)
    chosen = billing.model.row_at(1)
    assert chosen is not None
    _pay_new(qtbot, clinic_app, 3300)  # a new request at the top: every row moves down one
    billing.model.refresh()
    wait_for(qtbot, lambda: billing.model.rowCount() == 3)
    wait_idle(qtbot)
    selected = billing.view.selectionModel().selectedRows()
    assert len(selected) == 1
    now = billing.model.row_at(selected[0].row())
    assert now is not None and now.id == chosen.id and selected[0].row() == 2


# -- 4. a message never moves the page --------------------------------------------------------------

@pytest.mark.expect_log("desktop.ui.messages", "ERROR", "返金できませんでした")
def test_messages_float_over_the_page_without_moving_it(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    page = _page(qtbot, clinic_app)
    row_rect = page.view.visualRect(page.model.index(2, 0))

    def where() -> QRect:
        return QRect(page.view.viewport().mapTo(w, row_rect.topLeft()), row_rect.size())

    before = where()
    messages.info("保存しました。")
    assert w.banner.isVisible() and w.banner.label.text() == "保存しました。"
    assert where() == before
    assert w.banner.geometry().bottom() <= w.banner.parentWidget().height()
    messages.error("返金できませんでした。" * 8)  # a long one wraps inside the overlay
    qtbot.wait(20)
    assert where() == before
    assert w.banner.label.height() >= w.banner.label.heightForWidth(w.banner.label.width())
    w.banner.close_button.click()
    assert not w.banner.isVisible() and where() == before


# -- 5. 決済管理 with ☰ open: 状態 and ⋯ stay on screen ----------------------------------------------------

@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_billing_columns_stay_on_screen_with_the_left_column_open(qtbot: Any, clinic_app: Any,
                                                                  size: tuple[int, int]) -> None:
    _paid_requests(qtbot, clinic_app, [1200])
    w = clinic_app.window
    w.resize(*size)
    page = _billing_page(qtbot, clinic_app)
    w.toggle_nav()
    wait_idle(qtbot)
    qtbot.wait(50)
    header = page.view.horizontalHeader()
    viewport = page.view.viewport().width()
    for column in (ACTIONS_COLUMN - 3, ACTIONS_COLUMN):  # 状態 and ⋯
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= viewport
    assert page.view.horizontalScrollBar().maximum() == 0


# -- 6. the right-click's own release never picks an item -------------------------------------------

@pytest.mark.qt_log_ignore(r"^This plugin does not support grabbing the keyboard$")  # offscreen: a real popup
def test_right_click_release_does_not_pick_the_first_item(qtbot: Any, clinic_app: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _paid_requests(qtbot, clinic_app, [1800])
    w = clinic_app.window
    page = _billing_page(qtbot, clinic_app)
    activate(qtbot, w)
    wait_idle(qtbot)
    refunds: list[Any] = []
    monkeypatch.setattr(RefundDialog, "ask", classmethod(lambda cls, parent, row, **k: refunds.append(row)))
    shown: list[QMenu] = []
    original = QMenu.popup
    monkeypatch.setattr(QMenu, "popup", lambda self, pos, *a: (shown.append(self), original(self, pos)))
    rect = page.view.visualRect(page.model.index(0, 2))
    page.view.customContextMenuRequested.emit(rect.center())
    wait_for(qtbot, lambda: bool(shown) and shown[0].isVisible())
    menu = shown[0]
    first = menu.actionGeometry(menu.actions()[0]).center()
    assert menu.activeAction() is None  # opened by the mouse: nothing highlighted for the release to pick
    QTest.mouseMove(menu, first)  # the pointer is over 返金する as the menu opens under it
    QTest.mouseRelease(menu, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, first)
    qtbot.wait(20)
    assert refunds == [] and menu.isVisible()
    sleep(qtbot, 0.3)
    QTest.mouseMove(menu, first)
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, first)
    wait_for(qtbot, lambda: bool(refunds))
    assert refunds[0].amount == 1800


# -- 7. and 12. 取消 / 再請求 work at once, and the confirmation names patient and amount ----------------

def test_cancel_and_rerequest_act_on_the_newest_request_and_confirm_with_name_and_amount(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(qtbot, clinic_app)
    _select_patient(qtbot, page, "高橋")
    _request_for(qtbot, clinic_app, page, 3300)
    d = page.detail
    wait_for(qtbot, lambda: d.selected_request() is not None)  # no click on the history needed
    assert d.cancel_button.isEnabled() and d.rerequest_button.isEnabled()
    assert "¥3,300" in d.cancel_button.toolTip()
    asked: list[str] = []
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, parent, title, text, ok, **_k: asked.append(text)))
    d.cancel_button.click()
    assert asked and "高橋 美咲 様" in asked[0] and "¥3,300" in asked[0]

    _paid_requests(qtbot, clinic_app, [2100])
    billing = _billing_page(qtbot, clinic_app)
    row = next(billing.model.row_at(i) for i in range(billing.model.rowCount())
               if (r := billing.model.row_at(i)) is not None and r.cancellable)
    assert row is not None
    asked.clear()
    billing.cancel(row)
    assert asked and f"{row.patient_name} 様" in asked[0] and "¥3,300" in asked[0]


def test_a_paid_history_says_why_cancel_is_disabled(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    _select_patient(qtbot, page, "高橋")
    d = page.detail
    assert not d.cancel_button.isEnabled()
    assert "まだ請求がありません" in d.cancel_button.toolTip()


# -- 8. メニュー設定: every error at once, compact, 保存 stays put ------------------------------------------

def test_menu_form_shows_every_error_at_once_without_moving_save(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    page = w.show_page("メニュー設定")
    assert isinstance(page, MenuPage)
    wait_idle(qtbot)
    save_at = page.save_button.mapTo(w, QPoint(0, 0))
    page.name_edit.clear()
    page.price_edit.setText("abc")
    page.lump_sum.setChecked(False)
    page.purpose_edit.setMaxLength(100)
    page.purpose_edit.setText("あ" * 60)
    page.save_button.click()
    wait_idle(qtbot)
    shown = {k: e.text() for k, e in page.errors.items() if not e.isHidden()}
    assert shown == {"name": "メニュー名を入力してください。", "price": "料金は0〜9,999,999円の整数で入力してください。",
                     "lump_sum": "決済種別を1つ以上選んでください。", "receipt_purpose": "但し書きは50文字以内で入力してください。"}
    line = page.errors["name"].fontMetrics().height()
    assert all(page.errors[k].height() <= 2 * line + 8 for k in shown)  # one or two short lines each
    assert page.save_button.mapTo(w, QPoint(0, 0)) == save_at
    assert page.name_edit.hasFocus()


# -- 9. 後決済請求 after errors: nothing overlaps ---------------------------------------------------------

def test_payment_request_errors_show_together_and_nothing_overlaps(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    _select_patient(qtbot, page, "高橋")
    detail = page.detail.detail
    assert detail is not None
    dialog = PaymentRequestDialog(detail, clinic_app.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.wait(20)
    dialog.amount_edit.setText("1")  # below PAY.JP's least amount: a message of two lines
    dialog.message_edit.setPlainText("あ" * 2000)
    dialog.confirm_button.click()
    qtbot.wait(50)
    assert not dialog.amount_error.isHidden() and not dialog.message_error.isHidden()
    assert dialog.stack.currentIndex() == 0
    assert overlaps(dialog) == []
    buttons = QRect(dialog.cancel_button.mapTo(dialog, QPoint(0, 0)), dialog.cancel_button.size())
    message = QRect(dialog.message_edit.mapTo(dialog, QPoint(0, 0)), dialog.message_edit.size())
    assert not buttons.intersects(message)


# -- 11. a change of language keeps the page and the selection ------------------------------------------

def test_language_switch_keeps_the_page_and_the_selected_reservation(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    _select_patient(qtbot, page, "高橋")
    chosen = page.selected_id()
    w = clinic_app.window
    w.show_page("決済会社設定")
    w.lang_combo.setCurrentIndex(1)
    w.lang_combo.activated.emit(1)
    wait_for(qtbot, lambda: clinic_app.window is not w)
    new = clinic_app.window
    wait_idle(qtbot)
    assert new.current_page() is new.pages["決済会社設定"]
    again = new.pages["予約管理"]
    assert isinstance(again, ReservationsPage)
    wait_for(qtbot, lambda: again.selected_id() == chosen)
    wait_idle(qtbot)
    assert again.detail.detail is not None and again.detail.detail.patient.name.startswith("高橋")


# -- 13. the window uses the screen; the detail shows enough history and no 「（¥0）」 ----------------------

def test_window_fills_the_available_screen_and_detail_reads_well(qtbot: Any, clinic_app: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    desk = QRect(0, 0, 1366, 728)  # a 1366×768 screen with a 40 px taskbar
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: desk)
    window = MainWindow(clinic_app.session, [])
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot)
    assert window.frameGeometry() == desk
    window.close()

    page = _page(qtbot, clinic_app)
    _select_patient(qtbot, page, "高橋")  # 一般診療 (後決済): no price until the visit
    d = page.detail
    assert d.menu_label.text() == "一般診療 (後決済)"
    rows = d.history_view.verticalHeader().defaultSectionSize()
    assert d.history_view.viewport().height() >= 4 * rows


# -- every form: all its mistakes at once ------------------------------------------------------------

def test_staff_form_shows_name_password_and_pin_errors_together(qtbot: Any, clinic_app: Any) -> None:
    page = clinic_app.window.show_page("スタッフ管理")
    assert isinstance(page, StaffPage)
    wait_idle(qtbot)
    page.new_name.clear()
    page.new_password.setText("abc")
    page.new_pin.setText("12")
    page.add_button.click()
    wait_idle(qtbot)
    shown = {k for k, e in page.add_errors.items() if not e.isHidden() and e.text()}
    assert shown == {"name", "password", "pin"}
    assert page.add_errors["name"].text() == "スタッフ名を入力してください。"


def test_clinic_details_refuse_every_bad_field_at_once(qtbot: Any, clinic_app: Any) -> None:
    s = clinic_app.session
    with pytest.raises(FormErrors) as refused:
        run(qtbot, s.actions.save_clinic_details(
            s.actor, s.clinic.id, name="さくら内科クリニック", postal_code="100-0005", address="東京都千代田区丸の内1-1-1",
            phone="03-abcd", email="info@@example", representative="", registration_number="T9876543210123"))
    assert [e.field for e in refused.value.errors] == ["phone", "email", "representative", "registration_number"]
    assert run(qtbot, s.actions.clinic_info()).name == s.clinic.name  # nothing saved
