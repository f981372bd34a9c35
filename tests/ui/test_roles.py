"""管理者 has the rights to refunds and settings; 受付スタッフ sees them but cannot use them."""

from __future__ import annotations

from typing import Any

from desktop.ui.pages.billing_page import BillingPage
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage


def _switch_staff(window: Any, name: str) -> None:
    combo = window.staff_combo
    index = next(i for i in range(combo.count()) if name in combo.itemText(i))
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_receptionist_cannot_refund_or_change_settings(qtbot: Any, clinic_app: Any) -> None:
    window = clinic_app.window
    settings = window.pages["決済会社設定"]
    billing = window.pages["決済管理"]
    assert isinstance(settings, PaymentSettingsPage) and isinstance(billing, BillingPage)
    assert window.session.is_manager  # the demo signs in as 院長
    assert settings.connection.isEnabled() and not settings.manager_only.isVisibleTo(settings)

    _switch_staff(window, "受付")
    assert not window.session.is_manager
    assert settings.manager_only.isVisibleTo(settings)
    assert not settings.connection.isEnabled() and not settings.contract.isEnabled()

    _switch_staff(window, "院長")
    assert settings.connection.isEnabled()
