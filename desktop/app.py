"""Composition root of the reception app: settings, database, services, servers, loop, window.

Order at start: build the service graph (migrations run here, before the Qt loop), seed the
demo clinic on a fresh data directory, then start the qasync loop, the PAY.JP simulator
(デモ only), the checkout page server and the background tasks, and show the window.
Closing the window stops the tasks and the servers inside the loop, then the loop ends and
``main`` returns 0.

    python -m desktop [--data-dir DIR]      the app
    python -m desktop --self-test           offscreen smoke test in a temporary data directory
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
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from desktop.config import LocalSettings
from desktop.domain.clinic import PaymentMode
from desktop.paths import default_data_dir
from desktop.services.context import AppContext, build_context, set_demo_api_base
from desktop.services.demo import ensure_demo_data
from desktop.services.directory import ClinicUpdate
from desktop.services.embedded_server import EmbeddedServer
from desktop.services.secrets import MemorySecretStore, SecretStore

log = logging.getLogger("desktop.app")

OUTBOX_INTERVAL = 3.0
STATUS_INTERVAL = 2.0
RECONCILE_INTERVAL = 60.0


def prepare_context(data_dir: pathlib.Path, settings: LocalSettings | None = None, *,
                    secrets: SecretStore | None = None) -> AppContext:
    """Open and migrate the database and seed デモ data on a fresh install (blocking; before the loop)."""
    ctx = build_context(data_dir, settings, secrets=secrets)
    if ensure_demo_data(ctx) is not None:
        ctx.settings.save(data_dir)
        log.info("fresh data directory %s: demo clinic created", data_dir)
    return ctx


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
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closed = asyncio.Event()
        self._last_token: Any = None

    # -- start ---------------------------------------------------------------------------------

    async def start(self, *, show: bool = True) -> None:
        from desktop.ui import i18n, messages
        from desktop.ui.i18n import tr

        i18n.set_language(self.ctx.settings.language)
        clinic = self.ctx.clinic()
        startup_errors: list[str] = []
        if clinic is not None and clinic.payment_mode is PaymentMode.DEMO:
            try:
                await self._start_simulator()
            except Exception as exc:  # noqa: BLE001 - shown, the app still opens
                log.exception("simulator did not start")
                startup_errors.append(tr("PAY.JPシミュレーターを起動できませんでした: {reason}", reason=exc))
        try:
            await self._start_checkout()
        except Exception as exc:  # noqa: BLE001
            log.exception("checkout server did not start")
            startup_errors.append(tr("決済ページのサーバーを起動できませんでした（ポート {port}）: {reason}",
                                     port=self.checkout_port, reason=exc))
        self._build_window(show=show)
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
            await self.ctx.runner.db(self.ctx.directory.update_clinic, clinic.id, ClinicUpdate(public_base_url=url))
            clinic = self.ctx.clinic()
        self.checkout_url = (clinic.public_base_url if clinic is not None and clinic.public_base_url else url)

    def _build_window(self, *, show: bool = True) -> None:
        from desktop.ui.main_window import MainWindow
        from desktop.ui.session import UiSession

        session = UiSession.create(self.ctx)
        session.checkout_url = self.checkout_url
        if self.session is not None:
            session.staff_id = self.session.staff_id
        staff = session.queries.staff(session.clinic.id)
        old = self.window
        window = MainWindow(session, staff)
        window.set_server_status(self.checkout_url if self.checkout and self.checkout.running else None)
        window.closed.connect(self._closed.set)
        window.language_changed.connect(self._on_language_changed)
        window.staff_changed.connect(self._on_staff_changed)
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
        messages.info(i18n.tr("言語を変更しました。"))

    def _on_staff_changed(self, staff_id: int) -> None:
        self.ctx.settings.staff_id = staff_id
        self.ctx.settings.save(self.ctx.data_dir)

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
        report = await self.ctx.runner.mail(self.ctx.outbox.send_due)
        if report.sent and self.session is not None:
            self.session.events.mail_changed.emit()

    async def _poll_status(self) -> None:
        ctx, session = self.ctx, self.session
        status = await ctx.runner.db(ctx.outbox.status)
        if self.window is not None:
            self.window.set_outbox_status(status.pending, status.failed)
        if session is not None:
            token = await ctx.runner.db(session.history.change_token, session.clinic.id)
            if self._last_token is not None and token != self._last_token:
                session.events.billing_changed.emit()
            self._last_token = token

    async def _reconcile(self) -> None:
        await self.ctx.runner.payments(self.ctx.billing.reconcile_pending)
        await self.ctx.runner.db(self.ctx.billing.expire_overdue)

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


async def _self_test(app: ClinicPayApp) -> int:
    """Open every screen and dialog once; check the checkout server and the simulator answer."""
    from PySide6.QtWidgets import QDialog

    from desktop.ui import async_ops
    from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
    from desktop.ui.dialogs.refund_dialog import RefundDialog
    from desktop.ui.dialogs.reservation_dialog import ReservationDialog

    async def settle(timeout: float = 10.0) -> None:
        # Never QApplication.processEvents() inside a coroutine: qasync would then wake other
        # tasks re-entrantly ("Cannot enter into task …") and they would never run again.
        end = time.monotonic() + timeout
        while async_ops.pending() and time.monotonic() < end:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)  # let Qt paint (the loop processes Qt events while we wait)

    problems: list[str] = []
    if app.checkout is None or not app.checkout.running:
        problems.append("checkout server not running")
    if app.simulator is None or not app.simulator.running:
        problems.append("simulator not running")
    for server, path in ((app.checkout, "/healthz"), (app.simulator, "/v1/charges")):
        if server is None or not server.running:
            continue
        status = await _http_status(server.base_url + path)
        if status not in (200, 401):
            problems.append(f"{server.base_url}{path} answered {status}")
    window = app.window
    for key in list(window.pages):
        window.show_page(key)
        await settle()
    session = app.session
    rows = await app.ctx.runner.db(session.queries.reservations, session.clinic.id, None)
    if rows:
        detail = await app.ctx.runner.db(session.queries.reservation, rows[0].id)
        dialogs: list[QDialog] = [PaymentRequestDialog(detail, window)]
        patients = await app.ctx.runner.db(session.queries.patients, session.clinic.id)
        menus = await app.ctx.runner.db(session.queries.menus, session.clinic.id)
        dialogs.append(ReservationDialog(patients, menus, rows[0].starts_at.date(), window))
        history = await app.ctx.runner.db(session.history.page, session.clinic.id, __import__(
            "desktop.services.history", fromlist=["HistoryFilter"]).HistoryFilter(), 0, 1)
        if history:
            dialogs.append(RefundDialog(history[0], window))
        for dialog in dialogs:
            dialog.show()
            await asyncio.sleep(0.05)
            dialog.close()
            dialog.deleteLater()
    else:
        problems.append("no reservations in the demo data")
    problems.extend(await _check_payment_link(app))
    await settle()
    if problems:
        print("self-test FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"self-test OK: {len(window.pages)} screens, checkout {app.checkout_url}, "
          f"simulator {app.simulator.base_url if app.simulator else '-'}")
    return 0


async def _check_payment_link(app: ClinicPayApp) -> list[str]:
    """Send one 後決済請求 through the real services and open its link on the checkout server."""
    from desktop.services.demo_mailbox import DemoMailbox, extract_content

    ctx, session = app.ctx, app.session
    rows = await ctx.runner.db(session.queries.reservations, session.clinic.id, None)
    for row in rows:
        detail = await ctx.runner.db(session.queries.reservation, row.id)
        if detail is not None and detail.can_request_post_payment and detail.patient.email:
            break
    else:
        return ["no reservation allows a post-payment request"]
    await ctx.runner.payments(ctx.billing.request_payment, detail.id, session.staff_id, 1200, "taxable")
    await ctx.runner.mail(ctx.outbox.send_due)
    box = DemoMailbox(ctx.data_dir / "mailbox")
    mails = await ctx.runner.db(box.list_messages)
    links = [extract_content(box.get(m.key)).first_link for m in mails]
    link = next((x for x in links if x and "/pay/" in x), None)
    if link is None:
        return ["the payment request mail has no payment link"]
    status = await _http_status(link)
    return [] if status == 200 else [f"payment page {link.split('/pay/')[0]}/pay/… answered {status}"]


async def _http_status(url: str) -> int:
    """GET ``url`` without blocking the loop (no HTTP client in the UI process needed)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), 5)
    writer.write(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return int(line.split()[1])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desktop", description="ClinicPay (クリニック決済)")
    p.add_argument("--self-test", action="store_true", help="open every screen offscreen and exit")
    p.add_argument("--data-dir", help="data directory (default: per-user, or CLINICPAY_DATA_DIR)")
    return p


def main(argv: list[str] | None = None) -> int:
    args, qt_args = _parser().parse_known_args(argv)
    logging.basicConfig(level=os.environ.get("CLINICPAY_LOG", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.self_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        with tempfile.TemporaryDirectory(prefix="clinicpay-selftest-") as tmp:
            data_dir = pathlib.Path(tmp)
            settings = LocalSettings(checkout_port=0, simulator_port=0)
            try:
                ctx = prepare_context(data_dir, settings, secrets=MemorySecretStore())
                return run(ctx, _self_test, qt_args, checkout_port=0)
            except Exception as exc:  # noqa: BLE001
                log.exception("self-test crashed")
                print(f"self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
                return 1
    data_dir = pathlib.Path(args.data_dir) if args.data_dir else default_data_dir()
    ctx = prepare_context(data_dir)
    return run(ctx, _until_closed, qt_args)
