"""SQLite locked by another program past the busy timeout: a clear message and a retry, never a
traceback; nothing changed; start-up waits and tries again instead of stopping."""

from __future__ import annotations

import pathlib
import sqlite3
import threading
from collections.abc import Iterator

import pytest

from desktop import app as desktop_app
from desktop.bootstrap import prepare_context
from desktop.config import LocalSettings
from desktop.domain.errors import DatabaseBusyError
from desktop.services.secrets import MemorySecretStore
from desktop.storage import db as storage_db
from desktop.storage.orm import Clinic


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_db, "SQLITE_BUSY_TIMEOUT_MS", 200)


def _lock(path: pathlib.Path) -> sqlite3.Connection:
    """Another program holding SQLite's write lock."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.fixture
def data_dir(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    ctx = prepare_context(tmp_path / "data", LocalSettings(workspace="clinic"), secrets=MemorySecretStore({}))
    ctx.close()
    yield tmp_path / "data"


def _db_file(data_dir: pathlib.Path) -> pathlib.Path:
    return pathlib.Path(LocalSettings(workspace="clinic").resolved_database_url(data_dir).split("///", 1)[1])


def test_a_write_while_locked_says_busy_in_both_languages_and_changes_nothing(data_dir: pathlib.Path) -> None:
    ctx = prepare_context(data_dir, LocalSettings(workspace="clinic"), secrets=MemorySecretStore({}))
    try:
        clinic = ctx.clinic()
        assert clinic is not None
        other = _lock(_db_file(data_dir))
        try:
            with pytest.raises(DatabaseBusyError) as caught:
                with ctx.db.uow() as uow:
                    row = uow.session.get(Clinic, clinic.id)
                    assert row is not None
                    row.name = "変更"
                    uow.commit()
        finally:
            other.rollback() if other.in_transaction else None
            other.close()
        assert "使用中" in caught.value.message("ja")
        assert "in use by another PC or program" in caught.value.message("en")
        assert ctx.clinic().name == clinic.name  # type: ignore[union-attr]
        with ctx.db.uow() as uow:  # and once the lock is gone, the same action goes through
            row = uow.session.get(Clinic, clinic.id)
            assert row is not None
            row.name = "変更"
            uow.commit()
        assert ctx.clinic().name == "変更"  # type: ignore[union-attr]
    finally:
        ctx.close()


def test_start_up_waits_for_a_lock_released_meanwhile(data_dir: pathlib.Path) -> None:
    other = _lock(_db_file(data_dir))
    timer = threading.Timer(0.5, lambda: (other.rollback(), other.close()))
    timer.start()
    try:
        ctx = prepare_context(data_dir, LocalSettings(workspace="clinic"), secrets=MemorySecretStore({}), busy_retry_delays=(0.5, 0.5, 1))
    finally:
        timer.join()
    try:
        assert ctx.clinic() is not None
    finally:
        ctx.close()


def test_start_up_offers_a_retry_with_a_clear_message(data_dir: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("desktop.bootstrap.BUSY_RETRY_DELAYS", ())
    monkeypatch.setattr("desktop.services.secrets.KeyringSecretStore", lambda: MemorySecretStore({}))
    original = prepare_context
    busy = [True]

    def prepare(path: pathlib.Path) -> object:
        if busy[0]:
            raise DatabaseBusyError()
        return original(path, secrets=MemorySecretStore({}))

    monkeypatch.setattr(desktop_app, "prepare_context", prepare)
    asked: list[str] = []

    def give_up(message: str) -> bool:
        asked.append(message)
        return False

    assert desktop_app.open_context(data_dir, [], ask_retry=give_up) is None
    assert asked and "データベースが別の端末またはプログラムで使用中です" in asked[0]

    def retry_once(message: str) -> bool:
        busy[0] = False
        return True

    ctx = desktop_app.open_context(data_dir, [], ask_retry=retry_once)
    assert ctx is not None
    ctx.close()  # type: ignore[attr-defined]
