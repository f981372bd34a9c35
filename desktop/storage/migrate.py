"""Alembic migrations, run in-process at start (before the Qt event loop starts)."""

from __future__ import annotations

import pathlib

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

from desktop.paths import package_path


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
    """Bring the schema to the newest revision; refuse a database from a newer version."""
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
    command.upgrade(cfg, "head")


def head_revision() -> str:
    script = ScriptDirectory(str(pathlib.Path(package_path("storage", "migrations"))))
    head = script.get_current_head()
    assert head is not None
    return head
