"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a fixed clock; failing on stray logs."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from desktop.storage import migrate
from desktop.storage.db import create_db_engine, sqlite_url
from desktop.storage.unit_of_work import Database

PG_URL = os.environ.get("CLINICPAY_TEST_PG_URL", "")
pytest_plugins = ["pytester"]  # tests/test_log_fail.py runs small suites through this conftest


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs() -> None:
    """Tests never read a stale catalog: recompile when a .po/.ts is newer than its .mo/.qm."""
    from desktop import catalogs, i18n

    if catalogs.stale():
        catalogs.compile_all()
        i18n.reload()


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") and not PG_URL:
        raise pytest.UsageError("CI runs the PostgreSQL half too: set CLINICPAY_TEST_PG_URL (scripts/test.sh does)")
    config.addinivalue_line(
        "markers",
        "expect_log(logger, level, substring=''): a WARNING/ERROR record this test causes on purpose "
        "(logger or a child of it, exact level name, substring of the message); any other fails the test",
    )
    logging.getLogger().addHandler(_LOG_FAIL)
    # The offscreen platform plugin the tests run on (QT_QPA_PLATFORM=offscreen) says so for every
    # window that is shown or raised; a real desktop platform does not.
    config.addinivalue_line("qt_log_ignore", r"^This plugin does not support (propagateSizeHints|raise)\(\)$")


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger().removeHandler(_LOG_FAIL)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Qt's own warnings fail the test too (pytest-qt); expected ones: @pytest.mark.qt_log_ignore("regex").
    for item in items:
        if item.get_closest_marker("qt_log_level_fail") is None:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))


# -- an unexpected WARNING or ERROR log record fails the test that caused it -----------------------
# (as qutebrowser's tests/helpers/logfail.py, but checked after each phase, so that a record logged
# where the code under test catches every exception, or from another thread, still fails the test)


@dataclass(frozen=True)
class ExpectedLog:
    """A record a test declares: ``logger`` (or a child of it), level name, a substring of the message."""

    logger: str
    level: str
    substring: str = ""

    def matches(self, record: logging.LogRecord) -> bool:
        return ((record.name == self.logger or record.name.startswith(self.logger + "."))
                and record.levelname == self.level.upper() and self.substring in record.getMessage())


class _LogFailHandler(logging.Handler):
    """Keeps the WARNING-and-above records of the running test phase."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        with self._guard:
            taken, self.records = self.records, []
        return taken


_LOG_FAIL = _LogFailHandler()
_EXPECTED_KEY = pytest.StashKey[list[ExpectedLog]]()


def _expected(item: pytest.Item) -> list[ExpectedLog]:
    declared = [ExpectedLog(*mark.args, **mark.kwargs) for mark in item.iter_markers("expect_log")]
    return declared + item.stash.get(_EXPECTED_KEY, [])


@pytest.fixture
def expect_log(request: pytest.FixtureRequest) -> Callable[[str, str, str], None]:
    """Declare an expected record from inside a test (when it depends on a parameter):
    ``expect_log("desktop.services.outbox", "WARNING", "not sent")``."""
    declared = request.node.stash.setdefault(_EXPECTED_KEY, [])

    def declare(logger: str, level: str, substring: str = "") -> None:
        declared.append(ExpectedLog(logger, level, substring))

    return declare


def _check_logs(item: pytest.Item, when: str) -> Generator[None, object, object]:
    # Records logged between two phases (by a thread) count for the next one: nothing is dropped.
    try:
        result = yield
    except BaseException:
        _LOG_FAIL.take()  # the phase failed anyway; its log is in the report
        raise
    expected = _expected(item)
    unexpected = [r for r in _LOG_FAIL.take() if not any(e.matches(r) for e in expected)]
    if unexpected:
        lines = "\n".join(f"  {r.levelname} {r.name} [{r.threadName}]: {r.getMessage()}" for r in unexpected)
        pytest.fail(f"unexpected log record(s) during {when} (declare them with "
                    f"@pytest.mark.expect_log(logger, level, substring)):\n{lines}", pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _check_logs(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _check_logs(item, "the test"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    return (yield from _check_logs(item, "teardown"))


class _PgTemplate:
    """One migrated template database; each test gets a fresh copy of it (fast)."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT") if PG_URL else None

    def fresh_url(self) -> str:
        assert self.admin is not None
        if self.name is None:
            self.name = f"clinicpay_tpl_{os.getpid()}_{secrets.token_hex(3)}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            engine = create_db_engine(self._url(self.name))
            migrate.upgrade(engine)
            engine.dispose()
        name = f"clinicpay_t_{secrets.token_hex(5)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        return self._url(name)

    def drop(self, url: str) -> None:
        assert self.admin is not None
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _url(self, name: str) -> str:
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        if self.admin is None:
            return
        if self.name:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[_PgTemplate]:
    template = _PgTemplate()
    yield template
    template.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str], _pg_template: _PgTemplate) -> Iterator[str]:
    """A migrated, empty database URL — once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "clinicpay.db")  # type: ignore[operator]
        engine = create_db_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    if not PG_URL:
        pytest.skip("CLINICPAY_TEST_PG_URL is not set (scripts/test.sh sets it)")
    url = _pg_template.fresh_url()
    yield url
    _pg_template.drop(url)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(create_db_engine(db_url))
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: os.PathLike[str]) -> Iterator[Database]:
    """SQLite only, for tests about SQLite itself."""
    engine = create_db_engine(sqlite_url(tmp_path / "clinicpay.db"))  # type: ignore[operator]
    migrate.upgrade(engine)
    database = Database(engine)
    yield database
    database.dispose()


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
