"""UI tests: the real app (services, simulator, checkout server) on a qasync loop driven by pytest-qt.

``clinic_app`` builds the graph with ``desktop.bootstrap`` as ``python -m desktop`` does; page tests
that need no application pass a ``fakes.FakeDeskActions`` to the page instead.

The loop is created once with ``already_running=True``: pytest-qt spins the Qt event loop
(``qtbot.waitUntil`` / ``waitSignal``) and qasync runs the asyncio callbacks inside it.
"""

from __future__ import annotations

import asyncio
import pathlib
import subprocess
import sys
import time
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from desktop.app import ClinicPayApp
from desktop.bootstrap import bootstrap, prepare_context
from desktop.config import LocalSettings
from desktop.services.demo import ensure_demo_data
from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.services.demo_mailbox import DemoMailbox, extract_content
from desktop.services.secrets import MemorySecretStore
from desktop.ui import async_ops, i18n, messages

T = TypeVar("T")


def build_catalogs() -> None:
    """Compile every ``resources/translations/*.ts`` whose ``.qm`` is missing or older than it."""
    lrelease = pathlib.Path(sys.executable).with_name("pyside6-lrelease")
    for ts in sorted(i18n.translations_dir().glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            subprocess.run([str(lrelease), "-silent", str(ts), "-qm", str(qm)], check=True)


@pytest.fixture(scope="session", autouse=True)
def _catalogs() -> None:
    build_catalogs()


MODAL_LIMIT_S = 45.0


@pytest.fixture(autouse=True)
def _no_forgotten_modal(qapp: QApplication) -> Iterator[None]:
    """A modal dialog nobody answers would block its test inside ``exec()``, where no test timeout
    reaches it, and stall the whole run: after MODAL_LIMIT_S it is rejected and the test fails."""
    from PySide6.QtCore import QTimer

    stuck: list[str] = []
    seen: dict[int, float] = {}

    def check() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            seen.clear()
            return
        first = seen.setdefault(id(modal), time.monotonic())
        if time.monotonic() - first > MODAL_LIMIT_S:
            stuck.append(f"{type(modal).__name__} {modal.windowTitle()!r}")
            seen.pop(id(modal), None)
            modal.reject() if hasattr(modal, "reject") else modal.close()

    timer = QTimer()
    timer.setInterval(1000)
    timer.timeout.connect(check)
    timer.start()
    yield
    timer.stop()
    assert not stuck, f"a modal dialog was left open with nobody to answer it: {stuck}"


@pytest.fixture(scope="session")
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop


def run(qtbot: Any, coro: Awaitable[T], timeout: float = 20.0) -> T:
    """Run a coroutine on the qasync loop while pytest-qt spins Qt's event loop."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
    return task.result()


def wait_idle(qtbot: Any, timeout: float = 20.0) -> None:
    qtbot.waitUntil(lambda: async_ops.pending() == 0, timeout=int(timeout * 1000))


@pytest.fixture
def clinic_app(qtbot: Any, qloop: asyncio.AbstractEventLoop, tmp_path: pathlib.Path) -> Iterator[ClinicPayApp]:
    """The real app on the clinic's database holding the demo clinic in デモ mode (as installs from
    before the separate demo database have it): simulator + checkout server on free ports."""
    i18n.set_language("ja")
    messages.bridge().history.clear()
    settings = LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic")
    ctx = bootstrap(tmp_path, settings, secrets=MemorySecretStore())
    ensure_demo_data(ctx)
    app = ClinicPayApp(ctx, checkout_port=0)
    run(qtbot, app.start(show=True))
    sign_in(qtbot, app, DEMO_ACCOUNTS[0].name, DEMO_ACCOUNTS[0].password)  # the demo's 院長
    app.window.resize(1366, 768)
    wait_idle(qtbot)
    yield app
    wait_idle(qtbot)
    run(qtbot, app.stop())
    app.ctx.close()
    i18n.set_language("ja")


@pytest.fixture
def fresh_app(qtbot: Any, qloop: asyncio.AbstractEventLoop, tmp_path: pathlib.Path) -> Iterator[ClinicPayApp]:
    """The real app as ``python -m desktop`` starts it on an empty data directory (first-run choice shown)."""
    i18n.set_language("ja")
    messages.bridge().history.clear()
    ctx = prepare_context(tmp_path, LocalSettings(checkout_port=0, simulator_port=0), secrets=MemorySecretStore())
    yield from first_run_app(qtbot, ctx)


def first_run_app(qtbot: Any, ctx: Any) -> Iterator[ClinicPayApp]:
    """The app on ``ctx`` started as on a fresh install (the first-run choice shown), 1366×768; stopped
    and its context closed after the test."""
    app = ClinicPayApp(ctx, checkout_port=0, ask_first_run=True)
    run(qtbot, app.start(show=True))
    app.window.resize(1366, 768)
    wait_idle(qtbot)
    yield app
    wait_idle(qtbot)
    run(qtbot, app.stop())
    app.ctx.close()
    i18n.set_language("ja")


def sign_in(qtbot: Any, app: ClinicPayApp, name: str, secret: str, *, pin: bool = False) -> None:
    """Sign in on the start screen as a receptionist does: choose the name, type the password (or PIN)."""
    dialog = app.sign_in_dialog
    assert dialog is not None and dialog.isVisible()
    combo = dialog.staff_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if combo.itemText(i).startswith(name)))
    dialog.pin_check.setChecked(pin)
    dialog.secret_edit.setText(secret)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=20000)
    wait_idle(qtbot)


def payment_links(app: ClinicPayApp) -> list[str]:
    """Send the outbox and return the payment links in the demo mailbox, newest first (not the 領収書 links
    of receipt mails)."""
    app.ctx.outbox.send_due()
    box = DemoMailbox(app.ctx.data_dir / "mailbox")
    mails = sorted(box.list_messages(), key=lambda m: m.date, reverse=True)
    links = [extract_content(box.get(m.key)).first_link for m in mails]
    return [x for x in links if x and "/pay/" in x and not x.endswith("/receipt")]


def pay_link(qtbot: Any, app: ClinicPayApp, link: str) -> None:
    """The patient pays: a card token from the simulator, then the billing service (as the checkout page does).

    Runs in a worker thread: the simulator is served by the loop this test spins.
    """
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.simulator.testing import make_test_token

    assert app.simulator is not None
    base = app.simulator.base_url

    def pay() -> None:
        token = make_test_token(base, DEMO_SECRET_KEY)
        app.ctx.billing.pay_with_token(link.rsplit("/pay/", 1)[1], token)

    run(qtbot, app.ctx.runner.payments(pay))


def texts(view: Any, column: int) -> list[str]:
    model = view.model()
    return [str(model.index(r, column).data() or "") for r in range(model.rowCount())]


def wait_for(qtbot: Any, predicate: Any, timeout: float = 10.0) -> None:
    qtbot.waitUntil(predicate, timeout=int(timeout * 1000))


def sleep(qtbot: Any, seconds: float) -> None:
    end = time.monotonic() + seconds
    qtbot.waitUntil(lambda: time.monotonic() >= end, timeout=int(seconds * 1000) + 1000)
