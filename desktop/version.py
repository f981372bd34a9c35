"""The app's version: ``[project] version`` of pyproject.toml, read from the installed metadata.

A frozen build carries the ``clinicpay`` distribution's metadata (build.spec copies it); a source
checkout that was never installed falls back to reading pyproject.toml next to the package.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from pathlib import Path

DIST = "clinicpay"


@functools.cache
def version() -> str:
    """``"0.1.0"``-style version string; ``"0+unknown"`` when neither source is found."""
    try:
        return importlib.metadata.version(DIST)
    except importlib.metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        found = re.search(r'(?m)^version\s*=\s*"([^"]+)"', pyproject.read_text(encoding="utf-8"))
    except OSError:
        found = None
    return found.group(1) if found else "0+unknown"
