"""Backups of the SQLite database: daily with SQLite's online backup API, kept a number of days,
and a restore that checks the file first.

Backups go to ``backups/`` next to the database (the data directory), named
``<db>-<label>-<UTC stamp>.db``; the daily ones carry the label ``daily``. PostgreSQL is backed up
with its own tools (``pg_dump`` / ``pg_restore``, see docs/OPERATIONS.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import sqlite3

from sqlalchemy import Engine

from desktop.storage import migrate

DAILY = "daily"
DAILY_INTERVAL = dt.timedelta(hours=24)


class BackupError(Exception):
    """A backup file cannot be restored: ``code`` is ``not_sqlite``, ``corrupt``, ``not_clinicpay``
    or ``too_new`` (made by a newer ClinicPay); nothing was changed."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclasses.dataclass(frozen=True)
class BackupInfo:
    """One backup file: where, when it was made (UTC, from its name) and its label."""

    path: pathlib.Path
    made_at: dt.datetime
    label: str


def backup_dir(engine: Engine) -> pathlib.Path | None:
    """``backups/`` next to the SQLite database (None for PostgreSQL or an in-memory database)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return pathlib.Path(database).parent / "backups"


def list_backups(engine: Engine) -> list[BackupInfo]:
    """The backups of this database, newest first."""
    directory = backup_dir(engine)
    database = engine.url.database
    if directory is None or not directory.is_dir() or database is None:
        return []
    stem = pathlib.Path(database).stem
    found = []
    for path in directory.glob(f"{stem}-*.db"):
        label, _, stamp = path.stem[len(stem) + 1:].rpartition("-")
        try:
            made = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
        except ValueError:
            continue
        found.append(BackupInfo(path, made, label))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def check_file(path: pathlib.Path) -> str | None:
    """The schema revision of a ClinicPay SQLite file, after SQLite's ``integrity_check``.

    Raises:
        BackupError: not a SQLite file, damaged, or not a ClinicPay database.
    """
    try:
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                raise BackupError("not_sqlite", str(path))
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()
            if result is None or result[0] != "ok":
                raise BackupError("corrupt", str(result))
            try:
                rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            except sqlite3.DatabaseError:
                raise BackupError("not_clinicpay", str(path)) from None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError("corrupt", str(exc)) from exc
    return str(rows[0][0]) if rows else None


def backup(engine: Engine, label: str = DAILY) -> pathlib.Path | None:
    """Copy the live database now (online backup API) and check the copy; None for PostgreSQL.

    Raises:
        BackupError: the copy fails its integrity check (it is removed).
    """
    target = migrate.backup_sqlite(engine, label)
    if target is not None:
        try:
            check_file(target)
        except BackupError:
            target.unlink(missing_ok=True)
            raise
    return target


def prune(engine: Engine, keep_days: int, now: dt.datetime) -> int:
    """Delete daily backups older than ``keep_days`` (other labels stay). Returns how many went."""
    removed = 0
    for info in list_backups(engine):
        if info.label == DAILY and info.made_at < now - dt.timedelta(days=max(1, keep_days)):
            info.path.unlink(missing_ok=True)
            removed += 1
    return removed


def daily_backup(engine: Engine, keep_days: int, now: dt.datetime) -> pathlib.Path | None:
    """The automatic run: a ``daily`` backup if the last one is 24 h old or missing, then prune."""
    if backup_dir(engine) is None:
        return None
    last = next((b for b in list_backups(engine) if b.label == DAILY), None)
    made = None
    if last is None or last.made_at <= now - DAILY_INTERVAL:
        made = backup(engine, DAILY)
    prune(engine, keep_days, now)
    return made


def restore(engine: Engine, source: pathlib.Path) -> pathlib.Path | None:
    """Replace the database with backup ``source``, keeping a copy of the current one first.

    The file is checked (integrity, ClinicPay schema, not newer than this version) before anything
    changes; after the copy the schema is brought to this version. The app must not be running.

    Returns:
        The copy of the database as it was before (label ``before-restore``).

    Raises:
        BackupError: the file cannot be restored (``too_new``, ``corrupt`` …); nothing changed.
        ValueError: the database is not a SQLite file.
    """
    database = engine.url.database
    if backup_dir(engine) is None or database is None:
        raise ValueError("restore works on a SQLite database; use pg_restore for PostgreSQL")
    revision = check_file(source)
    if revision is not None and not _known(revision):
        raise BackupError("too_new", revision)
    kept = migrate.backup_sqlite(engine, "before-restore")
    engine.dispose()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(database)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    migrate.upgrade(engine)
    return kept


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from desktop.paths import package_path

    script = ScriptDirectory(str(pathlib.Path(package_path("storage", "migrations"))))
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False
