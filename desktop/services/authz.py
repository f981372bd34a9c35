"""The one check every service write makes: the acting staff member may do it.

``authorize`` re-reads the staff row in the caller's transaction, so a staff member disabled or
given another role since signing in is refused at once.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from desktop.domain.errors import NotFoundError
from desktop.domain.staff import Actor, Permission, PermissionDeniedError, allows
from desktop.storage.orm import Staff


def require_actor(actor: object) -> Actor:
    """``actor`` if it is an ``Actor``.

    Raises:
        TypeError: it is not (a bug: every staff write takes the signed-in Actor).
    """
    if not isinstance(actor, Actor):
        raise TypeError(f"a signed-in Actor is required, got {type(actor).__name__}")
    return actor


def authorize(session: Session, actor: Actor, permission: Permission | None, *, clinic_id: int | None = None,
              code: str = "permission_denied") -> Staff:
    """The acting staff row, if ``actor`` (still) may do what ``permission`` guards.

    Args:
        session: the caller's unit of work.
        actor: from a successful sign-in.
        permission: what is needed; None = any active staff member of the clinic.
        clinic_id: the clinic the record belongs to (default: the actor's).
        code: the message code of the refusal (``permission_denied``; refunds keep ``manager_only``).

    Raises:
        TypeError: ``actor`` is not an ``Actor`` (a bug: every write needs one).
        NotFoundError: the staff member is unknown or belongs to another clinic.
        PermissionDeniedError: disabled, or the role may not do this.
    """
    require_actor(actor)
    staff = session.get(Staff, actor.staff_id)
    if staff is None or staff.clinic_id != actor.clinic_id or (clinic_id is not None and clinic_id != staff.clinic_id):
        raise NotFoundError()
    if permission is None:
        if not staff.active:
            raise PermissionDeniedError(Permission.FRONT_DESK, "account_disabled")
        return staff
    if not staff.active or not allows(staff.role, permission):
        raise PermissionDeniedError(permission, code)
    return staff


class _ClinicRecord(Protocol):
    @property
    def clinic_id(self) -> int: ...


Record = TypeVar("Record", bound=_ClinicRecord)


def authorized_row(session: Session, actor: Actor, permission: Permission | None, model: type[Record],
                   row_id: object, *, code: str = "permission_denied") -> Record:
    """The ``model`` row ``row_id`` (a record of one clinic), once ``actor`` may do ``permission`` there.

    Raises:
        NotFoundError: no such row, or it belongs to another clinic than the actor's.
        PermissionDeniedError, TypeError: as ``authorize``.
    """
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError()
    authorize(session, actor, permission, clinic_id=row.clinic_id, code=code)
    return row
