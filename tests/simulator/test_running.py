"""Running the simulator: CLI, serve() in a running loop, persistence across restarts."""

from __future__ import annotations

import asyncio
import threading
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import payjp
import pytest

from desktop.simulator.server import embedded_simulator
from desktop.simulator.store import SimulatorState
from desktop.simulator.testing import make_test_token, running_simulator

ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_the_base_url_first_and_stops_on_sigterm() -> None:
    code = "import sys; from desktop.simulator.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("http://127.0.0.1:")
        response = httpx.get(first + "/v1/charges", auth=("sk_test_cli", ""))
        assert response.json()["object"] == "list"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_inside_a_running_loop() -> None:
    async def scenario() -> float:
        server = embedded_simulator(SimulatorState())
        base_url = await asyncio.wait_for(server.start(), 5)
        async with httpx.AsyncClient() as client:
            response = await client.get(base_url + "/payjs/v2/pay.js")
            assert response.status_code == 200
        stopping = time.monotonic()
        await asyncio.wait_for(server.stop(), 5)
        assert not server.running
        return time.monotonic() - stopping

    # A loop of its own in a thread of its own: another suite's browser driver may own this thread's loop.
    results: list[float] = []
    runner = threading.Thread(target=lambda: results.append(asyncio.run(scenario())))
    runner.start()
    runner.join(30)
    assert results and results[0] < 2.0


def test_state_survives_a_restart_and_holds_no_card_number(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "simulator.json"
    with running_simulator(path) as sim:
        payjp.api_base = sim.base_url
        token = make_test_token(sim.base_url, sim.secret_key, "4012888888881881")
        created = payjp.Charge.create(api_key=sim.secret_key, amount=2200, currency="jpy", card=token)
    text = path.read_text(encoding="utf-8")
    assert "4012888888881881" not in text
    assert created.id in json.loads(text)["charges"]
    with running_simulator(path) as sim:
        payjp.api_base = sim.base_url
        again = payjp.Charge.retrieve(created.id, api_key=sim.secret_key)
        assert again.refund(amount=200).amount_refunded == 200
    with running_simulator(path) as sim:
        payjp.api_base = sim.base_url
        assert payjp.Charge.retrieve(created.id, api_key=sim.secret_key).amount_refunded == 200
    assert [p.name for p in path.parent.iterdir()] == ["simulator.json"]


@pytest.mark.expect_log("desktop.simulator.store", "WARNING", "simulator state file unreadable, starting empty")
def test_unreadable_state_file_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    state = SimulatorState(path)
    assert state.snapshot("charges", "anything") is None


def test_concurrent_charges_are_all_recorded() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with running_simulator() as sim:
        payjp.api_base = sim.base_url
        tokens = [make_test_token(sim.base_url, sim.secret_key) for _ in range(12)]

        def pay(token: str) -> str:
            return str(payjp.Charge.create(api_key=sim.secret_key, amount=500, currency="jpy", card=token).id)

        with ThreadPoolExecutor(max_workers=6) as pool:
            ids = list(pool.map(pay, tokens))
        assert len(set(ids)) == 12
        assert payjp.Charge.all(api_key=sim.secret_key, limit=100).count == 12
