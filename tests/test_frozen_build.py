"""The PyInstaller one-folder build starts, migrates, serves and exits — frozen, not from source.

Resources, migrations and lazily imported modules are exactly what a frozen build loses
while every source-tree test still passes, so the build itself is tested.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

pytest.importorskip("PyInstaller", reason="the build extra (pip install -e .[build]) is not installed")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_frozen_app_passes_its_self_test(tmp_path: pathlib.Path) -> None:
    pyinstaller = shutil.which("pyinstaller", path=str(pathlib.Path(sys.executable).parent))
    assert pyinstaller, "pyinstaller is not installed next to this Python"
    build = subprocess.run(
        [pyinstaller, "--noconfirm", "--log-level", "WARN", "--distpath", str(tmp_path / "dist"),
         "--workpath", str(tmp_path / "work"), str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=840,
        env=dict(os.environ, CLINICPAY_BUILD_TEST_KEYRING="1"),  # keyrings.alt's file backend, for CI
    )
    assert build.returncode == 0, build.stderr[-3000:]
    exe = tmp_path / "dist" / "ClinicPay" / ("ClinicPay.exe" if os.name == "nt" else "ClinicPay")
    assert exe.exists()
    # The compiled English catalog ships with the build (it is not in the repository).
    assert list((tmp_path / "dist" / "ClinicPay").rglob("resources/locale/en/LC_MESSAGES/clinicpay.mo"))
    # the icon rendered from the SVG, the version from pyproject, no unused Qt module
    icons = {p.name: p.stat().st_size for p in (tmp_path / "work").rglob("icons/clinicpay.*")}
    assert icons.get("clinicpay.ico", 0) > 1000 and icons.get("clinicpay.icns", 0) > 1000, icons
    internal = tmp_path / "dist" / "ClinicPay" / "_internal"
    version = re.search(r'(?m)^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert version is not None
    assert list(internal.glob("clinicpay*.*-info"))  # the metadata desktop.version reads (dist- or egg-info)
    modules = {p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.*") if p.is_file()}
    assert modules == {"QtCore", "QtGui", "QtWidgets"}, modules
    # The size README.md states (ICU trimmed, which needs a C compiler: scripts/test.sh installs one).
    if sys.platform.startswith("linux") and (shutil.which("cc") or shutil.which("gcc")):
        files = [f for f in (tmp_path / "dist" / "ClinicPay").rglob("*") if f.is_file() and not f.is_symlink()]
        size = sum(f.stat().st_size for f in files)  # symbolic links (Qt's libraries) counted once
        assert size < 150 * 2**20, f"the folder is {size / 2**20:.0f} MB"
    # A real keyring backend (a file in a temporary home), the PostgreSQL test server when there is one.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=str(tmp_path / "xdg"), CLINICPAY_LOG_DIR=str(tmp_path / "logs"))
    run = subprocess.run([str(exe), "--self-test"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "self-test OK" in run.stdout
    assert f"ClinicPay {version.group(1)}" in run.stdout
    assert "keyring keyrings.alt.file.PlaintextKeyring" in run.stdout
    assert "postgres psycopg" in run.stdout
    if os.environ.get("CLINICPAY_TEST_PG_URL"):
        assert ", server " in run.stdout
    assert "BIZUDPGothic-Regular.ttf embedded" in run.stdout
    assert "translations en: 'Reservations', 'Credit card'" in run.stdout
    assert "icon ok" in run.stdout and "log_file clinicpay.log" in run.stdout
    assert "locale ja ok" in run.stdout  # Japanese sort order and Shift_JIS from the trimmed ICU data
