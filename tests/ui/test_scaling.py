"""Readable at 1366×768 and at 150 % scaling: no clipped button, label or table header, and no widget
over another, on any page or dialog (each form also in its error state), in Japanese and English. Runs the app in a subprocess, since QT_SCALE_FACTOR has to be
set before QApplication exists (see ``layout_check.py``)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from desktop.ui.widgets.common import big_label

from .layout_check import layout_problems

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("scale", "size", "lang"), [
    ("1.5", "1280x720", "ja"),  # 1920×1080 at 150 %
    ("1.5", "1280x720", "en"),
    ("1", "1366x768", "ja"),
    ("1", "1366x768", "en"),
])
def test_no_clipped_text(scale: str, size: str, lang: str, tmp_path: pathlib.Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=scale, CLINICPAY_DATA_DIR=str(tmp_path))
    env.pop("CLINICPAY_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "tests.ui.layout_check", "--size", size, "--lang", lang], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["device_pixel_ratio"] == float(scale)
    assert len(result["screens"]) >= 8  # every page and dialog was laid out
    errors = {name for name in result["screens"] if name.endswith("（入力チェック）")}
    assert {"後決済請求（入力チェック）", "返金する（入力チェック）", "予約の登録（入力チェック）",
            "メニュー設定（入力チェック）", "サインイン（入力チェック）", "最初のパスワードの設定（入力チェック）",
            "接続チェック（入力チェック）", "設定 clinic（入力チェック）"} <= errors  # and in their error state
    assert result["problems"] == {}


def test_checker_finds_clipped_text(qapp: QApplication, qtbot: object) -> None:
    button = QPushButton("返金する" * 3)
    label = big_label("山田 花子 様")
    for w in (button, label):
        qtbot.addWidget(w)  # type: ignore[attr-defined]
        w.show()
        w.resize(30, 20)
    assert layout_problems(button) and layout_problems(label)
    button.resize(button.sizeHint())
    assert not layout_problems(button)
    assert isinstance(label, QLabel)
