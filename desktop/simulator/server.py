"""Running the simulator: in a background thread (tests, sync code) or inside a running loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Generator
from types import TracebackType

import uvicorn

from .app import create_app
from .store import SimulatorState


class _EmbeddedServer(uvicorn.Server):
    """uvicorn server that leaves SIGINT/SIGTERM to its host (Qt app, CLI, test runner)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn >= 0.29 installs its own handlers and re-raises them afterwards; the app owns shutdown.
        yield


def _config(state: SimulatorState, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(state),
        host=host,
        port=port,
        loop="none",
        lifespan="off",
        # log_config=None: windowed PyInstaller builds have no stdout and uvicorn's default config crashes.
        log_config=None,
        # Access lines would carry paths and query strings (ids, publickey); keep them out of logs.
        access_log=False,
        server_header=False,
        timeout_keep_alive=30,
    )


def _base_url(server: uvicorn.Server, host: str) -> str:
    for listener in server.servers:
        for sock in listener.sockets:
            port = sock.getsockname()[1]
            shown = f"[{host}]" if ":" in host else host
            return f"http://{shown}:{port}"
    raise RuntimeError("simulator server has no listening socket")


class SimulatorServe:
    """Handle for ``serve()``: ``started`` is set once listening; then ``base_url`` is valid.

    Call ``stop()`` (from the loop's thread) to make ``serve()`` return.
    """

    def __init__(self, state: SimulatorState, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self.host = host
        self.port = port
        self.started = asyncio.Event()
        self.base_url = ""
        self._server: _EmbeddedServer | None = None

    async def serve(self) -> None:
        self._server = _EmbeddedServer(_config(self.state, self.host, self.port))
        watcher = asyncio.ensure_future(self._announce(self._server))
        try:
            await self._server.serve()
        finally:
            watcher.cancel()
            self.state.close()

    async def _announce(self, server: _EmbeddedServer) -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.01)
        self.base_url = _base_url(server, self.host)
        self.started.set()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


async def serve(
    state: SimulatorState | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    handle: SimulatorServe | None = None,
) -> None:
    """Serve the simulator on the running event loop until ``handle.stop()``.

    Meant for the desktop app (qasync loop): create a ``SimulatorServe`` first, start
    ``serve(handle=h)`` as a kept task, then ``await h.started.wait()`` and read ``h.base_url``.
    """
    if handle is None:
        handle = SimulatorServe(state or SimulatorState(), host, port)
    await handle.serve()


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
        self._handle: SimulatorServe | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

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
        handle = SimulatorServe(self.state, self.host, self.port)
        self._handle = handle
        task = asyncio.ensure_future(handle.serve())
        started = asyncio.ensure_future(handle.started.wait())
        await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        if handle.started.is_set():
            self.base_url = handle.base_url
        else:
            started.cancel()
            self._error = RuntimeError("simulator exited before listening")
        self._ready.set()
        await task

    def stop(self, timeout: float = 5.0) -> None:
        loop, handle = self._loop, self._handle
        if loop is not None and handle is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(handle.stop)
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


__all__ = ["SimulatorServe", "SimulatorServer", "free_port", "serve"]
