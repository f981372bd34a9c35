"""The PyInstaller one-folder build starts, migrates, serves and exits — frozen, not from source.

Resources, migrations and lazily imported modules are exactly what a frozen build loses
while every source-tree test still passes, so the build itself is tested.
"""

from __future__ import annotations

import os
import pathlib
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
    )
    assert build.returncode == 0, build.stderr[-3000:]
    exe = tmp_path / "dist" / "ClinicPay" / ("ClinicPay.exe" if os.name == "nt" else "ClinicPay")
    assert exe.exists()
    # The compiled English catalog ships with the build (it is not in the repository).
    assert list((tmp_path / "dist" / "ClinicPay").rglob("resources/locale/en/LC_MESSAGES/clinicpay.mo"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    run = subprocess.run([str(exe), "--self-test"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "self-test OK" in run.stdout
