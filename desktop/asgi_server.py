"""An ASGI app served by uvicorn inside an already-running event loop (the app's qasync loop).

Shared by the checkout page and the PAY.JP simulator, so it depends on neither.

uvicorn is told not to touch logging (``log_config=None``: a windowed PyInstaller build has
no stdout and uvicorn's default formatter crashes there), not to log requests (paths carry
payment-link tokens), and not to install signal handlers (the Qt app owns SIGINT/SIGTERM).
The caller owns shutdown: ``await server.stop()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn >= 0.29 re-raises captured signals after serve(); inside Qt that kills the app.
        yield


class EmbeddedServer:
    """Serve ``app`` on ``host:port`` (port 0 = any free port) as a task of the running loop.

    ``trusted_proxies``: addresses or networks (a list, or comma-separated) of reverse proxies
    whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are believed; by default none.
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, name: str = "server",
                 limit_concurrency: int = 200, timeout_keep_alive: int = 75,
                 trusted_proxies: str | list[str] = "") -> None:
        self._app = app
        self._host = host
        self._port = port
        self._name = name
        self._limit_concurrency = limit_concurrency
        self._keep_alive = timeout_keep_alive
        proxies = trusted_proxies.split(",") if isinstance(trusted_proxies, str) else trusted_proxies
        self._trusted_proxies = [p.strip() for p in proxies if p.strip()]
        self._server: _QuietServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> str:
        """Bind, start serving, and return the base URL once the server accepts connections."""
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on accepted sockets whose proto says
        # TCP, and they copy the listener's; with proto 0 every answer on a reused connection
        # waited ~40 ms (Nagle's algorithm against the client's delayed ACK). The listener's
        # own TCP_NODELAY is inherited by accepted sockets on Linux and Windows as well.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self._host, self._port))  # raises OSError if the port is taken: the caller says so
        sock.set_inheritable(True)
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app, log_config=None, access_log=False, lifespan="off",
            limit_concurrency=self._limit_concurrency, timeout_keep_alive=self._keep_alive,
            server_header=False, date_header=True,
            # X-Forwarded-For/-Proto only from the configured proxies (uvicorn would otherwise
            # believe any local process): rotating the header must not dodge the rate limits.
            proxy_headers=bool(self._trusted_proxies), forwarded_allow_ips=self._trusted_proxies or [],
        )
        self._server = _QuietServer(config)
        self._task = asyncio.get_running_loop().create_task(self._serve(sock), name=self._name)
        while not self._server.started:
            if self._task.done():
                self._task.result()  # re-raise the start-up error
                raise RuntimeError(f"{self._name} stopped during start-up")
            await asyncio.sleep(0.01)
        log.info("%s listening on %s", self._name, self.base_url)
        return self.base_url

    def connection_sockets(self) -> list[socket.socket]:
        """The sockets of the connections open now (for checks of their options)."""
        if self._server is None:
            return []
        found = []
        for connection in list(self._server.server_state.connections):
            transport = getattr(connection, "transport", None)
            sock = transport.get_extra_info("socket") if transport is not None else None
            if sock is not None:
                found.append(sock)
        return found

    async def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        await self._server.serve(sockets=[sock])

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, timeout=5)
        except asyncio.TimeoutError:
            self._server.force_exit = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        finally:
            if self._socket is not None:
                self._socket.close()
            self._server = None
            self._task = None
