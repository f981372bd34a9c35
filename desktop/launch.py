"""``python -m desktop``: the 起動中 window within moments, everything slow behind it.

    python -m desktop [--data-dir DIR]      the app

Only Qt, the settings file and the window's translations are loaded before the first window is
shown: on an everyday start the サインイン dialog, opened from the list kept on this PC
(``desktop.services.sign_in_list``), else (a first run, or nothing kept) the 起動中 window
(``desktop.ui.starting.StartingWindow``); logging, the package metadata, SQLAlchemy,
the services, the migrations, the keyring, the demo data (``desktop.app.open_context``) follow
in a worker thread while Qt keeps the window painted; then ``desktop.app.run`` starts the
servers and gives the kept サインイン its database (or puts the サインイン dialog or the main
window in the 起動中 window's place). benchmarks/startup.py
measures both moments (``window shown``, ``ready``).
"""

from __future__ import annotations

import argparse
import logging
import os
import pathlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.config import LocalSettings
from desktop.paths import default_data_dir

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.ui.dialogs.sign_in_dialog import SignInDialog
    from desktop.ui.starting import StartingWindow

log = logging.getLogger(__name__)

STARTUP_PROBE_ENV = "CLINICPAY_STARTUP_PROBE"  # benchmarks/startup.py: report the shown windows, then close
T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desktop", description="ClinicPay (クリニック決済)")
    p.add_argument("--data-dir", help="data directory (default: per-user, or CLINICPAY_DATA_DIR)")
    return p


def main(argv: list[str] | None = None) -> int:
    """The reception app; returns the exit code (1: the start failed or was given up while the
    database stayed locked; 0: closed, also when the 起動中 window was closed before the app was ready).

    A start that fails (the database unreachable, the data folder not writable) is logged and
    shown in a dialog (``desktop.ui.crash.show_startup_failure``).
    """
    args, qt_args = _parser().parse_known_args(argv)
    data_dir = pathlib.Path(args.data_dir) if args.data_dir else default_data_dir()
    from desktop.ui import i18n
    from desktop.ui.qt_app import configure_qt_app

    configure_qt_app(qt_args)
    try:
        settings = LocalSettings.load(data_dir)
    except OSError:  # e.g. the data folder not readable: the worker meets it again and says so in a dialog
        settings = LocalSettings()
    i18n.set_language(settings.language)
    kept = _kept_sign_in(data_dir, settings)  # an everyday start: サインイン at once, from the list kept here
    gave_up: list[bool] = []  # the first window closed before the app was ready
    starting: StartingWindow | None = None
    first: QWidget
    if kept is not None:
        first = kept
        kept.rejected.connect(lambda: gave_up.append(True))
    else:
        from desktop.ui.starting import StartingWindow  # only when shown: its import is not free

        first = starting = StartingWindow()
        starting.set_step(starting.preparing_data_text())
        starting.close_requested.connect(lambda: gave_up.append(True))
    first.show()
    if os.environ.get(STARTUP_PROBE_ENV):
        _probe_first_window(first)

    def open_ctx(ask_retry: Callable[[str], bool]) -> Any:
        from desktop.app import open_context
        from desktop.logs import configure_logging
        from desktop.version import version

        log_file = configure_logging()
        log.info("ClinicPay %s starting; log file %s", version(), log_file)
        return open_context(data_dir, qt_args, ask_retry=ask_retry)

    def close_first() -> None:
        if starting is not None:
            starting.finish()
        else:
            first.hide()
            first.deleteLater()

    try:
        ctx = _open_behind(first, open_ctx)
    except Exception as exc:  # noqa: BLE001 - a windowed app has no console: say it in a dialog
        log.exception("ClinicPay could not start")
        close_first()
        from desktop.ui.crash import show_startup_failure

        show_startup_failure(exc)
        return 1
    if ctx is None or gave_up:  # given up while locked, or the window closed meanwhile
        close_first()
        if ctx is not None:
            ctx.close()
        return 1 if ctx is None else 0
    if starting is not None:
        starting.set_step(starting.starting_servers_text())
    from desktop.app import _until_closed, run

    return run(ctx, _until_closed, qt_args, ask_first_run=True, starting=starting, sign_in=kept)


def _kept_sign_in(data_dir: pathlib.Path, settings: LocalSettings) -> SignInDialog | None:
    """サインイン opened from the list kept on this PC (``desktop.services.sign_in_list``), before the
    database is open; None on a first run or when no usable list is kept (the 起動中 window then)."""
    if not settings.workspace:  # a first run: nothing can be kept yet
        return None
    from desktop.services import sign_in_list

    kept = sign_in_list.load(data_dir, settings)
    if kept is None:
        return None
    from desktop.ui.dialogs.sign_in_dialog import SignInDialog

    return SignInDialog(None, kept.clinic_name, kept.accounts, purpose="start",
                        preselect=settings.staff_id or None, demo=kept.demo)


def _probe_first_window(first: QWidget) -> None:
    """Once Qt has processed the first window's show events: print ``window shown``, then which
    window it is (``first window SignInDialog`` or ``first window StartingWindow``)."""
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, lambda: print("window shown", f"first window {type(first).__name__}", sep="\n", flush=True))


def _open_behind(starting: QWidget, open_ctx: Callable[[Callable[[str], bool]], T]) -> T:
    """``open_ctx(ask_retry)`` in a worker thread while Qt keeps ``starting`` (the 起動中 window, or
    サインイン opened from the kept list) painted and answering.

    The UI thread waits on no disk or network meanwhile: it runs a local Qt event loop until the
    worker is done; the worker starts once that loop runs (after the window's first paint).
    ``ask_retry(message)`` (the database locked) is asked on the UI thread, in a message box over
    ``starting``, while the worker waits for the answer. Returns what ``open_ctx`` returns;
    raises what it raises.
    """
    from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal, Slot
    from PySide6.QtWidgets import QMessageBox

    class Bridge(QObject):
        done = Signal()
        asked = Signal(str)

        def __init__(self) -> None:
            super().__init__()
            self.answer = False
            self.answered = threading.Event()

        @Slot(str)
        def ask(self, message: str) -> None:
            box = QMessageBox(QMessageBox.Icon.Warning, "ClinicPay", message,
                              QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel, starting)
            self.answer = box.exec() == QMessageBox.StandardButton.Retry
            box.deleteLater()
            self.answered.set()

    bridge = Bridge()
    spin = QEventLoop()
    bridge.done.connect(spin.quit, Qt.ConnectionType.QueuedConnection)
    bridge.asked.connect(bridge.ask, Qt.ConnectionType.QueuedConnection)
    opened: list[T] = []
    failed: list[BaseException] = []

    def ask_retry(message: str) -> bool:  # on the worker thread
        bridge.answered.clear()
        bridge.asked.emit(message)
        bridge.answered.wait()
        return bridge.answer

    def work() -> None:
        try:
            opened.append(open_ctx(ask_retry))
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread, raised there
            failed.append(exc)
        finally:
            bridge.done.emit()

    worker = threading.Thread(target=work, name="clinicpay-start", daemon=True)
    QTimer.singleShot(0, worker.start)
    spin.exec()
    worker.join()
    if failed:
        raise failed[0]
    return opened[0]
