"""``python -m desktop checkout-server``: creates and migrates an empty database, serves, stops."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import httpx


def test_checkout_server_starts_on_an_empty_database(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "server.db"
    env = {**os.environ, "CLINICPAY_DATA_DIR": str(tmp_path / "data"), "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "checkout-server", "--port", "0", "--database-url", f"sqlite:///{db}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=pathlib.Path(__file__).parents[2],
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "listening on" in line or not line:
                break
        assert "listening on" in line, line
        base = line.rsplit(" ", 1)[1].strip()
        assert httpx.get(base + "/healthz").text == "ok"
        page = httpx.get(base + "/pay/" + "A" * 43)
        assert page.status_code == 404 and "このお支払いリンクは無効です" in page.text
        assert db.exists() and db.stat().st_size > 0
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
