"""``python -m desktop backup`` / ``python -m desktop restore FILE`` for the SQLite database.

    python -m desktop backup [--data-dir DIR]            a backup now, into <data dir>/backups
    python -m desktop restore FILE [--data-dir DIR]      replace the database with FILE (app closed)

Restore checks the file first (SQLite integrity, a ClinicPay schema not newer than this version)
and keeps a copy of the current database (``…-before-restore-….db``) before replacing it.
PostgreSQL: ``pg_dump`` / ``pg_restore`` (docs/OPERATIONS.md).
"""

from __future__ import annotations

import argparse
import pathlib

from desktop.config import LocalSettings
from desktop.paths import default_data_dir
from desktop.storage import backups
from desktop.storage.db import create_db_engine

MESSAGES = {
    "not_sqlite": "SQLiteのファイルではありません / not a SQLite file",
    "corrupt": "ファイルが壊れています（整合性チェックに失敗） / the file is damaged (integrity check failed)",
    "not_clinicpay": "ClinicPayのデータベースではありません / not a ClinicPay database",
    "too_new": "新しいバージョンのClinicPayで作られたバックアップです。このバージョンでは復元できません / "
               "made by a newer ClinicPay; this version cannot restore it",
}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m desktop")
    p.add_argument("command", choices=("backup", "restore"))
    p.add_argument("file", nargs="?", help="the backup to restore")
    p.add_argument("--data-dir", help="data directory (default: per-user, or CLINICPAY_DATA_DIR)")
    args = p.parse_args(argv)
    data_dir = pathlib.Path(args.data_dir) if args.data_dir else default_data_dir()
    url = LocalSettings.load(data_dir).resolved_database_url(data_dir)
    engine = create_db_engine(url)
    try:
        if backups.backup_dir(engine) is None:
            print("PostgreSQL: pg_dump / pg_restore をお使いください（docs/OPERATIONS.md） / "
                  "use pg_dump / pg_restore (docs/OPERATIONS.md)")
            return 2
        if args.command == "backup":
            made = backups.backup(engine, "manual")
            print(f"バックアップしました / backup written: {made}")
            return 0
        if not args.file:
            p.error("restore needs FILE")
        try:
            kept = backups.restore(engine, pathlib.Path(args.file))
        except backups.BackupError as exc:
            print(f"復元できません / cannot restore: {MESSAGES.get(exc.code, exc.code)}")
            return 1
        print(f"復元しました / restored from {args.file} (以前のデータ / the previous data: {kept})")
        return 0
    finally:
        engine.dispose()
