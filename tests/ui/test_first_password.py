"""The first password: a clinic where nobody has a password yet signs in through its 管理者.

A new clinic (first run → 「クリニックの設定を始める」) has one 管理者 named 「管理者」 without a
password; an installation from before staff accounts has staff without passwords. Either way the
sign-in dialog asks the 管理者 for the first password (twice, the rule shown, an optional PIN)
and lets them correct their name, then signs them in.
"""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select, update

from desktop.app import ClinicPayApp
from desktop.bootstrap import bootstrap
from desktop.config import LocalSettings
from desktop.domain.clinic import StaffRole
from desktop.services.demo import ensure_demo_data
from desktop.services.secrets import MemorySecretStore
from desktop.storage.orm import AuditEvent, Staff
from desktop.ui import i18n, messages
from desktop.ui.setup.steps import ClinicStep

from .conftest import run, wait_for, wait_idle
from .test_english import JAPANESE


def _click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _staff(app: ClinicPayApp) -> list[Staff]:
    with app.ctx.db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(Staff).order_by(Staff.id)).all())


def _first_password_dialog(qtbot: Any, app: ClinicPayApp) -> Any:
    wait_for(qtbot, lambda: app.sign_in_dialog is not None and app.sign_in_dialog.isVisible(), timeout=20)
    dialog = app.sign_in_dialog
    assert dialog.first_password
    return dialog


def test_a_new_clinic_sets_the_first_password_then_opens_the_setup(qtbot: Any, fresh_app: ClinicPayApp) -> None:
    app = fresh_app
    assert app.first_run_dialog is not None and app.first_run_dialog.isVisible()
    _click(qtbot, app.first_run_dialog.clinic_button)
    wait_for(qtbot, lambda: app.ctx.workspace == "clinic", timeout=20)
    dialog = _first_password_dialog(qtbot, app)
    assert app.window is None  # nothing of the clinic shows before someone signs in
    assert dialog.staff_combo.count() == 1 and dialog.staff_combo.currentText() == "管理者（管理者）"
    assert dialog.name_edit.text() == "管理者"
    assert dialog.rule_label.isVisible() and "10文字以上" in dialog.rule_label.text()
    assert dialog.ok_button.text() == "パスワードを設定してサインイン"
    assert not dialog.pin_check.isVisible()

    # the two entries differ: said next to the confirmation, nothing saved
    dialog.name_edit.setText(" 院長 山田 太郎 ")
    dialog.secret_edit.setText("yamada-clinic-2026")
    dialog.confirm_edit.setText("yamada-clinic-2025")
    _click(qtbot, dialog.ok_button)
    wait_for(qtbot, lambda: dialog.confirm_error.isVisible())
    assert "一致しません" in dialog.confirm_error.text()
    assert all(s.password_hash is None for s in _staff(app)) and app.window is None

    # too short: the rule, next to the password
    dialog.secret_edit.setText("short")
    dialog.confirm_edit.setText("short")
    _click(qtbot, dialog.ok_button)
    wait_for(qtbot, lambda: dialog.secret_error.isVisible())
    assert "10文字以上" in dialog.secret_error.text() and not dialog.confirm_error.isVisible()
    # a PIN that is not 4–8 digits: next to the PIN
    dialog.secret_edit.setText("yamada-clinic-2026")
    dialog.confirm_edit.setText("yamada-clinic-2026")
    dialog.pin_edit.setText("12a")
    _click(qtbot, dialog.ok_button)
    wait_for(qtbot, lambda: dialog.pin_error.isVisible())
    assert not dialog.secret_error.isVisible()
    assert all(s.password_hash is None for s in _staff(app)) and app.window is None

    dialog.pin_edit.setText("2468")
    _click(qtbot, dialog.ok_button)
    wait_for(qtbot, lambda: app.window is not None and app.window.isVisible(), timeout=20)
    actor = app.session.actor
    assert actor.role is StaffRole.MANAGER and actor.name == "院長 山田 太郎"  # the name as corrected, trimmed
    (manager,) = _staff(app)
    assert manager.name == "院長 山田 太郎" and manager.password_hash and manager.pin_hash
    with app.ctx.db.uow(readonly=True) as uow:
        actions = [(e.action, e.staff_id) for e in uow.session.scalars(select(AuditEvent)).all()
                   if e.entity_type == "staff"]
    assert ("staff_password_reset", manager.id) in actions and ("staff_renamed", manager.id) in actions

    # the first-run flow continues into the setup, as the 管理者
    wait_for(qtbot, lambda: app.window.setup_wizard is not None and app.window.setup_wizard.isVisible(), timeout=20)
    wait_idle(qtbot)
    assert isinstance(app.window.setup_wizard.current(), ClinicStep)

    # the password now signs in; a second first password is refused
    again = run(qtbot, app.ctx.actions.sign_in(manager.id, "yamada-clinic-2026"))
    assert again.staff_id == manager.id
    with pytest.raises(Exception) as refused:
        run(qtbot, app.ctx.actions.claim_first_password(manager.id, "another-password-1"))
    assert getattr(refused.value, "code", None) == "manager_exists"


@pytest.fixture
def upgraded_app(qtbot: Any, qloop: asyncio.AbstractEventLoop, tmp_path: pathlib.Path) -> Iterator[ClinicPayApp]:
    """The clinic's database of an installation from before staff accounts: staff without passwords."""
    messages.bridge().history.clear()
    settings = LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic", language="en")
    ctx = bootstrap(tmp_path, settings, secrets=MemorySecretStore())
    ensure_demo_data(ctx)
    with ctx.db.uow() as uow:
        uow.session.execute(update(Staff).values(password_hash=None, pin_hash=None))
        uow.commit()
    app = ClinicPayApp(ctx, checkout_port=0)
    run(qtbot, app.start(show=True))
    wait_idle(qtbot)
    yield app
    wait_idle(qtbot)
    run(qtbot, app.stop())
    app.ctx.close()
    i18n.set_language("ja")


def test_an_upgraded_installation_s_manager_sets_the_first_password(qtbot: Any,
                                                                     upgraded_app: ClinicPayApp) -> None:
    app = upgraded_app
    dialog = _first_password_dialog(qtbot, app)
    staff = _staff(app)
    managers = [s for s in staff if s.role is StaffRole.MANAGER and s.active]
    assert len(staff) > len(managers)  # only a 管理者 may set the first password
    assert dialog.staff_combo.count() == len(managers)
    # English: no Japanese but the staff's own names
    texts = [dialog.windowTitle(), dialog.ok_button.text(), dialog.rule_label.text()] + [
        w.text() for w in dialog.findChildren(type(dialog.rule_label)) if w.isVisible()]
    names = [s.name for s in staff] + [app.ctx.queries.clinic_info().name]  # type: ignore[union-attr]
    for text in texts:
        for name in names:
            text = text.replace(name, "")
        assert not JAPANESE.search(text), text
    assert dialog.ok_button.text() == "Set password and sign in"

    manager_id = dialog.staff_combo.currentData()
    name = dialog.name_edit.text()
    assert name == next(s.name for s in managers if s.id == manager_id)  # kept as it is
    dialog.secret_edit.setText("password")
    dialog.confirm_edit.setText("password")
    _click(qtbot, dialog.ok_button)
    wait_for(qtbot, lambda: dialog.secret_error.isVisible())
    assert not JAPANESE.search(dialog.secret_error.text())
    dialog.secret_edit.setText("clinic-upgrade-2026")
    dialog.confirm_edit.setText("clinic-upgrade-2026")
    _click(qtbot, dialog.ok_button)
    wait_for(qtbot, lambda: app.window is not None and app.window.isVisible(), timeout=20)
    assert app.session.actor.staff_id == manager_id and app.session.actor.role is StaffRole.MANAGER
    assert app.window.setup_wizard is None  # an installation in use has nothing to set up
    by_id = {s.id: s for s in _staff(app)}
    assert by_id[manager_id].name == name and by_id[manager_id].password_hash
    assert all(s.password_hash is None for s in by_id.values() if s.id != manager_id)
