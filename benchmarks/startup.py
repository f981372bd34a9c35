"""Cold start to the first window shown: from source, frozen, and a bare PySide6 window, in one run.

    python benchmarks/startup.py [--runs 5] [--frozen dist/ClinicPay/ClinicPay] [--no-frozen]

Prints one JSON line::

    {"benchmark": "startup", "platform": "offscreen", "runs": 5, "bare_ms": …, "source_ms": …,
     "frozen_ms": …, "ratio_source": …, "ratio_frozen": …, "source_ready_ms": …,
     "frozen_ready_ms": …, "first_run_source_ms": …, "first_run_ready_ms": …,
     "first_windows": {"source": ["SignInDialog"], "frozen": ["SignInDialog"]}, "goal_source": 2.5,
     "goal_frozen": 2.0}

``first_windows``: per program, the app's first window in its timed everyday runs (``SignInDialog``;
a ``StartingWindow`` there means no サインイン list was kept). Each figure is the median wall time (ms) from starting the process to one of its lines (the
three programs take turns, one run each per round), which
the app prints once Qt has processed the show events of that window (``CLINICPAY_STARTUP_PROBE=1``;
the bare window prints "window shown" the same way for a ``QMainWindow``):

* ``*_ms`` / ``ratio_*`` (the goals): "window shown", the first window the person sees, shown
  before the database, the services and the servers are loaded. On an everyday start that is the
  サインイン dialog, opened from the list kept on this PC (``desktop.services.sign_in_list``):
  the person chooses their name and types while the database opens. On a first run (nothing
  kept yet) it is the 起動中 window (クリニック決済, データベースを準備しています…, a busy bar);
* ``*_ready_ms``: "ready", once the database is open — サインイン has the database's list and
  signs in at once (a サインイン pressed earlier is carried out then; the servers start behind
  it); on a first run, the main window that replaces the 起動中 window (the デモ, signed in as its
  院長, once the checkout server and simulator listen).

``source_*`` and ``frozen_*`` are everyday starts: a data directory whose database exists and is
migrated (the demo's, opened as トレーニング) and whose サインイン list was kept by the warm-up run. ``first_run_*`` is the very first start on an empty
one (migrations and demo data included). A new process each time, so
Python, Qt and the imports start cold (the OS file cache is warm after the first run, as on a
reception PC used every day). Qt's platform: ``QT_QPA_PLATFORM`` if set, else offscreen (no
display is needed; under Xvfb set ``QT_QPA_PLATFORM=xcb``). The frozen build is taken from
``--frozen``, else ``dist/ClinicPay``, else built into a temporary directory with PyInstaller
(``frozen_ms`` is null when PyInstaller is not installed).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXE_NAME = "ClinicPay.exe" if os.name == "nt" else "ClinicPay"
FIRST_WINDOW: dict[str, str] = {}  # command → the app's first window in its last run (SignInDialog / StartingWindow)
BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 720)
window.show()
QTimer.singleShot(0, lambda: (print("window shown", flush=True), app.quit()))
app.exec()
"""


def time_to_shown(cmd: list[str], env: dict[str, str], timeout: float = 120.0) -> dict[str, float]:
    """Milliseconds from starting ``cmd`` to its stdout lines ``window shown`` and ``ready`` (when
    it prints one); waits for it to exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)
    assert proc.stdout is not None
    watchdog = threading.Timer(timeout, proc.kill)  # a build without the probe never says it
    watchdog.start()
    seen: dict[str, float] = {}
    try:
        for line in proc.stdout:
            if line.strip() in ("window shown", "ready") and line.strip() not in seen:
                seen[line.strip()] = (time.perf_counter() - start) * 1000
            elif line.startswith("first window "):
                FIRST_WINDOW[" ".join(cmd)] = line.split()[-1]
        proc.communicate()
    finally:
        watchdog.cancel()
    if "window shown" not in seen:
        raise RuntimeError(f"{cmd[0]} exited ({proc.returncode}) without showing its window")
    return seen


FIRST_WINDOWS: dict[str, set[str]] = {}  # per program: its first windows in the timed runs


def medians(commands: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, tuple[float, float | None]]:
    """Per command: the medians of "window shown" and of "ready" (None when it never says it).

    The commands take turns, one run each per round, so that a machine busy with other work
    slows them alike (the ratios compare like with like).
    """
    for cmd, env in commands.values():
        time_to_shown(cmd, env)  # warm-up: the OS file cache, and (for the app) its data directory
    times: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (cmd, env) in commands.items():
            FIRST_WINDOW.pop(" ".join(cmd), None)
            times[name].append(time_to_shown(cmd, env))
            if name != "bare":
                FIRST_WINDOWS.setdefault(name, set()).add(FIRST_WINDOW.get(" ".join(cmd), "?"))
    found: dict[str, tuple[float, float | None]] = {}
    for name, seen in times.items():
        ready = [t["ready"] for t in seen if "ready" in t]
        found[name] = (round(statistics.median(t["window shown"] for t in seen), 1),
                       round(statistics.median(ready), 1) if len(ready) == len(seen) else None)
    return found


def frozen_exe(given: str | None, workdir: pathlib.Path) -> pathlib.Path | None:
    if given:
        return pathlib.Path(given)
    built = ROOT / "dist" / "ClinicPay" / EXE_NAME
    if built.exists():
        return built
    pyinstaller = shutil.which("pyinstaller", path=str(pathlib.Path(sys.executable).parent))
    if pyinstaller is None:
        return None
    subprocess.run([pyinstaller, "--noconfirm", "--log-level", "ERROR", "--distpath", str(workdir / "dist"),
                    "--workpath", str(workdir / "work"), str(ROOT / "build.spec")], cwd=ROOT, check=True,
                   capture_output=True)
    return workdir / "dist" / "ClinicPay" / EXE_NAME


def everyday(base: dict[str, str], data_dir: pathlib.Path) -> dict[str, str]:
    """The environment of an everyday start on ``data_dir``: the first-run choice already made
    (the demo's database, トレーニング); the warm-up run creates and migrates it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "settings.json").write_text(json.dumps({"workspace": "demo"}), encoding="utf-8")
    return dict(base, CLINICPAY_DATA_DIR=str(data_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frozen", help="the frozen build's executable")
    parser.add_argument("--no-frozen", action="store_true", help="skip the frozen build")
    args = parser.parse_args(argv)
    platform = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="clinicpay-startup-") as tmp:
        work = pathlib.Path(tmp)
        base = dict(os.environ, QT_QPA_PLATFORM=platform, CLINICPAY_STARTUP_PROBE="1",
                    CLINICPAY_LOG_DIR=str(work / "logs"), CLINICPAY_CHECKOUT_PORT="0", CLINICPAY_SIMULATOR_PORT="0",
                    PYTHON_KEYRING_BACKEND=os.environ.get("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring"))
        base.pop("CLINICPAY_DATABASE_URL", None)
        first = dict(base, CLINICPAY_DATA_DIR=str(work / "first"))
        first_run = time_to_shown([sys.executable, "-m", "desktop"], first)
        commands = {"bare": ([sys.executable, "-c", BARE], base),
                    "source": ([sys.executable, "-m", "desktop"], everyday(base, work / "source"))}
        exe = None if args.no_frozen else frozen_exe(args.frozen, work)
        if exe is not None:
            commands["frozen"] = ([str(exe)], everyday(base, work / "frozen"))
        found = medians(commands, args.runs)
        bare_ms = found["bare"][0]
        source_ms, source_ready_ms = found["source"]
        frozen_ms, frozen_ready_ms = found.get("frozen", (None, None))
    print(json.dumps({
        "benchmark": "startup", "platform": platform, "runs": args.runs,
        "bare_ms": bare_ms, "source_ms": source_ms, "frozen_ms": frozen_ms,
        "ratio_source": round(source_ms / bare_ms, 2),
        "ratio_frozen": round(frozen_ms / bare_ms, 2) if frozen_ms is not None else None,
        "source_ready_ms": source_ready_ms, "frozen_ready_ms": frozen_ready_ms,
        "first_run_source_ms": round(first_run["window shown"], 1),
        "first_run_ready_ms": round(first_run["ready"], 1) if "ready" in first_run else None,
        "first_windows": {name: sorted(found) for name, found in FIRST_WINDOWS.items()},
        "goal_source": 2.5, "goal_frozen": 2.0,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
