"""The simulator's state: every resource in memory, guarded by one lock, optionally saved to JSON."""

from __future__ import annotations

import copy
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import not_found
from .faults import FaultInjector
from .ids import new_id
from .webhooks import WebhookDispatcher

log = logging.getLogger(__name__)

# Collections saved to disk. "profiles" holds derived card facts (never a card number);
# "charge_flow" and "token_flow" hold the simulator's private bookkeeping for those objects.
_COLLECTIONS = (
    "tokens",
    "charges",
    "customers",
    "cards",
    "tenants",
    "events",
    "tdsrs",
    "profiles",
    "charge_flow",
    "token_flow",
    "application_urls",
    "owners",  # object id -> the test account that made it (accounts.py)
)
_FORMAT_VERSION = 1

Clock = Callable[[], float]


class SimulatorState:
    """All simulated PAY.JP data plus the knobs tests and demo mode turn.

    Thread-safe: HTTP handlers, the in-process API and the webhook thread all go through
    ``transaction()``. With ``path`` set, every committed mutation is written atomically to
    that JSON file, so demo-mode charges survive a restart and can still be refunded.

    Args:
        path: JSON file to load from and save to; None keeps everything in memory.
        clock: returns the current unix time; tests pass a fake to move time.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, clock: Clock = time.time) -> None:
        self._lock = threading.RLock()
        self._path = Path(path) if path is not None else None
        self._clock = clock
        self._time_offset = 0.0
        self._data: dict[str, dict[str, Any]] = {name: {} for name in _COLLECTIONS}
        self._webhook: dict[str, str] | None = None
        self._pending_events: list[dict[str, Any]] = []
        self._depth = 0
        self._dirty = False
        self.faults = FaultInjector()
        self.webhooks = WebhookDispatcher(self)
        if self._path is not None and self._path.exists():
            self._load(self._path)

    # -- time ---------------------------------------------------------------------------

    def now(self) -> int:
        return int(self._clock() + self._time_offset)

    def advance_time(self, seconds: float) -> None:
        """Move the simulator's clock forward (expire application URLs, 3DS flows, holds)."""
        with self._lock:
            self._time_offset += seconds

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[dict[str, dict[str, Any]]]:
        """Hold the lock; on a clean exit of the outermost block, save and send new events.

        On an exception nothing is saved, but memory is not rolled back either, so
        operations validate everything before they change anything.
        """
        events: list[dict[str, Any]] = []
        with self._lock:
            self._depth += 1
            try:
                yield self._data
                if write:
                    self._dirty = True
            finally:
                self._depth -= 1
            if self._depth == 0:
                events, self._pending_events = self._pending_events, []
                if self._dirty:
                    self._dirty = False
                    self._save()
        for event in events:
            self.webhooks.deliver(event)

    def emit(self, event_type: str, resource: dict[str, Any]) -> dict[str, Any]:
        """Record an event whose ``data`` is a snapshot of ``resource`` (call inside a transaction)."""
        event_id = new_id("evnt")
        event: dict[str, Any] = {
            "id": event_id,
            "object": "event",
            "livemode": False,
            "created": self.now(),
            "type": event_type,
            "pending_webhooks": 1 if self._webhook else 0,
            "data": copy.deepcopy(resource),
        }
        self._data["events"][event_id] = event
        self._pending_events.append(event)
        return event

    def webhook_target(self) -> dict[str, str] | None:
        with self._lock:
            return dict(self._webhook) if self._webhook else None

    def mark_webhook_delivered(self, event_id: str) -> None:
        with self.transaction() as data:
            event = data["events"].get(event_id)
            if event is not None:
                event["pending_webhooks"] = 0

    # -- in-process admin API (also exposed over HTTP under /_sim/) ----------------------

    def reset(self) -> None:
        """Forget every object (webhook settings and fault rules included)."""
        with self.transaction():
            for name in _COLLECTIONS:
                self._data[name].clear()
            self._webhook = None
        self.faults.clear()

    def configure_webhook(self, url: str | None, token: str = "") -> None:
        """Send every future event to ``url`` with ``X-Payjp-Webhook-Token: token``; None stops it."""
        with self.transaction():
            self._webhook = {"url": url, "token": token} if url else None

    def set_charge_created(self, charge_id: str, created: int) -> dict[str, Any]:
        """Back-date a charge (e.g. to test the 180-day refund limit or the 30-minute 3DS window)."""
        with self.transaction() as data:
            charge = data["charges"].get(charge_id)
            if charge is None:
                raise not_found("charge", charge_id)
            charge["created"] = int(created)
            return copy.deepcopy(charge)

    def snapshot(self, collection: str, object_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._data[collection].get(object_id)
            return copy.deepcopy(found) if found is not None else None

    def close(self) -> None:
        self.webhooks.stop()

    # -- persistence --------------------------------------------------------------------

    def _load(self, path: Path) -> None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # A damaged file must not stop demo mode from starting; keep it for inspection.
            log.warning("simulator state file unreadable, starting empty: %s", path)
            return
        if not isinstance(raw, dict) or raw.get("version") != _FORMAT_VERSION:
            log.warning("simulator state file has an unknown format, starting empty: %s", path)
            return
        for name in _COLLECTIONS:
            loaded = raw.get(name)
            if isinstance(loaded, dict):
                self._data[name] = loaded
        webhook = raw.get("webhook")
        if isinstance(webhook, dict) and webhook.get("url"):
            self._webhook = {"url": str(webhook["url"]), "token": str(webhook.get("token", ""))}

    def _save(self) -> None:
        if self._path is None:
            return
        payload = {"version": _FORMAT_VERSION, "webhook": self._webhook, **self._data}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file in the same directory, then rename: a crash leaves
        # either the old file or the new one, never half of one.
        fd, tmp_name = tempfile.mkstemp(prefix=".simulator-", suffix=".json", dir=self._path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self._path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
