"""Background delivery of events to the configured webhook URL."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)


class WebhookEndpoint(Protocol):
    """Where events go and how a delivery is recorded (``SimulatorState`` is one)."""

    def webhook_target(self) -> dict[str, str] | None:
        """``{"url": ..., "token": ...}`` of the configured endpoint, or None when none is set."""
        ...

    def mark_webhook_delivered(self, event_id: str) -> None:
        """Record that the event ``event_id`` was answered with a 2xx."""
        ...


class WebhookDispatcher:
    """POSTs each event as JSON with ``X-Payjp-Webhook-Token`` from a daemon thread.

    Delivery never blocks an API response. A non-2xx answer or a network error is retried
    after each delay in ``retry_delays`` (PAY.JP retries at 3-minute intervals, 3 times; the
    simulator uses seconds so that demo and tests do not wait).
    """

    def __init__(self, state: WebhookEndpoint, retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0)) -> None:
        self._state = state
        self.retry_delays = retry_delays
        self.timeout = 5.0
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def deliver(self, event: dict[str, Any]) -> None:
        if self._state.webhook_target() is None:
            return
        self._ensure_thread()
        self._queue.put(event)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued event was handled (tests); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=2.0)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stopped.clear()
                self._thread = threading.Thread(target=self._run, name="simulator-webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                event = self._queue.get()
                try:
                    if event is None:
                        return
                    self._send_with_retries(client, event)
                except Exception:  # a delivery bug must not kill the thread
                    log.exception("webhook delivery failed for %s", event.get("id") if event else None)
                finally:
                    self._queue.task_done()

    def _send_with_retries(self, client: httpx.Client, event: dict[str, Any]) -> None:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        for attempt in range(len(self.retry_delays) + 1):
            target = self._state.webhook_target()
            if target is None or self._stopped.is_set():
                return
            try:
                response = client.post(
                    target["url"],
                    content=body,
                    headers={"Content-Type": "application/json", "X-Payjp-Webhook-Token": target["token"]},
                )
                if 200 <= response.status_code < 300:
                    self._state.mark_webhook_delivered(str(event["id"]))
                    return
                log.info("webhook %s answered %d", event["id"], response.status_code)
            except httpx.HTTPError as exc:
                log.info("webhook %s not delivered: %s", event["id"], type(exc).__name__)
            if attempt < len(self.retry_delays) and self._stopped.wait(self.retry_delays[attempt]):
                return
