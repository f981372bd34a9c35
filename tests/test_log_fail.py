"""A WARNING or ERROR log record (or Qt warning) that a test does not declare fails that test (tests/conftest.py)."""

from __future__ import annotations

import pathlib

import pytest

CONFTEST = pathlib.Path(__file__).with_name("conftest.py")

SUITE = '''
import logging
import threading

import pytest

log = logging.getLogger("desktop.services.outbox")


def test_quiet():
    log.info("sent")


def test_stray_warning():
    log.warning("mail not sent: %s", "timeout")


def test_error_in_a_caught_handler():
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("desktop.simulator.webhooks").exception("delivery failed")


def test_warning_from_a_thread():
    worker = threading.Thread(target=log.warning, args=("from the worker",))
    worker.start()
    worker.join()


@pytest.mark.expect_log("desktop.services", "WARNING", "not sent")
def test_declared_by_marker():
    log.warning("mail not sent: %s", "timeout")


@pytest.mark.expect_log("desktop.services.outbox", "WARNING", "not sent")
def test_declared_but_another_level():
    log.error("mail not sent")


def test_declared_by_fixture(expect_log):
    expect_log("desktop.services.outbox", "WARNING")
    log.warning("anything")


@pytest.fixture
def noisy_teardown():
    yield
    log.warning("closing late")


def test_teardown_warning(noisy_teardown):
    pass


def test_qt_warning():
    from PySide6.QtCore import qWarning
    qWarning("QWidget::setLayout: layout already set")


@pytest.mark.qt_log_ignore("layout already set")
def test_qt_warning_declared():
    from PySide6.QtCore import qWarning
    qWarning("QWidget::setLayout: layout already set")
'''


def test_stray_records_fail_their_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=5, failed=5, errors=1)
    outcomes = {line.split(" ")[1].split("::")[-1]: line.split(" ")[0]
                for line in result.outlines if line.startswith(("PASSED test_suite.py::", "FAILED test_suite.py::",
                                                                "ERROR test_suite.py::"))}
    assert outcomes == {
        "test_quiet": "PASSED", "test_declared_by_marker": "PASSED", "test_declared_by_fixture": "PASSED",
        "test_teardown_warning": "ERROR", "test_stray_warning": "FAILED", "test_error_in_a_caught_handler": "FAILED",
        "test_warning_from_a_thread": "FAILED", "test_declared_but_another_level": "FAILED",
        "test_qt_warning": "FAILED", "test_qt_warning_declared": "PASSED",
    }
    result.stdout.fnmatch_lines(["*WARNING desktop.services.outbox [[]MainThread[]]: mail not sent: timeout*"])
    result.stdout.fnmatch_lines(["*during teardown*", "*closing late*"])
