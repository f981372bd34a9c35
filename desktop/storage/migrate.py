"""Alembic migrations, run in-process at start (in the start-up worker thread, behind the 起動中 window)."""

from __future__ import annotations

import ast
import datetime
import pathlib
import sqlite3
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from desktop.domain.errors import DatabaseBusyError
from desktop.paths import package_path
from desktop.storage.db import is_busy

if TYPE_CHECKING:
    from alembic.config import Config


class DatabaseTooNewError(RuntimeError):
    """The database was migrated by a newer ClinicPay; this one must not touch it."""


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(package_path("storage", "migrations")))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def shipped_head() -> str | None:
    """The newest revision among the shipped migration scripts, read without loading alembic.

    Each script in ``migrations/versions`` states ``revision = "…"`` and ``down_revision = …``
    before its functions (only that part is parsed);
    the head is the one revision no other names as its ``down_revision``. None when that is not
    exactly one (several heads, a script not in this form): then alembic decides.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in package_path("storage", "migrations", "versions").glob("*.py"):
        header = script.read_text(encoding="utf-8").split("\ndef ", 1)[0]  # the statements before the functions
        try:
            body = ast.parse(header).body
        except SyntaxError:
            return None
        found = len(revisions)
        for node in body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = {t.id for t in targets if isinstance(t, ast.Name)}
                if names & {"revision", "down_revision"}:
                    try:
                        value = ast.literal_eval(node.value)
                    except ValueError:
                        return None
                    if "revision" in names and isinstance(value, str):
                        revisions.add(value)
                    elif "down_revision" in names and value is not None:
                        parents.update([value] if isinstance(value, str) else value)
        if len(revisions) == found:  # no revision stated before the functions: let alembic read it
            return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stamped_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return None
    return rows[0] if len(rows) == 1 else None


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
    # The everyday start (the database already at the shipped head) is one query and no alembic
    # import; anything else goes through alembic.
    head = shipped_head()
    if head is not None and _stamped_revision(engine) == head:
        return
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

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
        if current == script.get_current_head():
            return  # the everyday start: nothing to do, and alembic's environment is not loaded
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
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(pathlib.Path(package_path("storage", "migrations"))))
    head = script.get_current_head()
    assert head is not None
    return head
