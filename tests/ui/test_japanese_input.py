"""Japanese input at the desk: amounts say what is wrong, legacy carrier addresses are saved with a
warning, a patient is found however the reading is typed, 但し書き is set per menu."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from desktop.domain.billing import TaxCategory
from desktop.storage.orm import Menu, Patient
from desktop.ui import i18n
from desktop.ui.dialogs.patient_dialog import PatientDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
from desktop.ui.dialogs.reservation_dialog import ReservationDialog
from desktop.ui.pages.menu_page import MenuPage

from .conftest import run, wait_for, wait_idle
from .test_patients import _type, closed, type_text

CLICK = Qt.MouseButton.LeftButton


def _detail(qtbot: Any, app: Any) -> Any:
    s = app.session
    rows = run(qtbot, app.ctx.runner.db(app.ctx.queries.reservations, s.clinic.id, None, ""))
    return run(qtbot, app.ctx.runner.db(app.ctx.queries.reservation, rows[0].id))


@pytest.mark.parametrize(("typed", "ja", "en"), [
    ("-5", "金額にマイナスは入力できません。", "The amount cannot be negative."),
    ("3.5", "金額は1円単位で入力してください（小数は入力できません）。", "Enter the amount in whole yen (no decimals)."),
    ("", "金額を入力してください。", "Enter the amount."),
    ("abc", "金額は数字で入力してください（例：1,200）。", "Enter the amount as a number (e.g. 1,200)."),
    ("49", "金額は50円以上で入力してください", "¥50"),
    ("10000000", "金額は9,999,999円以下で入力してください", "¥9,999,999"),
])
def test_the_amount_field_says_what_is_wrong_in_both_languages(qtbot: Any, clinic_app: Any, typed: str, ja: str,
                                                                en: str) -> None:
    detail = _detail(qtbot, clinic_app)
    for lang, expected in (("ja", ja), ("en", en)):
        i18n.set_language(lang)
        dialog = PaymentRequestDialog(detail, clinic_app.window, tax=TaxCategory.TAXABLE)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.amount_edit.clear()
        qtbot.keyClicks(dialog.amount_edit, typed)
        qtbot.mouseClick(dialog.confirm_button, CLICK)
        assert not dialog.amount_error.isHidden() and expected in dialog.amount_error.text()
        assert dialog.stack.currentIndex() == 0 and dialog.result_value is None
        dialog.close()
    i18n.set_language("ja")


def test_a_backslash_typed_for_yen_is_read_as_yen(qtbot: Any, clinic_app: Any) -> None:
    dialog = PaymentRequestDialog(_detail(qtbot, clinic_app), clinic_app.window, tax=TaxCategory.TAXABLE)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.amount_edit.clear()
    qtbot.keyClicks(dialog.amount_edit, "\\1,200")
    qtbot.mouseClick(dialog.confirm_button, CLICK)
    assert dialog.amount_error.isHidden() and dialog.summary_amount.text() == "¥1,200"


@pytest.mark.parametrize("address", ["taro..yamada@docomo.ne.jp", "hanako.@docomo.ne.jp"])
def test_a_legacy_carrier_address_is_saved_with_a_warning(qtbot: Any, clinic_app: Any, address: str) -> None:
    editor = PatientDialog.open_for(clinic_app.window, clinic_app.session)
    _type(qtbot, editor, family_name="高橋", given_name="花子", family_name_kana="ﾀｶﾊｼ", given_name_kana="はなこ",
          phone="０９０－１２３４－５６７８", email=address)
    assert editor.email_warning.isVisible() and address in editor.email_warning.text()
    qtbot.mouseClick(editor.save_button, CLICK)
    wait_for(qtbot, lambda: closed(editor))
    with clinic_app.ctx.db.uow(readonly=True) as uow:
        saved = uow.session.scalars(select(Patient).where(Patient.email == address)).one()
    assert (saved.family_name_kana, saved.given_name_kana, saved.phone) == ("タカハシ", "ハナコ", "090-1234-5678")


def test_the_email_warning_reads_in_english(qtbot: Any, clinic_app: Any) -> None:
    i18n.set_language("en")
    try:
        editor = PatientDialog.open_for(clinic_app.window, clinic_app.session)
        type_text(qtbot, editor.edits["email"], "taro..yamada@docomo.ne.jp")
        assert "some mail servers refuse it" in editor.email_warning.text()
        editor.reject()
    finally:
        i18n.set_language("ja")


@pytest.mark.parametrize("query", ["ﾀｶﾅｼ", "たかなし", "タカナシ", "小鳥遊 陽", "ひな", "09012345678", "０９０－１２３４"])
def test_the_reservation_form_finds_a_patient_however_the_name_is_typed(qtbot: Any, clinic_app: Any,
                                                                         query: str) -> None:
    s = clinic_app.session
    editor = PatientDialog.open_for(clinic_app.window, s)
    # a name no demo patient shares, in reading or in writing (the demo has 高橋 美咲 and 山田 花子)
    _type(qtbot, editor, family_name="小鳥遊", given_name="陽菜", family_name_kana="ﾀｶﾅｼ", given_name_kana="ﾋﾅ",
          phone="090-1234-5678", email="hina.takanashi@example.jp")
    qtbot.mouseClick(editor.save_button, CLICK)
    wait_for(qtbot, lambda: closed(editor))
    patients = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.patients, s.clinic.id))
    menus = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.menus, s.clinic.id))
    dialog = ReservationDialog(patients, menus, clinic_app.window.show_page("予約管理").day(), clinic_app.window,
                               session=s)
    qtbot.addWidget(dialog)
    dialog.show()
    completer = dialog.patient_combo.completer()
    completer.setCompletionPrefix(completer.splitPath(query)[0])
    found = [completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())]
    assert found == ["小鳥遊 陽菜（090-1234-5678）"]


def test_the_receipt_purpose_is_set_per_menu(qtbot: Any, clinic_app: Any) -> None:
    page = clinic_app.window.show_page("メニュー設定")
    assert isinstance(page, MenuPage)
    wait_idle(qtbot)
    page.list.setCurrentRow(0)
    assert page.purpose_edit.placeholderText() == "診療代として" and page.purpose_edit.maxLength() == 50
    page.purpose_edit.setText("　オンライン診療代（自費）として ")
    qtbot.mouseClick(page.save_button, CLICK)
    wait_idle(qtbot)
    assert all(e.isHidden() for e in page.errors.values())
    wait_for(qtbot, lambda: page.current is not None and page.current.receipt_purpose == "オンライン診療代（自費）として")
    with clinic_app.ctx.db.uow(readonly=True) as uow:
        assert uow.session.get(Menu, page.current.id).receipt_purpose == "オンライン診療代（自費）として"


def test_the_state_column_says_when_the_mail_was_refused(qtbot: Any, clinic_app: Any) -> None:
    import dataclasses
    import datetime as dt

    from desktop.domain.billing import BillingState, RequestKind
    from desktop.services.history import HistoryRow
    from desktop.ui.models.columns import state_text

    row = HistoryRow(1, 1, dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc), None, 1200, "受付 佐藤", "",
                     BillingState.REQUESTED, "山田 太郎", "一般診療", 0, None, RequestKind.POST_PAYMENT,
                     TaxCategory.TAXABLE)
    assert "メール不達" not in state_text(row)
    assert state_text(dataclasses.replace(row, mail_refused=True)).endswith("・メール不達")
    i18n.set_language("en")
    try:
        assert state_text(dataclasses.replace(row, mail_refused=True)).endswith(" · Mail refused")  # no 「・」 in English
    finally:
        i18n.set_language("ja")
