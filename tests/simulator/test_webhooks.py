"""Webhook delivery: JSON event, token header, background retries."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import payjp
import pytest

from desktop.simulator.testing import RunningSimulator

from .helpers import charge


class Receiver:
    """A local webhook endpoint that answers the queued statuses, then 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.received.append((json.loads(body), self.headers.get("X-Payjp-Webhook-Token")))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_event_is_posted_with_the_token(sim: RunningSimulator, receiver: Receiver) -> None:
    sim.admin("POST", "/_sim/webhook", {"url": receiver.url, "token": "whook_secret"})
    created = charge(sim, 1500)
    receiver.wait_for(2)  # token.created, charge.succeeded
    bodies = {body["type"]: (body, token) for body, token in receiver.received}
    body, token = bodies["charge.succeeded"]
    assert token == "whook_secret"
    assert body["object"] == "event" and body["data"]["id"] == created.id
    assert sim.state.webhooks.wait_idle()
    event = payjp.Event.retrieve(body["id"], api_key=sim.secret_key)
    assert event.pending_webhooks == 0


def test_non_2xx_is_retried(sim: RunningSimulator, receiver: Receiver) -> None:
    sim.state.webhooks.retry_delays = (0.05, 0.05, 0.05)
    sim.state.configure_webhook(receiver.url, "t")
    receiver.statuses = [500, 503]
    payjp.Customer.create(api_key=sim.secret_key)
    receiver.wait_for(3)
    assert [body["type"] for body, _ in receiver.received] == ["customer.created"] * 3
    assert sim.state.webhooks.wait_idle()
    time.sleep(0.2)
    assert len(receiver.received) == 3


def test_slow_receiver_does_not_block_the_api(sim: RunningSimulator, receiver: Receiver) -> None:
    receiver.delay = 1.0
    sim.state.configure_webhook(receiver.url, "t")
    started = time.monotonic()
    payjp.Customer.create(api_key=sim.secret_key)
    payjp.Customer.create(api_key=sim.secret_key)
    assert time.monotonic() - started < 0.8


def test_no_webhook_means_nothing_pending(sim: RunningSimulator) -> None:
    created = charge(sim)
    events = payjp.Event.all(api_key=sim.secret_key, resource_id=created.id)
    assert [e.pending_webhooks for e in events.data] == [0]
