"""What ``scripts/start.sh`` must redo before starting the app: install the project, compile catalogs.

Standard library only: it runs with the ``.venv`` Python before anything of the project is installed.

    python scripts/install_check.py install-needed [EXTRAS]   exit 0: install, 1: up to date
    python scripts/install_check.py record [EXTRAS]           after a successful install
    python scripts/install_check.py catalogs-stale            exit 0: compile, 1: up to date

An install is needed when the stamp ``.venv/clinicpay-install.json`` is missing or differs from
now — a changed ``pyproject.toml`` (the project's dependencies), another Python, an extra the last
install did not have, the checkout moved — or when the ``clinicpay`` distribution's metadata is gone or has another version
than ``pyproject.toml`` names (someone ran ``pip uninstall``, or the venv was rebuilt).
The catalogs are stale when a ``.po``/``.ts`` is newer than its ``.mo``/``.qm`` or that is missing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = "clinicpay"
STAMP = "clinicpay-install.json"
# Files whose content decides what ``pip install -e .`` does.
INSTALL_INPUTS = ("pyproject.toml", "setup.cfg", "setup.py")


def fingerprint(root: Path = ROOT, extras: str = "") -> dict[str, str]:
    """What the installed state depends on: the install inputs' hash, the Python, the extras, the path."""
    digest = hashlib.sha256()
    for name in INSTALL_INPUTS:
        path = root / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return {
        "inputs_sha256": digest.hexdigest(),
        "python": f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}."
                  f"{sys.version_info.micro}",
        "extras": extras,
        "root": str(root.resolve()),
    }


def project_version(root: Path = ROOT) -> str | None:
    """``version = "…"`` of the ``[project]`` table of ``pyproject.toml`` (None when absent)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.11+ has it (start.sh checks)
        return None
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = data.get("project", {}).get("version")
    return str(version) if version else None


def installed_version() -> str | None:
    """The version of the ``clinicpay`` distribution this Python sees, or None."""
    try:
        return importlib.metadata.version(DIST)
    except importlib.metadata.PackageNotFoundError:
        return None


def stamp_path(venv: Path) -> Path:
    return venv / STAMP


def install_needed(root: Path = ROOT, venv: Path | None = None, extras: str = "") -> tuple[bool, str]:
    """Whether ``pip install -e .[extras]`` must run, and why (a short English reason)."""
    venv = venv or root / ".venv"
    try:
        recorded = json.loads(stamp_path(venv).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True, "no record of an install"
    now = fingerprint(root, extras)
    changed = sorted(key for key in now if key != "extras" and recorded.get(key) != now[key])
    if changed:
        return True, "changed: " + ", ".join(changed)
    if not _extras(extras) <= _extras(str(recorded.get("extras", ""))):
        return True, "changed: extras"  # the last install had fewer extras (start.sh, then test.sh)
    installed = installed_version()
    if installed is None:
        return True, f"{DIST} is not installed"
    wanted = project_version(root)
    if wanted is not None and _normal(installed) != _normal(wanted):
        return True, f"{DIST} {installed} installed, {wanted} wanted"
    return False, "up to date"


def record(root: Path = ROOT, venv: Path | None = None, extras: str = "") -> Path:
    """Write the stamp after a successful install; returns its path."""
    venv = venv or root / ".venv"
    path = stamp_path(venv)
    path.write_text(json.dumps(fingerprint(root, extras), indent=1) + "\n", encoding="utf-8")
    return path


def catalogs_stale(root: Path = ROOT) -> bool:
    """True when a compiled catalog (``.mo``, ``.qm``) is missing or older than its source."""
    resources = root / "resources"
    sources = [*resources.glob("locale/*/LC_MESSAGES/*.po"), *resources.glob("translations/*.ts")]
    for src in sources:
        out = src.with_suffix(".mo" if src.suffix == ".po" else ".qm")
        if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
            return True
    return False


def _extras(extras: str) -> set[str]:
    return {e.strip() for e in extras.split(",") if e.strip()}


def _normal(version: str) -> str:
    return re.sub(r"[-_.]+", ".", version.strip().lower())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command, extras = (args[0] if args else ""), (args[1] if len(args) > 1 else "")
    if command == "install-needed":
        needed, reason = install_needed(extras=extras)
        if needed:
            print(f"Installing ClinicPay ({reason})", file=sys.stderr)
        return 0 if needed else 1
    if command == "record":
        record(extras=extras)
        return 0
    if command == "catalogs-stale":
        return 0 if catalogs_stale() else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
