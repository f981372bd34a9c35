"""The whole package type-checks under mypy --strict (settings in pyproject.toml)."""

from __future__ import annotations

import pathlib
import sys

from mypy import api

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_package_is_strictly_typed() -> None:
    out, err, status = api.run(
        ["--strict", "--python-executable", sys.executable, "--cache-dir", str(ROOT / ".mypy_cache"), str(ROOT / "desktop")]
    )
    assert status == 0, out + err
