"""The main window: 三本線 and the left column, title, status area, language."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.ui import messages

from .conftest import wait_for, wait_idle


def test_hamburger_opens_the_left_column_and_navigates(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    assert not w.nav.isVisible()
    qtbot.mouseClick(w.menu_button, Qt.MouseButton.LeftButton)
    assert w.nav.isVisible()
    assert [w.nav.item(i).text() for i in range(w.nav.count()) if i != 6] == [
        "予約管理", "決済管理", "　└ 決済会社設定", "メニュー設定", "スタッフ管理", "操作履歴", "日次締め",
        "メールボックス（デモ）"]
    assert w.nav.item(6).text().startswith("要対応")  # with the count of open items, if any
    w.nav.setCurrentRow(3)
    assert w.current_page() is w.pages["メニュー設定"]
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert w.current_page() is w.pages["決済管理"]
    wait_idle(qtbot)


def test_title_and_status_area(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    assert "さくら内科クリニック（デモ）" in w.windowTitle()
    assert "院長 桜井" in w.windowTitle()
    assert w.status_mode.text() == "デモ"
    assert w.status_server.text() == f"決済ページ: 稼働中 {clinic_app.checkout_url}"
    w.set_outbox_status(3, 0)
    assert w.status_outbox.text() == "未送信 3 件"
    index = next(i for i in range(w.staff_combo.count()) if w.staff_combo.itemText(i).startswith("受付 佐々木"))
    staff_id = w.staff_combo.itemData(index)
    w.staff_combo.setCurrentIndex(index)
    w.staff_combo.activated.emit(index)  # 担当スタッフ: the PIN is asked first
    dialog = w.switch_dialog
    assert dialog is not None and dialog.pin_check.isChecked()
    dialog.secret_edit.setText("2222")
    dialog.ok_button.click()
    wait_for(qtbot, lambda: clinic_app.window is not w)
    assert "受付 佐々木（受付）" in clinic_app.window.windowTitle()
    assert clinic_app.session.staff_id == staff_id
    wait_idle(qtbot)


@pytest.mark.expect_log("desktop.ui.messages", "ERROR", "unexpected error")
def test_errors_show_in_a_non_blocking_banner(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    messages.exception(RuntimeError("boom at /secret/path"))
    assert w.banner.isVisible()
    assert w.banner.label.text() == "予期しないエラーが発生しました。もう一度お試しください。"


def test_switching_to_english_rebuilds_the_window(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    w.lang_combo.setCurrentIndex(1)
    w.lang_combo.activated.emit(1)
    wait_for(qtbot, lambda: clinic_app.window is not w)
    new = clinic_app.window
    assert [new.nav.item(i).text() for i in range(4)] == ["Reservations", "Payments", "　└ Payment company",
                                                          "Menu settings"]
    assert new.status_mode.text() == "Demo"
    wait_idle(qtbot)
    assert clinic_app.ctx.settings.language == "en"


def test_demo_webhooks_reach_the_checkout_server(qtbot: Any, clinic_app: Any) -> None:
    """In デモ mode the built-in PAY.JP posts its events to our /webhooks/payjp, as PAY.JP would."""
    import threading

    from sqlalchemy import select

    from desktop.domain.clinic import ReviewStatus
    from desktop.services.directory import ClinicUpdate
    from desktop.simulator import tenants as sim_tenants
    from desktop.storage.orm import Clinic, WebhookEvent

    state = clinic_app.simulator_state
    target = state.webhook_target()
    assert target and target["url"] == f"{clinic_app.checkout.base_url}/webhooks/payjp" and target["token"]
    ctx = clinic_app.ctx
    clinic = ctx.clinic()
    tenant_id = f"clinicpay-{clinic.id}-demo"
    ctx.directory.update_clinic(clinic_app.session.actor, clinic.id,
                                ClinicUpdate(payjp_tenant_id=tenant_id, review_status=ReviewStatus.RECEIVED))
    gateway = ctx.gateways(clinic)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(gateway.create_tenant(
        tenant_id=tenant_id, name=clinic.name, platform_fee_rate="1.00", metadata={})))
    worker.start()
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    sim_tenants.set_review(state, tenant_id, "passed")

    def applied() -> bool:
        with ctx.db.uow(readonly=True) as uow:
            seen = uow.session.scalars(select(WebhookEvent.type)).all()
            status = uow.session.scalar(select(Clinic.review_status).where(Clinic.id == clinic.id))
        return "tenant.updated" in seen and status is ReviewStatus.APPROVED

    qtbot.waitUntil(applied, timeout=15_000)
