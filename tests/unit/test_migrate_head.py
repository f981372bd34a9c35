"""The everyday start checks the schema without alembic; the answer must be alembic's."""

from __future__ import annotations

import pathlib

import pytest
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


def test_a_script_not_in_the_usual_form_is_left_to_alembic(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = tmp_path / "storage" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_a.py").write_text('"""a"""\nrevision = "0001"\ndown_revision = None\n\n'
                                        "def upgrade() -> None:\n    pass\n", encoding="utf-8")
    (versions / "0002_b.py").write_text('"""b"""\n\ndef upgrade() -> None:\n    pass\n\n'
                                        'revision = "0002"\ndown_revision = "0001"\n', encoding="utf-8")
    monkeypatch.setattr(migrate, "package_path", lambda *parts: tmp_path.joinpath(*parts))
    assert migrate.shipped_head() is None  # 0002 states its revision after its functions
    (versions / "0002_b.py").write_text('"""b"""\nrevision = "0002"\ndown_revision = "0001"\n\n'
                                        "def upgrade() -> None:\n    pass\n", encoding="utf-8")
    assert migrate.shipped_head() == "0002"
