"""A small run of benchmarks/faults.py: every invariant holds under injected faults and SIGKILL."""

from __future__ import annotations

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from benchmarks import faults  # noqa: E402

COUNTS = ("duplicate_charges", "double_refunds", "mismatches", "stuck", "lost_mails", "duplicate_mails", "audit_gaps")


@pytest.mark.slow
def test_small_fault_run_keeps_every_invariant() -> None:
    result = faults.run(trials=27, seed=7)
    assert result["trials"] == 27
    assert {k: result[k] for k in COUNTS} == dict.fromkeys(COUNTS, 0), result
    assert set(result["faults_by_kind"]) >= {"sigkill", "lost", "reset", "500", "429"}
    assert result["charges"] > 0 and result["mails"] > 0
