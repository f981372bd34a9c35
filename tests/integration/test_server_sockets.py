"""Every server socket we open answers without Nagle's delay (TCP_NODELAY on each connection).

Without it, an answer written in two pieces on a reused connection waited for the client's
delayed ACK: ~40 ms added to every request after the first.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from desktop.asgi_server import EmbeddedServer
from desktop.simulator.server import SimulatorServer

T = TypeVar("T")


def run_in_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` in a thread of its own (another test may have left a loop running here)."""
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(("ok", asyncio.run(make())))
        except BaseException as exc:  # handed back to the test's thread
            box.append(("error", exc))

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=120)
    kind, value = box[0]
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"a" * 100, "more_body": True})
    await send({"type": "http.response.body", "body": b"b" * 100})


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _two_requests(port: int) -> http.client.HTTPConnection:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for _ in range(2):  # the same connection, reused
        connection.request("GET", "/")
        connection.getresponse().read()
    return connection


def test_embedded_server_sets_tcp_nodelay_on_every_connection() -> None:
    """The checkout server (desk app and stand-alone) and the simulator are both EmbeddedServers."""

    async def main() -> list[int]:
        server = EmbeddedServer(_app)
        await server.start()
        try:
            connections = await asyncio.get_running_loop().run_in_executor(
                None, lambda: [_two_requests(server.port or 0) for _ in range(3)])
            values = [_nodelay(s) for s in server.connection_sockets()]
            for c in connections:
                c.close()
            return values
        finally:
            await server.stop()

    values = run_in_own_loop(main)
    assert len(values) == 3 and all(values), values


def test_simulator_connections_have_tcp_nodelay() -> None:
    with SimulatorServer() as sim:
        assert sim.server is not None
        connection = _two_requests(int(sim.base_url.rsplit(":", 1)[1]))
        try:
            sockets = sim.server.connection_sockets()
            assert sockets and all(_nodelay(s) for s in sockets)
        finally:
            connection.close()
