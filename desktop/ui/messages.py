"""The one place that shows messages to staff (as qutebrowser's ``utils/message.py``).

``error`` / ``warning`` / ``info`` log the text and emit ``shown``; the main window shows it
in a non-blocking banner. ``exception`` picks the text by type: a ``UserError`` is shown in
the UI language, anything else is logged with its traceback and shown as a short generic
message — never ``repr(e)``. Tests read ``bridge().history``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from desktop.domain.errors import UserError, message_for
from desktop.ui import i18n

log = logging.getLogger(__name__)


class MessageBridge(QObject):
    """Signals:
        shown(level, text): a message to show ("error", "warning" or "info").
        busy_changed(count): how many background operations run now.
    """

    shown = Signal(str, str)
    busy_changed = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.history: list[tuple[str, str]] = []
        self.busy = 0

    def post(self, level: str, text: str) -> None:
        self.history.append((level, text))
        del self.history[:-200]
        self.shown.emit(level, text)

    def add_busy(self, delta: int) -> None:
        self.busy = max(0, self.busy + delta)
        self.busy_changed.emit(self.busy)


_bridge: MessageBridge | None = None


def bridge() -> MessageBridge:
    global _bridge
    if _bridge is None:
        _bridge = MessageBridge()
    return _bridge


def error(text: str) -> None:
    log.error("shown: %s", text)
    bridge().post("error", text)


def warning(text: str) -> None:
    log.warning("shown: %s", text)
    bridge().post("warning", text)


def info(text: str) -> None:
    log.info("shown: %s", text)
    bridge().post("info", text)


def exception(exc: BaseException) -> None:
    """Show an exception the way a person should see it."""
    if isinstance(exc, UserError):
        log.info("user error %s: %s", exc.code, exc.message("en"))
        bridge().post("error", exc.message(i18n.language()))
        return
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    bridge().post("error", message_for(exc, i18n.language()))
