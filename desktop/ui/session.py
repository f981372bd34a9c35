"""What every page needs: the actions it may call, the clinic, who is signed in, change events."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal

from desktop.services.actions import DeskActions
from desktop.services.front_desk import ClinicInfo, StaffInfo


class DataEvents(QObject):
    """Signals:
        billing_changed: a billing request was added or changed (here, on another PC, or by a patient).
        reservations_changed: a reservation was added or changed.
        menus_changed: a menu was saved, archived or deleted.
        mail_changed: the demo mailbox or the outbox changed.
        clinic_changed: the clinic's settings changed (支払いモード, テナント, 審査): ``UiSession.clinic``
            already holds the new values.
    """

    billing_changed = Signal()
    reservations_changed = Signal()
    menus_changed = Signal()
    mail_changed = Signal()
    clinic_changed = Signal()


@dataclasses.dataclass
class UiSession:
    """Args:
        actions: every operation the screens may ask for (already off the UI thread).
        clinic: the clinic as the screens show it.
        staff_id: who is signed in on this PC (担当スタッフ).
        events: change signals between the pages.
        checkout_url: where the checkout page is served, or None if it is not.
        managers: the staff ids of 管理者.
        training: the demo database is open (トレーニング): nothing reaches the clinic's data,
            patients or PAY.JP.
    """

    actions: DeskActions
    clinic: ClinicInfo
    staff_id: int
    events: DataEvents
    checkout_url: str | None = None
    managers: frozenset[int] = frozenset()
    training: bool = False
    clinic_chosen: bool = True  # False while only the demo was ever opened (no clinic to return to yet)

    @property
    def is_manager(self) -> bool:
        """管理者 may refund and change settings; 受付スタッフ may not."""
        return self.staff_id in self.managers

    @classmethod
    def create(cls, actions: DeskActions, clinic: ClinicInfo | None, staff: list[StaffInfo],
               staff_id: int) -> "UiSession":
        """The session of ``staff_id`` (the first staff member if unknown). Raises RuntimeError without a clinic."""
        if clinic is None:
            raise RuntimeError("no clinic in the database")
        if staff and staff_id not in {s.id for s in staff}:
            staff_id = staff[0].id
        managers = frozenset(s.id for s in staff if s.is_manager)
        return cls(actions, clinic, staff_id, DataEvents(), managers=managers)
