"""Read models for the reception screens (予約管理, メニュー設定): plain values, no ORM objects.

The UI never holds a session; it asks these functions (through ``runner.db``) and gets frozen
dataclasses back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import or_, select

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import MenuPaymentRules, PaymentMode, PaymentTiming, ReservationStatus
from desktop.domain.formatting import JST
from desktop.services.billing import payment_block, payment_usable
from desktop.domain.staff import DEFAULT_LOCKOUT_MINUTES
from desktop.domain.text import fold_kana, like_pattern, search_words
from desktop.domain.clinic import StaffRole
from desktop.storage.orm import BillingRequest, Clinic, Menu, Patient, Reservation, Staff
from desktop.storage.unit_of_work import Database


@dataclasses.dataclass(frozen=True)
class ClinicInfo:
    id: int
    name: str
    payment_mode: PaymentMode
    payment_usable: bool
    public_base_url: str
    payment_block: str | None = None  # why card payment is off (a MESSAGES code), see billing.payment_block
    auto_lock_minutes: int = 10  # screen locks after this many minutes without input
    refund_approval_threshold: int = 0  # whole yen; refunds above it need a second 管理者 (0 = never)
    lockout_minutes: int = DEFAULT_LOCKOUT_MINUTES  # an account stays locked this long after 5 wrong tries


@dataclasses.dataclass(frozen=True)
class StaffInfo:
    id: int
    name: str
    is_manager: bool = False


@dataclasses.dataclass(frozen=True)
class PatientInfo:
    id: int
    name: str
    kana: str
    sex: str
    phone: str
    email: str
    address: str
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    language: str = "ja"  # of the mails the patient gets


@dataclasses.dataclass(frozen=True)
class MenuInfo(MenuPaymentRules):
    id: int
    name: str
    price: int
    tax_category: TaxCategory
    card_payment: bool
    lump_sum: bool
    payment_timing: PaymentTiming
    attachment_required: bool
    note: str
    confirmation_message: str
    archived: bool
    receipt_purpose: str = ""  # 但し書き; blank: the receipt's default 「診療代として」


@dataclasses.dataclass(frozen=True)
class ReservationRow:
    id: int
    starts_at: dt.datetime
    patient_name: str
    menu_name: str
    status: ReservationStatus
    payment_state: BillingState | None  # of the newest request, None when never billed


@dataclasses.dataclass(frozen=True)
class ReservationDetail:
    id: int
    starts_at: dt.datetime
    status: ReservationStatus
    message: str
    attachments: tuple[str, ...]
    menu: MenuInfo
    patient: PatientInfo
    payment_usable: bool
    payment_block: str | None = None  # why card payment is off (a MESSAGES code)

    @property
    def can_request_post_payment(self) -> bool:
        return (self.menu.allows_post_payment and self.payment_usable
                and self.status is not ReservationStatus.CANCELLED)

    @property
    def can_request_pre_payment(self) -> bool:
        """事前決済 of the menu's price can be requested (again) from the reservation: booking sends it
        at once, but a patient without an e-mail address then, or a cancelled link, needs it by hand."""
        return (self.menu.allows_pre_payment and self.payment_usable
                and self.status is not ReservationStatus.CANCELLED)


def _menu(m: Menu) -> MenuInfo:
    return MenuInfo(m.id, m.name, m.price, m.tax_category, m.card_payment, m.lump_sum, m.payment_timing,
                    m.attachment_required, m.note, m.confirmation_message, m.archived, m.receipt_purpose)


def _patient(p: Patient) -> PatientInfo:
    kana = f"{p.family_name_kana} {p.given_name_kana}".strip()
    return PatientInfo(p.id, p.full_name, kana, p.sex, p.phone, p.email or "", p.address, p.family_name,
                       p.given_name, p.family_name_kana, p.given_name_kana, p.language)


class FrontDeskQueries:
    """Everything the reception screens read (besides the billing history)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def clinic_info(self) -> ClinicInfo | None:
        with self._db.uow(readonly=True) as uow:
            c = uow.session.scalars(select(Clinic).order_by(Clinic.id).limit(1)).first()
            if c is None:
                return None
            return ClinicInfo(c.id, c.name, c.payment_mode, payment_usable(c), c.public_base_url, payment_block(c),
                              c.auto_lock_minutes, c.refund_approval_threshold, c.lockout_minutes)

    def staff(self, clinic_id: int) -> list[StaffInfo]:
        with self._db.uow(readonly=True) as uow:
            rows = uow.session.execute(select(Staff.id, Staff.name, Staff.role).where(Staff.clinic_id == clinic_id,
                                                                                       Staff.active.is_(True))
                                       .order_by(Staff.id)).all()
            return [StaffInfo(int(i), str(n), role is StaffRole.MANAGER) for i, n, role in rows]

    def patients(self, clinic_id: int) -> list[PatientInfo]:
        with self._db.uow(readonly=True) as uow:
            found = uow.session.scalars(select(Patient).where(Patient.clinic_id == clinic_id)
                                        .order_by(Patient.family_name_kana, Patient.id)).all()
            return [_patient(p) for p in found]

    def patient(self, patient_id: int) -> PatientInfo | None:
        with self._db.uow(readonly=True) as uow:
            found = uow.session.get(Patient, patient_id)
            return None if found is None else _patient(found)

    def menus(self, clinic_id: int, *, include_archived: bool = False) -> list[MenuInfo]:
        with self._db.uow(readonly=True) as uow:
            stmt = select(Menu).where(Menu.clinic_id == clinic_id)
            if not include_archived:
                stmt = stmt.where(Menu.archived.is_(False))
            return [_menu(m) for m in uow.session.scalars(stmt.order_by(Menu.sort_order, Menu.id)).all()]

    def reservations(self, clinic_id: int, day: dt.date | None, search: str = "", limit: int = 500) -> list[ReservationRow]:
        """The reservations of one JST day, or — with ``search`` — of any day matching the patient name."""
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            stmt = (select(Reservation.id, Reservation.starts_at, Patient.family_name, Patient.given_name,
                           Menu.name, Reservation.status)
                    .join(Patient, Patient.id == Reservation.patient_id)
                    .join(Menu, Menu.id == Reservation.menu_id)
                    .where(Reservation.clinic_id == clinic_id))
            words = search_words(search)
            if words:
                # Each word in 姓, 名 (as stored: normalised) or in セイ, メイ (stored as katakana):
                # the same functions the patient form stores with, so ﾀｶﾊｼ / たかはし / タカハシ all match.
                for word in words:
                    name, kana = like_pattern(word), like_pattern(fold_kana(word))
                    stmt = stmt.where(or_(Patient.family_name.like(name, escape="\\"),
                                          Patient.given_name.like(name, escape="\\"),
                                          Patient.family_name_kana.like(kana, escape="\\"),
                                          Patient.given_name_kana.like(kana, escape="\\")))
                stmt = stmt.order_by(Reservation.starts_at.desc())
            else:
                day = day or dt.datetime.now(JST).date()
                start = dt.datetime.combine(day, dt.time(), JST).astimezone(dt.timezone.utc)
                stmt = stmt.where(Reservation.starts_at >= start,
                                  Reservation.starts_at < start + dt.timedelta(days=1)).order_by(Reservation.starts_at)
            rows = s.execute(stmt.limit(limit)).all()
            ids = [r[0] for r in rows]
            latest: dict[int, BillingState] = {}
            if ids:
                for rid, state in s.execute(
                    select(BillingRequest.reservation_id, BillingRequest.state)
                    .where(BillingRequest.reservation_id.in_(ids))
                    .order_by(BillingRequest.requested_at, BillingRequest.id)
                ).all():
                    latest[int(rid)] = state
            return [ReservationRow(int(r[0]), r[1], f"{r[2]} {r[3]}".strip(), r[4], r[5], latest.get(int(r[0])))
                    for r in rows]

    def reservations_near(self, clinic_id: int, patient_id: int, starts_at: dt.datetime,
                          window: dt.timedelta = dt.timedelta(minutes=30)) -> list[ReservationRow]:
        """The patient's reservations (not キャンセル) starting within ``window`` of ``starts_at`` (aware),
        to warn before booking the same patient twice at one time."""
        with self._db.uow(readonly=True) as uow:
            at = starts_at.astimezone(dt.timezone.utc)
            rows = uow.session.execute(
                select(Reservation.id, Reservation.starts_at, Patient.family_name, Patient.given_name, Menu.name,
                       Reservation.status)
                .join(Patient, Patient.id == Reservation.patient_id)
                .join(Menu, Menu.id == Reservation.menu_id)
                .where(Reservation.clinic_id == clinic_id, Reservation.patient_id == patient_id,
                       Reservation.status != ReservationStatus.CANCELLED,
                       Reservation.starts_at > at - window, Reservation.starts_at < at + window)
                .order_by(Reservation.starts_at)).all()
            return [ReservationRow(int(r[0]), r[1], f"{r[2]} {r[3]}".strip(), r[4], r[5], None) for r in rows]

    def reservation(self, reservation_id: int) -> ReservationDetail | None:
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            res = s.get(Reservation, reservation_id)
            if res is None:
                return None
            menu, patient, clinic = s.get(Menu, res.menu_id), s.get(Patient, res.patient_id), s.get(Clinic, res.clinic_id)
            assert menu is not None and patient is not None and clinic is not None
            files = tuple(f for f in res.attachments.splitlines() if f.strip())
            return ReservationDetail(res.id, res.starts_at, res.status, res.message, files, _menu(menu),
                                     _patient(patient), payment_usable(clinic), payment_block(clinic))
