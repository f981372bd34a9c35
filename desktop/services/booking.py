"""予約の登録, with 事前決済 requested at once when the menu asks for it (SCREENS.md §4)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from desktop.domain.billing import MIN_CHARGE_YEN
from desktop.domain.errors import UserError
from desktop.domain.staff import Actor
from desktop.services.billing import BillingService, RequestOutcome, payment_usable
from desktop.services.directory import DirectoryService
from desktop.storage.orm import Clinic, Menu
from desktop.storage.unit_of_work import Database


@dataclasses.dataclass(frozen=True)
class Booking:
    """A new reservation and, for a 事前決済 menu, what became of its payment request."""

    reservation_id: int
    pre_payment: RequestOutcome | None = None
    pre_payment_error: UserError | None = None


class BookingService:
    """Books a reservation; a 事前決済 menu's price is requested right away (mail or 自動決済)."""

    def __init__(self, db: Database, directory: DirectoryService, billing: BillingService) -> None:
        self._db = db
        self._directory = directory
        self._billing = billing

    def wants_pre_payment(self, menu_id: int) -> bool:
        with self._db.uow(readonly=True) as uow:
            menu = uow.session.get(Menu, menu_id)
            clinic = uow.session.get(Clinic, menu.clinic_id) if menu is not None else None
            return bool(menu is not None and clinic is not None and menu.allows_pre_payment
                        and menu.price >= MIN_CHARGE_YEN and payment_usable(clinic))

    def book(self, clinic_id: int, actor: Actor, *, patient_id: int, menu_id: int, starts_at: dt.datetime,
             message: str = "", attachments: list[str] | None = None) -> Booking:
        """Create the reservation; then, for a 事前決済 menu, request its price.

        The reservation stands even when the request cannot be sent (e.g. no e-mail address):
        the error comes back in the result for the screen to show.

        Raises: PermissionDeniedError (経理), NotFoundError, as ``DirectoryService.create_reservation``.
        """
        reservation_id = self._directory.create_reservation(
            actor, clinic_id, patient_id=patient_id, menu_id=menu_id, starts_at=starts_at, message=message,
            attachments=attachments,
        )
        if not self.wants_pre_payment(menu_id):
            return Booking(reservation_id)
        try:
            return Booking(reservation_id, pre_payment=self._billing.request_pre_payment(reservation_id, actor))
        except UserError as exc:
            return Booking(reservation_id, pre_payment_error=exc)
