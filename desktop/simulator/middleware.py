"""ASGI middleware that applies the fault rules of ``FaultInjector`` to API requests."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import over_capacity, server_error
from .faults import FaultInjector, FaultKind

# Set while a response is being dropped on purpose, so the log filter below can hide
# uvicorn's "returned without completing response" error for exactly that request.
_dropping: contextvars.ContextVar[bool] = contextvars.ContextVar("simulator_dropping", default=False)
_INCOMPLETE_MESSAGE = "ASGI callable returned without completing response."


class IntentionalDropFilter(logging.Filter):
    """Hide uvicorn's error line for responses the simulator cut short on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.getMessage() == _INCOMPLETE_MESSAGE and _dropping.get())


def install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, IntentionalDropFilter) for f in logger.filters):
        logger.addFilter(IntentionalDropFilter())


class FaultMiddleware:
    """Delay, fail, or commit-then-drop ``/v1`` requests as the rules say.

    A dropped request runs to completion (the charge or refund exists), then the client gets
    the status line, headers and half the body before the connection closes. ``requests``
    raises ``ChunkedEncodingError``, which payjp-python turns into ``APIConnectionError``.
    """

    def __init__(self, app: ASGIApp, faults: FaultInjector) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        plan = self.faults.plan(str(scope["method"]), str(scope["path"]))
        if plan.delay > 0:
            await asyncio.sleep(plan.delay)
        if plan.outcome in (FaultKind.ERROR_500, FaultKind.ERROR_429):
            error = server_error() if plan.outcome is FaultKind.ERROR_500 else over_capacity()
            await _send_json(send, error.status, error.to_body())
            return
        if plan.outcome is FaultKind.DROP:
            await self._commit_then_drop(scope, receive, send)
            return
        if plan.outcome is FaultKind.RESET:  # nothing carried out; the client sees a cut answer
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")]})
            await send({"type": "http.response.body", "body": b"{", "more_body": True})
            _dropping.set(True)  # returning with the body incomplete makes uvicorn close the connection
            return
        await self.app(scope, receive, send)

    async def _commit_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        if start is None:
            return
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        # Returning now, with the body incomplete, makes uvicorn close the connection.
        _dropping.set(True)


async def _send_json(send: Send, status: int, body: dict[str, object]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
