"""登録済みカード on screen: the 確認 step says the saved card is charged now (or why not), the
patient's details show the card with its consent, and 受付 / 管理者 remove it."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.domain.saved_cards import CONSENT_VERSION
from desktop.services.billing import DEFAULT_MESSAGE, AutoChargePlan
from desktop.services.billing.common import AUTO_CHARGE_MESSAGE
from desktop.services.directory import ClinicUpdate
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
from desktop.ui.pages.reservations_page import ReservationsPage
from tests.ui.conftest import payment_links, run, texts, wait_for, wait_idle

CLICK = Qt.MouseButton.LeftButton


def _page(app: Any) -> ReservationsPage:
    page = app.window.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    return page


def _select(qtbot: Any, page: ReservationsPage, menu_part: str) -> None:
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    row = next(i for i, t in enumerate(texts(page.view, 3)) if menu_part in t)
    page.view.selectRow(row)
    wait_idle(qtbot)
    wait_for(qtbot, lambda: page.detail.detail is not None and menu_part in page.detail.detail.menu.name)


def _save_card(qtbot: Any, app: Any, reservation_id: int) -> None:
    """The patient pays a first request with 「このカードを次回以降のお支払いに利用する」 ticked."""
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.simulator import tds
    from desktop.simulator.testing import make_test_token

    actor = app.session.actor
    run(qtbot, app.session.actions.request_payment(reservation_id, actor, 1200, "taxable"))
    link = payment_links(app)[0].rsplit("/pay/", 1)[1]
    base, state = app.simulator.base_url, app.simulator_state

    def pay() -> None:
        token = make_test_token(base, DEMO_SECRET_KEY, name="HANAKO YAMADA", email="hanako@example.jp",
                                three_d_secure=True)
        tds.record_result(state, token, True)  # the patient passes 3-D Secure in PAY.JP's dialog
        app.ctx.billing.pay_and_save(link, token, consent_version=CONSENT_VERSION)

    run(qtbot, app.ctx.runner.payments(pay))
    app.ctx.directory.update_clinic(actor, actor.clinic_id, ClinicUpdate(auto_charge=True))


def _confirm_step(qtbot: Any, amount: str, seen: dict[str, Any], message: str | None = None) -> Any:
    def ask(cls: type[PaymentRequestDialog], parent: Any, detail: Any, **initial: Any) -> Any:
        dialog = cls(detail, parent, **initial)
        qtbot.addWidget(dialog)
        seen["first_message"] = dialog.message_edit.toPlainText()
        dialog.amount_edit.clear()
        qtbot.keyClicks(dialog.amount_edit, amount)
        if message is not None:
            dialog.message_edit.clear()
            dialog.message_edit.insertPlainText(message)  # as an input method commits it
        qtbot.mouseClick(dialog.confirm_button, CLICK)
        seen["summary_message"] = dialog.summary_message.text()
        seen["auto"] = dialog.summary_auto.text() if dialog.summary_auto.isVisibleTo(dialog) else ""
        qtbot.mouseClick(dialog.send_button, CLICK)
        return dialog.result_value

    return classmethod(ask)


def _visit_with_a_saved_card(qtbot: Any, app: Any) -> Any:
    """The detail of a 一般診療 visit whose patient saved a card (paying its first request)."""
    page = _page(app)
    _select(qtbot, page, "一般診療")
    d = page.detail
    assert d.detail is not None
    _save_card(qtbot, app, d.detail.id)
    d.reload()  # the detail (and what 自動決済 will do) is read again, as after any change
    wait_idle(qtbot)
    return d


@pytest.mark.expect_log("desktop.ui.messages", "WARNING", "上限額")  # the banner saying why a link was sent
def test_confirm_step_names_the_saved_card_and_charges_it_with_no_link(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _visit_with_a_saved_card(qtbot, clinic_app)
    links_before = len(payment_links(clinic_app))

    # the visit's first request is paid (the card was saved with it): each new one is a confirmed 追加請求
    asked: list[str] = []
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, parent, title, text, ok, **_k: asked.append(title) or True))
    seen: dict[str, Any] = {}
    monkeypatch.setattr(PaymentRequestDialog, "ask", _confirm_step(qtbot, "3300", seen))
    qtbot.mouseClick(d.request_button, CLICK)
    wait_for(qtbot, lambda: "auto" in seen)
    assert seen["auto"] == "登録済みカード (VISA •••• 4242) に今すぐ請求します"
    wait_for(qtbot, lambda: "¥3,300" in texts(d.history_view, 2))
    wait_for(qtbot, lambda: any("登録済みカードで決済しました" in m for m in _history(clinic_app)))
    assert len(payment_links(clinic_app)) == links_before  # no link mailed

    seen.clear()
    wait_for(qtbot, d.request_button.isEnabled)
    monkeypatch.setattr(PaymentRequestDialog, "ask", _confirm_step(qtbot, "150000", seen))
    qtbot.mouseClick(d.request_button, CLICK)
    wait_for(qtbot, lambda: "auto" in seen)
    assert seen["auto"] == ("請求額が自動決済の上限額 (¥100,000) を超えるため、登録済みカードには請求せず、"
                            "お支払いのお願いをメールで送ります。")
    wait_for(qtbot, lambda: any("上限額" in m for m in _history(clinic_app)))
    wait_for(qtbot, lambda: len(payment_links(clinic_app)) == links_before + 1)
    assert len(asked) == 2 and all("追加請求" in title for title in asked)


@pytest.mark.expect_log("desktop.ui.messages", "WARNING", "上限額")  # the banner saying why a link was sent
def test_default_message_never_asks_to_pay_by_link_when_the_saved_card_is_charged(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _visit_with_a_saved_card(qtbot, clinic_app)
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, parent, title, text, ok, **_k: True))  # 追加請求

    def send(amount: str, message: str | None = None) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        wait_for(qtbot, d.request_button.isEnabled)
        monkeypatch.setattr(PaymentRequestDialog, "ask", _confirm_step(qtbot, amount, seen, message))
        qtbot.mouseClick(d.request_button, CLICK)
        wait_for(qtbot, lambda: "auto" in seen)
        wait_for(qtbot, lambda: f"¥{int(amount):,}" in texts(d.history_view, 2))
        return seen

    charged = send("3300")  # within the cap: the saved card is charged now, no link is mailed
    assert charged["summary_message"] == AUTO_CHARGE_MESSAGE
    assert "リンク" not in AUTO_CHARGE_MESSAGE and "カード" in AUTO_CHARGE_MESSAGE
    wait_for(qtbot, lambda: AUTO_CHARGE_MESSAGE in texts(d.history_view, 4))

    mailed = send("150000")  # above the cap: the link is mailed, so the default asks to pay by it
    assert mailed["summary_message"] == DEFAULT_MESSAGE
    wait_for(qtbot, lambda: DEFAULT_MESSAGE in texts(d.history_view, 4))

    typed = send("2200", "メール内のリンクからお支払いください")  # staff's own words are sent as typed
    assert typed["summary_message"] == "メール内のリンクからお支払いください"
    wait_for(qtbot, lambda: "メール内のリンクからお支払いください" in texts(d.history_view, 4))


def test_default_message_follows_the_amount_in_english(qtbot: Any, clinic_app: Any) -> None:
    from tests.ui.test_english import _english
    from tests.ui.test_keyboard import _request_detail

    w = _english(qtbot, clinic_app)
    detail = _request_detail(qtbot, clinic_app)
    dialog = PaymentRequestDialog(detail, w, amount=3300, plan=AutoChargePlan(None, True, cap=10_000))
    qtbot.addWidget(dialog)
    assert dialog.message_edit.toPlainText() == AUTO_CHARGE_MESSAGE
    dialog.amount_edit.setText("9800")
    qtbot.mouseClick(dialog.confirm_button, CLICK)
    assert dialog.summary_message.text() == AUTO_CHARGE_MESSAGE
    assert dialog.summary_auto.text() == "The saved card will be charged now"
    assert dialog.summary_tax.text() == "Taxable"  # the words of the choice, as on every screen
    qtbot.mouseClick(dialog.back_button, CLICK)
    dialog.amount_edit.setText("12000")
    qtbot.mouseClick(dialog.confirm_button, CLICK)
    assert dialog.summary_message.text() == dialog.message_edit.toPlainText() == DEFAULT_MESSAGE
    assert dialog.summary_auto.text().startswith("The amount is above the automatic payment limit (¥10,000)")
    dialog.reject()


def _history(app: Any) -> list[str]:
    from desktop.ui import messages

    return [text for _level, text in messages.bridge().history]


def test_patient_details_show_the_card_and_reception_removes_it(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    _select(qtbot, page, "一般診療")
    d = page.detail
    assert d.detail is not None
    _save_card(qtbot, clinic_app, d.detail.id)
    qtbot.mouseClick(d.edit_patient_button, CLICK)
    wait_for(qtbot, lambda: d.patient_dialog is not None and d.patient_dialog.isVisible())
    box = d.patient_dialog.saved_card
    assert box is not None
    wait_for(qtbot, lambda: box.isVisible())
    assert box.card_label.text() == "VISA •••• 4242"
    assert box.expiry_label.text().startswith("12/")
    assert "に同意" in box.consent_label.text() and "受付へのお申し出で削除できます" in box.consent_label.text()
    assert box.remove_button.isVisible()
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, *a, **_k: True))
    qtbot.mouseClick(box.remove_button, CLICK)
    wait_for(qtbot, lambda: not box.isVisible())
    assert run(qtbot, clinic_app.session.actions.saved_card(clinic_app.session.actor, d.detail.patient.id)) is None


def test_the_cap_is_a_setting_with_its_mistake_next_to_the_field(qtbot: Any, clinic_app: Any) -> None:
    from desktop.ui.pages.payment_settings_page import PaymentSettingsPage

    settings = clinic_app.window.show_page("決済会社設定")
    assert isinstance(settings, PaymentSettingsPage)
    page = settings.contract
    page.reload()
    wait_for(qtbot, lambda: page.cap_edit.text() == "100,000")  # the default
    page.cap_edit.setText("十万")
    qtbot.mouseClick(page.save_cap_button, CLICK)
    wait_for(qtbot, lambda: page.cap_error.isVisible())
    assert page.cap_error.text() == "自動決済の上限額は50円から9,999,999円までの金額で入力してください。"
    assert clinic_app.ctx.clinic().auto_charge_cap == 100_000  # nothing changed
    page.cap_edit.setText("５０，０００")
    qtbot.mouseClick(page.save_cap_button, CLICK)
    wait_for(qtbot, lambda: clinic_app.ctx.clinic().auto_charge_cap == 50_000)
    wait_for(qtbot, lambda: page.cap_edit.text() == "50,000" and not page.cap_error.isVisible())
