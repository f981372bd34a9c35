"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from desktop.storage import migrate
from desktop.storage.db import create_db_engine, sqlite_url
from desktop.storage.unit_of_work import Database

PG_URL = os.environ.get("CLINICPAY_TEST_PG_URL", "")


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
