"""Settings of this PC (the shared ones — clinic details, SMTP host, payment mode — are in the database).

Each setting is declared once with its default; ``CLINICPAY_<NAME>`` environment variables
override the file (``CLINICPAY_DATABASE_URL``, ``CLINICPAY_CHECKOUT_PORT`` …).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pathlib
import threading
from typing import Any

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
DEMO_DATABASE_FILE = "demo.db"  # the デモ / トレーニング data, always a SQLite file of this PC
CLINIC, DEMO = "clinic", "demo"  # the two databases a PC can open (``LocalSettings.workspace``)


def _sqlite_url(path: pathlib.Path) -> str:
    from desktop.storage.db import sqlite_url  # SQLAlchemy loads only when a database is opened

    return sqlite_url(path)


@dataclasses.dataclass
class LocalSettings:
    """Per-PC settings, stored as JSON in the data directory."""

    database_url: str = ""  # empty: SQLite file in the data directory
    language: str = "ja"  # UI language: ja / en
    checkout_host: str = "127.0.0.1"  # where this PC serves the checkout page
    checkout_port: int = 8470
    # Addresses of the reverse proxies (comma-separated IPs or networks) whose X-Forwarded-For /
    # -Proto the checkout server believes; empty: none, the connecting address is the client.
    trusted_proxies: str = ""
    simulator_port: int = 0  # デモ mode PAY.JP simulator; 0 = any free port
    staff_id: int = 0  # the staff member signed in on this PC (0 = not chosen yet)
    workspace: str = ""  # which database opens: "clinic", "demo" (トレーニング), "" = first run, not chosen yet
    backup_keep_days: int = 14  # daily SQLite backups in <data dir>/backups are kept this many days

    def resolved_database_url(self, data_dir: pathlib.Path) -> str:
        """The clinic's database: ``database_url``, or ``clinicpay.db`` in the data directory."""
        return self.database_url or _sqlite_url(data_dir / "clinicpay.db")

    def workspace_url(self, data_dir: pathlib.Path, workspace: str) -> str:
        """The database of ``workspace``: the clinic's, or the demo's own SQLite file (never the clinic's)."""
        return _sqlite_url(data_dir / DEMO_DATABASE_FILE) if workspace == DEMO else self.resolved_database_url(data_dir)

    @classmethod
    def load(cls, data_dir: pathlib.Path) -> "LocalSettings":
        path = data_dir / SETTINGS_FILE
        values: dict[str, Any] = {}
        if path.exists():
            try:
                values = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.warning("settings file %s is unreadable; using defaults", path)
        settings = cls()
        for field in dataclasses.fields(cls):
            raw = os.environ.get(f"CLINICPAY_{field.name.upper()}", values.get(field.name))
            if raw is None:
                continue
            try:
                setattr(settings, field.name, int(raw) if field.type in ("int", int) else str(raw))
            except ValueError:
                log.warning("setting %s=%r ignored (not a number)", field.name, raw)
        return settings

    def save(self, data_dir: pathlib.Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f"{SETTINGS_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"  # two writers never share one
        tmp.write_text(json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(data_dir / SETTINGS_FILE)
