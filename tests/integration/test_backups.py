"""Backups of the SQLite database: a backup → restore drill gets every row back; a damaged file or
one from a newer ClinicPay is refused and changes nothing; daily backups are kept 14 days."""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil
import sqlite3

import pytest
from sqlalchemy import MetaData, select

from desktop.backup_cli import main as cli
from desktop.storage import backups, migrate
from desktop.storage.db import create_db_engine, sqlite_url
from desktop.storage.unit_of_work import Database
from tests.integration.seed import seed_front_desk


def _snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for name, table in sorted(meta.tables.items())}


@pytest.fixture
def data_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    data = tmp_path / "data"
    data.mkdir()
    engine = create_db_engine(sqlite_url(data / "clinicpay.db"))
    migrate.upgrade(engine)
    engine.dispose()
    return data


def test_backup_then_restore_gets_every_row_back(data_dir: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database(create_db_engine(sqlite_url(data_dir / "clinicpay.db")))
    seed_front_desk(db)
    before = _snapshot(db)
    assert sum(len(rows) for rows in before.values()) > 10
    assert cli(["backup", "--data-dir", str(data_dir)]) == 0
    [made] = [b for b in backups.list_backups(db.engine) if b.label == "manual"]
    seed_front_desk(db, email="other@example.jp")  # work done after the backup
    assert _snapshot(db) != before
    db.dispose()

    assert cli(["restore", str(made.path), "--data-dir", str(data_dir)]) == 0
    assert "復元しました" in capsys.readouterr().out
    db = Database(create_db_engine(sqlite_url(data_dir / "clinicpay.db")))
    assert _snapshot(db) == before
    kept = [b for b in backups.list_backups(db.engine) if b.label == "before-restore"]
    assert len(kept) == 1  # what was there before the restore is kept too
    db.dispose()


def test_a_damaged_file_or_one_from_a_newer_version_is_refused(
        data_dir: pathlib.Path, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database(create_db_engine(sqlite_url(data_dir / "clinicpay.db")))
    seed_front_desk(db)
    before = _snapshot(db)
    made = backups.backup(db.engine, "manual")
    assert made is not None
    newer = tmp_path / "newer.db"
    shutil.copy(made, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(made.read_bytes()[:4096] + b"\x00" * 4096)
    not_db = tmp_path / "notes.txt"
    not_db.write_text("not a database", encoding="utf-8")
    db.dispose()
    for path, words in ((newer, "新しいバージョン"), (damaged, "壊れています"), (not_db, "SQLiteのファイルではありません")):
        assert cli(["restore", str(path), "--data-dir", str(data_dir)]) == 1
        assert words in capsys.readouterr().out
    db = Database(create_db_engine(sqlite_url(data_dir / "clinicpay.db")))
    assert _snapshot(db) == before
    assert not [b for b in backups.list_backups(db.engine) if b.label == "before-restore"]
    db.dispose()


def test_one_daily_backup_a_day_kept_for_the_set_number_of_days(data_dir: pathlib.Path) -> None:
    engine = create_db_engine(sqlite_url(data_dir / "clinicpay.db"))
    now = dt.datetime.now(dt.timezone.utc)
    first = backups.daily_backup(engine, 14, now)
    assert first is not None and backups.check_file(first) == migrate.head_revision()
    assert backups.daily_backup(engine, 14, now + dt.timedelta(hours=2)) is None  # not due yet
    old = first.with_name(first.name.replace(first.stem.rsplit("-", 1)[1],
                                             (now - dt.timedelta(days=15)).strftime("%Y%m%dT%H%M%SZ")))
    first.rename(old)
    made = backups.daily_backup(engine, 14, now)
    assert made is not None and not old.exists()  # older than 14 days: removed
    assert [b.label for b in backups.list_backups(engine)] == ["daily"]
    engine.dispose()
