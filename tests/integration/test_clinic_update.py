"""Changing the clinic's settings: only the named fields change, each change audited (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from desktop.domain.clinic import PaymentMode, StaffRole
from desktop.domain.staff import Actor
from desktop.domain.errors import NotFoundError, ValidationError
from desktop.services.directory import UNCHANGED, ClinicUpdate, DirectoryService
from desktop.storage.orm import AuditEvent, Clinic, Staff
from desktop.storage.unit_of_work import Database
from tests.integration.seed import PASSWORDS, staff_service


def _clinic(db: Database, clinic_id: int) -> Clinic:
    with db.uow(readonly=True) as uow:
        found = uow.session.get(Clinic, clinic_id)
        assert found is not None
        return found


def _manager(db: Database, clinic_id: int) -> Actor:
    """The clinic's 管理者 (created on first use)."""
    accounts = staff_service(db)
    with db.uow(readonly=True) as uow:
        found = uow.session.scalars(select(Staff).where(Staff.clinic_id == clinic_id)).first()
    if found is not None:
        return Actor(found.id, clinic_id, found.role, found.name)
    return accounts.create_first_manager(clinic_id, "院長 山田", PASSWORDS["manager"])


def _updates(db: Database) -> list[AuditEvent]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "clinic_updated")
                                         .order_by(AuditEvent.id)).all())


def test_only_the_named_fields_change_and_the_change_is_audited(db: Database) -> None:
    d = DirectoryService(db)
    clinic_id = d.create_clinic(name="やまだ内科クリニック", email="info@yamada.example.jp", phone="03-1234-5678")
    d.update_clinic(_manager(db, clinic_id), clinic_id, ClinicUpdate(registration_number="T1234567890123", link_expiry_days=14,
                                            payment_mode=PaymentMode.TEST))
    c = _clinic(db, clinic_id)
    assert (c.registration_number, c.link_expiry_days, c.payment_mode) == ("T1234567890123", 14, PaymentMode.TEST)
    assert (c.name, c.email, c.phone, c.smtp_port) == ("やまだ内科クリニック", "info@yamada.example.jp", "03-1234-5678", 587)
    [event] = _updates(db)
    assert json.loads(event.before or "") == {"registration_number": None, "link_expiry_days": 7, "payment_mode": "demo"}
    assert json.loads(event.after or "") == {"registration_number": "T1234567890123", "link_expiry_days": 14,
                                             "payment_mode": "test"}


def test_none_clears_a_field_and_unchanged_keeps_it(db: Database) -> None:
    d = DirectoryService(db)
    clinic_id = d.create_clinic(name="やまだ内科クリニック")
    d.update_clinic(_manager(db, clinic_id), clinic_id, ClinicUpdate(registration_number="T1234567890123", payjp_tenant_id="ten_1"))
    d.update_clinic(_manager(db, clinic_id), clinic_id, ClinicUpdate(registration_number=None, payjp_tenant_id=UNCHANGED))
    c = _clinic(db, clinic_id)
    assert (c.registration_number, c.payjp_tenant_id) == (None, "ten_1")


@pytest.mark.parametrize("update, field", [
    (ClinicUpdate(email="not an address", link_expiry_days=10), "email"),
    (ClinicUpdate(name="新しい名前", link_expiry_days=31), "link_expiry_days"),
    (ClinicUpdate(name="新しい名前", link_expiry_days=0), "link_expiry_days"),
])
def test_a_wrong_value_is_refused_and_nothing_changes(db: Database, update: ClinicUpdate, field: str) -> None:
    d = DirectoryService(db)
    clinic_id = d.create_clinic(name="やまだ内科クリニック")
    with pytest.raises(ValidationError) as refused:
        d.update_clinic(_manager(db, clinic_id), clinic_id, update)
    assert refused.value.field == field
    c = _clinic(db, clinic_id)
    assert (c.name, c.email, c.link_expiry_days) == ("やまだ内科クリニック", "", 7)
    assert _updates(db) == []


def test_an_unknown_clinic_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError):
        DirectoryService(db).update_clinic(Actor(1, 9999, StaffRole.MANAGER), 9999, ClinicUpdate(auto_charge=True))
