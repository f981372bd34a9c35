"""Staff accounts: the first 管理者, passwords and PINs (argon2id), lockout, roles, the second approver
(SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import StaffRole
from desktop.domain.errors import StateError, ValidationError
from desktop.domain.money import Yen
from desktop.domain.staff import Actor, PermissionDeniedError
from desktop.services.directory import DirectoryService
from desktop.services.staff import SignInError
from desktop.storage.orm import AuditEvent, RefundApproval, Staff
from desktop.storage.unit_of_work import Database
from tests.integration.seed import PASSWORDS, PINS, seed_front_desk, staff_service
from tests.conftest import FixedClock
from tests.unit.billing_fakes import Engine, make_engine


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                         .order_by(AuditEvent.id)).all())


def _staff(db: Database, staff_id: int) -> Staff:
    with db.uow(readonly=True) as uow:
        found = uow.session.get(Staff, staff_id)
        assert found is not None
        return found


def test_the_first_manager_is_created_once_and_signed_in(db: Database) -> None:
    clinic_id = DirectoryService(db).create_clinic(name="やまだ内科クリニック")
    accounts = staff_service(db)
    with pytest.raises(ValidationError) as short:
        accounts.create_first_manager(clinic_id, "院長 山田", "short")
    assert short.value.field == "password" and "10" in short.value.message("en")
    actor = accounts.create_first_manager(clinic_id, "院長 山田", "a-long-first-pass", "2468")
    assert actor.role is StaffRole.MANAGER and actor.clinic_id == clinic_id
    stored = _staff(db, actor.staff_id)
    assert stored.password_hash and stored.password_hash.startswith("$argon2id$")
    assert "a-long-first-pass" not in stored.password_hash and stored.pin_hash and "2468" not in stored.pin_hash
    with pytest.raises(StateError) as again:
        accounts.create_first_manager(clinic_id, "院長 二人目", "another-long-pass")
    assert again.value.code == "manager_exists"
    assert accounts.sign_in(actor.staff_id, "2468", pin=True).staff_id == actor.staff_id
    assert accounts.has_active_manager(clinic_id)


@pytest.mark.parametrize("password, code", [
    ("short1", "password_too_short"),
    ("password123", "password_common"),  # zxcvbn's list of common passwords
    ("qwertyuiop", "password_common"),
    ("aaaaaaaaaaaa", "password_common"),
    ("受付 佐藤123456", "password_common"),  # the staff member's name
])
def test_a_weak_password_is_refused_with_the_rule(db: Database, password: str, code: str) -> None:
    front = seed_front_desk(db)
    accounts = staff_service(db)
    with pytest.raises(ValidationError) as refused:
        accounts.reset_password(front.manager, front.staff_id, password)
    assert refused.value.code == code and refused.value.field == "password"
    assert "10" in refused.value.message("ja") or code != "password_too_short"
    assert accounts.sign_in(front.staff_id, PASSWORDS["staff"]).staff_id == front.staff_id  # unchanged


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "１２３４"])
def test_a_pin_that_is_not_4_to_8_digits_is_refused(db: Database, pin: str) -> None:
    front = seed_front_desk(db)
    with pytest.raises(ValidationError) as refused:
        staff_service(db).set_pin(front.manager, front.staff_id, pin)
    assert refused.value.code == "pin_invalid"
    assert staff_service(db).sign_in(front.staff_id, PINS["staff"], pin=True).staff_id == front.staff_id


def test_five_wrong_tries_lock_the_account_for_the_clinics_minutes(db: Database) -> None:
    front = seed_front_desk(db)
    clock = Clock()
    accounts = staff_service(db, clock=clock)
    for left in (4, 3, 2, 1):
        with pytest.raises(SignInError) as wrong:
            accounts.sign_in(front.staff_id, "not-the-password")
        assert wrong.value.code == "sign_in_failed" and wrong.value.params["left"] == left
    with pytest.raises(SignInError) as locked:
        accounts.sign_in(front.staff_id, "not-the-password")
    assert locked.value.code == "account_locked" and locked.value.params["minutes"] == 5
    with pytest.raises(SignInError) as still:  # even the right password while locked
        accounts.sign_in(front.staff_id, PASSWORDS["staff"])
    assert still.value.code == "account_locked"
    assert [json.loads(e.after or "{}")["reason"] for e in _events(db, "sign_in_failed")] == \
        ["wrong_secret"] * 4 + ["locked_now", "account_locked"]
    assert all(e.staff_id is None and e.entity_id == str(front.staff_id) for e in _events(db, "sign_in_failed"))
    clock.now += dt.timedelta(minutes=5, seconds=1)
    assert accounts.sign_in(front.staff_id, PASSWORDS["staff"]).staff_id == front.staff_id
    assert _staff(db, front.staff_id).failed_sign_ins == 0


def test_a_manager_resetting_the_password_unlocks(db: Database) -> None:
    front = seed_front_desk(db)
    accounts = staff_service(db)
    for _ in range(5):
        with pytest.raises(SignInError):
            accounts.sign_in(front.staff_id, "wrong-wrong-wrong")
    accounts.reset_password(front.manager, front.staff_id, "a-brand-new-pass")
    assert accounts.sign_in(front.staff_id, "a-brand-new-pass").role is StaffRole.STAFF
    [event] = _events(db, "staff_password_reset")
    assert json.loads(event.after or "{}") == {"password": "changed"} and "a-brand-new-pass" not in (event.after or "")


def test_roles_names_and_the_last_manager(db: Database) -> None:
    front = seed_front_desk(db)
    accounts = staff_service(db)
    with pytest.raises(ValidationError) as dup:
        accounts.add_staff(front.manager, "受付 佐藤", StaffRole.STAFF, "long-enough-pass")
    assert dup.value.code == "staff_name_duplicate" and dup.value.field == "name"
    with pytest.raises(StateError) as last:
        accounts.set_active(front.manager, front.manager_id, False)
    assert last.value.code == "last_manager"
    with pytest.raises(StateError):
        accounts.set_role(front.manager, front.manager_id, StaffRole.STAFF)
    with pytest.raises(PermissionDeniedError) as not_manager:  # a role change by a non-管理者
        accounts.set_role(front.staff, front.staff_id, StaffRole.MANAGER)
    assert "管理者" in not_manager.value.message("ja") and "manager" in not_manager.value.message("en")
    assert _staff(db, front.staff_id).role is StaffRole.STAFF
    accounts.set_role(front.manager, front.staff_id, StaffRole.MANAGER)
    accounts.set_active(front.manager, front.manager_id, False)  # another 管理者 exists now
    with pytest.raises(SignInError) as disabled:
        accounts.sign_in(front.manager_id, PASSWORDS["manager"])
    assert disabled.value.code == "account_disabled"
    with pytest.raises(PermissionDeniedError):  # a disabled 管理者's old sign-in no longer works
        accounts.add_staff(front.manager, "新人", StaffRole.STAFF, "long-enough-pass")
    accounts.rename(Actor(front.staff_id, front.clinic_id, StaffRole.MANAGER), front.staff_id, "受付 佐藤 花子")
    names = [a.name for a in accounts.accounts(front.clinic_id, include_disabled=True)]
    assert "受付 佐藤 花子" in names and "院長 山田" in names  # disabled, never deleted


def test_an_accountant_reads_but_takes_no_money_action(db: Database) -> None:
    front = seed_front_desk(db)
    directory = DirectoryService(db)
    with pytest.raises(PermissionDeniedError) as refused:
        directory.add_patient(front.accountant, front.clinic_id, family_name="新規")
    assert refused.value.code == "permission_denied"
    assert "経理" not in refused.value.message("ja").split("のみ")[0]  # names who may, not who asked


@pytest.fixture
def engine(sqlite_db: Database, clock: FixedClock) -> Engine:
    return make_engine(sqlite_db, clock)


def _paid(engine: Engine) -> int:
    outcome = engine.billing.requests.request_payment(engine.front.reservation_id, engine.front.staff, Yen(1200),
                                                      TaxCategory.TAXABLE)
    engine.billing.payments.pay_with_token(engine.link(), "tok_visa")
    return outcome.request_id


def _second_manager(engine: Engine) -> Actor:
    accounts = staff_service(engine.db)
    staff_id = accounts.add_staff(engine.front.manager, "副院長 田中", StaffRole.MANAGER, "second-manager-1", "5678")
    return accounts.sign_in(staff_id, "5678", pin=True, action="approved_by")


def _threshold(engine: Engine, yen: int) -> None:
    from desktop.services.directory import ClinicUpdate

    DirectoryService(engine.db).update_clinic(engine.front.manager, engine.front.clinic_id,
                                              ClinicUpdate(refund_approval_threshold=yen))


def test_a_large_refund_waits_for_a_second_manager(engine: Engine) -> None:
    request_id = _paid(engine)
    _threshold(engine, 1000)
    manager, second = engine.front.manager, _second_manager(engine)
    waiting = engine.billing.refunds.refund(request_id, manager, None, "診療取消")
    assert waiting.approval_id is not None and waiting.state is BillingState.PAID
    assert engine.gateway.refund_calls == 0  # nothing refunded yet
    with pytest.raises(ValidationError) as own:
        engine.billing.refunds.approve(waiting.approval_id, manager)
    assert own.value.code == "self_approval"
    [pending] = engine.billing.refunds.pending(engine.front.clinic_id)
    assert pending.amount == 1200 and pending.requested_by == manager.staff_id
    outcome = engine.billing.refunds.approve(waiting.approval_id, second)
    assert outcome.state is BillingState.REFUNDED and engine.gateway.refund_calls == 1
    with pytest.raises(StateError):
        engine.billing.refunds.approve(waiting.approval_id, second)
    [started] = [e for e in _events(engine.db, "refund_started")]
    details = json.loads(started.after or "{}")
    assert details["requested_by"] == manager.staff_id and details["approved_by"] == second.staff_id
    assert started.staff_id == second.staff_id
    with engine.db.uow(readonly=True) as uow:
        approval = uow.session.get(RefundApproval, waiting.approval_id)
        assert approval is not None and approval.status == "approved" and approval.refund_id == outcome.refund_id


def test_a_second_manager_approves_in_the_dialog_or_the_refund_is_withdrawn(engine: Engine) -> None:
    request_id = _paid(engine)
    _threshold(engine, 1000)
    manager, second = engine.front.manager, _second_manager(engine)
    with pytest.raises(ValidationError):  # one's own approval is no approval
        engine.billing.refunds.refund(request_id, manager, Yen(1100), "一部返金", approver=manager)
    small = engine.billing.refunds.refund(request_id, manager, Yen(500), "一部返金")  # under the limit
    assert small.approval_id is None and small.refunded_total == 500
    _threshold(engine, 600)
    waiting = engine.billing.refunds.refund(request_id, second, None, "残り")
    assert waiting.approval_id is not None
    engine.billing.refunds.withdraw(waiting.approval_id, manager)
    assert engine.billing.refunds.pending(engine.front.clinic_id) == []
    with pytest.raises(StateError):
        engine.billing.refunds.approve(waiting.approval_id, manager)
    _threshold(engine, 100)
    done = engine.billing.refunds.refund(request_id, second, None, "残り", approver=manager)
    assert done.state is BillingState.REFUNDED and done.refunded_total == 1200


def test_an_installation_from_before_accounts_lets_its_manager_set_the_first_password(db: Database) -> None:
    from desktop.storage.orm import Staff as StaffRow

    clinic_id = DirectoryService(db).create_clinic(name="やまだ内科クリニック")
    with db.uow() as uow:  # staff as the schema before 0007 left them: no passwords
        uow.session.add_all([StaffRow(clinic_id=clinic_id, name="院長 山田", role=StaffRole.MANAGER),
                             StaffRow(clinic_id=clinic_id, name="受付 佐藤", role=StaffRole.STAFF)])
        uow.commit()
    accounts = staff_service(db)
    [reception] = [a for a in accounts.accounts(clinic_id) if a.role is StaffRole.STAFF]
    [manager] = [a for a in accounts.accounts(clinic_id) if a.role is StaffRole.MANAGER]
    with pytest.raises(PermissionDeniedError):
        accounts.claim_first_password(reception.id, "reception-first-1")
    actor = accounts.claim_first_password(manager.id, "manager-first-pass")
    assert actor.role is StaffRole.MANAGER
    with pytest.raises(StateError):  # only once
        accounts.claim_first_password(manager.id, "another-first-pass")
    assert accounts.sign_in(manager.id, "manager-first-pass").staff_id == manager.id
