"""The real app in a subprocess: offscreen, temporary data directory, clean exit with code 0."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import httpx

from desktop.simulator.server import free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _env(tmp_path: pathlib.Path, **extra: str) -> dict[str, str]:
    # a real keyring backend (a file under tmp_path) and the log directory under tmp_path
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CLINICPAY_DATA_DIR=str(tmp_path),
               CLINICPAY_LOG_DIR=str(tmp_path / "logs"), XDG_DATA_HOME=str(tmp_path / "xdg"),
               PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", **extra)
    env.pop("CLINICPAY_DATABASE_URL", None)
    return env


def test_self_test_exits_zero(tmp_path: pathlib.Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "desktop", "--self-test"], cwd=ROOT, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "self-test OK" in proc.stdout
    assert "keyring keyrings.alt.file.PlaintextKeyring" in proc.stdout
    assert "BIZUDPGothic-Regular.ttf embedded" in proc.stdout
    assert "en: 'Reservations'" in proc.stdout
    if os.environ.get("CLINICPAY_TEST_PG_URL"):
        assert ", server " in proc.stdout  # it connected to the PostgreSQL test server
    assert "Fatal" not in proc.stderr and "Traceback" not in proc.stderr


def test_app_serves_the_checkout_page_and_exits_cleanly(tmp_path: pathlib.Path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "desktop"], cwd=ROOT,
                            env=_env(tmp_path, CLINICPAY_CHECKOUT_PORT=str(port)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert status == 200
        page = httpx.get(f"http://127.0.0.1:{port}/pay/{'x' * 43}", timeout=5)
        assert page.status_code in (200, 404) and "<html" in page.text.lower()
        assert (tmp_path / "demo.db").exists()  # a fresh install opens the demo, in its own database
        assert not (tmp_path / "clinicpay.db").exists()  # nothing of it in the clinic's
        proc.send_signal(signal.SIGTERM)  # closes the window the way the user would
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert "Fatal Python error" not in err and "Traceback" not in err
    # the run's log file, in the log directory
    logged = (tmp_path / "logs" / "clinicpay.log").read_text(encoding="utf-8")
    assert "ClinicPay 0." in logged and "starting" in logged
