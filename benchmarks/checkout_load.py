"""Load benchmark of the checkout page: one JSON line on stdout.

Serves the real checkout app (SQLite, a live payable link, the PAY.JP simulator for the
page's script URL) and a bare starlette "hello" endpoint, each on uvicorn in its own process,
and drives both with the same keep-alive HTTP/1.1 client: 50 concurrent connections on
loopback. Reports rps and p50/p99 latency of GET /pay/{token}, the baseline's rps and the
ratio. The per-client rate limit is raised for the run (all clients share 127.0.0.1).

    python benchmarks/checkout_load.py [--seconds 5] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import pathlib
import statistics
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))


def _serve_hello(port: int, ready: Any) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/", hello)])
    ready.set()
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off")


def _serve_checkout(port: int, ready: Any, path_out: Any) -> None:
    import uvicorn

    from desktop.config import LocalSettings
    from desktop.domain.clinic import PaymentMode
    from desktop.services.checkout import create_checkout_app
    from desktop.services.checkout.security import RateLimiter
    from desktop.bootstrap import build_context
    from desktop.services.context import set_demo_api_base
    from desktop.services.secrets import MemorySecretStore
    from desktop.simulator.testing import running_simulator
    from desktop.storage.db import sqlite_url
    from tests.checkout.helpers import issue_link, seed_demo_clinic

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="checkout-bench-"))
    with running_simulator() as sim:
        ctx = build_context(tmp, LocalSettings(database_url=sqlite_url(tmp / "bench.db")), secrets=MemorySecretStore())
        set_demo_api_base(ctx, sim.base_url)
        front = seed_demo_clinic(ctx, f"http://127.0.0.1:{port}")
        assert front is not None and PaymentMode.DEMO
        link = issue_link(ctx, front)
        path_out.put(link.path)
        app = create_checkout_app(ctx, limiter=RateLimiter(limit=10_000_000))
        ready.set()
        uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off",
                    server_header=False)


async def _client(port: int, path: str, stop_at: float, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Language: ja\r\n\r\n".encode()
    try:
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _measure(port: int, path: str, clients: int, seconds: float) -> dict[str, float]:
    warm_until = time.perf_counter() + 1.0
    await asyncio.gather(*(_client(port, path, warm_until, [], []) for _ in range(clients)))
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, path, start + seconds, latencies, errors) for _ in range(clients)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": float(len(errors)),
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    mp = multiprocessing.get_context("spawn")
    hello_port, checkout_port = _free_port(), _free_port()
    hello_ready, checkout_ready, paths = mp.Event(), mp.Event(), mp.Queue()
    hello = mp.Process(target=_serve_hello, args=(hello_port, hello_ready), daemon=True)
    checkout = mp.Process(target=_serve_checkout, args=(checkout_port, checkout_ready, paths), daemon=True)
    hello.start()
    checkout.start()
    try:
        path = paths.get(timeout=60)
        _wait_port(hello_port)
        _wait_port(checkout_port)
        baseline = asyncio.run(_measure(hello_port, "/", args.clients, args.seconds))
        page = asyncio.run(_measure(checkout_port, path, args.clients, args.seconds))
    finally:
        for proc in (hello, checkout):
            proc.terminate()
            proc.join(5)
    result = {
        "rps": round(page["rps"], 1), "p50_ms": round(page["p50_ms"], 2), "p99_ms": round(page["p99_ms"], 2),
        "errors": int(page["errors"]), "baseline_rps": round(baseline["rps"], 1),
        "baseline_p50_ms": round(baseline["p50_ms"], 2), "baseline_p99_ms": round(baseline["p99_ms"], 2),
        "ratio": round(page["rps"] / baseline["rps"], 3), "clients": args.clients, "seconds": args.seconds,
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
