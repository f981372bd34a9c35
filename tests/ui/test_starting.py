"""The 起動中 window: shown first, answering while the database opens, then replaced by the app.

What a receptionist notices: a window appears at once, it repaints and can be moved while the
database is being opened (the UI thread waits on no disk), a locked database is asked about
over it, and the main window (or サインイン) takes its place and size.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import re
import subprocess
import sys
import threading
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import app as app_module, launch
from desktop.app import ClinicPayApp
from desktop.bootstrap import prepare_context
from desktop.config import LocalSettings
from desktop.domain.clinic import StaffRole
from desktop.services.secrets import MemorySecretStore
from desktop.ui import i18n
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from desktop.ui.starting import StartingWindow
from tests.ui.conftest import run, wait_idle

ROOT = pathlib.Path(__file__).resolve().parents[2]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _starting(qtbot: Any) -> StartingWindow:
    window = StartingWindow()
    window.set_step(window.preparing_data_text())  # as ``python -m desktop`` shows it
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_window_answers_while_the_database_opens(qtbot: Any) -> None:
    window = _starting(qtbot)
    release = threading.Event()
    ticks: list[int] = []
    seen: list[tuple[bool, str]] = []
    timer = QTimer()
    timer.setInterval(10)

    def tick() -> None:  # runs on the UI thread: only while it is not blocked
        ticks.append(1)
        if len(ticks) == 5:
            seen.append((window.isVisible(), window.step.text()))
            release.set()

    timer.timeout.connect(tick)
    timer.start()

    def slow_open(ask_retry: Any) -> str:
        assert threading.current_thread() is not threading.main_thread()
        assert release.wait(10), "the UI thread never ran while the database was opening"
        return "the context"

    try:
        assert launch._open_behind(window, slow_open) == "the context"
    finally:
        timer.stop()
    assert seen == [(True, "データベースを準備しています…")]
    window.finish()


def test_a_failure_while_opening_is_raised_on_the_ui_thread(qtbot: Any) -> None:
    window = _starting(qtbot)

    def broken(ask_retry: Any) -> None:
        raise ConnectionRefusedError("connection to server at db-host:5432 refused")

    with pytest.raises(ConnectionRefusedError, match="db-host"):
        launch._open_behind(window, broken)
    window.finish()


def test_a_locked_database_is_asked_about_over_the_window(qtbot: Any) -> None:
    window = _starting(qtbot)
    asked: list[tuple[str, bool, str]] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        asked.append((box.text(), box.parent() is window, threading.current_thread().name))
        box.button(QMessageBox.StandardButton.Retry).click()

    def locked_once(ask_retry: Any) -> bool:
        QTimer.singleShot(0, QApplication.instance(), answer)  # the UI thread answers the box
        return ask_retry("データベースが別の端末またはプログラムで使用中です。")

    assert launch._open_behind(window, locked_once) is True
    assert asked == [("データベースが別の端末またはプログラムで使用中です。", True, "MainThread")]
    window.finish()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_window_speaks_the_language_of_this_pc(qtbot: Any, lang: str) -> None:
    i18n.set_language(lang)
    try:
        window = StartingWindow()  # before the step is set
        qtbot.addWidget(window)
        texts = [window.windowTitle(), window.title.text(), window.step.text(), window.preparing_data_text(),
                 window.starting_servers_text()]
    finally:
        i18n.set_language("ja")
    if lang == "en":
        assert texts == ["ClinicPay", "ClinicPay", "Starting…", "Preparing the database…",
                         "Starting the payment page server…"]
        assert not any(JAPANESE.search(t) for t in texts)
    else:
        assert texts == ["クリニック決済", "クリニック決済", "起動しています…", "データベースを準備しています…",
                         "決済ページのサーバーを起動しています…"]
    window.finish()


def test_closing_it_before_the_app_is_ready_abandons_the_start(qtbot: Any) -> None:
    window = _starting(qtbot)
    window.close()
    assert window.abandoned
    other = _starting(qtbot)
    other.finish()  # replaced by the app: not an abandoned start
    assert not other.abandoned and not other.isVisible()


def test_the_main_window_takes_its_place_and_size(qtbot: Any, qloop: Any, tmp_path: pathlib.Path) -> None:
    i18n.set_language("ja")
    window = _starting(qtbot)
    window.setGeometry(40, 30, 1320, 800)  # larger than the main window's minimum
    ctx = prepare_context(tmp_path, LocalSettings(checkout_port=0, simulator_port=0), secrets=MemorySecretStore())
    app = ClinicPayApp(ctx, checkout_port=0, ask_first_run=True, starting=window)
    try:
        run(qtbot, app.start(show=True))
        assert not window.isVisible() and not window.abandoned
        assert app.window is not None and app.window.isVisible()
        assert app.window.size() == window.size()
        assert app.first_run_dialog is not None  # the first-run question, over the demo, as before
        app.first_run_dialog.close()
        wait_idle(qtbot)
    finally:
        run(qtbot, app.stop())
        ctx.close()


def test_closing_it_while_the_servers_start_ends_the_app(qtbot: Any, qloop: Any, tmp_path: pathlib.Path) -> None:
    window = _starting(qtbot)
    ctx = prepare_context(tmp_path, LocalSettings(checkout_port=0, simulator_port=0), secrets=MemorySecretStore())
    app = ClinicPayApp(ctx, checkout_port=0, ask_first_run=True, starting=window)
    try:
        window.close()  # the receptionist gives up before the app is ready
        run(qtbot, app.start(show=True))
        run(qtbot, app.wait_closed(), timeout=5)
        assert app.window is None and app.sign_in_dialog is None and app.first_run_dialog is None
    finally:
        run(qtbot, app.stop())
        ctx.close()


def test_nothing_slow_is_loaded_before_the_first_window(tmp_path: pathlib.Path) -> None:
    # python -m desktop up to the moment the 起動中 window is on screen and the worker is about to start
    probe = (
        "import sys\n"
        "import desktop.__main__, desktop.launch as launch\n"
        "def shown(starting, open_ctx):\n"
        "    assert starting.isVisible()\n"
        "    print(type(starting).__name__, starting.step.text())\n"
        "    heavy = ('sqlalchemy', 'alembic', 'uvicorn', 'starlette', 'httpx', 'requests', 'payjp', 'fpdf',\n"
        "             'jinja2', 'keyring', 'psycopg', 'phonenumbers', 'qasync', 'asyncio', 'importlib.metadata',\n"
        "             'desktop.app', 'desktop.bootstrap', 'desktop.services', 'desktop.storage')\n"
        "    print(sorted(m for m in heavy if m in sys.modules))\n"
        "    raise SystemExit(0)\n"
        "launch._open_behind = shown\n"
        f"desktop.__main__.main(['--data-dir', {str(tmp_path)!r}])\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-2:] == ["StartingWindow データベースを準備しています…", "[]"]


def test_the_app_shows_its_first_window_before_it_is_ready(tmp_path: pathlib.Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CLINICPAY_DATA_DIR=str(tmp_path / "data"),
               CLINICPAY_LOG_DIR=str(tmp_path / "logs"), CLINICPAY_CHECKOUT_PORT="0", CLINICPAY_SIMULATOR_PORT="0",
               CLINICPAY_STARTUP_PROBE="1", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    env.pop("CLINICPAY_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "desktop"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["window shown", "first window StartingWindow", "ready"]
    assert (tmp_path / "data" / "demo.db").exists()  # the first run's demo was made behind the window
    assert "Traceback" not in proc.stderr


def test_sign_in_comes_first_and_the_servers_start_behind_it(qtbot: Any, qloop: Any, tmp_path: pathlib.Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.bootstrap import bootstrap
    from desktop.services.demo import ensure_demo_data
    from desktop.services.demo_accounts import DEMO_ACCOUNTS
    from tests.ui.conftest import sign_in

    i18n.set_language("ja")
    servers_may_load = threading.Event()
    real_load = app_module._load_server_modules

    def slow_load() -> None:  # the server modules take their time to load (a slow disk)
        assert servers_may_load.wait(20)
        real_load()

    monkeypatch.setattr(app_module, "_load_server_modules", slow_load)
    ctx = bootstrap(tmp_path, LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic"),
                    secrets=MemorySecretStore())
    ensure_demo_data(ctx)
    window = _starting(qtbot)
    app = ClinicPayApp(ctx, checkout_port=0, starting=window)
    started = asyncio.ensure_future(app.start(show=True))
    try:
        qtbot.waitUntil(lambda: app.sign_in_dialog is not None and app.sign_in_dialog.isVisible(), timeout=20000)
        assert not window.isVisible()  # the 起動中 window gave way to サインイン
        assert app.checkout is None and not started.done()  # the servers are still starting
        sign_in(qtbot, app, DEMO_ACCOUNTS[0].name, DEMO_ACCOUNTS[0].password)
        assert app.window.status_server.text() == "決済ページ: 起動中…"
        servers_may_load.set()
        qtbot.waitUntil(started.done, timeout=20000)
        started.result()
        assert app.checkout is not None and app.checkout.running
        assert app.window.status_server.text() == f"決済ページ: 稼働中 {app.checkout_url}"
        wait_idle(qtbot)
    finally:
        servers_may_load.set()
        qtbot.waitUntil(started.done, timeout=20000)
        run(qtbot, app.stop())
        ctx.close()


# -- an everyday start: サインイン is the first window, from the list kept on this PC ----------------


def _visible_sign_ins() -> set[int]:
    """The サインイン dialogs on screen (by identity)."""
    return {id(w) for w in QApplication.topLevelWidgets() if isinstance(w, SignInDialog) and w.isVisible()}


def _kept_dialog(qtbot: Any, accounts: list[Any], *, preselect: int | None = None) -> Any:
    from desktop.ui.dialogs.sign_in_dialog import SignInDialog

    dialog = SignInDialog(None, "さくら内科クリニック", accounts, purpose="start", preselect=preselect)
    dialog.show()  # handed to the app, which deletes it once someone has signed in
    qtbot.waitExposed(dialog)
    return dialog


def test_an_everyday_start_opens_sign_in_before_anything_slow(tmp_path: pathlib.Path) -> None:
    from desktop.services import sign_in_list
    from desktop.services.sign_in_list import KeptStaff, SignInList

    settings = LocalSettings(workspace="clinic", staff_id=7)
    settings.save(tmp_path)
    sign_in_list.save(tmp_path, settings, SignInList("さくら内科クリニック", (
        KeptStaff(3, "受付 佐々木", StaffRole.STAFF, True), KeptStaff(7, "院長 桜井", StaffRole.MANAGER, True))))
    probe = (
        "import sys\n"
        "import desktop.__main__, desktop.launch as launch\n"
        "def shown(first, open_ctx):\n"
        "    combo = first.staff_combo\n"
        "    print(type(first).__name__, first.isVisible(), first.clinic_label.text(), combo.currentText(),\n"
        "          [combo.itemText(i) for i in range(combo.count())], first.status_label.text(), sep='|')\n"
        "    heavy = ('sqlalchemy', 'alembic', 'uvicorn', 'starlette', 'httpx', 'requests', 'payjp', 'fpdf',\n"
        "             'jinja2', 'keyring', 'psycopg', 'phonenumbers', 'qasync', 'asyncio', 'importlib.metadata',\n"
        "             'desktop.app', 'desktop.bootstrap', 'desktop.storage', 'desktop.services.actions',\n"
        "             'desktop.services.staff', 'desktop.ui.starting', 'desktop.ui.widgets.common')\n"
        "    print(sorted(m for m in heavy if m in sys.modules))\n"
        "    raise SystemExit(0)\n"
        "launch._open_behind = shown\n"
        f"desktop.__main__.main(['--data-dir', {str(tmp_path)!r}])\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("CLINICPAY_WORKSPACE", None)
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    first, loaded = out.stdout.strip().splitlines()[-2:]
    assert first.split("|") == ["SignInDialog", "True", "さくら内科クリニック", "院長 桜井（管理者）",
                                "['受付 佐々木（受付）', '院長 桜井（管理者）']", "データベースを準備しています…"]
    assert loaded == "[]"


def test_sign_in_pressed_before_the_database_opens_is_carried_out(qtbot: Any, qloop: Any,
                                                                 tmp_path: pathlib.Path) -> None:
    from desktop.bootstrap import bootstrap
    from desktop.services import sign_in_list
    from desktop.services.demo import ensure_demo_data
    from desktop.services.demo_accounts import DEMO_ACCOUNTS
    from desktop.services.sign_in_list import KeptStaff

    i18n.set_language("ja")
    settings = LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic")
    ctx = bootstrap(tmp_path, settings, secrets=MemorySecretStore())
    ensure_demo_data(ctx)
    manager = next(a for a in ctx.staff.accounts(ctx.queries.clinic_info().id) if a.name == DEMO_ACCOUNTS[0].name)
    # kept at the last start: the manager, and someone who has left since
    kept = _kept_dialog(qtbot, [KeptStaff(manager.id, manager.name, StaffRole.MANAGER, True),
                                KeptStaff(999, "退職 山田", StaffRole.STAFF, True)], preselect=manager.id)
    assert kept.status_label.isVisible() and kept.status_label.text() == "データベースを準備しています…"
    kept.secret_edit.setText(DEMO_ACCOUNTS[0].password)
    kept.ok_button.click()  # before the database is open: waits for it, nothing is lost
    assert not kept.ok_button.isEnabled() and kept.secret_edit.text() == DEMO_ACCOUNTS[0].password
    app = ClinicPayApp(ctx, checkout_port=0, sign_in=kept)
    try:
        run(qtbot, app.start(show=True))
        qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=20000)
        assert app.session.actor.staff_id == manager.id
        assert app.sign_in_dialog is None
        assert not shiboken6.isValid(kept) or not kept.isVisible()
        # the database's list was shown before signing in, and is what the next start opens with
        qtbot.waitUntil(lambda: "退職 山田" not in str(sign_in_list.load(tmp_path, settings)), timeout=10000)
        names = [a.name for a in sign_in_list.load(tmp_path, settings).accounts]  # type: ignore[union-attr]
        assert sorted(names) == sorted(a.name for a in ctx.staff.accounts(manager_clinic(ctx)))
        assert "退職 山田" not in names
        wait_idle(qtbot)
    finally:
        run(qtbot, app.stop())
        ctx.close()


def manager_clinic(ctx: Any) -> int:
    return int(ctx.queries.clinic_info().id)


def test_the_kept_sign_in_shows_the_database_list_then_signs_in_as_usual(qtbot: Any, qloop: Any,
                                                                       tmp_path: pathlib.Path) -> None:
    from desktop.bootstrap import bootstrap
    from desktop.services.demo import ensure_demo_data
    from desktop.services.demo_accounts import DEMO_ACCOUNTS
    from desktop.services.sign_in_list import KeptStaff
    from tests.ui.conftest import sign_in

    i18n.set_language("ja")
    ctx = bootstrap(tmp_path, LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic"),
                    secrets=MemorySecretStore())
    ensure_demo_data(ctx)
    kept = _kept_dialog(qtbot, [KeptStaff(999, "退職 山田", StaffRole.STAFF, True)])
    app = ClinicPayApp(ctx, checkout_port=0, sign_in=kept)
    try:
        run(qtbot, app.start(show=True))
        assert app.sign_in_dialog is kept and kept.isVisible() and not kept.status_label.isVisible()
        combo = kept.staff_combo
        assert sorted(combo.itemText(i) for i in range(combo.count())) == sorted(
            f"{a.name}（{ {StaffRole.MANAGER: '管理者', StaffRole.STAFF: '受付', StaffRole.ACCOUNTANT: '経理'}[a.role]}）"
            for a in DEMO_ACCOUNTS)
        kept.secret_edit.setText("wrong-password")
        kept.ok_button.click()
        qtbot.waitUntil(lambda: kept.secret_error.isVisible(), timeout=20000)
        assert app.window is None
        sign_in(qtbot, app, DEMO_ACCOUNTS[1].name, DEMO_ACCOUNTS[1].password)
        assert app.session.actor.role is StaffRole.STAFF
        wait_idle(qtbot)
    finally:
        run(qtbot, app.stop())
        ctx.close()


@pytest.mark.parametrize("when", ["before the database opens", "while its list is read"])
def test_closing_the_kept_sign_in_ends_the_app(qtbot: Any, qloop: Any, tmp_path: pathlib.Path, when: str) -> None:
    from desktop.bootstrap import bootstrap
    from desktop.services.demo import ensure_demo_data
    from desktop.services.sign_in_list import KeptStaff

    ctx = bootstrap(tmp_path, LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic"),
                    secrets=MemorySecretStore())
    ensure_demo_data(ctx)
    kept = _kept_dialog(qtbot, [KeptStaff(1, "院長 桜井", StaffRole.MANAGER, True)])
    app = ClinicPayApp(ctx, checkout_port=0, sign_in=kept)
    before = _visible_sign_ins() - {id(kept)}
    if when == "before the database opens":
        kept.close()  # the receptionist closes it while the database is still opening
    else:
        read = ctx.actions.staff_accounts

        async def closed_meanwhile(clinic_id: int) -> Any:
            kept.close()  # the receptionist closes サインイン while the database's list is read
            return await read(clinic_id)

        ctx.actions.staff_accounts = closed_meanwhile  # type: ignore[method-assign]
    try:
        run(qtbot, app.start(show=True))
        run(qtbot, app.wait_closed(), timeout=5)
        assert app.window is None and app.sign_in_dialog is None
        assert _visible_sign_ins() <= before  # no new サインイン opened in its place
    finally:
        run(qtbot, app.stop())
        ctx.close()


def test_a_kept_list_that_no_longer_fits_gives_way(qtbot: Any) -> None:
    from desktop.services.sign_in_list import KeptStaff

    kept = _kept_dialog(qtbot, [KeptStaff(1, "院長 桜井", StaffRole.MANAGER, True)])
    # the database says nobody has a password yet: the first password is set in its own form
    assert kept.attach(object(), "本院", [KeptStaff(1, "院長 桜井", StaffRole.MANAGER, False)]) is False  # type: ignore[arg-type]
    assert kept.waiting and kept.staff_combo.itemText(0) == "院長 桜井（管理者）"
    kept.deleteLater()


@pytest.mark.parametrize("who", ["left", "renamed"])
def test_a_secret_typed_for_someone_no_longer_listed_is_tried_on_nobody(qtbot: Any, qloop: Any,
                                                                       tmp_path: pathlib.Path, who: str) -> None:
    from desktop.bootstrap import bootstrap
    from desktop.services.demo import ensure_demo_data
    from desktop.services.sign_in_list import KeptStaff

    i18n.set_language("ja")
    ctx = bootstrap(tmp_path, LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic"),
                    secrets=MemorySecretStore())
    ensure_demo_data(ctx)
    manager = next(a for a in ctx.staff.accounts(manager_clinic(ctx)) if a.role is StaffRole.MANAGER)
    # someone who has left, or the manager's id under another name (renamed on another PC, or a list
    # kept for another database): the typed secret is never tried on whoever has that id now
    listed = KeptStaff(999, "退職 山田", StaffRole.STAFF, True) if who == "left" else \
        KeptStaff(manager.id, "院長 さくらい", StaffRole.MANAGER, True)
    kept = _kept_dialog(qtbot, [listed], preselect=listed.id)
    kept.secret_edit.setText("yamada-password")
    kept.ok_button.click()
    app = ClinicPayApp(ctx, checkout_port=0, sign_in=kept)
    try:
        run(qtbot, app.start(show=True))
        wait_idle(qtbot)
        assert app.window is None and kept.isVisible() and kept.ok_button.isEnabled()
        assert kept.secret_error.text() == "選んだスタッフは現在の一覧にありません。スタッフを選び直してください。"
        assert kept.secret_edit.text() == ""  # not left to be tried on the next name chosen
        # nobody's failed tries went up: the typed secret was not tried on whoever is listed first
        clinic_id = manager_clinic(ctx)
        assert all(a.locked_until is None for a in ctx.staff.accounts(clinic_id))
        from sqlalchemy import select

        from desktop.storage.orm import Staff

        with ctx.db.uow(readonly=True) as uow:
            assert [s.failed_sign_ins for s in uow.session.scalars(select(Staff))] == [0, 0, 0]
    finally:
        run(qtbot, app.stop())
        ctx.close()
