"""Unexpected exceptions: logged, then shown in plain words with a button to copy the details.

``CrashReporter.install()`` hooks ``sys.excepthook`` (exceptions escaping a Qt slot or an event
handler), ``threading.excepthook`` (a worker thread) and, with ``install_loop(loop)``, the asyncio
loop's exception handler (a task or callback nobody awaited). Each exception is logged with its
traceback (``desktop.logs`` masks personal data in the file) and then shown in a ``CrashDialog``
on the GUI thread.

The app keeps running: nothing is closed or reset, so an open dialog keeps what the user typed
in it; the crash dialog is a separate, non-modal window that says so. While one crash dialog is
open, later exceptions are added to it (with a count) instead of opening a pile of windows.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QUrl, Qt, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout
from PySide6.QtWidgets import QWidget

from desktop.logs import current_log_file, redact
from desktop.version import version

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def describe(exc_info: ExcInfo, where: str) -> str:
    """The text the copy button puts on the clipboard: version, platform, where, the traceback (masked)."""
    from PySide6 import __version__ as pyside_version

    lines = [
        f"ClinicPay {version()}",
        f"Python {platform.python_version()}, PySide6 {pyside_version}, {platform.platform()}",
        f"where: {where}",
        "",
        *traceback.format_exception(*exc_info),
    ]
    return redact("\n".join(line.rstrip("\n") for line in lines))


class CrashDialog(QDialog):
    """予期しないエラー: what happened in plain words, where the log is, the details to copy."""

    def __init__(self, log_file: Path | None, parent: QWidget | None = None, *, fatal: bool = False) -> None:
        super().__init__(parent)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.log_file = log_file
        self.count = 0
        layout = QVBoxLayout(self)
        if fatal:  # the app could not start: nothing is open, nothing was typed
            title, headline, explanation = self.tr("起動できませんでした"), self.tr("クリニック決済を起動できませんでした。"), self.tr(
                "データベースやデータフォルダーを開けなかった可能性があります。\n"
                "複数のPCで使っている場合は、データベースのサーバーとネットワークを確かめてから、もう一度起動してください。\n"
                "続く場合は、「詳細をコピー」を押してサポート担当者に送ってください。")
        else:
            title, headline, explanation = self.tr("予期しないエラー"), self.tr("予期しないエラーが起きました。"), self.tr(
                "アプリはこのまま使えます。開いている画面と入力中の内容はそのまま残っています。\n"
                "直前の操作が終わっていない可能性があるため、結果を画面で確かめてから続けてください。\n"
                "繰り返し起きる場合は、「詳細をコピー」を押してサポート担当者に送ってください。")
        self.setWindowTitle(title)
        self.headline = QLabel(headline)
        self.headline.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.explanation = QLabel(explanation)
        self.explanation.setWordWrap(True)
        if log_file is not None:
            where = self.tr("記録はログファイルにあります: {path}").format(path=log_file)
        else:
            where = self.tr("ログファイルを作成できなかったため、詳細はこの画面にのみあります。")
        self.log_label = QLabel(where)
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.count_label = QLabel()
        self.count_label.hide()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("詳細"))
        self.details.setMinimumHeight(160)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(self.tr("詳細をコピー"))
        self.open_log_button = QPushButton(self.tr("ログのフォルダーを開く"))
        self.open_log_button.setEnabled(log_file is not None)
        self.close_button = QPushButton(self.tr("閉じる"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        for widget in (self.headline, self.explanation, self.log_label, self.count_label, self.details):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        self.copy_button.clicked.connect(self.copy_details)
        self.open_log_button.clicked.connect(self.open_log_folder)
        self.close_button.clicked.connect(self.close)
        self.close_button.setDefault(True)
        self.resize(640, 420)

    def add(self, details: str) -> None:
        """Append one exception's details (the first one fills the box)."""
        self.count += 1
        if self.count == 1:
            self.details.setPlainText(details)
        else:
            self.details.appendPlainText("\n" + "-" * 60 + "\n" + details)
            self.count_label.setText(self.tr("このエラーは {n} 回起きました。").format(n=self.count))
            self.count_label.show()

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText(self.tr("コピーしました"))

    def open_log_folder(self) -> None:
        if self.log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file.parent)))


class CrashReporter(QObject):
    """Logs unexpected exceptions from any thread and shows them on the GUI thread.

    Signals:
        reported(details): an exception was logged; connected (queued across threads) to the dialog.
    """

    reported = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dialog: CrashDialog | None = None
        self._previous: tuple[Any, Any] | None = None
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)

    # -- hooks ----------------------------------------------------------------------------------

    def install(self) -> None:
        """Replace ``sys.excepthook`` and ``threading.excepthook`` (``uninstall`` puts them back)."""
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def install_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Route the loop's unhandled task and callback exceptions here."""
        loop.set_exception_handler(self._loop_handler)

    def _sys_hook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.handle((exc_type, exc, tb), "main thread")

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        self.handle((args.exc_type, args.exc_value, args.exc_traceback), f"thread {name}")

    def _loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if not isinstance(exc, Exception):
            # no exception (e.g. "Task was destroyed but it is pending!"), or a cancellation
            if exc is None:
                loop.default_exception_handler(context)
            return
        task = context.get("task") or context.get("future")
        where = f"task {task.get_name()}" if isinstance(task, asyncio.Task) else "event loop callback"
        self.handle((type(exc), exc, exc.__traceback__), where)

    # -- report ---------------------------------------------------------------------------------

    def handle(self, exc_info: ExcInfo, where: str) -> None:
        """Log the exception and (from any thread) have the dialog show it. Never raises."""
        try:
            log.error("unexpected error in %s", where, exc_info=exc_info)
            self.reported.emit(describe(exc_info, where))
        except Exception:  # noqa: BLE001 - the hook itself must not fail
            traceback.print_exception(*exc_info)

    @Slot(str)
    def _show(self, details: str) -> None:
        if self.dialog is None or not shiboken6.isValid(self.dialog) or not self.dialog.isVisible():
            app = QApplication.instance()
            parent = app.activeWindow() if isinstance(app, QApplication) else None
            self.dialog = CrashDialog(current_log_file(), parent)
            self.dialog.destroyed.connect(self._forget)
        self.dialog.add(details)
        self.dialog.show()
        self.dialog.raise_()

    def _forget(self) -> None:
        self.dialog = None


def show_startup_failure(exc: BaseException) -> None:
    """The app could not start (database, data folder): say so in a dialog and wait until it is closed.

    Creates the QApplication when there is none yet (the failure came before the window).
    """
    app = QApplication.instance() or QApplication([sys.argv[0]])
    dialog = CrashDialog(current_log_file(), fatal=True)
    dialog.add(describe((type(exc), exc, exc.__traceback__), "start"))
    dialog.close_button.setText(dialog.tr("終了"))
    dialog.exec()
    del app


_reporter: list[CrashReporter] = []


def install_crash_reporter() -> CrashReporter:
    """The process's reporter, hooked into ``sys`` and ``threading`` (needs a QApplication)."""
    if not _reporter:
        _reporter.append(CrashReporter())
    _reporter[0].install()
    return _reporter[0]
