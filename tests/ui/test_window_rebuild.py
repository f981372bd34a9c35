"""The main window is rebuilt (language, 担当スタッフ, unlock by someone else) after its data is read off
the UI thread: what a person must never see meanwhile — an unlocked window, another person's window,
a window after サインアウト, or the demo's list shown for the clinic at the next start.

Each test holds the read (``ClinicPayApp._window_data``) until the action under test is done, as a
slow or busy database would.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from desktop.app import ClinicPayApp
from desktop.config import LocalSettings
from desktop.domain.clinic import StaffRole
from desktop.services import sign_in_list
from desktop.services.demo_accounts import DEMO_ACCOUNTS

from .conftest import run, sleep, wait_for, wait_idle


def _hold_window_reads(app: ClinicPayApp) -> asyncio.Event:
    gate = asyncio.Event()
    read = app._window_data

    async def held() -> Any:
        await gate.wait()
        return await read()

    app._window_data = held  # type: ignore[method-assign]
    return gate


def _staff_id(app: ClinicPayApp, name: str) -> int:
    return next(a.id for a in app.ctx.staff.accounts(app.session.clinic.id) if a.name == name)


def test_a_window_rebuilt_while_locked_stays_locked(qtbot: Any, clinic_app: ClinicPayApp) -> None:
    app = clinic_app
    gate = _hold_window_reads(app)
    old = app.window
    old.language_changed.emit("en")  # the new window is being read …
    old.lock(idle=False)  # … when ロック is pressed
    gate.set()
    wait_for(qtbot, lambda: app.window is not old)
    wait_idle(qtbot)
    assert app.window.locked and app.window.lock_dialog is not None and app.window.lock_dialog.isVisible()
    from desktop.ui import i18n

    i18n.set_language("ja")


def test_unlocked_by_someone_else_the_window_stays_covered_until_theirs_opens(qtbot: Any,
                                                                             clinic_app: ClinicPayApp) -> None:
    app = clinic_app
    gate = _hold_window_reads(app)
    first = app.window
    first.lock(idle=True)
    dialog = first.lock_dialog
    combo = dialog.staff_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if combo.itemText(i).startswith(DEMO_ACCOUNTS[1].name)))
    dialog.secret_edit.setText(DEMO_ACCOUNTS[1].password)
    dialog.ok_button.click()
    wait_for(qtbot, lambda: first.lock_dialog is None)
    sleep(qtbot, 0.3)
    assert app.window is first and first.locked  # the manager's window is still covered for the receptionist
    gate.set()
    wait_for(qtbot, lambda: app.window is not first)
    wait_idle(qtbot)
    assert app.session.actor.role is StaffRole.STAFF and not app.window.locked


def test_no_window_opens_after_sign_out(qtbot: Any, clinic_app: ClinicPayApp) -> None:
    app = clinic_app
    gate = _hold_window_reads(app)
    actor = run(qtbot, app.ctx.actions.sign_in(_staff_id(app, DEMO_ACCOUNTS[1].name), DEMO_ACCOUNTS[1].password))
    app.window.staff_changed.emit(actor)  # 担当スタッフ: the receptionist's window is being read …
    app.window.sign_out()  # … when サインアウト is pressed in the window still shown
    wait_for(qtbot, lambda: app.sign_in_dialog is not None and app.sign_in_dialog.isVisible())
    gate.set()
    sleep(qtbot, 0.5)
    wait_idle(qtbot)
    assert app.window is None and app.session is None and app.sign_in_dialog.isVisible()


def test_no_window_opens_after_sign_out_during_a_language_switch(qtbot: Any, clinic_app: ClinicPayApp) -> None:
    app = clinic_app
    gate = _hold_window_reads(app)
    app.window.language_changed.emit("en")
    app.window.sign_out()
    wait_for(qtbot, lambda: app.sign_in_dialog is not None and app.sign_in_dialog.isVisible())
    gate.set()
    sleep(qtbot, 0.5)
    wait_idle(qtbot)
    assert app.window is None
    from desktop.ui import i18n

    i18n.set_language("ja")


def test_the_demo_list_is_kept_for_the_demo_not_for_the_clinic(qtbot: Any, clinic_app: ClinicPayApp) -> None:
    app = clinic_app
    data_dir = app.ctx.data_dir
    clinic_settings = LocalSettings.load(data_dir)
    wait_for(qtbot, lambda: sign_in_list.load(data_dir, clinic_settings) is not None)
    clinic_list = sign_in_list.load(data_dir, clinic_settings)
    run(qtbot, app.switch_workspace("demo"))  # トレーニング: its own database, and サインイン for it
    wait_for(qtbot, lambda: "demo" in json.loads((data_dir / sign_in_list.SIGN_IN_LIST_FILE).read_text("utf-8")))
    wait_idle(qtbot)
    assert app.ctx.workspace == "demo" and LocalSettings.load(data_dir).workspace == "clinic"
    # the next start opens the clinic, with the clinic's list — not the demo's accounts and passwords
    assert sign_in_list.load(data_dir, LocalSettings.load(data_dir)) == clinic_list
    assert sign_in_list.load(data_dir, LocalSettings(workspace="demo")).demo  # type: ignore[union-attr]
