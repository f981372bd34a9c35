"""Background work in one line, with progress, success and failure (as Anki's ``CollectionOp``).

``run_op(actions.refund(...), busy=[button], busy_text=self.tr("送信中…"),
on_success=...)`` disables the widgets (a second click does nothing), shows progress, awaits
the service coroutine on the qasync loop, restores the widgets, and then either calls
``on_success(result)`` or routes the error to ``messages`` (``on_failure`` may handle it
first and return True, e.g. to show a validation error next to its field).

Every task is kept in ``_tasks`` until done, and an exception escaping a callback is logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QWidget

from desktop.ui import messages

log = logging.getLogger(__name__)
T = TypeVar("T")

_tasks: set[asyncio.Task[Any]] = set()
_deferred = [0]


def pending() -> int:
    """How many operations are still running or about to call back (tests wait for 0)."""
    return len(_tasks) + _deferred[0]


def call_soon_outside(fn: Callable[[], None]) -> None:
    """Call ``fn`` from Qt's event loop, outside any coroutine: it may open a modal dialog.

    A dialog's ``exec()`` inside a coroutine nests event loops under asyncio's feet (qasync's
    ``modal_example.py``); a zero-timer callback is an ordinary Qt slot.
    """
    _deferred[0] += 1

    def call() -> None:
        try:
            fn()
        except RuntimeError as exc:
            if "already deleted" not in str(exc):
                log.exception("callback failed")
            else:  # its window was closed or rebuilt (another language, staff) while the work ran
                log.info("callback dropped: its widget is gone")
        except Exception:  # noqa: BLE001
            log.exception("callback failed")
        finally:
            _deferred[0] -= 1

    QTimer.singleShot(0, call)


def _done(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("background operation crashed", exc_info=(type(exc), exc, exc.__traceback__))


def spawn(coro: Awaitable[Any], name: str = "op") -> asyncio.Task[Any]:
    """Start ``coro`` on the running loop, keeping a reference until it ends."""
    task = asyncio.ensure_future(coro)
    task.set_name(name)
    _tasks.add(task)
    task.add_done_callback(_done)
    return task


def run_op(
    work: Awaitable[T],
    *,
    busy: Iterable[QWidget] = (),
    busy_text: str | None = None,
    on_success: Callable[[T], None] | None = None,
    on_failure: Callable[[BaseException], bool] | None = None,
    name: str = "op",
) -> asyncio.Task[Any]:
    """Run ``work`` off the UI's back; see the module docstring."""
    widgets = list(busy)
    saved: list[tuple[QWidget, bool, str | None]] = []
    for w in widgets:
        text = w.text() if isinstance(w, QAbstractButton) else None
        saved.append((w, w.isEnabled(), text))
        w.setEnabled(False)
        if busy_text and isinstance(w, QAbstractButton):
            w.setText(busy_text)
    bridge = messages.bridge()
    bridge.add_busy(1)

    async def run() -> None:
        try:
            result = await work
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is shown, none escapes
            if on_failure is None or not on_failure(exc):
                messages.exception(exc)
            return
        finally:
            bridge.add_busy(-1)
            for w, enabled, text in saved:
                if shiboken6.isValid(w):
                    w.setEnabled(enabled)
                    if text is not None and isinstance(w, QAbstractButton):
                        w.setText(text)
        if on_success is not None:
            call_soon_outside(lambda: on_success(result))

    return spawn(run(), name)
