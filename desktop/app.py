"""The reception app's run: servers, background tasks, loop and window over the built service graph.

Order at start: ``desktop.bootstrap`` builds the service graph (migrations run there, before the
Qt loop) and seeds the demo clinic on a fresh data directory; then this module starts the qasync
loop, the PAY.JP simulator (デモ only), the checkout page server and the background tasks, and
shows the window, which receives only the graph's ``DeskActions``.
Closing the window stops the tasks and the servers inside the loop, then the loop ends and
``main`` returns 0.

    python -m desktop [--data-dir DIR]      the app
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import pathlib
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from desktop.bootstrap import prepare_context
from desktop.domain.clinic import PaymentMode
from desktop.paths import default_data_dir
from desktop.services.context import AppContext, set_demo_api_base
from desktop.asgi_server import EmbeddedServer

__all__ = ["ClinicPayApp", "main", "prepare_context", "run"]

log = logging.getLogger("desktop.app")

OUTBOX_INTERVAL = 3.0
STATUS_INTERVAL = 2.0
RECONCILE_INTERVAL = 60.0


class ClinicPayApp:
    """One run of the app: the servers, the background tasks and the window.

    Args:
        ctx: the service graph.
        checkout_port: overrides ``settings.checkout_port`` (0 = any free port).
    """

    def __init__(self, ctx: AppContext, *, checkout_port: int | None = None) -> None:
        self.ctx = ctx
        self.checkout_port = ctx.settings.checkout_port if checkout_port is None else checkout_port
        self.simulator: EmbeddedServer | None = None
        self.simulator_state: Any = None
        self.checkout: EmbeddedServer | None = None
        self.checkout_url: str | None = None
        self.window: Any = None
        self.session: Any = None
        self.sign_in_dialog: Any = None  # the サインイン dialog while nobody is signed in
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = asyncio.Event()
        self._last_token: Any = None

    # -- start ---------------------------------------------------------------------------------

    async def start(self, *, show: bool = True, actor: Any = None) -> None:
        """Start the servers and background tasks, then ask who signs in (or open the window for ``actor``)."""
        from desktop.ui import i18n, messages

        i18n.set_language(self.ctx.settings.language)
        clinic = self.ctx.clinic()
        startup_errors: list[str] = []
        if clinic is not None and clinic.payment_mode is PaymentMode.DEMO:
            try:
                await self._start_simulator()
            except Exception as exc:  # noqa: BLE001 - shown, the app still opens
                log.exception("simulator did not start")
                startup_errors.append(i18n.simulator_failed_text(exc))
        try:
            await self._start_checkout()
        except Exception as exc:  # noqa: BLE001
            log.exception("checkout server did not start")
            startup_errors.append(i18n.checkout_failed_text(self.checkout_port, exc))
        if actor is not None:
            self._build_window(actor, show=show)
        else:
            await self._ask_sign_in(show=show)
        for text in startup_errors:
            messages.error(text)
        self._spawn("outbox", self._every(OUTBOX_INTERVAL, self._send_mail))
        self._spawn("status", self._every(STATUS_INTERVAL, self._poll_status))
        self._spawn("reconcile", self._every(RECONCILE_INTERVAL, self._reconcile))

    async def _start_simulator(self) -> None:
        from desktop.simulator.server import embedded_simulator
        from desktop.simulator.store import SimulatorState

        self.simulator_state = SimulatorState(self.ctx.data_dir / "simulator.json")
        self.simulator = embedded_simulator(self.simulator_state, "127.0.0.1", self.ctx.settings.simulator_port)
        url = await self.simulator.start()
        set_demo_api_base(self.ctx, url)

    async def _start_checkout(self) -> None:
        from desktop.services.checkout.app import create_checkout_app

        demo_token: str | None = None
        if self.simulator_state is not None:
            # デモ: the built-in PAY.JP sends its webhooks to our checkout server, as PAY.JP would.
            demo_token = secrets.token_urlsafe(24)
        app = create_checkout_app(self.ctx, webhook_token=(lambda: demo_token) if demo_token else None)
        server = EmbeddedServer(app, self.ctx.settings.checkout_host, self.checkout_port, name="checkout")
        url = await server.start()
        self.checkout = server
        if demo_token is not None:
            self.simulator_state.configure_webhook(f"{url}/webhooks/payjp", demo_token)
        clinic = self.ctx.clinic()
        if clinic is not None and clinic.payment_mode is PaymentMode.DEMO and clinic.public_base_url != url:
            # デモ links point at this PC's server, wherever it ended up listening
            await self.ctx.runner.db(self.ctx.directory.system_set_link_base, clinic.id, url)
            clinic = self.ctx.clinic()
        self.checkout_url = (clinic.public_base_url if clinic is not None and clinic.public_base_url else url)

    async def _ask_sign_in(self, *, show: bool = True) -> None:
        """サインイン: the staff list and a password or PIN (the window opens for who signs in)."""
        from desktop.ui.dialogs.sign_in_dialog import SignInDialog

        ctx = self.ctx
        clinic = ctx.queries.clinic_info()
        if clinic is None:
            return
        accounts = await ctx.actions.staff_accounts(clinic.id)
        demo = await ctx.actions.demo_accounts(clinic.id)
        dialog = SignInDialog(ctx.actions, clinic.name, accounts, purpose="start",
                              preselect=ctx.settings.staff_id or None, demo=demo)
        dialog.signed_in.connect(self._on_signed_in)
        dialog.rejected.connect(self._closed.set)
        self.sign_in_dialog = dialog
        if show:
            dialog.open()

    def _on_signed_in(self, actor: Any) -> None:
        dialog, self.sign_in_dialog = self.sign_in_dialog, None
        if dialog is not None:
            dialog.rejected.disconnect(self._closed.set)
            dialog.deleteLater()
        self._on_staff_changed(actor.staff_id)
        self._build_window(actor, show=True)

    def _build_window(self, actor: Any = None, *, show: bool = True) -> None:
        from desktop.ui.main_window import MainWindow
        from desktop.ui.session import UiSession

        ctx = self.ctx
        clinic = ctx.queries.clinic_info()
        if actor is None:
            actor = self.session.actor
        session = UiSession.create(ctx.actions, clinic, actor)
        session.checkout_url = self.checkout_url
        old = self.window
        window = MainWindow(session, ctx.staff.accounts(session.clinic.id))
        window.set_server_status(self.checkout_url if self.checkout and self.checkout.running else None)
        window.closed.connect(self._closed.set)
        window.language_changed.connect(self._on_language_changed)
        window.staff_changed.connect(self._on_switched)
        window.signed_out.connect(self._on_signed_out)
        if old is not None:
            window.setGeometry(old.geometry())
            old.closed.disconnect(self._closed.set)
            old.disconnect_bridge()
            old.close()
            old.deleteLater()
        self.session, self.window = session, window
        if show:
            window.show()

    def _on_language_changed(self, lang: str) -> None:
        from desktop.ui import i18n, messages

        self.ctx.settings.language = lang
        self.ctx.settings.save(self.ctx.data_dir)
        i18n.set_language(lang)
        self._build_window(show=True)
        messages.info(i18n.language_changed_text())

    def _on_staff_changed(self, staff_id: int) -> None:
        self.ctx.settings.staff_id = staff_id
        self.ctx.settings.save(self.ctx.data_dir)

    def _on_switched(self, actor: Any) -> None:
        """担当スタッフ switched (or someone else unlocked): a window for their role."""
        self._on_staff_changed(actor.staff_id)
        self._build_window(actor, show=True)

    def _on_signed_out(self) -> None:
        """サインアウト: close the window (nothing of it stays visible) and ask who signs in."""
        old, self.window, self.session = self.window, None, None
        if old is not None:
            old.closed.disconnect(self._closed.set)
            old.disconnect_bridge()
            old.close()
            old.deleteLater()
        asyncio.ensure_future(self._ask_sign_in(show=True))

    # -- background work -----------------------------------------------------------------------

    def _spawn(self, name: str, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks[name] = task

    async def _every(self, seconds: float, step: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a failing step must not end the loop
                log.exception("background step %s failed", getattr(step, "__name__", step))
            await asyncio.sleep(seconds)

    async def _send_mail(self) -> None:
        report = await self.ctx.actions.send_due_mail()
        if report.sent and self.session is not None:
            self.session.events.mail_changed.emit()

    async def _poll_status(self) -> None:
        actions, session = self.ctx.actions, self.session
        status = await actions.outbox_status()
        if self.window is not None:
            self.window.set_outbox_status(status.pending, status.failed)
        clinic = await actions.clinic_info() if session is None else None
        clinic_id = session.clinic.id if session is not None else (clinic.id if clinic is not None else None)
        if clinic_id is not None:  # followed while the sign-in screen is up too: nothing is missed after it
            token = await actions.change_token(clinic_id)
            if session is not None and self._last_token is not None and token != self._last_token:
                session.events.billing_changed.emit()
            self._last_token = token

    async def _reconcile(self) -> None:
        await self.ctx.actions.reconcile()

    # -- stop ----------------------------------------------------------------------------------

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def request_close(self) -> None:
        if self.window is not None:
            self.window.close()
        self._closed.set()

    async def stop(self) -> None:
        from desktop.ui import async_ops

        for task in self._tasks.values():
            task.cancel()
        for task in list(self._tasks.values()) + list(async_ops._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*self._tasks.values(), *async_ops._tasks,
                                                  return_exceptions=True), timeout=5)
        self._tasks.clear()
        for server in (self.checkout, self.simulator):
            if server is not None:
                try:
                    await server.stop()
                except Exception:  # noqa: BLE001
                    log.exception("server did not stop cleanly")
        if self.simulator_state is not None:
            self.simulator_state.close()  # stops its webhook sender
        if self.window is not None:
            self.window.disconnect_bridge()
            self.window.deleteLater()
            self.window = None


def _configure_qt_app(argv: list[str]) -> Any:
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("ClinicPay")
    app.setQuitOnLastWindowClosed(False)  # the main coroutine ends the loop after cleaning up
    font = QFont(app.font())
    font.setFamilies(["Yu Gothic UI", "Meiryo UI", "Noto Sans CJK JP", "Noto Sans JP", font.family()])
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    return app


def run(ctx: AppContext, body: Callable[[ClinicPayApp], Awaitable[int]], argv: list[str] | None = None, *,
        checkout_port: int | None = None) -> int:
    """Run ``body`` on the qasync loop with a started app; always stops it and closes ``ctx``."""
    import qasync

    _configure_qt_app(argv or [])

    async def main() -> int:
        app = ClinicPayApp(ctx, checkout_port=checkout_port)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
                loop.add_signal_handler(sig, app.request_close)  # Ctrl+C / kill: close like the window
        try:
            await app.start(show=True)
            return await body(app)
        finally:
            await app.stop()

    try:
        return int(qasync.run(main()))
    finally:
        ctx.close()


async def _until_closed(app: ClinicPayApp) -> int:
    await app.wait_closed()
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desktop", description="ClinicPay (クリニック決済)")
    p.add_argument("--data-dir", help="data directory (default: per-user, or CLINICPAY_DATA_DIR)")
    return p


def main(argv: list[str] | None = None) -> int:
    args, qt_args = _parser().parse_known_args(argv)
    logging.basicConfig(level=os.environ.get("CLINICPAY_LOG", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    data_dir = pathlib.Path(args.data_dir) if args.data_dir else default_data_dir()
    ctx = prepare_context(data_dir)
    return run(ctx, _until_closed, qt_args)
