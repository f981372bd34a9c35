"""Running the simulator: in a background thread (tests, sync code) or inside a running loop.

Inside a running loop (the desktop app, the CLI) it is served by ``EmbeddedServer`` like the
checkout page; ``SimulatorServer`` runs that same server on a loop of its own in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from types import TracebackType

from desktop.asgi_server import EmbeddedServer

from .app import create_app
from .store import SimulatorState


def embedded_simulator(state: SimulatorState, host: str = "127.0.0.1", port: int = 0) -> EmbeddedServer:
    """The simulator as a server of the running loop: ``await s.start()`` → base URL, ``await s.stop()``."""
    return EmbeddedServer(create_app(state), host, port, name="simulator", timeout_keep_alive=30)


class SimulatorServer:
    """The simulator on 127.0.0.1 in a background thread, for tests and synchronous code.

    Example::

        with SimulatorServer() as sim:
            payjp.api_base = sim.base_url
            ...

    Args:
        state: the state to serve (a fresh in-memory one by default).
        host: interface to bind.
        port: port to bind; 0 picks any free port.
    """

    def __init__(self, state: SimulatorState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state if state is not None else SimulatorState()
        self.host = host
        self.port = port
        self.base_url = ""
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.server: EmbeddedServer | None = None  # the running server (its loop is the thread's)

    def start(self, timeout: float = 10.0) -> SimulatorServer:
        self._thread = threading.Thread(target=self._run, name="payjp-simulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("simulator did not start in time")
        if self._error is not None:
            raise RuntimeError("simulator failed to start") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop_requested = asyncio.Event()
        server = embedded_simulator(self.state, self.host, self.port)
        self.server = server
        self.base_url = await server.start()
        self._ready.set()
        try:
            await self._stop_requested.wait()
        finally:
            await server.stop()

    def stop(self, timeout: float = 5.0) -> None:
        loop, stop_requested = self._loop, self._stop_requested
        if loop is not None and stop_requested is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop_requested.set)
        if self._thread is not None:
            self._thread.join(timeout)
        self.state.close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (only for callers that need the number up front)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


__all__ = ["SimulatorServer", "embedded_simulator", "free_port"]
