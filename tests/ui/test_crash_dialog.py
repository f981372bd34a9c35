"""Unexpected exceptions: the crash dialog in plain words, the log's place, the details to copy;
the app runs on and an open dialog keeps what was typed. Also ヘルプ › このアプリについて."""

from __future__ import annotations

import asyncio
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QVBoxLayout

from desktop import logs
from desktop.ui import i18n
from desktop.ui.crash import CrashDialog, CrashReporter
from desktop.version import version

from .conftest import wait_for, wait_idle

pytestmark = [pytest.mark.qt_no_exception_capture,
              pytest.mark.expect_log("desktop.ui.crash", "ERROR", "unexpected error in ")]


@pytest.fixture
def log_file(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    path = logs.configure_logging("INFO", tmp_path / "logs", stderr=False)
    assert path is not None
    yield path
    logs.close_logging()


@pytest.fixture
def reporter(qtbot: Any, log_file: pathlib.Path) -> Iterator[CrashReporter]:
    reporter = CrashReporter()
    reporter.install()
    yield reporter
    reporter.uninstall()
    if reporter.dialog is not None:
        reporter.dialog.close()


def _open_dialog_with_typing(qtbot: Any) -> tuple[QDialog, QLineEdit, QPushButton]:
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    field = QLineEdit()
    button = QPushButton("保存")
    layout.addWidget(field)
    layout.addWidget(button)
    qtbot.addWidget(dialog)
    dialog.show()
    field.setFocus()
    field.insert("山田 花子 ")  # as the input method commits Japanese text
    qtbot.keyClicks(field, "090-1234-5678")
    return dialog, field, button


def _crash_dialog(reporter: CrashReporter) -> CrashDialog:
    assert reporter.dialog is not None
    return reporter.dialog


def test_an_exception_in_a_slot_shows_the_dialog_and_keeps_the_open_dialog(
        qtbot: Any, reporter: CrashReporter, log_file: pathlib.Path) -> None:
    dialog, field, button = _open_dialog_with_typing(qtbot)

    def save() -> None:
        raise RuntimeError("the save step broke for taro@example.jp")

    button.clicked.connect(save)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    crash = _crash_dialog(reporter)
    assert crash.windowTitle() == "予期しないエラー"
    assert crash.headline.text() == "予期しないエラーが起きました。"
    assert "入力中の内容はそのまま残っています" in crash.explanation.text()
    assert str(log_file) in crash.log_label.text()
    details = crash.details.toPlainText()
    assert f"ClinicPay {version()}" in details and "RuntimeError: the save step broke" in details
    assert "in save" in details  # the traceback
    assert "taro@example.jp" not in details  # personal data masked in what is copied
    # the app runs on: the dialog the user typed in is still open with the text
    assert dialog.isVisible() and field.text() == "山田 花子 090-1234-5678"
    assert not crash.isModal()
    qtbot.mouseClick(crash.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == details
    assert crash.copy_button.text() == "コピーしました"
    # and the log file has the traceback, without the e-mail address
    logged = log_file.read_text(encoding="utf-8")
    assert "unexpected error in main thread" in logged and "RuntimeError" in logged
    assert "taro@example.jp" not in logged

    # a second exception is added to the open dialog, not a new window
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: crash.count == 2)
    assert reporter.dialog is crash
    assert crash.count_label.text() == "このエラーは 2 回起きました。"
    crash.close()


def test_an_exception_in_a_worker_thread_is_shown(qtbot: Any, reporter: CrashReporter) -> None:
    def work() -> None:
        raise ValueError("worker failed")

    thread = threading.Thread(target=work, name="mail-worker")
    thread.start()
    thread.join()
    wait_for(qtbot, lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    details = _crash_dialog(reporter).details.toPlainText()
    assert "where: thread mail-worker" in details and "ValueError: worker failed" in details


def test_an_exception_in_a_loop_callback_is_shown(qtbot: Any, reporter: CrashReporter,
                                                 qloop: asyncio.AbstractEventLoop) -> None:
    reporter.install_loop(qloop)
    try:
        def callback() -> None:
            raise KeyError("status poll")

        qloop.call_soon(callback)
        wait_for(qtbot, lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        assert "KeyError: 'status poll'" in _crash_dialog(reporter).details.toPlainText()
    finally:
        qloop.set_exception_handler(None)


def test_the_dialog_in_english(qtbot: Any, reporter: CrashReporter) -> None:
    i18n.set_language("en")
    try:
        reporter.handle((OSError, OSError("disk"), None), "main thread")
        wait_for(qtbot, lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        crash = _crash_dialog(reporter)
        assert crash.windowTitle() == "Unexpected error"
        texts = [crash.headline.text(), crash.explanation.text(), crash.log_label.text(),
                 crash.copy_button.text(), crash.open_log_button.text(), crash.close_button.text()]
        assert not any(any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts), texts
    finally:
        i18n.set_language("ja")


def test_about_box_shows_the_version_and_the_log_file(qtbot: Any, clinic_app: Any, log_file: pathlib.Path) -> None:
    window = clinic_app.window
    menu = window.menuBar().actions()[0]
    assert menu.text() == "ヘルプ"
    assert window.about_action.text() == "このアプリについて"
    window.about_action.trigger()
    about = window.findChild(QDialog)
    wait_for(qtbot, lambda: about is not None and about.isVisible())
    assert about.windowTitle() == "このアプリについて"
    assert about.version_label.text() == version()
    assert about.log_label.text() == str(log_file)
    qtbot.mouseClick(about.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == str(log_file)
    about.close()
    wait_idle(qtbot)


@pytest.mark.expect_log("desktop.launch", "ERROR", "ClinicPay could not start")
def test_a_start_that_fails_says_so_in_a_dialog(qtbot: Any, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: pathlib.Path) -> None:
    from desktop import app as app_module, launch

    def broken(data_dir: pathlib.Path) -> Any:
        raise ConnectionRefusedError("connection to server at db-host:5432 refused")

    shown: list[CrashDialog] = []

    def exec_(dialog: CrashDialog) -> int:
        shown.append(dialog)
        return 0

    monkeypatch.setenv("CLINICPAY_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(app_module, "prepare_context", broken)
    monkeypatch.setattr(CrashDialog, "exec", exec_)
    try:
        assert launch.main(["--data-dir", str(tmp_path / "data")]) == 1
    finally:
        logs.close_logging()
    assert len(shown) == 1
    dialog = shown[0]
    assert dialog.windowTitle() == "起動できませんでした"
    assert dialog.headline.text() == "クリニック決済を起動できませんでした。"
    assert "データベースのサーバーとネットワークを確かめて" in dialog.explanation.text()
    assert "ConnectionRefusedError: connection to server at db-host:5432 refused" in dialog.details.toPlainText()
    assert dialog.close_button.text() == "終了"
    assert str(tmp_path / "logs" / "clinicpay.log") in dialog.log_label.text()
    dialog.deleteLater()
