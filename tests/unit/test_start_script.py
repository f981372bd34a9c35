"""``scripts/start.sh`` installs only when something changed, then starts the app.

The script runs for real in a copy of the project whose ``.venv`` holds a fake ``pip`` (it only
writes the ``clinicpay`` distribution's metadata, as an install would) and a ``python`` that
runs the check with the real interpreter but only notes ``-m desktop…`` calls.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import install_check  # noqa: E402

pytestmark = pytest.mark.skipif(os.name == "nt", reason="start.sh is the Linux/macOS start script")

FAKE_PIP = """#!/bin/sh
echo "pip $*" >> "$CALLS"
mkdir -p "$SITE/clinicpay-$VERSION.dist-info"
printf 'Metadata-Version: 2.1\\nName: clinicpay\\nVersion: %s\\n' "$VERSION" > "$SITE/clinicpay-$VERSION.dist-info/METADATA"
"""
FAKE_PYTHON = """#!/bin/sh
case "$*" in
  "-m desktop"*) echo "python $*" >> "$CALLS"; exit 0;;
esac
PYTHONPATH="$SITE" exec "$REAL_PYTHON" -S "$@"  # -S: no site-packages, only $SITE
"""


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    root = tmp_path / "clinicpay"
    (root / "scripts").mkdir(parents=True)
    for name in ("start.sh", "install_check.py"):
        shutil.copy(ROOT / "scripts" / name, root / "scripts" / name)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "resources" / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    (root / "resources" / "translations").mkdir()
    (root / "resources" / "locale" / "en" / "LC_MESSAGES" / "clinicpay.po").write_text("", encoding="utf-8")
    (root / "resources" / "translations" / "clinicpay_en.ts").write_text("", encoding="utf-8")
    venv_bin = root / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for name, text in (("pip", FAKE_PIP), ("python", FAKE_PYTHON)):
        (venv_bin / name).write_text(text, encoding="utf-8")
        (venv_bin / name).chmod(0o755)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "dpkg").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")  # system packages: present
    (fake_bin / "dpkg").chmod(0o755)
    return root


def start(root: pathlib.Path) -> list[str]:
    calls = root.parent / "calls.log"
    calls.unlink(missing_ok=True)
    env = dict(os.environ, CALLS=str(calls), SITE=str(root.parent / "site"), REAL_PYTHON=sys.executable,
               VERSION=install_check.project_version(root) or "0", PATH=f"{root.parent / 'bin'}:{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["bash", str(root / "scripts" / "start.sh")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return calls.read_text(encoding="utf-8").splitlines()


def _kinds(calls: list[str]) -> list[str]:
    return ["install" if c.startswith("pip install") else "catalogs" if "desktop.catalogs" in c
            else "app" if c == "python -m desktop" else c for c in calls]


def test_first_start_installs_and_compiles_then_a_second_start_only_starts(project: pathlib.Path) -> None:
    assert _kinds(start(project)) == ["install", "catalogs", "app"]
    # the fake compile wrote nothing: make the compiled catalogs as the real one would
    for src in project.glob("resources/**/*.po"):
        src.with_suffix(".mo").write_bytes(b"")
    for src in project.glob("resources/**/*.ts"):
        src.with_suffix(".qm").write_bytes(b"")
    assert _kinds(start(project)) == ["app"]


def test_a_changed_pyproject_or_catalog_is_installed_or_compiled_again(project: pathlib.Path) -> None:
    start(project)
    for src in [*project.glob("resources/**/*.po"), *project.glob("resources/**/*.ts")]:
        src.with_suffix(".mo" if src.suffix == ".po" else ".qm").write_bytes(b"")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(
        '"qasync==0.28.0",', '"qasync==0.28.0",\n    "attrs==25.4.0",'), encoding="utf-8")
    assert _kinds(start(project)) == ["install", "app"]
    assert _kinds(start(project)) == ["app"]
    po = next(project.glob("resources/**/*.po"))
    later = time.time() + 5
    os.utime(po, (later, later))
    assert _kinds(start(project)) == ["catalogs", "app"]


def test_a_removed_distribution_is_installed_again(project: pathlib.Path) -> None:
    start(project)
    shutil.rmtree(project.parent / "site")  # pip uninstall clinicpay, or site-packages wiped
    assert _kinds(start(project))[0] == "install"


def test_decision(tmp_path: pathlib.Path) -> None:
    root = tmp_path
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    venv = root / ".venv"
    venv.mkdir()
    assert install_check.install_needed(root, venv) == (True, "no record of an install")
    install_check.record(root, venv)
    needed, reason = install_check.install_needed(root, venv)
    # this Python sees the real editable install of the same version
    assert (needed, reason) == (False, "up to date")
    assert install_check.install_needed(root, venv, extras="test")[1] == "changed: extras"
    install_check.record(root, venv, extras="test,build")  # scripts/test.sh installed more
    assert install_check.install_needed(root, venv, extras="test,build")[0] is False
    assert install_check.install_needed(root, venv)[0] is False  # start.sh needs no extra
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text(encoding="utf-8") + "\n# x\n",
                                         encoding="utf-8")
    assert install_check.install_needed(root, venv)[1] == "changed: inputs_sha256"
