"""scripts/audit.py: fails on a known vulnerability, skips (saying so) when nothing could be audited."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
from types import ModuleType
from typing import Any

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "audit.py"


def _audit(monkeypatch: pytest.MonkeyPatch, report: dict[str, Any] | str) -> tuple[ModuleType, list[list[str]]]:
    spec = importlib.util.spec_from_file_location("audit_script", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        out = report if isinstance(report, str) else json.dumps(report)
        return subprocess.CompletedProcess(command, 1, out, "ConnectionError: unreachable")

    monkeypatch.setattr(module.subprocess, "run", fake_run)
    return module, calls


def test_a_known_vulnerability_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    module, calls = _audit(monkeypatch, {"dependencies": [
        {"name": "uvicorn", "version": "0.54.0", "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["0.54.1"]}]},
        {"name": "starlette", "version": "1.10.0", "vulns": []}]})
    assert module.main() == 1
    assert "uvicorn 0.54.0: GHSA-xxxx (fixed in: 0.54.1)" in capsys.readouterr().out
    assert "--local" in calls[0]


def test_clean_dependencies_pass(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    module, _ = _audit(monkeypatch, {"dependencies": [{"name": "starlette", "version": "1.10.0", "vulns": []}]})
    assert module.main() == 0
    assert "1 dependencies audited, no known vulnerability" in capsys.readouterr().out


def test_unreachable_service_skips_with_a_clear_line(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    module, _ = _audit(monkeypatch, {"dependencies": [
        {"name": "uvicorn", "version": "0.54.0", "skip_reason": "Dependency not found on PyPI and could not be audited"}]})
    assert module.main() == 0
    assert "SKIPPED" in capsys.readouterr().out
    module, _ = _audit(monkeypatch, "")
    assert module.main() == 0


def test_the_ignore_list_is_passed_on(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    module, calls = _audit(monkeypatch, {"dependencies": []})
    monkeypatch.setattr(module, "ignored", lambda: ["GHSA-yyyy"])
    module.main()
    assert calls[0][-2:] == ["--ignore-vuln", "GHSA-yyyy"]
