"""The everyday start checks the schema without alembic; the answer must be alembic's."""

from __future__ import annotations

import pathlib

from sqlalchemy import text

from desktop.storage import migrate
from desktop.storage.db import create_db_engine, sqlite_url


def test_the_shipped_head_read_from_the_scripts_is_alembics() -> None:
    assert migrate.shipped_head() == migrate.head_revision()


def test_a_database_at_the_head_is_left_alone_and_an_older_one_is_upgraded(tmp_path: pathlib.Path) -> None:
    engine = create_db_engine(sqlite_url(tmp_path / "clinicpay.db"))
    try:
        from alembic import command

        command.upgrade(migrate.alembic_config(engine), "0001")  # a database of the first version
        assert migrate._stamped_revision(engine) == "0001"
        migrate.upgrade(engine)  # not at the head: alembic upgrades it
        assert migrate.current_revision(engine) == migrate.head_revision()
        migrate.upgrade(engine)  # at the head: one query, nothing changes
        assert migrate._stamped_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()
