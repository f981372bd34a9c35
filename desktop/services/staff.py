"""Staff accounts (スタッフ管理) and sign-in: argon2id passwords and PINs, lockout, audited.

Passwords and PINs are hashed with argon2id (argon2-cffi's ``PasswordHasher``, RFC 9106 low-memory
profile); nothing else of them is kept. Five wrong tries in a row (``MAX_FAILED_SIGN_INS``) lock
the account for ``Clinic.lockout_minutes`` (default 5); a 管理者 resetting the password unlocks it.
Staff are never deleted (the history keeps their names); they are disabled.

Every change and every sign-in, sign-out, failed sign-in, lock and unlock writes one audit event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desktop.domain.clinic import StaffRole
from desktop.domain.errors import FieldChecks, NotFoundError, StateError, UserError, ValidationError
from desktop.domain.staff import PermissionDeniedError, DEFAULT_LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS, Actor, Permission
from desktop.domain.staff import check_password, check_pin
from desktop.services import audit
from desktop.services.authz import authorize, require_actor
from desktop.storage.orm import Clinic, Staff
from desktop.storage.unit_of_work import Database

Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The most common passwords (lower case), from zxcvbn's frequency list (Burnett's 10 million passwords)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


class SignInError(UserError):
    """Sign-in refused: wrong secret (``sign_in_failed``), ``account_locked``, ``account_disabled``,
    ``pin_not_set``. Nothing but the failure count and its audit event changed."""


@dataclasses.dataclass(frozen=True)
class StaffAccount:
    """A staff member as スタッフ管理 and the sign-in list show them (no secrets)."""

    id: int
    name: str
    role: StaffRole
    active: bool
    has_password: bool
    has_pin: bool
    locked_until: dt.datetime | None  # UTC; None when not locked


class StaffService:
    """Staff accounts of a clinic and signing in.

    Args:
        db: the database.
        clock: now (aware UTC).
        hasher: argon2id hasher (tests may pass a cheaper one).
    """

    def __init__(self, db: Database, *, clock: Clock = _utcnow, hasher: PasswordHasher | None = None) -> None:
        self._db = db
        self._clock = clock
        self._hasher = hasher or PasswordHasher()

    # -- reads -------------------------------------------------------------------------------

    def accounts(self, clinic_id: int, *, include_disabled: bool = False) -> list[StaffAccount]:
        """The clinic's staff by name (disabled ones only with ``include_disabled``)."""
        now = self._clock()
        stmt = select(Staff).where(Staff.clinic_id == clinic_id).order_by(Staff.name, Staff.id)
        if not include_disabled:
            stmt = stmt.where(Staff.active.is_(True))
        with self._db.uow(readonly=True) as uow:
            return [
                StaffAccount(s.id, s.name, s.role, s.active, bool(s.password_hash), bool(s.pin_hash),
                             s.locked_until if s.locked_until and s.locked_until > now else None)
                for s in uow.session.scalars(stmt).all()
            ]

    def has_active_manager(self, clinic_id: int) -> bool:
        """Whether the clinic has an active 管理者 who can sign in (has a password)."""
        with self._db.uow(readonly=True) as uow:
            return self._managers(uow.session, clinic_id, with_password=True) > 0

    # -- signing in --------------------------------------------------------------------------

    def sign_in(self, staff_id: int, secret: str, *, pin: bool = False, action: str = "signed_in") -> Actor:
        """Check the password (or PIN) of ``staff_id``; the ``Actor`` every write then takes.

        Args:
            staff_id: who signs in.
            secret: the password, or the PIN with ``pin=True``.
            action: what the audit event calls it: ``signed_in``, ``switched`` (担当スタッフ),
                ``unlocked`` (after auto-lock) or ``approved_by`` (a second approver's check).

        Raises:
            SignInError: wrong secret (the message says how many tries are left), locked,
                disabled, or no PIN set. A wrong try is counted and audited either way.
            NotFoundError: no such staff member.
        """
        now = self._clock()
        with self._db.uow(readonly=True) as uow:
            staff = uow.session.get(Staff, staff_id)
            if staff is None:
                raise NotFoundError()
            clinic = uow.session.get(Clinic, staff.clinic_id)
            lockout = clinic.lockout_minutes if clinic is not None else DEFAULT_LOCKOUT_MINUTES
            stored = staff.pin_hash if pin else staff.password_hash
            active, locked_until, clinic_id = staff.active, staff.locked_until, staff.clinic_id
        if not active:
            self._failed(staff_id, clinic_id, "account_disabled", now, lockout, count=False)
            raise SignInError("account_disabled")
        if locked_until is not None and locked_until > now:
            self._failed(staff_id, clinic_id, "account_locked", now, lockout, count=False)
            raise SignInError("account_locked", minutes=lockout)
        if pin and stored is None:
            raise SignInError("pin_not_set", field="secret")
        ok = False
        if stored:
            try:
                ok = self._hasher.verify(stored, secret or "")
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok:
            left = self._failed(staff_id, clinic_id, "wrong_secret", now, lockout, count=True, pin=pin)
            if left <= 0:
                raise SignInError("account_locked", minutes=lockout)
            raise SignInError("sign_in_failed", field="secret", left=left, minutes=lockout)
        with self._db.uow() as uow:
            staff = uow.session.get(Staff, staff_id)
            assert staff is not None
            staff.failed_sign_ins = 0
            staff.locked_until = None
            if stored and self._hasher.check_needs_rehash(stored):
                rehashed = self._hasher.hash(secret)
                if pin:
                    staff.pin_hash = rehashed
                else:
                    staff.password_hash = rehashed
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=staff_id, action=action,
                         entity_type="staff", entity_id=staff_id, after={"method": "pin" if pin else "password"})
            actor = Actor(staff.id, staff.clinic_id, staff.role, staff.name)
            uow.commit()
        return actor

    def _failed(self, staff_id: int, clinic_id: int, reason: str, now: dt.datetime, lockout: int, *,
                count: bool, pin: bool = False) -> int:
        """Count (``count``) and audit a refused sign-in; the tries left before the lock."""
        with self._db.uow() as uow:
            s = uow.session
            left = MAX_FAILED_SIGN_INS
            if count:
                s.execute(update(Staff).where(Staff.id == staff_id)
                          .values(failed_sign_ins=Staff.failed_sign_ins + 1)
                          .execution_options(synchronize_session=False))
                failures = int(s.scalar(select(Staff.failed_sign_ins).where(Staff.id == staff_id)) or 0)
                left = MAX_FAILED_SIGN_INS - failures
                if left <= 0:
                    until = now + dt.timedelta(minutes=lockout)
                    s.execute(update(Staff).where(Staff.id == staff_id)
                              .values(failed_sign_ins=0, locked_until=until)
                              .execution_options(synchronize_session=False))
                    reason = "locked_now"
            audit.record(s, clinic_id=clinic_id, actor="staff", staff_id=None, action="sign_in_failed",
                         entity_type="staff", entity_id=staff_id,
                         after={"reason": reason, "method": "pin" if pin else "password"})
            uow.commit()
            return left

    def sign_out(self, actor: Actor) -> None:
        """サインアウト: audited (any role)."""
        self._event(actor, "signed_out")

    def lock(self, actor: Actor) -> None:
        """The screen locked (auto-lock or ロック): audited (any role)."""
        self._event(actor, "screen_locked")

    def _event(self, actor: Actor, action: str) -> None:
        with self._db.uow() as uow:
            authorize(uow.session, actor, None)
            audit.record(uow.session, clinic_id=actor.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action=action, entity_type="staff", entity_id=actor.staff_id)
            uow.commit()

    # -- accounts ----------------------------------------------------------------------------

    def create_first_manager(self, clinic_id: int, name: str, password: str, pin: str | None = None) -> Actor:
        """The clinic's first 管理者 (first-run setup), signed in.

        Refused once the clinic has an active 管理者. Returns the new 管理者 as an ``Actor``.

        Raises:
            StateError: ``manager_exists``.
            ValidationError: empty or duplicate name, password rule, PIN not 4–8 digits.
            NotFoundError: no such clinic.
        """
        name_text, password_hash, pin_hash = self._prepare(name, password, pin)
        with self._db.uow() as uow:
            s = uow.session
            if s.get(Clinic, clinic_id) is None:
                raise NotFoundError()
            if self._managers(s, clinic_id, with_password=False) > 0:
                raise StateError("manager_exists")
            self._check_unique(s, clinic_id, name_text)
            staff = Staff(clinic_id=clinic_id, name=name_text, role=StaffRole.MANAGER, active=True,
                          password_hash=password_hash, pin_hash=pin_hash, failed_sign_ins=0)
            s.add(staff)
            s.flush()
            audit.record(s, clinic_id=clinic_id, actor="staff", staff_id=staff.id, action="staff_created",
                         entity_type="staff", entity_id=staff.id,
                         after={"name": name_text, "role": StaffRole.MANAGER.value, "pin": pin_hash is not None})
            actor = Actor(staff.id, clinic_id, StaffRole.MANAGER, name_text)
            uow.commit()
        return actor

    def claim_first_password(self, staff_id: int, password: str, pin: str | None = None, *,
                             name: str | None = None) -> Actor:
        """A clinic where nobody has a password yet (first run, or an installation from before staff
        accounts): its 管理者 sets the first password, and is signed in.

        Only while no staff member of the clinic has a password yet, and only for an active 管理者.
        ``name`` (optional) corrects the 管理者's name in the same step (a new clinic's first
        管理者 is called 「管理者」). Audited as ``staff_password_reset`` (``first``) and, when the
        name changed, ``staff_renamed``, both by the 管理者.

        Raises:
            StateError: ``manager_exists`` (someone of the clinic already has a password).
            PermissionDeniedError: not an active 管理者.
            ValidationError: the name (empty, too long, another staff member's), the password
                rule, PIN not 4–8 digits; nothing is saved then.
            NotFoundError: no such staff member.
        """
        from desktop.services.directory import require_text

        new_name = None if name is None else require_text(name, field="name", label="スタッフ名", max_len=100)
        with self._db.uow(readonly=True) as uow:
            staff = uow.session.get(Staff, staff_id)
            if staff is None:
                raise NotFoundError()
            old_name, clinic_id = staff.name, staff.clinic_id
            if not staff.active or staff.role is not StaffRole.MANAGER:
                raise PermissionDeniedError(Permission.STAFF)
            if new_name is not None and new_name != old_name:
                self._check_unique(uow.session, clinic_id, new_name)
        final_name = new_name or old_name
        password_hash = self._hasher.hash(check_password(password, common=common_passwords(), name=final_name))
        pin_hash = self._hasher.hash(check_pin(pin)) if pin else None
        with self._db.uow() as uow:
            s = uow.session
            if s.scalar(select(func.count()).select_from(Staff).where(
                    Staff.clinic_id == clinic_id, Staff.password_hash.is_not(None))):
                raise StateError("manager_exists")
            if final_name != old_name:
                self._check_unique(s, clinic_id, final_name)
            claimed = s.execute(update(Staff).where(Staff.id == staff_id, Staff.password_hash.is_(None))
                                .values(password_hash=password_hash, pin_hash=pin_hash, name=final_name)
                                .execution_options(synchronize_session=False))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise StateError("manager_exists")
            audit.record(s, clinic_id=clinic_id, actor="staff", staff_id=staff_id, action="staff_password_reset",
                         entity_type="staff", entity_id=staff_id, after={"password": "changed", "first": True})
            if final_name != old_name:
                audit.record(s, clinic_id=clinic_id, actor="staff", staff_id=staff_id, action="staff_renamed",
                             entity_type="staff", entity_id=staff_id, before={"name": old_name},
                             after={"name": final_name})
            uow.commit()
        return Actor(staff_id, clinic_id, StaffRole.MANAGER, final_name)

    def add_staff(self, actor: Actor, name: str, role: StaffRole, password: str, pin: str | None = None) -> int:
        """A new staff member of the actor's clinic (管理者 only). Returns the id.

        Raises:
            PermissionDeniedError: not a 管理者.
            ValidationError: empty or duplicate name, password rule, PIN not 4–8 digits.
        """
        role = StaffRole(role)
        from desktop.services.directory import require_text

        checks = FieldChecks()  # who first, then every field at once (a name already taken among them)
        with self._db.uow(readonly=True) as uow:
            authorize(uow.session, actor, Permission.STAFF)
            text = checks.value(lambda: require_text(name, field="name", label="スタッフ名", max_len=100))
            if text is not None:
                checks.value(lambda: self._check_unique(uow.session, actor.clinic_id, text))
        name_text, password_hash, pin_hash = self._prepare(name, password, pin, checks)
        with self._db.uow() as uow:
            s = uow.session
            authorize(s, actor, Permission.STAFF)
            self._check_unique(s, actor.clinic_id, name_text)
            staff = Staff(clinic_id=actor.clinic_id, name=name_text, role=role, active=True,
                          password_hash=password_hash, pin_hash=pin_hash, failed_sign_ins=0)
            s.add(staff)
            s.flush()
            audit.record(s, clinic_id=actor.clinic_id, actor="staff", staff_id=actor.staff_id, action="staff_created",
                         entity_type="staff", entity_id=staff.id,
                         after={"name": name_text, "role": role.value, "pin": pin_hash is not None})
            uow.commit()
            return staff.id

    def rename(self, actor: Actor, staff_id: int, name: str) -> None:
        """Rename a staff member (管理者 only); history rows keep the name they were made under.

        Raises: PermissionDeniedError, ValidationError (empty, too long, duplicate), NotFoundError.
        """
        from desktop.services.directory import require_text

        text = require_text(name, field="name", label="スタッフ名", max_len=100)
        with self._db.uow() as uow:
            s = uow.session
            authorize(s, actor, Permission.STAFF)
            staff = self._target(s, actor, staff_id)
            if staff.name == text:
                return
            self._check_unique(s, actor.clinic_id, text)
            before = {"name": staff.name}
            staff.name = text
            audit.record(s, clinic_id=actor.clinic_id, actor="staff", staff_id=actor.staff_id, action="staff_renamed",
                         entity_type="staff", entity_id=staff_id, before=before, after={"name": text})
            uow.commit()

    def set_role(self, actor: Actor, staff_id: int, role: StaffRole) -> None:
        """Give a staff member another role (管理者 only); the last active 管理者 keeps theirs.

        Raises: PermissionDeniedError, StateError (``last_manager``), NotFoundError.
        """
        role = StaffRole(role)
        with self._db.uow() as uow:
            s = uow.session
            authorize(s, actor, Permission.STAFF)
            staff = self._target(s, actor, staff_id)
            if staff.role is StaffRole.MANAGER and role is not StaffRole.MANAGER and staff.active:
                self._keep_a_manager(s, actor.clinic_id)
            before = {"role": staff.role.value}
            staff.role = role
            audit.record(s, clinic_id=actor.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="staff_role_changed", entity_type="staff", entity_id=staff_id,
                         before=before, after={"role": role.value})
            uow.commit()

    def set_active(self, actor: Actor, staff_id: int, active: bool) -> None:
        """Disable (never delete) or enable a staff member (管理者 only).

        Raises: PermissionDeniedError, StateError (``last_manager``), NotFoundError.
        """
        with self._db.uow() as uow:
            s = uow.session
            authorize(s, actor, Permission.STAFF)
            staff = self._target(s, actor, staff_id)
            if not active and staff.active and staff.role is StaffRole.MANAGER:
                self._keep_a_manager(s, actor.clinic_id)
            before = {"active": staff.active}
            staff.active = bool(active)
            audit.record(s, clinic_id=actor.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="staff_enabled" if active else "staff_disabled", entity_type="staff",
                         entity_id=staff_id, before=before, after={"active": bool(active)})
            uow.commit()

    def reset_password(self, actor: Actor, staff_id: int, password: str) -> None:
        """Set a staff member's password (管理者; anyone for their own); unlocks the account.

        The audit event says the password changed, never what it is.

        Raises: PermissionDeniedError, ValidationError (the password rule), NotFoundError.
        """
        require_actor(actor)
        with self._db.uow(readonly=True) as uow:
            authorize(uow.session, actor, None if staff_id == actor.staff_id else Permission.STAFF)
            name = self._target(uow.session, actor, staff_id).name
        hashed = self._hasher.hash(check_password(password, common=common_passwords(), name=name))
        with self._db.uow() as uow:
            s = uow.session
            authorize(s, actor, None if staff_id == actor.staff_id else Permission.STAFF)
            staff = self._target(s, actor, staff_id)
            staff.password_hash = hashed
            staff.failed_sign_ins = 0
            staff.locked_until = None
            audit.record(s, clinic_id=actor.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="staff_password_reset", entity_type="staff", entity_id=staff_id,
                         after={"password": "changed"})
            uow.commit()

    def set_pin(self, actor: Actor, staff_id: int, pin: str | None) -> None:
        """Set (4–8 digits) or clear (None / "") a staff member's PIN (管理者; anyone for their own).

        Raises: PermissionDeniedError, ValidationError (``pin_invalid``), NotFoundError.
        """
        require_actor(actor)
        hashed = self._hasher.hash(check_pin(pin)) if pin else None
        with self._db.uow() as uow:
            s = uow.session
            authorize(s, actor, None if staff_id == actor.staff_id else Permission.STAFF)
            staff = self._target(s, actor, staff_id)
            staff.pin_hash = hashed
            audit.record(s, clinic_id=actor.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="staff_pin_set" if hashed else "staff_pin_cleared", entity_type="staff",
                         entity_id=staff_id, after={"pin": "changed" if hashed else "cleared"})
            uow.commit()

    # -- helpers -----------------------------------------------------------------------------

    def _prepare(self, name: str, password: str, pin: str | None,
                 checks: FieldChecks | None = None) -> tuple[str, str, str | None]:
        """名前, パスワード and PIN checked together (with what ``checks`` already holds), then hashed."""
        from desktop.services.directory import require_text

        if checks is None:
            checks = FieldChecks()
            text = checks.value(lambda: require_text(name, field="name", label="スタッフ名", max_len=100))
        else:
            text = None if any(e.field == "name" for e in checks.errors) else \
                require_text(name, field="name", label="スタッフ名", max_len=100)
        checked = checks.value(lambda: check_password(password, common=common_passwords(), name=text or ""))
        pin_text = checks.value(lambda: check_pin(pin)) if pin else None
        checks.raise_any()
        assert text is not None and checked is not None
        return text, self._hasher.hash(checked), self._hasher.hash(pin_text) if pin_text else None

    @staticmethod
    def _target(session: Session, actor: Actor, staff_id: int) -> Staff:
        staff = session.get(Staff, staff_id)
        if staff is None or staff.clinic_id != actor.clinic_id:
            raise NotFoundError()
        return staff

    @staticmethod
    def _check_unique(session: Session, clinic_id: int, name: str) -> None:
        taken = session.scalar(select(func.count()).select_from(Staff)
                               .where(Staff.clinic_id == clinic_id, Staff.name == name))
        if taken:
            raise ValidationError("staff_name_duplicate", field="name", name=name)

    @staticmethod
    def _managers(session: Session, clinic_id: int, *, with_password: bool) -> int:
        stmt = select(func.count()).select_from(Staff).where(
            Staff.clinic_id == clinic_id, Staff.active.is_(True), Staff.role == StaffRole.MANAGER)
        if with_password:
            stmt = stmt.where(Staff.password_hash.is_not(None))
        return int(session.scalar(stmt) or 0)

    def _keep_a_manager(self, session: Session, clinic_id: int) -> None:
        if self._managers(session, clinic_id, with_password=False) <= 1:
            raise StateError("last_manager")
