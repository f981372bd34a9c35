"""``python -m desktop check-payjp``: the contract cases against the simulator, and a live key refused."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from desktop import payjp_check


def test_runs_every_contract_case_against_the_simulator_and_reports_each() -> None:
    done = subprocess.run([sys.executable, "-m", "desktop", "check-payjp", "--simulator"],
                          capture_output=True, text=True, timeout=300)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    cases = [line for line in lines if line.startswith("✓ ")]
    assert len(cases) >= 20 and not [line for line in lines if line.startswith("✗ ")]
    assert "✓ test_charges.py::" in done.stdout and "✓ test_tenants.py::" in done.stdout
    assert lines[-1].startswith(f"合格 / passed: {len(cases)}  失敗 / failed: 0")


@pytest.mark.parametrize("key, needle", [
    ("sk_live_0123456789abcdef", "live secret key"),
    ("", "No test secret key"),
    ("pk_test_0123456789abcdef", "malformed"),
])
def test_a_live_missing_or_malformed_key_is_refused_before_anything_is_sent(key: str, needle: str) -> None:
    out = io.StringIO()
    # nothing listens here: a refused key must not even try to connect
    assert payjp_check.run_cases("http://127.0.0.1:9", key, out) == 2
    assert needle in out.getvalue() and "PAY.JP:" not in out.getvalue()


def test_a_failing_case_is_reported_with_its_reason_and_fails_the_run() -> None:
    # a test key nothing answers for: every case fails and says so (a process of its own, as an
    # operator runs it: the contract cases read their target when first imported)
    code = ("import sys; from desktop.payjp_check import run_cases; "
            "sys.exit(run_cases('http://127.0.0.1:9', 'sk_test_nobody0000000000'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "✗ test_charges.py::" in done.stdout and "失敗 / failed: 0" not in done.stdout
