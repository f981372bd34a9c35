"""Staff accounts: who may do what (roles and permissions), the signed-in actor, password and PIN rules.

Pure Python. The services check every write against ``ROLE_PERMISSIONS`` with the ``Actor``
that a successful sign-in (``desktop.services.staff.StaffService.sign_in``) returned; the role
is re-read from the database on every write, so a role changed meanwhile counts at once.

Roles (issue "Staff accounts"):

* 受付 (``StaffRole.STAFF``): reservations, patients, 後決済請求, cancel / re-request.
* 経理 (``StaffRole.ACCOUNTANT``): history, exports, the daily close and the audit log; no money actions.
* 管理者 (``StaffRole.MANAGER``): everything, including refunds, settings, menus and staff.
"""

from __future__ import annotations

import dataclasses
import enum
import re

from desktop.domain.clinic import StaffRole
from desktop.domain.errors import Phrase, StateError, ValidationError
from desktop.i18n import NP_

PASSWORD_MIN_LENGTH = 10
"""Fewest characters of a staff password."""
PASSWORD_MAX_LENGTH = 128
PIN_PATTERN = re.compile(r"[0-9]{4,8}")
"""A PIN is 4 to 8 ASCII digits."""
MAX_FAILED_SIGN_INS = 5
"""Wrong passwords or PINs in a row that lock the account."""
DEFAULT_LOCKOUT_MINUTES = 5
"""How long a locked account stays locked (minutes), unless the clinic sets otherwise."""
DEFAULT_AUTO_LOCK_MINUTES = 10
"""Minutes without input after which the screen locks, unless the clinic sets otherwise."""


class Permission(str, enum.Enum):
    """What a write (or a protected read) needs."""

    FRONT_DESK = "front_desk"  # reservations, patients
    REQUEST = "request"  # 後決済請求, cancel, re-request
    REFUND = "refund"  # 返金
    APPROVE_REFUND = "approve_refund"  # the second approver of a large refund
    HISTORY = "history"  # 決済管理, CSV, the audit log
    MENUS = "menus"
    SETTINGS = "settings"
    STAFF = "staff"  # スタッフ管理


ROLE_PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.STAFF: frozenset({Permission.FRONT_DESK, Permission.REQUEST}),
    StaffRole.ACCOUNTANT: frozenset({Permission.HISTORY}),
    StaffRole.MANAGER: frozenset(Permission),
}

# The roles that may do each thing, as the refusal names them ("管理者" / "受付または管理者").
_NEEDED: dict[Permission, tuple[str, str]] = {
    Permission.FRONT_DESK: NP_("needed", "受付または管理者"),
    Permission.REQUEST: NP_("needed", "受付または管理者"),
    Permission.REFUND: NP_("needed", "管理者"),
    Permission.APPROVE_REFUND: NP_("needed", "管理者"),
    Permission.HISTORY: NP_("needed", "経理または管理者"),
    Permission.MENUS: NP_("needed", "管理者"),
    Permission.SETTINGS: NP_("needed", "管理者"),
    Permission.STAFF: NP_("needed", "管理者"),
}

_ACTIONS: dict[Permission, tuple[str, str]] = {
    Permission.FRONT_DESK: NP_("action", "予約・患者の登録と変更"),
    Permission.REQUEST: NP_("action", "請求・請求取消・再請求"),
    Permission.REFUND: NP_("action", "返金"),
    Permission.APPROVE_REFUND: NP_("action", "返金の承認"),
    Permission.HISTORY: NP_("action", "決済履歴・CSV出力・操作履歴"),
    Permission.MENUS: NP_("action", "メニュー設定"),
    Permission.SETTINGS: NP_("action", "設定の変更"),
    Permission.STAFF: NP_("action", "スタッフ管理"),
}


def allows(role: StaffRole, permission: Permission) -> bool:
    """Whether ``role`` may do what ``permission`` guards."""
    return permission in ROLE_PERMISSIONS[role]


class PermissionDeniedError(StateError):
    """The signed-in staff member's role may not do this; nothing was changed.

    A ``StateError`` (the staff member's role is the state that refuses it), so callers that
    show a refusal keep working.

    ``permission`` is what was needed; the message names the action and the roles that may do it.
    """

    def __init__(self, permission: Permission, code: str = "permission_denied") -> None:
        self.permission = permission
        action_context, action = _ACTIONS[permission]
        needed_context, needed = _NEEDED[permission]
        super().__init__(code, action=Phrase(action, action_context), needed=Phrase(needed, needed_context))


@dataclasses.dataclass(frozen=True)
class Actor:
    """The staff member acting, as a successful sign-in returned them.

    ``role`` is the role at sign-in; the services re-read it on each write. ``name`` is for display.
    """

    staff_id: int
    clinic_id: int
    role: StaffRole
    name: str = ""

    def may(self, permission: Permission) -> bool:
        """Whether the role at sign-in allows ``permission`` (the UI hides what it may not do)."""
        return allows(self.role, permission)


def check_pin(pin: str) -> str:
    """The PIN if it is 4–8 digits.

    Raises:
        ValidationError: ``pin_invalid`` (field ``pin``).
    """
    text = (pin or "").strip()
    if not PIN_PATTERN.fullmatch(text):
        raise ValidationError("pin_invalid", field="pin")
    return text


def check_password(password: str, *, common: frozenset[str] = frozenset(), name: str = "") -> str:
    """The password if it follows the rule: at least ``PASSWORD_MIN_LENGTH`` characters, not a common one.

    Args:
        password: as typed (not trimmed: spaces count).
        common: lower-case common passwords (the services pass zxcvbn's list).
        name: the staff member's name, which the password may not be.

    Raises:
        ValidationError: ``password_too_short``, ``password_too_long`` or ``password_common``
            (field ``password``); each message states the rule.
    """
    text = password or ""
    if len(text) < PASSWORD_MIN_LENGTH:
        raise ValidationError("password_too_short", field="password", min=PASSWORD_MIN_LENGTH)
    if len(text) > PASSWORD_MAX_LENGTH:
        raise ValidationError("password_too_long", field="password", max=PASSWORD_MAX_LENGTH)
    folded = text.lower()
    compact = re.sub(r"\s+", "", name or "").lower()
    if folded in common or len(set(folded)) <= 2 or (compact and compact in re.sub(r"\s+", "", folded)):
        raise ValidationError("password_common", field="password", min=PASSWORD_MIN_LENGTH)
    return text
