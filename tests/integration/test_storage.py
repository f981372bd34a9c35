"""The database as the billing engine relies on it, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from desktop.domain.billing import BillingState, TaxCategory
from desktop.storage import migrate
from desktop.storage.orm import AuditEvent, BillingRequest, Clinic
from desktop.storage.unit_of_work import Database


def test_migrations_reach_head_and_rerun_cleanly(db: Database) -> None:
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    migrate.upgrade(db.engine)  # a second start changes nothing
    assert migrate.current_revision(db.engine) == migrate.head_revision()


def test_refuses_a_database_from_a_newer_version(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(migrate.DatabaseTooNewError):
        migrate.upgrade(db.engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(db: Database) -> None:
    with db.uow() as uow:
        uow.session.add(
            BillingRequest(clinic_id=999, reservation_id=999, patient_id=999, amount=1000,
                           tax_category=TaxCategory.TAXABLE)
        )
        with pytest.raises(DBAPIError):
            uow.session.flush()


def test_times_come_back_as_utc(db: Database) -> None:
    jst = dt.timezone(dt.timedelta(hours=9))
    when = dt.datetime(2026, 1, 13, 14, 54, tzinfo=jst)
    with db.uow() as uow:
        clinic = Clinic(name="やまだ内科", created_at=when)
        uow.session.add(clinic)
        uow.commit()
        clinic_id = clinic.id
    with db.uow(readonly=True) as uow:
        loaded = uow.session.get(Clinic, clinic_id)
        assert loaded is not None
        assert loaded.created_at == when
        assert loaded.created_at.utcoffset() == dt.timedelta(0)


def test_audit_trail_is_append_only(db: Database) -> None:
    with db.uow() as uow:
        uow.session.add(AuditEvent(actor="staff", action="x", entity_type="t", entity_id="1"))
        uow.commit()
    with db.uow() as uow:
        with pytest.raises(DBAPIError, match="append-only"):
            uow.session.execute(update(AuditEvent).values(action="forged"))
    with db.uow() as uow:
        with pytest.raises(DBAPIError, match="append-only"):
            uow.session.execute(text("DELETE FROM audit_event"))
    with db.uow(readonly=True) as uow:
        assert uow.session.scalars(select(AuditEvent.action)).all() == ["x"]


def test_uncommitted_work_is_rolled_back(db: Database) -> None:
    with db.uow() as uow:
        uow.session.add(Clinic(name="not committed"))
    with db.uow(readonly=True) as uow:
        assert uow.session.scalars(select(Clinic)).all() == []


def test_conditional_update_lets_only_one_of_two_writers_win(db: Database) -> None:
    """Two PCs press 返金する at once: exactly one UPDATE ... WHERE state='paid' changes a row."""
    from tests.integration.seed import seed_paid_request

    request_id = seed_paid_request(db)
    barrier = threading.Barrier(2)
    results: list[int] = []
    lock = threading.Lock()

    def refund_claim() -> None:
        barrier.wait()
        with db.uow() as uow:
            result = uow.session.execute(
                update(BillingRequest)
                .where(BillingRequest.id == request_id, BillingRequest.state == BillingState.PAID)
                .values(state=BillingState.REFUNDING)
            )
            uow.commit()
            with lock:
                results.append(result.rowcount)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=refund_claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]


def test_sqlite_writers_wait_for_each_other_instead_of_failing(sqlite_db: Database) -> None:
    """BEGIN IMMEDIATE: a read-then-write transaction waits for the other writer (busy timeout)."""
    import time

    with sqlite_db.uow() as uow:
        uow.session.add(Clinic(name="A"))
        uow.commit()
    holding = threading.Event()
    errors: list[BaseException] = []

    def long_writer() -> None:
        with sqlite_db.uow() as uow:
            uow.session.execute(update(Clinic).values(phone="1"))
            holding.set()
            time.sleep(0.5)
            uow.commit()

    def read_then_write() -> None:
        holding.wait()
        try:
            with sqlite_db.uow() as uow:
                uow.session.scalars(select(Clinic)).all()
                uow.session.execute(update(Clinic).values(email="x@example.jp"))
                uow.commit()
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=long_writer), threading.Thread(target=read_then_write)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite_db.uow(readonly=True) as uow:
        clinic = uow.session.scalars(select(Clinic)).one()
        assert (clinic.phone, clinic.email) == ("1", "x@example.jp")


def test_models_and_migrations_describe_the_same_schema(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from desktop.storage.orm import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    # PostgreSQL has one extra index for the newest-first order (SQLite indexes end in the rowid).
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name == "ix_billing_request_clinic_requested_id")]
    assert diff == []


def test_sqlite_is_backed_up_before_a_migration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3 as sqlite

    from desktop.storage.db import create_db_engine, sqlite_url

    engine = create_db_engine(sqlite_url(tmp_path / "clinicpay.db"))
    from alembic import command

    command.upgrade(migrate.alembic_config(engine), "0001")  # an older installation
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO clinic (name, postal_code, address, phone, email, representative, "
                          "public_base_url, link_expiry_days, payment_mode, payjp_public_key, review_status, "
                          "auto_charge, smtp_host, smtp_port, smtp_security, smtp_username, created_at) VALUES "
                          "('旧クリニック', '', '', '', '', '', '', 7, 'demo', '', 'not_applied', 0, '', 587, "
                          "'starttls', '', '2026-01-01 00:00:00')"))
    migrate.upgrade(engine)
    backups = list((tmp_path / "backups").glob("clinicpay-before-*.db"))
    assert len(backups) == 1
    with sqlite.connect(backups[0]) as copy:
        assert copy.execute("SELECT name FROM clinic").fetchall() == [("旧クリニック",)]
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    migrate.upgrade(engine)  # already at head: no second copy
    assert len(list((tmp_path / "backups").glob("*.db"))) == 1
    engine.dispose()
