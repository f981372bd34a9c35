"""``python -m desktop simulator``: run the simulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from .server import embedded_simulator
from .store import SimulatorState


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulator", description="PAY.JP simulator (test mode, no real payments)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--state-file", default=None, help="JSON file that keeps the state across restarts")
    return parser


async def _run(state: SimulatorState, host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows' proactor loop has no add_signal_handler
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(stop.set))
    server = embedded_simulator(state, host, port)
    base_url = await server.start()
    # The first line of stdout is the base URL: launchers and tests read it.
    sys.stdout.write(base_url + "\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await server.stop()
        state.close()


def main(argv: list[str]) -> int:
    """Run the simulator; prints its base URL as the first line of stdout."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        asyncio.run(_run(SimulatorState(args.state_file), args.host, args.port))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:  # the port is taken, or the address is not ours
        print(f"simulator could not listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
