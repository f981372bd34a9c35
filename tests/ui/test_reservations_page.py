"""予約管理 and 後決済請求, driven as a receptionist would."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTime

from desktop.services.billing import DEFAULT_MESSAGE
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
from desktop.ui.dialogs.reservation_dialog import ReservationDialog
from desktop.ui.pages.reservations_page import ReservationsPage

from .conftest import pay_link, payment_links, texts, wait_for, wait_idle


def _page(app: Any) -> ReservationsPage:
    page = app.window.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    return page


def _select(qtbot: Any, page: ReservationsPage, menu_part: str) -> None:
    rows = texts(page.view, 3)
    row = next(i for i, t in enumerate(rows) if menu_part in t)
    page.view.selectRow(row)
    wait_idle(qtbot)
    wait_for(qtbot, lambda: page.detail.detail is not None and menu_part in page.detail.detail.menu.name)


def _fill_request(qtbot: Any, amount: str, seen: dict[str, Any]) -> Any:
    def ask(cls: type[PaymentRequestDialog], parent: Any, detail: Any, **initial: Any) -> Any:
        dialog = cls(detail, parent, **initial)
        qtbot.addWidget(dialog)
        seen["message"] = dialog.message_edit.toPlainText()
        dialog.amount_edit.clear()
        qtbot.keyClicks(dialog.amount_edit, amount)
        dialog.tax.buttons[dialog.tax.value()].click()
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        seen["error"] = dialog.amount_error.text() if not dialog.amount_error.isHidden() else ""
        if seen["error"]:
            return None
        seen["summary"] = dialog.summary_amount.text()
        assert dialog.stack.currentIndex() == 1
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        return dialog.result_value

    return classmethod(ask)


def test_list_shows_todays_demo_reservations_with_detail(qtbot: Any, clinic_app: Any) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    assert [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == [
        "日付", "時間", "患者", "メニュー", "予約ステータス", "決済状況"]
    assert "山田 花子" in texts(page.view, 2)
    _select(qtbot, page, "一般診療")
    d = page.detail
    assert d.status_combo.currentText() in ("予約", "来院済み")
    assert "後決済" in d.timing_label.text()
    assert d.patient_labels["Eメール"].text().endswith("@example.jp")
    assert d.request_button.isEnabled()


def test_post_payment_request_appears_at_once_and_turns_paid_by_itself(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "一般診療")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "1200", seen))
    qtbot.mouseClick(page.detail.request_button, Qt.MouseButton.LeftButton)
    assert seen["message"] == DEFAULT_MESSAGE
    assert seen["summary"] == "¥1,200"
    history = page.detail.history_view
    wait_for(qtbot, lambda: page.detail.history_model.rowCount() == 1)
    assert texts(history, 2) == ["¥1,200"]
    assert texts(history, 3) == ["院長 桜井"]
    assert texts(history, 5) == ["未決済"]
    assert texts(history, 1) == [""]

    links = payment_links(clinic_app)
    assert links
    pay_link(qtbot, clinic_app, links[0])  # the patient pays on the checkout page
    wait_for(qtbot, lambda: texts(history, 5) == ["決済済み"], timeout=10)
    assert texts(history, 1)[0] != ""
    wait_for(qtbot, lambda: "決済済み" in texts(page.view, 5))


def test_amount_below_payjp_minimum_is_shown_next_to_the_field(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "一般診療")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "1", seen))
    qtbot.mouseClick(page.detail.request_button, Qt.MouseButton.LeftButton)
    assert "50円以上" in seen["error"]
    wait_idle(qtbot)
    assert page.detail.history_model.rowCount() == 0


def test_cancel_then_re_request(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "一般診療")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "2,000", seen))
    qtbot.mouseClick(page.detail.request_button, Qt.MouseButton.LeftButton)
    d = page.detail
    wait_for(qtbot, lambda: d.history_model.rowCount() == 1)
    d.history_view.selectRow(0)
    assert d.cancel_button.isEnabled()
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, *a, **_k: True))
    qtbot.mouseClick(d.cancel_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: texts(d.history_view, 5) == ["取消済み"])
    d.history_view.selectRow(0)
    assert not d.cancel_button.isEnabled()
    assert d.rerequest_button.isEnabled()
    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "2500", seen))
    qtbot.mouseClick(d.rerequest_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: d.history_model.rowCount() == 2)
    assert texts(d.history_view, 5) == ["未決済", "取消済み"]
    assert texts(d.history_view, 2) == ["¥2,500", "¥2,000"]


def test_request_button_disabled_for_a_menu_without_post_payment(qtbot: Any, clinic_app: Any) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "オンライン診療")
    assert not page.detail.request_button.isEnabled()
    assert "後決済請求を利用できません" in page.detail.request_hint.text()


def test_create_reservation_for_a_phone_booking(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)

    def ask(cls: Any, parent: Any, patients: Any, menus: Any, day: Any, session: Any = None,
            patient_id: Any = None) -> Any:
        dialog = cls(patients, menus, day, parent, session=session, patient_id=patient_id)
        assert dialog.new_patient_button.isVisibleTo(dialog)  # 新規患者 is offered next to the patient
        qtbot.addWidget(dialog)
        dialog.patient_combo.setCurrentIndex(dialog.patient_combo.findText("田中 健", Qt.MatchFlag.MatchStartsWith))
        dialog.menu_combo.setCurrentIndex(dialog.menu_combo.findText("健康診断"))
        dialog.time_edit.setTime(QTime(17, 45))
        dialog.message_edit.setPlainText("電話予約")  # QTest types Latin-1 only
        dialog.attachments_edit.setText("紹介状.pdf")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result_value

    monkeypatch.setattr(ReservationDialog, "ask", classmethod(ask))
    before = page.model.rowCount()
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: page.model.rowCount() == before + 1)
    wait_for(qtbot, lambda: page.detail.detail is not None and page.detail.detail.patient.name == "田中 健")
    assert "17:45" in texts(page.view, 1)
    assert page.detail.files_label.text() == "紹介状.pdf"
    assert not page.detail.request_button.isEnabled()  # 健康診断: クレジットカード決済 なし


def test_search_and_day_navigation(qtbot: Any, clinic_app: Any) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: page.model.rowCount() == 1)
    page.search_edit.setText("山田")
    wait_for(qtbot, lambda: page.model.rowCount() >= 1 and set(texts(page.view, 2)) == {"山田 花子"})
    assert set(texts(page.view, 2)) == {"山田 花子"}  # tomorrow's list, searched by name
    qtbot.mouseClick(page.today_button, Qt.MouseButton.LeftButton)
    page.search_edit.clear()
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    assert page.model.rowCount() >= 5


def _book_pre_payment(qtbot: Any, page: ReservationsPage, monkeypatch: pytest.MonkeyPatch, patient: str,
                      time: QTime) -> None:
    """新規予約 of オンライン診療 (事前決済) for ``patient`` at ``time`` today, through the dialog."""
    def ask(cls: Any, parent: Any, patients: Any, menus: Any, day: Any, session: Any = None,
            patient_id: Any = None) -> Any:
        dialog = cls(patients, menus, day, parent, session=session, patient_id=patient_id)
        qtbot.addWidget(dialog)
        dialog.patient_combo.setCurrentIndex(dialog.patient_combo.findText(patient, Qt.MatchFlag.MatchStartsWith))
        dialog.menu_combo.setCurrentIndex(dialog.menu_combo.findText("オンライン診療 (事前決済)"))
        dialog.time_edit.setTime(time)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result_value

    monkeypatch.setattr(ReservationDialog, "ask", classmethod(ask))
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)


def test_booking_a_pre_payment_menu_sends_the_request_at_once(
    qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.ui import messages

    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    before_links = len(payment_links(clinic_app))

    _book_pre_payment(qtbot, page, monkeypatch, "山田 花子", QTime(18, 0))
    wait_for(qtbot, lambda: any("事前決済の請求メール" in text for _level, text in messages.bridge().history))
    wait_for(qtbot, lambda: page.detail.detail is not None and page.detail.detail.patient.name == "山田 花子")
    assert len(payment_links(clinic_app)) == before_links + 1
    wait_for(qtbot, lambda: "¥3,300" in " ".join(texts(page.detail.history_view, 2)))


@pytest.mark.expect_log("desktop.ui.messages", "ERROR", "メールアドレスが登録されていない")
def test_a_pre_payment_that_could_not_go_out_at_booking_is_sent_from_the_detail(
    qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """田中 健 has no e-mail address: booking a 事前決済 menu says so; once the address is entered from
    「事前決済を請求」, the request goes out after a confirmation naming the patient and the amount."""
    from desktop.ui import messages

    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    before_links = len(payment_links(clinic_app))

    _book_pre_payment(qtbot, page, monkeypatch, "田中 健", QTime(18, 30))
    wait_for(qtbot, lambda: any("事前決済を請求できませんでした" in text and "「事前決済を請求」" in text
                                for _level, text in messages.bridge().history))
    d = page.detail
    wait_for(qtbot, lambda: d.detail is not None and d.detail.patient.name == "田中 健")
    assert d.prepay_button.isVisible() and d.prepay_button.isEnabled()
    assert not d.request_button.isEnabled()  # a 事前決済-only menu: no 後決済請求
    assert d.history_model.rowCount() == 0 and len(payment_links(clinic_app)) == before_links

    asked: list[str] = []
    monkeypatch.setattr(ConfirmDialog, "ask",
                        classmethod(lambda cls, parent, title, text, ok, **_k: asked.append(text) or True))
    qtbot.mouseClick(d.prepay_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: d.patient_dialog is not None and d.patient_dialog.isVisible())
    assert asked and "田中 健" in asked[0] and "¥3,300" in asked[0]
    editor = d.patient_dialog
    editor.edits["email"].setText("ken.tanaka@example.jp")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: len(asked) == 2)  # asked again once the address is saved
    wait_for(qtbot, lambda: len(payment_links(clinic_app)) == before_links + 1)
    wait_for(qtbot, lambda: "¥3,300" in " ".join(texts(d.history_view, 2)))
    assert any("請求メールを送信待ちにしました（田中 健 様・¥3,300）" in text for _level, text in messages.bridge().history)


def test_booking_a_patient_again_at_the_same_time_asks_first(
    qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """佐藤 太郎 is booked at 10:00 today: a second booking at 10:15 names the first one and needs a yes."""
    from desktop.ui import messages

    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    assert sum(1 for t in texts(page.view, 2) if t == "佐藤 太郎") == 1

    def ask(cls: Any, parent: Any, patients: Any, menus: Any, day: Any, session: Any = None,
            patient_id: Any = None) -> Any:
        dialog = cls(patients, menus, day, parent, session=session, patient_id=patient_id)
        qtbot.addWidget(dialog)
        dialog.patient_combo.setCurrentIndex(dialog.patient_combo.findText("佐藤 太郎", Qt.MatchFlag.MatchStartsWith))
        dialog.menu_combo.setCurrentIndex(dialog.menu_combo.findText("健康診断"))
        dialog.time_edit.setTime(QTime(10, 15))
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        return dialog.result_value

    monkeypatch.setattr(ReservationDialog, "ask", classmethod(ask))
    answers: list[bool] = [False, True]
    asked: list[str] = []
    monkeypatch.setattr(ConfirmDialog, "ask",
                        classmethod(lambda cls, parent, title, text, ok, **_k: asked.append(text) or answers.pop(0)))
    before = page.model.rowCount()
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: any(t == "予約を登録しませんでした。" for _level, t in messages.bridge().history))
    assert "佐藤 太郎 様には" in asked[0] and "10:00" in asked[0] and "オンライン診療" in asked[0]
    wait_idle(qtbot)
    assert page.model.rowCount() == before  # "no": nothing booked
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)  # "yes": booked as asked
    wait_for(qtbot, lambda: page.model.rowCount() == before + 1)
    assert len(asked) == 2 and sum(1 for t in texts(page.view, 2) if t == "佐藤 太郎") == 2
