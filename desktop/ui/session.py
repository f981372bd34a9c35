"""What every page needs: the actions it may call, the clinic, who is signed in, change events."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal

from desktop.services.actions import DeskActions
from desktop.domain.clinic import StaffRole
from desktop.domain.staff import Actor, Permission
from desktop.services.front_desk import ClinicInfo


class DataEvents(QObject):
    """Signals:
        billing_changed: a billing request was added or changed (here, on another PC, or by a patient).
        reservations_changed: a reservation was added or changed.
        menus_changed: a menu was saved, archived or deleted.
        mail_changed: the demo mailbox or the outbox changed.
        clinic_changed: the clinic's settings changed (支払いモード, テナント, 審査): ``UiSession.clinic``
            already holds the new values.
        audit_recorded: something was recorded in the audit log (操作履歴), here or on another PC.
    """

    billing_changed = Signal()
    reservations_changed = Signal()
    menus_changed = Signal()
    mail_changed = Signal()
    clinic_changed = Signal()
    audit_recorded = Signal()


@dataclasses.dataclass
class ScreenMemory:
    """How staff arranged the screens, kept while the app runs (a change of language or 担当スタッフ
    rebuilds the window; this stays): ``reservations_list_share`` is the part (0–1) of 予約管理's height
    the reservation list was given by moving its divider, None until someone does."""

    reservations_list_share: float | None = None


@dataclasses.dataclass
class UiSession:
    """Args:
        actions: every operation the screens may ask for (already off the UI thread).
        clinic: the clinic as the screens show it.
        actor: who is signed in on this PC (担当スタッフ), from a successful sign-in.
        events: change signals between the pages.
        checkout_url: where the checkout page is served, or None if it is not.
        managers: the staff ids of 管理者.
        training: the demo database is open (トレーニング): nothing reaches the clinic's data,
            patients or PAY.JP.
    """

    actions: DeskActions
    clinic: ClinicInfo
    actor: Actor
    events: DataEvents
    checkout_url: str | None = None
    training: bool = False
    clinic_chosen: bool = True  # False while only the demo was ever opened (no clinic to return to yet)
    screen: ScreenMemory = dataclasses.field(default_factory=ScreenMemory)

    @property
    def staff_id(self) -> int:
        """The signed-in staff member's id."""
        return self.actor.staff_id

    @property
    def is_manager(self) -> bool:
        """管理者 may refund and change settings; 受付 and 経理 may not."""
        return self.actor.role is StaffRole.MANAGER

    def may(self, permission: Permission) -> bool:
        """Whether the signed-in role may do what ``permission`` guards (the services check again)."""
        return self.actor.may(permission)

    @classmethod
    def create(cls, actions: DeskActions, clinic: ClinicInfo | None, actor: Actor) -> "UiSession":
        """The session of ``actor``. Raises RuntimeError without a clinic."""
        if clinic is None:
            raise RuntimeError("no clinic in the database")
        return cls(actions, clinic, actor, DataEvents())
