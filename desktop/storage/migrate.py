"""Alembic migrations, run in-process at start (before the Qt event loop starts)."""

from __future__ import annotations

import datetime
import pathlib
import sqlite3

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from desktop.domain.errors import DatabaseBusyError
from desktop.paths import package_path
from desktop.storage.db import is_busy


class DatabaseTooNewError(RuntimeError):
    """The database was migrated by a newer ClinicPay; this one must not touch it."""


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(package_path("storage", "migrations")))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision; refuse a database from a newer version.

    Raises:
        DatabaseTooNewError: the database comes from a newer ClinicPay.
        DatabaseBusyError: SQLite stayed locked by another program past the busy timeout.
    """
    try:
        _upgrade(engine)
    except (OperationalError, sqlite3.OperationalError) as exc:
        if is_busy(exc):
            raise DatabaseBusyError() from exc
        raise


def _upgrade(engine: Engine) -> None:
    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    current = current_revision(engine)
    if current is not None:
        try:
            known = script.get_revision(current) is not None
        except CommandError:
            known = False
        if not known:
            raise DatabaseTooNewError(
                f"database revision {current} is newer than this version of ClinicPay"
            )
        if current != script.get_current_head():
            backup_sqlite(engine, f"before-{script.get_current_head()}")
    command.upgrade(cfg, "head")


def backup_sqlite(engine: Engine, label: str) -> pathlib.Path | None:
    """Copy a live SQLite database with SQLite's backup API (never the bare file while -wal exists).

    The copy goes to ``backups/`` next to the database; PostgreSQL is backed up by its own tools.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    source = pathlib.Path(database)
    target_dir = source.parent / "backups"
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = target_dir / f"{source.stem}-{label}-{stamp}.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()
    return target


def head_revision() -> str:
    script = ScriptDirectory(str(pathlib.Path(package_path("storage", "migrations"))))
    head = script.get_current_head()
    assert head is not None
    return head
