"""The サインイン list kept on this PC, so that the dialog can open before the database does.

At every start the app shows サインイン: the clinic's name, its staff (name and role) and, in
トレーニング, the demo accounts. Reading them needs the database, which takes about a second to
open (SQLAlchemy, the migration check). The list the dialog showed last is therefore written to
``sign_in.json`` in the data directory, and the next start opens the dialog from it at once; the
database's list replaces it as soon as it is read, and signing in is always checked against the
database. The file holds no secret of the clinic's staff (no password hash, no PIN), only what
the dialog shows anyway; the トレーニング accounts' published passwords are shown on the dialog
too. It imports nothing slow: ``desktop.launch`` reads it before the first window.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import pathlib
import threading
from collections.abc import Iterable
from typing import Any, Protocol

from desktop.config import CLINIC, DEMO, LocalSettings
from desktop.domain.clinic import StaffRole
from desktop.services.demo_accounts import DemoAccount

log = logging.getLogger(__name__)

SIGN_IN_LIST_FILE = "sign_in.json"


class ListedStaff(Protocol):
    """What the サインイン list shows of a staff member (``desktop.services.staff.StaffAccount`` has it)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> StaffRole: ...
    @property
    def has_password(self) -> bool: ...


@dataclasses.dataclass(frozen=True)
class KeptStaff:
    """A staff member as kept in ``sign_in.json``: id, name, role, whether they have a password."""

    id: int
    name: str
    role: StaffRole
    has_password: bool


@dataclasses.dataclass(frozen=True)
class SignInList:
    """What サインイン showed last for one database: the clinic's name, its staff, the demo accounts."""

    clinic_name: str
    accounts: tuple[KeptStaff, ...]
    demo: tuple[DemoAccount, ...] = ()

    @classmethod
    def of(cls, clinic_name: str, accounts: Iterable[ListedStaff], demo: Iterable[DemoAccount] = ()) -> SignInList:
        return cls(clinic_name, tuple(KeptStaff(a.id, a.name, a.role, a.has_password) for a in accounts), tuple(demo))


def database_key(settings: LocalSettings, workspace: str | None = None) -> str:
    """Which database a kept list belongs to: ``workspace`` (default ``settings.workspace``), and for
    the clinic's a digest of its URL (SHA-256; the URL itself, which may carry a password, is not written)."""
    workspace = settings.workspace if workspace is None else workspace
    if workspace == DEMO:
        return DEMO
    return f"{workspace}:{hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]}"


def load(data_dir: pathlib.Path, settings: LocalSettings) -> SignInList | None:
    """The list kept for the database ``settings`` opens, if there is one that can be used.

    None on a first run (no workspace chosen), when nothing was kept for that database, when the
    file is unreadable or from another version, or when nobody listed has a password (the first
    password is set against the database). Never raises.
    """
    if not settings.workspace:
        return None
    try:
        kept = json.loads((data_dir / SIGN_IN_LIST_FILE).read_text(encoding="utf-8"))
        entry = kept[database_key(settings)]
        found = SignInList(
            str(entry["clinic_name"]),
            tuple(KeptStaff(int(a["id"]), str(a["name"]), StaffRole(a["role"]), bool(a["has_password"]))
                  for a in entry["accounts"]),
            tuple(DemoAccount(str(d["name"]), StaffRole(d["role"]), str(d["password"]), str(d["pin"]))
                  for d in entry.get("demo", ())))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if any(a.has_password for a in found.accounts) else None


def save(data_dir: pathlib.Path, settings: LocalSettings, shown: SignInList, *, workspace: str | None = None) -> None:
    """Keep ``shown`` for the database of ``workspace`` (default: the one ``settings`` opens at start;
    give the open one — トレーニング is not remembered in the settings). Only the lists of the demo
    and of the clinic's database of ``settings`` are kept; one of a database no longer used is
    dropped. Written (only when it changed) to a temporary file, then renamed. Does disk I/O: call it off the UI thread.
    An OSError is logged, not raised (the next start then opens with the 起動中 window instead)."""
    path = data_dir / SIGN_IN_LIST_FILE
    try:
        found: Any = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        found = {}
    found = found if isinstance(found, dict) else {}
    keep = {DEMO, database_key(settings, CLINIC), database_key(settings, workspace)}
    kept = {key: value for key, value in found.items() if key in keep}
    kept[database_key(settings, workspace)] = {
        "clinic_name": shown.clinic_name,
        "accounts": [{"id": a.id, "name": a.name, "role": a.role.value, "has_password": a.has_password}
                     for a in shown.accounts],
        "demo": [{"name": d.name, "role": d.role.value, "password": d.password, "pin": d.pin} for d in shown.demo],
    }
    if kept == found:  # the same list as last time (most starts): nothing to write
        return
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")  # two writers never share one
    try:
        tmp.write_text(json.dumps(kept, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.warning("the sign-in list could not be kept (%s)", type(exc).__name__)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)

