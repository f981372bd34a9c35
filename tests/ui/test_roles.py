"""Each role sees the actions it may use: 管理者 everything, 受付 the front desk, 経理 history and the audit log.

Switching 担当スタッフ asks for the PIN (or password) of who takes over.
"""

from __future__ import annotations

from typing import Any

from desktop.ui.pages.billing_page import BillingPage
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage

from .conftest import wait_for, wait_idle


def switch_staff(qtbot: Any, app: Any, name: str, secret: str, *, pin: bool = True) -> Any:
    """担当スタッフ: choose ``name`` and confirm with the PIN (or password); returns the new window."""
    window = app.window
    combo = window.staff_combo
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(name))
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    dialog = window.switch_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.pin_check.setChecked(pin)
    dialog.secret_edit.setText(secret)
    dialog.ok_button.click()
    wait_for(qtbot, lambda: app.window is not window)
    wait_idle(qtbot)
    return app.window


def test_receptionist_cannot_refund_or_change_settings(qtbot: Any, clinic_app: Any) -> None:
    window = clinic_app.window
    settings = window.pages["決済会社設定"]
    billing = window.pages["決済管理"]
    assert isinstance(settings, PaymentSettingsPage) and isinstance(billing, BillingPage)
    assert window.session.is_manager  # the demo signs in as 院長
    assert settings.connection.isEnabled() and not settings.manager_only.isVisibleTo(settings)
    assert {"スタッフ管理", "操作履歴", "メニュー設定"} <= set(window.pages)

    window = switch_staff(qtbot, clinic_app, "受付", "2222")
    settings = window.pages["決済会社設定"]
    assert not window.session.is_manager
    assert settings.manager_only.isVisibleTo(settings)
    assert not settings.connection.isEnabled() and not settings.contract.isEnabled()
    assert "予約管理" in window.pages and not {"スタッフ管理", "操作履歴", "メニュー設定"} & set(window.pages)
    billing = window.pages["決済管理"]
    assert not billing.csv_button.isVisibleTo(billing) and not billing.approvals_button.isVisibleTo(billing)

    window = switch_staff(qtbot, clinic_app, "院長", "1111")
    assert window.pages["決済会社設定"].connection.isEnabled()


def test_accountant_sees_history_and_the_audit_log_but_no_front_desk(qtbot: Any, clinic_app: Any) -> None:
    window = switch_staff(qtbot, clinic_app, "経理", "demo-keiri-2026", pin=False)
    assert "経理 田村（経理）" in window.windowTitle()
    assert set(window.pages) >= {"決済管理", "操作履歴"}
    assert not {"予約管理", "メニュー設定", "スタッフ管理", "決済会社設定"} & set(window.pages)
    billing = window.pages["決済管理"]
    assert billing.csv_button.isVisibleTo(billing)


def test_a_wrong_pin_keeps_the_staff_member_and_says_why(qtbot: Any, clinic_app: Any) -> None:
    window = clinic_app.window
    combo = window.staff_combo
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith("受付"))
    combo.activated.emit(index)
    dialog = window.switch_dialog
    dialog.pin_check.setChecked(True)
    dialog.secret_edit.setText("9999")
    dialog.ok_button.click()
    wait_for(qtbot, lambda: not dialog.secret_error.isHidden())
    assert "あと4回" in dialog.secret_error.text()
    assert clinic_app.window is window and window.session.actor.name == "院長 桜井"
    assert combo.currentText().startswith("院長 桜井")
    dialog.reject()
    wait_idle(qtbot)
