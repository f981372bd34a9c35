"""The log file: where it is, what a line looks like, rotation, and no personal data or secrets in it."""

from __future__ import annotations

import logging
import logging.handlers
import pathlib
from collections.abc import Iterator

import pytest

from desktop import logs, paths
from desktop.version import version


@pytest.fixture
def log_dir(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    level = logging.getLogger().level
    yield tmp_path / "logs"
    logs.close_logging()
    logging.getLogger().setLevel(level)


def test_the_log_file_is_in_the_user_log_directory_unless_overridden(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: pathlib.Path) -> None:
    import platformdirs

    monkeypatch.delenv("CLINICPAY_LOG_DIR", raising=False)
    assert paths.log_dir() == pathlib.Path(platformdirs.user_log_dir("ClinicPay", "ClinicPay"))
    monkeypatch.setenv("CLINICPAY_LOG_DIR", str(tmp_path))
    assert paths.log_dir() == tmp_path


def test_records_go_to_a_rotating_file_in_utc(log_dir: pathlib.Path) -> None:
    path = logs.configure_logging("INFO", log_dir, stderr=False)
    assert path == log_dir / "clinicpay.log" == logs.current_log_file()
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert len(handlers) == 1 and handlers[0].backupCount == logs.BACKUP_COUNT
    assert handlers[0].maxBytes == logs.MAX_BYTES
    logging.getLogger("desktop.test").info("outbox: %d sent", 3)
    line = path.read_text(encoding="utf-8").splitlines()[-1]
    assert line.endswith("INFO desktop.test [MainThread]: outbox: 3 sent")
    assert line[:24].endswith("Z") and line[10] == "T"  # 2026-11-30T09:15:02.123Z
    # configuring again replaces its own handlers, it does not add a second file
    logs.configure_logging("INFO", log_dir, stderr=False)
    assert len([h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)]) == 1


def test_old_logs_rotate(log_dir: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    path = logs.configure_logging("INFO", log_dir, stderr=False)
    assert path is not None
    for i in range(200):
        logging.getLogger("desktop.test").info("line %d %s", i, "x" * 40)
    assert (log_dir / "clinicpay.log.1").exists()
    assert len(list(log_dir.glob("clinicpay.log*"))) <= logs.BACKUP_COUNT + 1


@pytest.mark.expect_log("desktop.test", "ERROR", "sending failed")
def test_personal_data_and_secrets_are_masked_in_the_file(log_dir: pathlib.Path) -> None:
    path = logs.configure_logging("INFO", log_dir, stderr=False)
    assert path is not None
    log = logging.getLogger("desktop.test")
    log.info("mail to hanako.yamada+clinic@example.co.jp, phone 090-1234-5678 / 0312345678")
    log.info("key sk_live_0123456789abcdef and sk_test_abcdef0123456789, Authorization: Bearer abcDEF123456789")
    log.info("smtp password=hunter2secret; link https://clinic.example/pay/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg")
    try:
        raise ValueError("no such patient taro@example.jp")
    except ValueError:
        log.exception("sending failed")
    text = path.read_text(encoding="utf-8")
    for secret in ("hanako.yamada", "example.co.jp", "090-1234-5678", "0312345678", "0123456789abcdef",
                   "abcdef0123456789", "abcDEF123456789", "hunter2secret", "AbCdEfGhIjKl", "taro@example.jp"):
        assert secret not in text, secret
    assert "sk_live_***" in text and "/pay/***" in text and "***@***" in text
    assert "ValueError" in text and "Traceback" in text  # the traceback itself is kept


def test_ordinary_numbers_are_not_masked() -> None:
    line = "request 12 amount 1200 yen at 2026-11-30T09:15:02Z port 8470 took 35 ms"
    assert logs.redact(line) == line


def test_a_log_directory_that_cannot_be_made_leaves_the_app_running(tmp_path: pathlib.Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    try:
        assert logs.configure_logging("INFO", blocker / "logs", stderr=False) is None
        assert logs.current_log_file() is None
        assert "no log file" in capsys.readouterr().err
    finally:
        logs.close_logging()


def test_version_is_the_one_of_pyproject() -> None:
    pyproject = (pathlib.Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{version()}"' in pyproject
