"""The reception app's run: servers, background tasks, loop and window over the built service graph.

Order at start (``desktop.launch``): the 起動中 window is shown first; ``open_context`` opens the
database behind it in a worker thread (``desktop.bootstrap``: migrations, the demo clinic on a
fresh data directory); then ``run`` starts the qasync loop, the PAY.JP simulator (デモ only), the
checkout page server and the background tasks, and the サインイン dialog or the main window takes
the 起動中 window's place; the window receives only the graph's ``DeskActions``.
Closing the window stops the tasks and the servers inside the loop, then the loop ends and
``run`` returns 0.

A fresh install opens the demo and asks 「デモで試す」 or 「クリニックの設定を始める」. The window can
switch between the clinic's database and the demo's (トレーニング) at any time without a restart:
``switch_workspace`` stops the servers and tasks, builds the other graph through
``desktop.bootstrap`` and starts them again around a new window.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import pathlib
import secrets
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from desktop.config import CLINIC, DEMO, LocalSettings
from desktop.domain.clinic import PaymentMode, StaffRole
from desktop.domain.errors import UserError
from desktop.version import version

if TYPE_CHECKING:  # imported when first used: SQLAlchemy, the services and uvicorn load behind the window
    from desktop.asgi_server import EmbeddedServer
    from desktop.services.context import AppContext
    from desktop.ui.dialogs.sign_in_dialog import SignInDialog
    from desktop.ui.starting import StartingWindow

__all__ = ["ClinicPayApp", "open_context", "prepare_context", "run"]

log = logging.getLogger("desktop.app")

OUTBOX_INTERVAL = 3.0
STATUS_INTERVAL = 2.0
RECONCILE_INTERVAL = 60.0
REMINDER_INTERVAL = 300.0  # automatic payment reminders that are due
PAYJP_RECONCILE_INTERVAL = 600.0  # checks whether 照合 with PAY.JP is due (every 6 h, or cut short)
BACKUP_INTERVAL = 3600.0  # checks hourly; a backup is made once 24 h have passed since the last


class ClinicPayApp:
    """One run of the app: the servers, the background tasks and the window.

    Args:
        ctx: the service graph.
        checkout_port: overrides ``settings.checkout_port`` (0 = any free port).
        ask_first_run: on a first run (``ctx.first_run``), ask デモで試す / クリニックの設定を始める.
        starting: the 起動中 window on screen (``desktop.ui.starting.StartingWindow``): closed when
            the サインイン dialog or the main window appears; the main window takes its place and size.
        sign_in: サインイン already on screen instead, opened from the list kept on this PC
            (``desktop.services.sign_in_list``) before the database was open: it receives the
            database's list and the actions rather than a new dialog being opened.
    """

    def __init__(self, ctx: AppContext, *, checkout_port: int | None = None, ask_first_run: bool = False,
                 starting: StartingWindow | None = None, sign_in: SignInDialog | None = None) -> None:
        self.ctx = ctx
        self.starting = starting
        self.kept_sign_in = sign_in
        if sign_in is not None:  # closed before the database's list arrived: the app ends
            sign_in.rejected.connect(self.request_close)
        self.ask_first_run = ask_first_run
        self.first_run_dialog: Any = None
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
        self._window_generation = 0  # a window asked for by an older request (before a sign-out …) is not built
        self._settings_lock = asyncio.Lock()  # settings.json written one at a time, in order
        self._settings_saves: set[asyncio.Future[None]] = set()  # writes ``stop`` waits for
        self._last_token: Any = None
        self._last_audit_id: int | None = None
        self.screen_memory: Any = None  # how staff arranged the screens (ScreenMemory), kept across windows
        self._starting_servers = True  # until the checkout server (and simulator) listen
        if starting is not None:  # closed while the servers start: the app ends instead of opening
            starting.close_requested.connect(self.request_close)

    # -- start ---------------------------------------------------------------------------------

    async def start(self, *, show: bool = True, actor: Any = None) -> None:
        """Start the servers and background tasks, then ask who signs in (or open the window for ``actor``)."""
        from desktop.ui import i18n, messages

        i18n.set_language(self.ctx.settings.language)
        asking = self.ctx.first_run and self.ask_first_run
        if asking and actor is None and self.ctx.training:
            actor = await self._demo_manager()  # the demo shows behind the first-run question
        await self._start_workspace(show=show, actor=actor)
        if asking and not self._closed.is_set():
            self._ask_first_run()

    async def _demo_manager(self) -> Any:
        """The demo's 院長, signed in with the published トレーニング password (None if that fails)."""
        clinic = await self.ctx.actions.clinic_info()
        if clinic is None:
            return None
        demo = await self.ctx.actions.demo_accounts(clinic.id)
        accounts = {a.name: a.id for a in await self.ctx.actions.staff_accounts(clinic.id)}
        manager = next((d for d in demo if d.name in accounts and d.role is StaffRole.MANAGER), None)
        if manager is None:
            return None
        try:
            return await self.ctx.actions.sign_in(accounts[manager.name], manager.password)
        except UserError as exc:  # e.g. the demo account locked: the sign-in screen is shown instead
            log.info("demo sign-in at first run refused: %s", exc.code)
            return None

    async def _start_workspace(self, *, show: bool = True, actor: Any = None) -> None:
        """Servers, then the window (``actor`` given) or サインイン first and the servers behind it.

        Nobody signed in yet: the サインイン dialog comes first and the servers start while the
        person types (a window opened before they listen says 決済ページ: 起動中… until they do;
        no link can be made before sign-in). Someone signed in (the demo's 院長 at a first run):
        the window after the servers, so that a デモ link always carries the port the checkout
        server got.
        """
        from desktop.ui import messages

        if actor is None:
            await self._ask_sign_in(show=show)
            self._shown(show)
        else:
            self._drop_kept_sign_in()
        startup_errors = await self._start_servers()
        if self._closed.is_set():  # the 起動中 window or サインイン was closed meanwhile: nothing opens
            return
        if actor is not None:
            data = await self._window_data()
            if self._closed.is_set():
                return
            self._build_window(*data, actor, show=show)
            self._shown(show)
        elif self.window is not None:  # signed in before the servers listened
            self.window.set_server_status(self.checkout_url if self.checkout and self.checkout.running else None)
            self.session.checkout_url = self.checkout_url
        for text in startup_errors:
            messages.error(text)
        self._spawn("outbox", self._every(OUTBOX_INTERVAL, self._send_mail))
        self._spawn("status", self._every(STATUS_INTERVAL, self._poll_status))
        self._spawn("reconcile", self._every(RECONCILE_INTERVAL, self._reconcile))
        self._spawn("reminders", self._every(REMINDER_INTERVAL, self._send_reminders))
        self._spawn("payjp_reconcile", self._every(PAYJP_RECONCILE_INTERVAL, self._reconcile_with_payjp))
        if not self.ctx.training:
            self._spawn("backup", self._every(BACKUP_INTERVAL, self._backup))

    def _shown(self, show: bool) -> None:
        """The サインイン dialog or the main window is up: the 起動中 window gives way (and the probe reports)."""
        if self.starting is not None and (self.window is not None or self.sign_in_dialog is not None):
            self.starting.finish()
            self.starting = None
        if show and os.environ.get(STARTUP_PROBE_ENV):
            _report_when_shown(self)

    async def _start_servers(self) -> list[str]:
        """The PAY.JP simulator (デモ, トレーニング) and the checkout server; what failed, as texts to show."""
        from desktop.ui import i18n

        # uvicorn, Starlette, the templates, the simulator: read from disk in a worker of the graph's
        # blocking-I/O pool, not on the UI thread (which stays responsive meanwhile)
        await self.ctx.runner.db(_load_server_modules)
        clinic = await self.ctx.runner.db(self.ctx.clinic)
        errors: list[str] = []
        if self.ctx.training or (clinic is not None and clinic.payment_mode is PaymentMode.DEMO):
            try:
                await self._start_simulator()
            except Exception as exc:  # noqa: BLE001 - shown, the app still opens
                log.exception("simulator did not start")
                errors.append(i18n.simulator_failed_text(exc))
        try:
            await self._start_checkout()
        except Exception as exc:  # noqa: BLE001
            log.exception("checkout server did not start")
            errors.append(i18n.checkout_failed_text(self.checkout_port, exc))
        self._starting_servers = False
        return errors

    def _ask_first_run(self) -> None:
        from desktop.ui.setup.first_run_dialog import FirstRunDialog

        dialog = FirstRunDialog(self.window)
        self.first_run_dialog = dialog

        def chosen(choice: str) -> None:
            self.first_run_dialog = None
            if choice == CLINIC:
                asyncio.ensure_future(self.switch_workspace(CLINIC))
            else:
                self.ctx.first_run = False
                self.ctx.settings.workspace = DEMO
                self._save_settings()
                self._write_behind(self._keep_demo_sign_in_list())

        dialog.chosen.connect(chosen)
        dialog.open()

    async def switch_workspace(self, workspace: str) -> None:
        """Open the clinic's database (``"clinic"``) or the demo's (``"demo"``, トレーニング), no restart.

        The servers and tasks of the open one stop, the other graph is built by
        ``desktop.bootstrap.prepare_context`` (a new clinic to set up when the clinic's database
        is empty) and a new window replaces the old one. Choosing the clinic is remembered in
        ``settings.json``; トレーニング is not (the next start opens the clinic again).
        """
        if workspace == self.ctx.workspace and not self.ctx.first_run:
            return
        from desktop.ui import i18n, messages

        old = self.ctx
        self._window_generation += 1
        await self._stop_workspace()
        try:  # migrations and the demo seed run in the old graph's db pool, off the UI thread
            ctx = await old.runner.db(lambda: prepare_context(old.data_dir, old.settings, secrets=old.secrets,
                                                              workspace=workspace))
        except Exception as exc:  # noqa: BLE001 - e.g. the clinic's PostgreSQL unreachable: stay where we were
            log.exception("could not open the %s database", workspace)
            await self._start_workspace(show=True, actor=self.session.actor if self.session is not None else None)
            messages.error(i18n.workspace_failed_text(type(exc).__name__))
            return
        if workspace == CLINIC:
            old.settings.workspace = CLINIC
            await old.runner.db(old.settings.save, old.data_dir)
        old.close()
        self.ctx = ctx
        self.session = None
        self._last_token = self._last_audit_id = None
        self._close_window()  # nothing of the other database stays on screen while someone signs in
        await self._start_workspace(show=True)

    async def _stop_workspace(self) -> None:
        from desktop.ui import async_ops

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
            self.simulator_state.close()
        self.checkout = self.simulator = self.simulator_state = None
        self.checkout_url = None

    async def _start_simulator(self) -> None:
        from desktop.services.context import set_demo_api_base
        from desktop.simulator.server import embedded_simulator
        from desktop.simulator.store import SimulatorState

        self.simulator_state = SimulatorState(self.ctx.data_dir / "simulator.json")
        self.simulator = embedded_simulator(self.simulator_state, "127.0.0.1", self.ctx.settings.simulator_port)
        url = await self.simulator.start()
        set_demo_api_base(self.ctx, url)

    async def _start_checkout(self) -> None:
        from desktop.asgi_server import EmbeddedServer
        from desktop.services.checkout.app import create_checkout_app

        demo_token: str | None = None
        if self.simulator_state is not None:
            # デモ: the built-in PAY.JP sends its webhooks to our checkout server, as PAY.JP would.
            demo_token = secrets.token_urlsafe(24)
        app = create_checkout_app(self.ctx, webhook_token=(lambda: demo_token) if demo_token else None)
        server = EmbeddedServer(app, self.ctx.settings.checkout_host, self.checkout_port, name="checkout",
                                trusted_proxies=self.ctx.settings.trusted_proxies)
        url = await server.start()
        self.checkout = server
        if demo_token is not None:
            self.simulator_state.configure_webhook(f"{url}/webhooks/payjp", demo_token)
        clinic = await self.ctx.runner.db(self.ctx.clinic)
        if clinic is not None and clinic.payment_mode is PaymentMode.DEMO and clinic.public_base_url != url:
            # デモ links point at this PC's server, wherever it ended up listening
            await self.ctx.runner.db(self.ctx.directory.system_set_link_base, clinic.id, url)
            clinic = await self.ctx.runner.db(self.ctx.clinic)
        self.checkout_url = (clinic.public_base_url if clinic is not None and clinic.public_base_url else url)

    async def _ask_sign_in(self, *, show: bool = True) -> None:
        """サインイン: the staff list and a password or PIN (the window opens for who signs in)."""
        from desktop.ui.dialogs.sign_in_dialog import SignInDialog

        ctx = self.ctx
        clinic = await ctx.actions.clinic_info()
        if clinic is None:
            self._drop_kept_sign_in()
            return
        accounts = await ctx.actions.staff_accounts(clinic.id)
        demo = await ctx.actions.demo_accounts(clinic.id)
        kept, self.kept_sign_in = self.kept_sign_in, None
        if kept is not None and not kept.isVisible():  # closed by the person before the list was read
            self._drop(kept)
            self.request_close()
            return
        if self._closed.is_set() or ctx is not self.ctx:
            self._drop(kept)
            return
        if kept is not None and kept.attach(ctx.actions, clinic.name, accounts, demo):
            kept.rejected.disconnect(self.request_close)
            dialog = kept
        else:
            self._drop(kept)
            dialog = SignInDialog(ctx.actions, clinic.name, accounts, purpose="start",
                                  preselect=ctx.settings.staff_id or None, demo=demo)
            if show:
                dialog.open()
        dialog.signed_in.connect(self._on_signed_in)
        dialog.rejected.connect(self._closed.set)
        self.sign_in_dialog = dialog
        self._write_behind(self._keep_sign_in_list(clinic.name, accounts, demo))

    def _drop_kept_sign_in(self) -> None:
        kept, self.kept_sign_in = self.kept_sign_in, None
        self._drop(kept)

    def _drop(self, kept: SignInDialog | None) -> None:
        """Take the kept サインイン off the screen without ending the app (its list did not fit)."""
        if kept is None:
            return
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            kept.rejected.disconnect(self.request_close)
        kept.hide()
        kept.deleteLater()

    async def _keep_sign_in_list(self, clinic_name: str, accounts: list[Any], demo: list[Any]) -> None:
        """Keep what サインイン lists (``desktop.services.sign_in_list``): the next start opens it at once."""
        from desktop.services import sign_in_list

        ctx = self.ctx
        if ctx.settings.workspace:  # a first run keeps nothing until デモ or the clinic is chosen
            # under the database open now (トレーニング is not remembered in settings.json)
            await ctx.runner.db(functools.partial(sign_in_list.save, ctx.data_dir, ctx.settings,
                                                  sign_in_list.SignInList.of(clinic_name, accounts, demo),
                                                  workspace=ctx.workspace))

    async def _keep_demo_sign_in_list(self) -> None:
        """デモで試す chosen on a first run: keep the demo's サインイン list for the next start."""
        ctx = self.ctx
        clinic = await ctx.actions.clinic_info()
        if clinic is not None:
            await self._keep_sign_in_list(clinic.name, await ctx.actions.staff_accounts(clinic.id),
                                          await ctx.actions.demo_accounts(clinic.id))

    def _on_signed_in(self, actor: Any) -> None:
        dialog, self.sign_in_dialog = self.sign_in_dialog, None
        if dialog is not None:
            dialog.rejected.disconnect(self._closed.set)
            dialog.deleteLater()
        self._on_staff_changed(actor.staff_id)
        self._open_window(actor)

    async def _window_data(self) -> tuple[Any, list[Any]]:
        """The clinic and its staff for a new main window, read in the database pool."""
        clinic = await self.ctx.actions.clinic_info()
        if clinic is None:
            raise RuntimeError("no clinic in the database")
        return clinic, await self.ctx.actions.staff_accounts(clinic.id)

    def _open_window(self, actor: Any = None, *, keep_view: bool = False, then: Callable[[], None] | None = None) -> None:
        """The main window for ``actor`` (default: who is signed in), once its data is read off the UI thread.

        A later request (another window, サインアウト, a switch of database, closing) supersedes
        this one: its window is then not built. If the read fails, a window left locked for the
        new person asks for a password again (it never opens for them unlocked).
        """
        from desktop.ui import async_ops

        self._window_generation += 1
        generation, ctx, old = self._window_generation, self.ctx, self.window

        def current() -> bool:
            return not self._closed.is_set() and generation == self._window_generation and ctx is self.ctx

        def build(data: tuple[Any, list[Any]]) -> None:
            if not current() or (actor is None and self.session is None):
                return
            self._build_window(*data, actor, show=True, keep_view=keep_view)
            if then is not None:
                then()

        def failed(_exc: BaseException) -> bool:
            if current() and old is not None and old is self.window and old.locked:
                old.lock_again()
            return False  # the error itself is shown as any other

        async_ops.run_op(self._window_data(), on_success=build, on_failure=failed, name="open-window")

    def _build_window(self, clinic: Any, accounts: list[Any], actor: Any = None, *, show: bool = True,
                      keep_view: bool = False) -> None:
        """The main window over ``clinic`` and its staff ``accounts`` (read beforehand, not here)."""
        from desktop.ui.main_window import MainWindow
        from desktop.ui.session import ScreenMemory, UiSession

        ctx = self.ctx
        if actor is None:
            actor = self.session.actor
        session = UiSession.create(ctx.actions, clinic, actor)
        session.checkout_url = self.checkout_url
        session.training = ctx.training
        session.clinic_chosen = ctx.settings.workspace == CLINIC
        if self.screen_memory is None:
            self.screen_memory = ScreenMemory()
        session.screen = self.screen_memory
        old = self.window
        window = MainWindow(session, accounts)
        if old is not None and keep_view:
            window.restore_view_state(old.view_state())
        window.workspace_requested.connect(lambda ws: asyncio.ensure_future(self.switch_workspace(ws)))
        window.set_server_status(self.checkout_url if self.checkout and self.checkout.running else None,
                                 starting=self._starting_servers)
        window.closed.connect(self._closed.set)
        window.language_changed.connect(self._on_language_changed)
        window.staff_changed.connect(self._on_switched)
        window.signed_out.connect(self._on_signed_out)
        if old is None and self.starting is not None:
            window.keep_geometry(self.starting.geometry())  # where the 起動中 window was
        relock = old is not None and old.locked and actor.staff_id == old.session.staff_id
        if old is not None:
            window.keep_geometry(old.geometry())
            old.closed.disconnect(self._closed.set)
            old.disconnect_bridge()
            old.close()
            old.deleteLater()
        self.session, self.window = session, window
        if show:
            window.show()
        if relock:  # locked (ロック or the idle timer) while the window was rebuilt: it stays locked
            window.lock(idle=False, audit=False)

    def _on_language_changed(self, lang: str) -> None:
        from desktop.ui import i18n, messages

        self.ctx.settings.language = lang
        self._save_settings()
        i18n.set_language(lang)
        # the same page, day, search and selection
        self._open_window(keep_view=True, then=lambda: messages.info(i18n.language_changed_text()))

    def _on_staff_changed(self, staff_id: int) -> None:
        if self.ctx.training:
            return  # the demo's staff are not this PC's
        self.ctx.settings.staff_id = staff_id
        self._save_settings()

    def _save_settings(self) -> None:
        """Write this PC's settings (``settings.json``) in the database pool, not on the UI thread:
        one write at a time, in order, never cancelled by a switch of database (``stop`` waits for them)."""
        ctx = self.ctx

        async def write() -> None:
            async with self._settings_lock:
                await ctx.runner.db(ctx.settings.save, ctx.data_dir)

        self._write_behind(write())

    def _write_behind(self, work: Awaitable[None]) -> None:
        """A small file write (settings.json, sign_in.json) that nothing waits for, except ``stop``."""
        task = asyncio.ensure_future(work)
        self._settings_saves.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Future[None]) -> None:
        self._settings_saves.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a settings file could not be written: %s", type(task.exception()).__name__)

    def _on_switched(self, actor: Any) -> None:
        """担当スタッフ switched (or someone else unlocked): a window for their role."""
        self._on_staff_changed(actor.staff_id)
        self._open_window(actor)

    def _on_signed_out(self) -> None:
        """サインアウト: close the window (nothing of it stays visible) and ask who signs in."""
        self._window_generation += 1  # a window still being read for someone is not opened
        self.session = None
        self._close_window()
        asyncio.ensure_future(self._ask_sign_in(show=True))

    def _close_window(self) -> None:
        """Close the main window (closing it does not end the app)."""
        old, self.window = self.window, None
        if old is not None:
            old.closed.disconnect(self._closed.set)
            old.disconnect_bridge()
            old.close()
            old.deleteLater()

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
            except UserError as exc:  # e.g. the database busy: the next round tries again
                log.info("background step %s: %s; next round tries again", getattr(step, "__name__", step), exc.code)
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
            audit_id = await actions.latest_audit_id()  # anything recorded, here or on another PC
            if session is not None and self._last_audit_id is not None and audit_id != self._last_audit_id:
                session.events.audit_recorded.emit()
            self._last_audit_id = audit_id

    async def _reconcile(self) -> None:
        await self.ctx.actions.reconcile()

    async def _reconcile_with_payjp(self) -> None:
        if await self.ctx.actions.reconcile_with_payjp_due() and self.session is not None:
            self.session.events.billing_changed.emit()

    async def _send_reminders(self) -> None:
        if await self.ctx.actions.send_due_reminders() and self.session is not None:
            self.session.events.mail_changed.emit()

    async def _backup(self) -> None:
        made = await self.ctx.actions.daily_backup(self.ctx.settings.backup_keep_days)
        if made is not None:
            log.info("daily backup written: %s", made.name)

    # -- stop ----------------------------------------------------------------------------------

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def request_close(self) -> None:
        if self.window is not None:
            self.window.close()
        self._closed.set()

    async def stop(self) -> None:
        self._window_generation += 1
        if self.first_run_dialog is not None:
            self.first_run_dialog.close()
        self._drop_kept_sign_in()
        if self._settings_saves:
            await asyncio.gather(*self._settings_saves, return_exceptions=True)
        await self._stop_workspace()  # the simulator's state closes its webhook sender there
        if self.window is not None:
            self.window.disconnect_bridge()
            self.window.deleteLater()
            self.window = None


def _load_server_modules() -> None:
    import desktop.asgi_server  # noqa: F401
    import desktop.services.checkout.app  # noqa: F401
    import desktop.simulator.server  # noqa: F401
    import desktop.simulator.store  # noqa: F401


def _configure_qt_app(argv: list[str]) -> Any:
    from desktop.ui.qt_app import configure_qt_app

    return configure_qt_app(argv, version())


def run(ctx: AppContext, body: Callable[[ClinicPayApp], Awaitable[int]], argv: list[str] | None = None, *,
        checkout_port: int | None = None, ask_first_run: bool = False,
        starting: StartingWindow | None = None, sign_in: SignInDialog | None = None) -> int:
    """Run ``body`` on the qasync loop with a started app; always stops it and closes its graph.

    The graph closed at the end is the one open then (``ctx``, or the one a switch to or from
    トレーニング built). ``starting``: the 起動中 window on screen, replaced by the サインイン dialog
    or the main window once the servers listen; or ``sign_in``: サインイン on screen from the list
    kept on this PC (``ClinicPayApp``).
    """
    import qasync

    from desktop.ui.crash import install_crash_reporter

    _configure_qt_app(argv or [])
    opened: list[ClinicPayApp] = []
    reporter = install_crash_reporter()  # an unexpected exception: logged, shown, the app runs on

    async def main() -> int:
        app = ClinicPayApp(ctx, checkout_port=checkout_port, ask_first_run=ask_first_run, starting=starting,
                           sign_in=sign_in)
        opened.append(app)
        loop = asyncio.get_running_loop()
        reporter.install_loop(loop)
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
        reporter.uninstall()
        if starting is not None:
            starting.finish()
        (opened[0].ctx if opened else ctx).close()


STARTUP_PROBE_ENV = "CLINICPAY_STARTUP_PROBE"  # benchmarks/startup.py: report the shown windows, then close


def _report_when_shown(app: ClinicPayApp) -> None:
    """Once Qt has processed the show events of the サインイン dialog or the main window: print
    ``ready`` and close the app (``desktop.launch`` printed ``window shown`` for the first window)."""
    from PySide6.QtCore import QTimer

    def report() -> None:
        print("ready", flush=True)
        app.request_close()

    QTimer.singleShot(0, report)


async def _until_closed(app: ClinicPayApp) -> int:
    await app.wait_closed()
    return 0


def prepare_context(data_dir: pathlib.Path, settings: LocalSettings | None = None, **kwargs: Any) -> AppContext:
    """``desktop.bootstrap.prepare_context``, imported on first use (it loads SQLAlchemy and every service)."""
    from desktop.bootstrap import prepare_context as prepare

    return prepare(data_dir, settings, **kwargs)


def open_context(data_dir: pathlib.Path, qt_args: list[str],
                 ask_retry: Callable[[str], bool] | None = None) -> AppContext | None:
    """``prepare_context``; while the database stays locked by another PC or program, say so
    and offer to try again (``ask_retry(message)``; default: a Qt message box). None: given up."""
    from desktop.domain.errors import DatabaseBusyError

    while True:
        try:
            return prepare_context(data_dir)
        except DatabaseBusyError as exc:
            lang = LocalSettings.load(data_dir).language
            message = exc.message("en" if lang == "en" else "ja")
            log.info("database busy at start-up: %s", exc.code)
            if not (ask_retry or _ask_retry_dialog(qt_args))(message):
                return None


def _ask_retry_dialog(qt_args: list[str]) -> Callable[[str], bool]:
    def ask(message: str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        _configure_qt_app(qt_args)
        box = QMessageBox(QMessageBox.Icon.Warning, "ClinicPay", message,
                          QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel)
        return bool(box.exec() == QMessageBox.StandardButton.Retry)

    return ask

