"""The clinic's books in the window: リマインダーを送る from 決済管理's ⋯ menu (once per request),
照合 on 要対応 listing a charge PAY.JP has and ClinicPay does not, and 確認済みにする closing it."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from payjp import api_requestor
from PySide6.QtWidgets import QMenu
from sqlalchemy import func, select

from desktop.services.billing import payjp_reconciliation as recon
from desktop.simulator.testing import make_test_token
from desktop.storage.orm import OutboxMail, Reservation
from desktop.ui import messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.pages.attention_page import AttentionPage
from desktop.ui.pages.billing_page import ACTIONS_COLUMN, BillingPage

from .conftest import run, wait_for, wait_idle


def _reminders(ctx: Any, request_id: int) -> int:
    with ctx.db.uow(readonly=True) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(OutboxMail).where(
            OutboxMail.kind == "reminder", OutboxMail.billing_request_id == request_id)) or 0)


def _menu_of(page: BillingPage, request_id: int, monkeypatch: pytest.MonkeyPatch) -> QMenu:
    menus: list[QMenu] = []
    monkeypatch.setattr(QMenu, "popup", lambda self, *a: menus.append(self))
    row = next(r for r in range(page.model.rowCount()) if page.model.row_at(r).id == request_id)  # type: ignore[union-attr]
    page._on_cell_clicked(page.model.index(row, ACTIONS_COLUMN))
    return menus[-1]


def _action(menu: QMenu, text: str) -> Any:
    return next(a for a in menu.actions() if a.text().startswith(text))


def test_a_reminder_is_sent_by_hand_from_the_row_menu_once(qtbot: Any, clinic_app: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    w, ctx = clinic_app.window, clinic_app.ctx
    with ctx.db.uow(readonly=True) as uow:
        reservation_id = uow.session.scalars(select(Reservation.id).order_by(Reservation.id.desc())).first()
    outcome = run(qtbot, ctx.runner.payments(ctx.billing.request_payment, reservation_id, w.session.actor, 2200,
                                             "taxable", additional=True))
    page = w.show_page("決済管理")
    assert isinstance(page, BillingPage)
    page.apply_filter()
    wait_for(qtbot, lambda: any(page.model.row_at(r).id == outcome.request_id  # type: ignore[union-attr]
                                for r in range(page.model.rowCount())))
    asked: list[str] = []
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, parent, title, text, ok, **_k: asked.append(text) or True))
    action = _action(_menu_of(page, outcome.request_id, monkeypatch), "リマインダーを送る")
    assert action.isEnabled()
    action.trigger()
    wait_for(qtbot, lambda: _reminders(ctx, outcome.request_id) == 1)
    wait_idle(qtbot)
    assert "¥2,200" in asked[0] and "1回" in asked[0]
    assert any("リマインダーを送りました" in text for _, text in messages.bridge().history)
    steps = run(qtbot, ctx.actions.timeline(outcome.request_id))
    assert ("mail_queued", "reminder") in [(e.event, e.mail) for e in steps]

    messages.bridge().history.clear()
    _action(_menu_of(page, outcome.request_id, monkeypatch), "リマインダーを送る").trigger()  # a second time
    wait_for(qtbot, lambda: any("送信済み" in text for _, text in messages.bridge().history))
    assert _reminders(ctx, outcome.request_id) == 1

    run(qtbot, ctx.actions.cancel_request(outcome.request_id, w.session.actor))
    page.apply_filter()
    wait_for(qtbot, lambda: any(page.model.row_at(r).id == outcome.request_id  # type: ignore[union-attr]
                                and not page.model.row_at(r).cancellable for r in range(page.model.rowCount())))
    assert not _action(_menu_of(page, outcome.request_id, monkeypatch), "リマインダーを送る").isEnabled()


def test_reconciliation_lists_a_charge_unknown_to_clinicpay_and_checked_closes_it(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    w, ctx = clinic_app.window, clinic_app.ctx
    monkeypatch.setattr(recon, "UNTIL_LAG", dt.timedelta(0))  # the charge below was made a moment ago
    gateway = ctx.gateways(ctx.clinic())
    base, key = gateway.config.api_base, gateway.config.secret_key


    def charge_outside_clinicpay() -> str:  # off the loop: the simulator answers on it
        token = make_test_token(base, key)
        body, _ = api_requestor.APIRequestor(key=key, api_base=base).request(
            "post", "/v1/charges", {"amount": 4400, "currency": "jpy", "card": token})
        return str(body["id"])

    charge_id = run(qtbot, ctx.runner.payments(charge_outside_clinicpay))
    page = w.show_page("要対応")
    assert isinstance(page, AttentionPage)
    assert page.reconcile_button.isVisible() and not page.checked_button.isEnabled()
    page.reconcile_button.click()
    wait_for(qtbot, lambda: any(i.difference_id is not None for i in page.items), timeout=30)
    wait_idle(qtbot)
    row = next(r for r, i in enumerate(page.items) if i.difference_id is not None)
    assert page.table.item(row, 0).text() == "照合の差異"
    assert page.table.item(row, 2).text() == "¥4,400"
    assert charge_id in page.table.item(row, 3).text() and "確認済み" in page.table.item(row, 3).text()
    assert any("PAY.JPと照合しました" in text for _, text in messages.bridge().history)
    assert "最終照合" in page.reconciled_label.text()
    nav_text = w.nav.item(list(w.pages).index("要対応")).text()
    assert nav_text == f"要対応（{len(page.items)}）"
    before = len(page.items)
    page.table.selectRow(row)
    assert page.checked_button.isEnabled()
    page.checked_button.click()
    wait_for(qtbot, lambda: len(page.items) == before - 1)
    assert all(i.difference_id is None for i in page.items)


def test_the_reminder_setting_is_saved_next_to_the_link_expiry_and_bad_days_are_refused(
        qtbot: Any, clinic_app: Any) -> None:
    w, ctx = clinic_app.window, clinic_app.ctx
    page = w.show_page("決済会社設定")
    page.tabs.setCurrentIndex(1)
    panel = page.connection
    panel.reload()
    wait_for(qtbot, lambda: panel.view is not None)
    wait_idle(qtbot)
    assert panel.reminder_enabled.isChecked() and panel.reminder_days.value() == 2  # the defaults
    panel.expiry_days.setValue(2)
    panel.reminder_days.setValue(2)  # as long as the link lasts: it would go with the request
    panel.save_checkout_button.click()
    wait_for(qtbot, lambda: panel.errors["reminder_days_before"].isVisible())
    assert "1〜1日前" in panel.errors["reminder_days_before"].text()
    assert ctx.clinic().link_expiry_days == 7  # nothing saved
    panel.expiry_days.setValue(1)
    panel.reminder_days.setValue(1)
    panel.save_checkout_button.click()
    wait_for(qtbot, lambda: "2日以上" in panel.errors["reminder_days_before"].text())
    panel.expiry_days.setValue(5)
    panel.reminder_days.setValue(3)
    panel.save_checkout_button.click()
    wait_for(qtbot, lambda: ctx.clinic().reminder_days_before == 3)
    assert ctx.clinic().link_expiry_days == 5 and not panel.errors["reminder_days_before"].isVisible()
    panel.reminder_enabled.setChecked(False)
    assert not panel.reminder_days.isEnabled()
    panel.save_checkout_button.click()
    wait_for(qtbot, lambda: not ctx.clinic().reminder_enabled)
