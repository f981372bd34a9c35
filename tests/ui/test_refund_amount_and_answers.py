"""返金する shows the amount that will be refunded; questions name their way out where キャンセル would
read as the action itself (請求を取り消す, 予約をキャンセル, 取り下げる, leaving 本番)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.domain.billing import BillingState
from desktop.domain.clinic import PaymentMode, ReservationStatus
from desktop.ui import i18n
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog, confirm_cancel_request
from desktop.ui.dialogs.go_live_dialog import GoLiveDialog
from desktop.ui.dialogs.refund_dialog import RefundDialog

from .conftest import run, texts, wait_for, wait_idle
from .test_keyboard import _paid_row
from .test_reservations_page import _page, _select

WORDS = {
    "ja": {"full": "全額", "rest": "返金後の残り ¥5,000", "none": "返金額を入力してください", "left": "残りの全額",
           "approve": "承認する返金額 ¥2,000"},
    "en": {"full": "Full amount", "rest": "¥5,000 left after it", "none": "Enter the amount to refund", "left": "All that is left",
           "approve": "Refund to approve: ¥2,000"},
}


def _shown(dialog: RefundDialog) -> tuple[str, str]:
    return dialog.amount_label.text(), dialog.amount_note.text()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_large_amount_is_what_will_be_refunded(qtbot: Any, clinic_app: Any, lang: str) -> None:
    row = _paid_row(qtbot, clinic_app, 5500)
    i18n.set_language(lang)
    words = WORDS[lang]
    dialog = RefundDialog(row, clinic_app.window)
    qtbot.addWidget(dialog)
    assert _shown(dialog) == ("¥5,500", words["full"])
    dialog.mode.buttons["partial"].click()
    assert _shown(dialog) == ("¥5,500", words["full"])  # the field starts at all that is left
    dialog.amount_edit.clear()
    assert _shown(dialog) == ("—", words["none"])
    qtbot.keyClicks(dialog.amount_edit, "500")
    assert dialog.amount_label.text() == "¥500" and words["rest"] in dialog.amount_note.text()
    for wrong in ("abc", "0", "9999"):  # not an amount, nothing, more than is left: never shown as one
        dialog.amount_edit.setText(wrong)
        assert _shown(dialog) == ("—", words["none"])
    dialog.reason_edit.setText("double booking")
    dialog.refund_button.click()  # refused next to the field, as before
    assert dialog.result_value is None and not dialog.amount_error.isHidden()
    dialog.amount_edit.setText("5,500")
    assert _shown(dialog) == ("¥5,500", words["full"])
    dialog.amount_edit.setText("1200")
    dialog.mode.buttons["full"].click()
    assert _shown(dialog) == ("¥5,500", words["full"])
    dialog.mode.buttons["partial"].click()
    dialog.amount_edit.setText("800")
    dialog.refund_button.click()
    assert dialog.result_value is not None and dialog.result_value.amount == 800
    # after a partial refund of ¥500, 全額 is what is left
    rest = RefundDialog(dataclasses.replace(row, refunded_amount=500), clinic_app.window)
    qtbot.addWidget(rest)
    assert _shown(rest) == ("¥5,000", words["left"])


def test_the_second_approver_sees_the_amount_typed_and_a_change_asks_again(qtbot: Any, clinic_app: Any) -> None:
    s = clinic_app.session
    staff_page = clinic_app.window.show_page("スタッフ管理")
    staff_page.threshold_edit.setText("1000")
    staff_page.security_button.click()
    wait_for(qtbot, lambda: s.clinic.refund_approval_threshold == 1000)
    row = _paid_row(qtbot, clinic_app, 5500)
    page = clinic_app.window.show_page("決済管理")
    for lang in ("ja", "en"):
        i18n.set_language(lang)
        dialog = RefundDialog(row, page)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.reason_edit.setText("診療取消")
        dialog.mode.buttons["partial"].click()
        dialog.amount_edit.setText("2000")
        dialog.refund_button.click()
        wait_for(qtbot, lambda: dialog.approval_box.isVisible())
        assert dialog.approval_amount_label.text() == WORDS[lang]["approve"]
        assert dialog.amount_label.text() == "¥2,000"
        # typed again after the approval part opened: it closes, so ¥2,000 can no longer be approved
        dialog.amount_edit.setText("500")
        assert not dialog.approval_box.isVisible() and dialog.refund_button.isEnabled()
        assert dialog.amount_label.text() == "¥500"
        dialog.refund_button.click()  # at or under the threshold: no approval needed
        assert dialog.result_value is not None and dialog.result_value.amount == 500
        assert dialog.result_value.approver is None


class _Asked:
    """QMessageBox.exec replaced: the buttons as staff would see them, answered with the way out."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[dict[str, Any]] = []
        monkeypatch.setattr(QMessageBox, "exec", lambda box: self._exec(box))

    def _exec(self, box: QMessageBox) -> int:
        default, escape = box.defaultButton(), box.escapeButton()
        self.seen.append({"buttons": [b.text() for b in box.buttons()], "default": default.text() if default else None,
                          "escape": escape.text() if escape else None})
        if escape is not None:
            escape.click()  # Esc or Enter: the safe answer
        return 0


ANSWERS = {
    "ja": {"cancel": ("請求を取り消す", "取り消さない"), "leave": ("デモモードに切り替える", "本番モードのまま"),
           "plain": ("削除", "キャンセル")},
    "en": {"cancel": ("Cancel request", "Keep the request"), "leave": ("Switch to demo mode", "Stay in live mode"),
           "plain": ("Delete", "Cancel")},
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_questions_name_their_way_out(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch,
                                      lang: str) -> None:
    i18n.set_language(lang)
    asked = _Asked(monkeypatch)
    w = clinic_app.window
    assert not confirm_cancel_request(w, "山田 花子", 3300)
    assert not GoLiveDialog.ask_leave_live(w, PaymentMode.DEMO)
    ok = "削除" if lang == "ja" else "Delete"
    assert not ConfirmDialog.ask(w, ok, "?", ok)  # a plain question keeps キャンセル
    for seen, key in zip(asked.seen, ("cancel", "leave", "plain")):
        action, way_out = ANSWERS[lang][key]
        assert sorted(seen["buttons"]) == sorted([action, way_out])
        assert seen["default"] == seen["escape"] == way_out  # the safe answer stays the default


def test_cancelling_a_request_from_the_billing_page_can_be_kept(qtbot: Any, clinic_app: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """請求を取り消す from the row menu: 取り消さない leaves the request as it was."""
    s = clinic_app.session
    rows = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.reservations, s.clinic.id, None))
    rid = next(r.id for r in rows if "一般診療" in r.menu_name)
    run(qtbot, clinic_app.ctx.runner.payments(clinic_app.ctx.billing.request_payment, rid, s.actor, 3300, "taxable"))
    page = clinic_app.window.show_page("決済管理")
    page.apply_filter()
    wait_for(qtbot, lambda: page.model.rowCount() == 1)
    asked = _Asked(monkeypatch)
    page.cancel(page.model.row_at(0))
    wait_idle(qtbot)
    assert asked.seen[0]["default"] == "取り消さない"
    assert texts(page.view, 7) == ["未決済"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_cancelling_a_reservation_with_an_unpaid_request_can_be_kept(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    """予約をキャンセル asks first; its way out 予約を残す (the default) keeps the reservation and the request."""
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "一般診療")
    d = page.detail
    s = clinic_app.session
    assert d.detail is not None
    run(qtbot, clinic_app.ctx.runner.payments(clinic_app.ctx.billing.request_payment, d.detail.id, s.actor, 2000,
                                              "taxable"))
    d.reload()
    wait_for(qtbot, lambda: d.history_model.rowCount() == 1)
    i18n.set_language(lang)
    asked = _Asked(monkeypatch)
    before = d.detail.status
    d.status_combo.setCurrentIndex(d.status_combo.findData(ReservationStatus.CANCELLED.value))
    d.status_combo.activated.emit(d.status_combo.currentIndex())
    wait_idle(qtbot)
    action, way_out = {"ja": ("予約をキャンセル", "予約を残す"),
                       "en": ("Cancel reservation", "Keep the reservation")}[lang]
    assert sorted(asked.seen[0]["buttons"]) == sorted([action, way_out]) and asked.seen[0]["default"] == way_out
    assert d.detail is not None and d.detail.status is before
    assert d.status_combo.currentData() == before.value
    assert d.history_model.rows()[0].state is BillingState.REQUESTED
