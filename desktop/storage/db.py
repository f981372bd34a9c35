"""Engines for SQLite (one PC, the default) and PostgreSQL (several reception PCs).

SQLite runs in WAL mode with foreign keys on and a busy timeout. Its write transactions
start with ``BEGIN IMMEDIATE``: SQLite ignores the busy timeout when a read transaction
upgrades to a write, so a deferred BEGIN would fail at once under contention. Read-only
units of work (``readonly=True``) begin deferred and never block writers in WAL mode.
"""

from __future__ import annotations

import pathlib
import logging
import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

READONLY_OPTION = "clinicpay_readonly"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class _NoResultRows(logging.Filter):
    """Drops SQLAlchemy's DEBUG records (result rows: patients' names, e-mail, phone).

    The SQL text (INFO) stays; its bound values are hidden by ``hide_parameters``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


if not any(isinstance(f, _NoResultRows) for f in logging.getLogger("sqlalchemy.engine.Engine").filters):
    logging.getLogger("sqlalchemy.engine.Engine").addFilter(_NoResultRows())


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked / busy" after the busy timeout."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    text = str(orig).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def sqlite_url(path: pathlib.Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with the settings ClinicPay relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            pathlib.Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,  # bound values (names, e-mail, phone) never reach logs or error texts
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take over BEGIN from pysqlite (SQLAlchemy's documented recipe) so we can emit IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READONLY_OPTION):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
