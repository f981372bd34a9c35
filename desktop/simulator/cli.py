"""``python -m desktop simulator``: run the simulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from .server import SimulatorServe
from .store import SimulatorState


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulator", description="PAY.JP simulator (test mode, no real payments)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--state-file", default=None, help="JSON file that keeps the state across restarts")
    return parser


async def _run(handle: SimulatorServe) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, handle.stop)
        except (NotImplementedError, RuntimeError):  # Windows' proactor loop has no add_signal_handler
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(handle.stop))
    task = asyncio.ensure_future(handle.serve())
    started = asyncio.ensure_future(handle.started.wait())
    await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
    if handle.started.is_set():
        # The first line of stdout is the base URL: launchers and tests read it.
        sys.stdout.write(handle.base_url + "\n")
        sys.stdout.flush()
    else:
        started.cancel()
    await task


def main(argv: list[str]) -> int:
    """Run the simulator; prints its base URL as the first line of stdout."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    handle = SimulatorServe(SimulatorState(args.state_file), args.host, args.port)
    try:
        asyncio.run(_run(handle))
    except KeyboardInterrupt:
        return 0
    return 0 if handle.started.is_set() else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
