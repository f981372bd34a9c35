"""What every page needs: the service graph, read models, who is signed in, change events."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal

from desktop.services.context import AppContext
from desktop.services.front_desk import ClinicInfo, FrontDeskQueries
from desktop.services.history import HistoryService


class DataEvents(QObject):
    """Signals:
        billing_changed: a billing request was added or changed (here, on another PC, or by a patient).
        reservations_changed: a reservation was added or changed.
        menus_changed: a menu was saved, archived or deleted.
        mail_changed: the demo mailbox or the outbox changed.
    """

    billing_changed = Signal()
    reservations_changed = Signal()
    menus_changed = Signal()
    mail_changed = Signal()


@dataclasses.dataclass
class UiSession:
    ctx: AppContext
    queries: FrontDeskQueries
    history: HistoryService
    clinic: ClinicInfo
    staff_id: int
    events: DataEvents
    checkout_url: str | None = None
    managers: frozenset[int] = frozenset()

    @property
    def is_manager(self) -> bool:
        """管理者 may refund and change settings; 受付スタッフ may not."""
        return self.staff_id in self.managers

    @classmethod
    def create(cls, ctx: AppContext) -> "UiSession":
        queries = FrontDeskQueries(ctx.db)
        clinic = queries.clinic_info()
        if clinic is None:
            raise RuntimeError("no clinic in the database")
        staff = queries.staff(clinic.id)
        staff_id = ctx.settings.staff_id
        if staff and staff_id not in {s.id for s in staff}:
            staff_id = staff[0].id
        managers = frozenset(s.id for s in staff if s.is_manager)
        return cls(ctx, queries, HistoryService(ctx.db), clinic, staff_id, DataEvents(), managers=managers)
