"""接続設定 shows what is saved, also after a restart (the way to 本番 itself, from an empty data
directory, is ``test_going_live_from_scratch.py``)."""

from __future__ import annotations

import pathlib
from typing import Any

from PySide6.QtCore import Qt

from desktop.app import ClinicPayApp
from desktop.bootstrap import prepare_context
from desktop.config import LocalSettings
from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.services.secrets import MemorySecretStore
from desktop.storage.orm import Clinic
from desktop.ui import i18n

from .conftest import run, sign_in, wait_for, wait_idle


def _clinic(app: ClinicPayApp) -> Clinic:
    clinic = app.ctx.clinic()
    assert clinic is not None
    return clinic


def _click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_connection_settings_show_what_is_saved_also_after_a_restart(qtbot: Any, qloop: Any,
                                                                      tmp_path: pathlib.Path) -> None:
    i18n.set_language("ja")
    secrets = MemorySecretStore()
    settings = LocalSettings(checkout_port=0, simulator_port=0)

    def opened() -> tuple[ClinicPayApp, Any]:
        ctx = prepare_context(tmp_path, settings, secrets=secrets)
        app = ClinicPayApp(ctx, checkout_port=0)
        run(qtbot, app.start(show=True))
        sign_in(qtbot, app, DEMO_ACCOUNTS[0].name, DEMO_ACCOUNTS[0].password)
        page = app.window.show_page("決済会社設定")
        page.show_connection()
        page.reload()
        wait_idle(qtbot)
        return app, page.connection

    app, conn = opened()
    conn.details["name"].setText("さくら内科クリニック")
    conn.details["address"].setText("東京都渋谷区神南1-1-1")
    _click(qtbot, conn.save_clinic_button)
    wait_for(qtbot, lambda: _clinic(app).name == "さくら内科クリニック")
    conn.expiry_days.setValue(14)
    _click(qtbot, conn.save_checkout_button)
    wait_for(qtbot, lambda: _clinic(app).link_expiry_days == 14)
    conn.smtp.host.setText("smtp.sakura.example.jp")
    conn.smtp.port.setText("2525")
    conn.smtp.password.setText("a-long-smtp-password-0a1b2c3d")
    _click(qtbot, conn.save_smtp_button)
    wait_for(qtbot, lambda: _clinic(app).smtp_port == 2525)
    wait_idle(qtbot)
    run(qtbot, app.stop())
    app.ctx.close()

    app, conn = opened()  # a restart
    try:
        assert conn.details["name"].text() == "さくら内科クリニック"
        assert conn.details["address"].text() == "東京都渋谷区神南1-1-1"
        assert conn.expiry_days.value() == 14
        assert conn.public_base_url.text() == _clinic(app).public_base_url != ""
        assert conn.webhook_url.edit.text() == _clinic(app).public_base_url + "/webhooks/payjp"
        assert (conn.smtp.host.text(), conn.smtp.port.text()) == ("smtp.sakura.example.jp", "2525")
        assert conn.smtp.password.text() == ""
        assert conn.smtp.password_status.text() == "••••2c3d を保存済み"  # never the whole password
    finally:
        wait_idle(qtbot)
        run(qtbot, app.stop())
        app.ctx.close()
