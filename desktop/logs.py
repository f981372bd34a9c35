"""The app's log: a rotating file in the per-user log directory, plus stderr when there is one.

``configure_logging()`` is called once at start (the app, the self-test, the checkout server).
Records are written in UTC (``2026-11-30T09:15:02.123Z``). Nothing personal or secret belongs in
a log message; as a second line of defence every line written (message and traceback) passes
through ``redact``, which masks e-mail addresses, Japanese phone numbers, PAY.JP secret keys,
bearer tokens and the payment-link tokens of ``/pay/…`` URLs.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import time
from pathlib import Path

from desktop.paths import log_dir

LOG_FILE = "clinicpay.log"
MAX_BYTES = 2_000_000  # per file; with BACKUP_COUNT old files at most ~12 MB in all
BACKUP_COUNT = 5
FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s [%(threadName)s]: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(sk|rk)_(live|test)_[0-9A-Za-z]+"), r"\1_\2_***"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 ***"),
    (re.compile(r"(?i)(password|passwd|secret|token)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",&]+"), r"\1\2***"),
    (re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "***@***"),
    (re.compile(r"(?<![\d-])0\d{1,4}-?\d{1,4}-?\d{3,4}(?![\d-])"), "0**-****-****"),
    (re.compile(r"(/pay/)[A-Za-z0-9_-]{8,}"), r"\1***"),
)

_handler_tag = "clinicpay"
_current: list[Path] = []


def redact(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers, secret keys and link tokens masked."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """UTC timestamps; the whole formatted record (traceback included) passes through ``redact``."""

    def __init__(self, fmt: str, datefmt: str) -> None:
        super().__init__(fmt, datefmt)
        self.converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def current_log_file() -> Path | None:
    """The file this process logs to, or None before ``configure_logging`` (or when it could not open it)."""
    return _current[-1] if _current else None


def configure_logging(level: str | int | None = None, directory: Path | None = None, *,
                      stderr: bool = True) -> Path | None:
    """Send the root logger's records to ``directory/clinicpay.log`` (rotating) and to stderr.

    Args:
        level: a level name or number; default ``CLINICPAY_LOG`` or ``INFO``.
        directory: default ``desktop.paths.log_dir()`` (created when missing).
        stderr: also write to stderr, when the process has one (a windowed build has none).

    Returns the log file's path, or None when the directory cannot be created or written (the
    reason goes to stderr and the app runs on without a file). Calling it again replaces the
    handlers it installed before; handlers installed by others are left alone.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _handler_tag, False):
            root.removeHandler(handler)
            handler.close()
    _current.clear()
    root.setLevel(level or os.environ.get("CLINICPAY_LOG", "INFO"))
    formatter = RedactingFormatter(FORMAT, DATE_FORMAT)
    handlers: list[logging.Handler] = []
    if stderr and sys.stderr is not None:
        handlers.append(logging.StreamHandler(sys.stderr))
    path: Path | None = (directory or log_dir()) / LOG_FILE
    try:
        assert path is not None
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=False))
    except OSError as exc:
        if sys.stderr is not None:
            print(f"ClinicPay: no log file in {path.parent if path else '?'}: {exc}", file=sys.stderr)
        path = None
    for handler in handlers:
        handler.setFormatter(formatter)
        setattr(handler, _handler_tag, True)
        root.addHandler(handler)
    if path is not None:
        _current.append(path)
    return path


def close_logging() -> None:
    """Remove and close the handlers ``configure_logging`` installed (tests, the self-test)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _handler_tag, False):
            root.removeHandler(handler)
            handler.close()
    _current.clear()
