"""新規患者 and 患者情報の編集, driven as a receptionist would: typing, clicking, reading the screen."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from desktop.domain.formatting import JST
from desktop.storage.orm import Patient
from desktop.ui import messages
from desktop.ui.dialogs.patient_dialog import PatientDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
from desktop.ui.dialogs.reservation_dialog import ReservationDialog
from desktop.ui.pages.reservations_page import ReservationsPage

from .conftest import payment_links, run, texts, wait_for, wait_idle
from .test_english import _english, data_strings, japanese_left
from .test_reservations_page import _fill_request

CLICK = Qt.MouseButton.LeftButton


def _page(app: Any) -> ReservationsPage:
    page = app.window.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    return page


def _patients(app: Any) -> list[Patient]:
    with app.ctx.db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(Patient).order_by(Patient.id)).all())


def _count(app: Any, family: str) -> int:
    with app.ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Patient).where(Patient.family_name == family))
                   or 0)


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Type as on a Japanese PC: ASCII by keys, the rest committed by the input method (QTest's key
    clicks abort on characters beyond Latin-1)."""
    widget.setFocus()
    for part in re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]+", text):
        if part.isascii():
            qtbot.keyClicks(widget, part)
        else:
            event = QInputMethodEvent()
            event.setCommitString(part)
            QApplication.sendEvent(widget, event)


def _type(qtbot: Any, dialog: PatientDialog, **values: str) -> None:
    for key, text in values.items():
        dialog.edits[key].clear()
        type_text(qtbot, dialog.edits[key], text)


def closed(dialog: PatientDialog) -> bool:
    """Saved or cancelled: the dialog is hidden, then deleted."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def _errors(dialog: PatientDialog) -> dict[str, str]:
    return {k: label.text() for k, label in dialog.errors.items() if not label.isHidden()}


def _select_patient(qtbot: Any, page: ReservationsPage, name: str, menu: str = "") -> None:
    def rows() -> list[int]:
        return [i for i, (p, m) in enumerate(zip(texts(page.view, 2), texts(page.view, 3))) if p == name and menu in m]

    wait_for(qtbot, lambda: bool(rows()))
    page.view.selectRow(rows()[0])
    wait_idle(qtbot)
    wait_for(qtbot, lambda: page.detail.detail is not None and page.detail.detail.patient.name == name
             and menu in page.detail.detail.menu.name)


def _book_tanaka_for_post_payment(qtbot: Any, app: Any) -> int:
    """田中 健 (no e-mail in the demo data) on today's 一般診療 (後決済) menu."""
    s = app.session
    patients = run(qtbot, app.ctx.runner.db(app.ctx.queries.patients, s.clinic.id))
    menus = run(qtbot, app.ctx.runner.db(app.ctx.queries.menus, s.clinic.id))
    tanaka = next(p for p in patients if p.name == "田中 健")
    assert tanaka.email == ""
    menu = next(m for m in menus if "一般診療" in m.name)
    starts = dt.datetime.now(JST).replace(hour=17, minute=0, second=0, microsecond=0)
    return int(run(qtbot, app.ctx.runner.db(app.ctx.directory.create_reservation, s.actor, s.clinic.id, patient_id=tanaka.id,
                                            menu_id=menu.id, starts_at=starts.astimezone(dt.timezone.utc))))


def test_new_patient_from_the_reservation_dialog_is_selected_and_booked(qtbot: Any, clinic_app: Any) -> None:
    page = _page(clinic_app)
    s = clinic_app.session
    patients = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.patients, s.clinic.id))
    menus = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.menus, s.clinic.id))
    dialog = ReservationDialog(patients, menus, page.day(), clinic_app.window, session=s)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.new_patient_button.isVisible()
    qtbot.mouseClick(dialog.new_patient_button, CLICK)
    editor = dialog.patient_dialog
    assert editor is not None and editor.isVisible() and editor.windowTitle() == "新規患者"
    _type(qtbot, editor, family_name="新井", given_name="美穂", family_name_kana="あらい", given_name_kana="みほ",
          phone="080-2222-3333", email="miho.arai@example.jp", address="東京都中野区1-2-3")
    editor.sex_combo.setCurrentIndex(editor.sex_combo.findText("女性"))
    qtbot.mouseClick(editor.save_button, CLICK)
    wait_for(qtbot, lambda: closed(editor))
    assert dialog.patient_combo.currentText() == "新井 美穂（080-2222-3333）"
    assert ("info", "患者を登録しました（新井 美穂 様）。") in messages.bridge().history
    new = _patients(clinic_app)[-1]
    assert (new.family_name_kana, new.given_name_kana, new.sex, new.language) == ("アライ", "ミホ", "女性", "ja")

    dialog.menu_combo.setCurrentIndex(dialog.menu_combo.findText("一般診療 (後決済)"))
    qtbot.mouseClick(dialog.ok_button, CLICK)
    assert dialog.result_value is not None and dialog.result_value.patient_id == new.id
    page.create_reservation(dialog.result_value)
    _select_patient(qtbot, page, "新井 美穂")
    assert page.detail.patient_labels["姓名"].text() == "新井 美穂（アライ ミホ）"
    assert page.detail.patient_labels["Eメール"].text() == "miho.arai@example.jp"


def test_each_wrong_field_shows_its_message_and_nothing_is_saved(qtbot: Any, clinic_app: Any) -> None:
    before = len(_patients(clinic_app))
    editor = PatientDialog.open_for(clinic_app.window, clinic_app.session)
    _type(qtbot, editor, family_name_kana="山田", phone="090-abcd", email="taro.@ezweb.ne.jp")
    qtbot.mouseClick(editor.save_button, CLICK)
    errors = _errors(editor)
    assert errors == {
        "family_name": "姓を入力してください。",
        "family_name_kana": "セイはひらがなまたはカタカナで入力してください。",
        "phone": "電話番号は数字とハイフンで入力してください（例：090-1234-5678）。",
    }
    # a legacy carrier address is not a mistake: a warning under the field, not an error
    assert editor.email_warning.isVisible() and "taro.@ezweb.ne.jp" in editor.email_warning.text()
    assert "受け取れないメールサーバー" in editor.email_warning.text()
    assert editor.focusWidget() is editor.edits["family_name"]  # the first wrong field
    wait_idle(qtbot)
    assert len(_patients(clinic_app)) == before and editor.isVisible()
    # fixed one by one, the messages go away
    _type(qtbot, editor, family_name="佐々木", family_name_kana="ササキ", phone="090-1234-5678", email="")
    qtbot.mouseClick(editor.save_button, CLICK)
    assert _errors(editor) == {}
    wait_for(qtbot, lambda: closed(editor))
    assert _count(clinic_app, "佐々木") == 1


def test_a_double_click_saves_once(qtbot: Any, clinic_app: Any) -> None:
    editor = PatientDialog.open_for(clinic_app.window, clinic_app.session)
    _type(qtbot, editor, family_name="二重", given_name="防止", phone="03-1111-2222")
    qtbot.mouseClick(editor.save_button, CLICK)
    assert not editor.save_button.isEnabled() and editor.save_button.text() == "保存中…"
    qtbot.mouseClick(editor.save_button, CLICK)
    editor._on_save_clicked()  # even a queued second click does nothing while saving
    wait_idle(qtbot)
    wait_for(qtbot, lambda: closed(editor))
    assert _count(clinic_app, "二重") == 1


def test_a_possible_duplicate_is_a_warning_then_saved_on_request(qtbot: Any, clinic_app: Any) -> None:
    editor = PatientDialog.open_for(clinic_app.window, clinic_app.session)
    _type(qtbot, editor, family_name="山田", given_name="花子", phone="09011112222")
    qtbot.mouseClick(editor.save_button, CLICK)
    wait_for(qtbot, lambda: editor.duplicate_label.isVisible())
    assert "同じ氏名・電話番号の患者様" in editor.duplicate_label.text()
    assert "山田 花子（090-1111-2222）" in editor.duplicate_label.text()
    assert editor.save_button.text() == "このまま保存" and editor.isVisible()
    assert _count(clinic_app, "山田") == 1
    qtbot.mouseClick(editor.save_button, CLICK)
    wait_for(qtbot, lambda: closed(editor))
    assert _count(clinic_app, "山田") == 2


@pytest.mark.expect_log("desktop.ui.messages", "ERROR", "患者様のメールアドレスが登録されていない")
def test_missing_email_opens_the_editor_and_then_the_request_goes_out(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _book_tanaka_for_post_payment(qtbot, clinic_app)
    page = _page(clinic_app)
    page.reload()
    _select_patient(qtbot, page, "田中 健", "一般診療")
    d = page.detail
    assert d.patient_labels["Eメール"].text() == "—" and d.request_button.isEnabled()
    seen: dict[str, Any] = {}
    first_ask = _fill_request(qtbot, "3000", seen)
    asked: list[dict[str, Any]] = []

    def ask(cls: Any, parent: Any, detail: Any, **initial: Any) -> Any:
        asked.append(initial)
        if len(asked) == 1:
            return first_ask.__func__(cls, parent, detail, **initial)
        dialog = cls(detail, parent, **initial)  # reopened after the address was saved: what staff typed
        qtbot.addWidget(dialog)
        seen["again"] = dialog.amount_edit.text()
        qtbot.mouseClick(dialog.confirm_button, CLICK)
        qtbot.mouseClick(dialog.send_button, CLICK)
        return dialog.result_value

    monkeypatch.setattr(PaymentRequestDialog, "ask", classmethod(ask))
    qtbot.mouseClick(d.request_button, CLICK)
    wait_for(qtbot, lambda: d.patient_dialog is not None and d.patient_dialog.isVisible())
    banner = clinic_app.window.banner.label.text()
    assert "メールアドレスが登録されていない" in banner and "「編集」ボタン（Ctrl+Shift+E）" in banner
    editor = d.patient_dialog
    assert editor.windowTitle() == "患者情報の編集"
    assert "メールアドレスが登録されていない" in _errors(editor)["email"]
    assert editor.edits["family_name"].text() == "田中" and editor.edits["phone"].text() == "03-9999-0000"
    assert d.history_model.rowCount() == 0
    type_text(qtbot, editor.edits["email"], "ken.tanaka@example.jp")
    qtbot.mouseClick(editor.save_button, CLICK)
    wait_for(qtbot, lambda: d.patient_labels["Eメール"].text() == "ken.tanaka@example.jp")
    wait_for(qtbot, lambda: d.history_model.rowCount() == 1)  # the request dialog came back by itself
    assert len(asked) == 2 and asked[1]["amount"] == 3000 and seen["again"].replace(",", "") == "3000"
    assert texts(d.history_view, 2) == ["¥3,000"]
    assert payment_links(clinic_app)


def test_edit_by_shortcut_updates_the_detail_and_the_list(qtbot: Any, clinic_app: Any) -> None:
    page = _page(clinic_app)
    _select_patient(qtbot, page, "佐藤 太郎")
    d = page.detail
    assert "Ctrl+Shift+E" in d.edit_patient_button.toolTip()
    clinic_app.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is clinic_app.window)
    qtbot.keyClick(page.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_for(qtbot, lambda: d.patient_dialog is not None and d.patient_dialog.isVisible())
    editor = d.patient_dialog
    assert editor.edits["email"].text() == "taro.sato@example.jp"
    _type(qtbot, editor, family_name="佐藤", given_name="大郎", email="taro..sato@docomo.ne.jp")
    assert editor.email_warning.isVisible() and "携帯キャリア" in editor.email_warning.text()
    _type(qtbot, editor, email="daitaro.sato@example.jp", phone="080-3333-4445")
    assert not editor.email_warning.isVisible()
    editor.language.buttons["en"].click()
    qtbot.mouseClick(editor.save_button, CLICK)
    wait_for(qtbot, lambda: d.patient_labels["姓名"].text() == "佐藤 大郎（サトウ タロウ）")  # the reading as stored
    assert d.patient_labels["電話番号"].text() == "080-3333-4445"
    assert d.title.text().startswith("佐藤 大郎")
    wait_for(qtbot, lambda: "佐藤 大郎" in texts(page.view, 2))
    assert "佐藤 太郎" not in texts(page.view, 2)
    assert next(p for p in _patients(clinic_app) if p.given_name == "大郎").language == "en"


def test_patient_editor_in_english(qtbot: Any, clinic_app: Any) -> None:
    w = _english(qtbot, clinic_app)
    page = w.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    _select_patient(qtbot, page, "山田 花子")
    d = page.detail
    assert d.patient_box.title() == "Patient" and d.edit_patient_button.text() == "Edit"
    assert d.patient_labels["性別"].text() == "Female"
    qtbot.mouseClick(d.edit_patient_button, CLICK)
    editor = d.patient_dialog
    assert editor is not None and editor.windowTitle() == "Edit patient"
    data = data_strings(clinic_app)
    assert not japanese_left(editor, data), japanese_left(editor, data)
    _type(qtbot, editor, family_name="", family_name_kana="Yamada", email="hanako..yamada@docomo.ne.jp")
    qtbot.mouseClick(editor.save_button, CLICK)
    errors = _errors(editor)
    assert errors["family_name"] == "The family name is required."
    assert errors["family_name_kana"] == "The family name in kana must be written in hiragana or katakana."
    assert "email" not in errors  # a legacy carrier address is saved, with a warning
    assert editor.email_warning.text().startswith("This is an old mobile-carrier address format")
    assert not japanese_left(editor, data), japanese_left(editor, data)
    qtbot.mouseClick(editor.cancel_button, CLICK)
    assert closed(editor)
