"""The clinic's records: the clinic itself, staff, patients, menus and reservations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any, Callable, Final

from sqlalchemy import and_, func, or_, select

from desktop.domain.billing import TaxCategory
from desktop.domain.clinic import CareType, PaymentMode, PaymentTiming, ReservationStatus, ReviewStatus
from desktop.domain.errors import NotFoundError, ValidationError
from desktop.domain.names import normalize_name
from desktop.domain.text import tidy_text
from desktop.domain.patients import clean_patient_fields, phone_digits
from desktop.domain.validation import validate_email
from desktop.domain.staff import Actor, Permission
from desktop.services import audit
from desktop.services.authz import authorize
from desktop.storage.orm import BillingRequest, Clinic, Menu, Patient, Reservation
from desktop.storage.unit_of_work import Database

Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def require_text(value: str | None, *, field: str, label: str, max_len: int) -> str:
    """Trimmed text that must not be empty nor longer than ``max_len``.

    Display text (clinic, staff and menu names) keeps its full-width punctuation as typed
    (「さくら内科クリニック（デモ）」); ``normalize_text`` is for what is searched and matched.
    """
    text = (value or "").strip()
    if not text:
        raise ValidationError("field_required", field=field, label=label)
    if len(text) > max_len:
        raise ValidationError("field_too_long", field=field, label=label, max=max_len)
    return text


@dataclasses.dataclass(frozen=True)
class DuplicatePatient:
    """A patient already registered who may be the one being entered.

    ``reason`` is ``"name_phone"`` (same 姓名 and 電話番号) or ``"email"`` (same Eメール).
    """

    id: int
    name: str
    phone: str
    email: str
    reason: str


@dataclasses.dataclass(frozen=True)
class MenuInput:
    """The fields of the メニュー設定 form."""

    name: str
    price: int
    tax_category: TaxCategory = TaxCategory.TAXABLE
    card_payment: bool = True
    lump_sum: bool = True
    payment_timing: PaymentTiming = PaymentTiming.POST
    attachment_required: bool = False
    note: str = ""
    confirmation_message: str = ""
    receipt_purpose: str = ""  # 但し書き on the receipt; blank: 「診療代として」


RECEIPT_PURPOSE_MAX = 50
MENU_PRICE_MAX = 9_999_999


def menu_problems(data: MenuInput) -> list[ValidationError]:
    """Every mistake in ``data`` at once, in the order of the form's fields (empty: it can be saved).

    Each error names its ``field``: ``name`` (empty or over 200 characters), ``price`` (not a
    whole number of yen from 0 to ``MENU_PRICE_MAX``), ``lump_sum`` (no 決済種別 chosen),
    ``receipt_purpose`` (over ``RECEIPT_PURPOSE_MAX`` characters).
    """
    problems: list[ValidationError] = []
    try:
        require_text(data.name, field="name", label="メニュー名", max_len=200)
    except ValidationError as exc:
        problems.append(exc)
    if isinstance(data.price, bool) or not isinstance(data.price, int) or not 0 <= data.price <= MENU_PRICE_MAX:
        problems.append(ValidationError("menu_price_invalid", field="price"))
    if not data.lump_sum:
        problems.append(ValidationError("payment_kind_required", field="lump_sum"))
    if len(tidy_text(data.receipt_purpose)) > RECEIPT_PURPOSE_MAX:
        problems.append(ValidationError("field_too_long", field="receipt_purpose", label="但し書き",
                                        max=RECEIPT_PURPOSE_MAX))
    return problems

class _Unchanged(enum.Enum):
    UNCHANGED = "unchanged"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged.UNCHANGED
"""The value of a ``ClinicUpdate`` field that leaves the clinic's value as it is."""


@dataclasses.dataclass(frozen=True)
class ClinicUpdate:
    """The clinic's fields to change; a field left ``UNCHANGED`` keeps its value.

    ``None`` clears the fields that may be empty (``registration_number``, ``payjp_tenant_id``,
    ``care_type``, ``payment_company``). Values are already parsed: ``link_expiry_days`` in whole
    days (1–30), ``smtp_port`` a port number, ``email`` an address (checked by ``update_clinic``).
    """

    name: str | _Unchanged = UNCHANGED
    postal_code: str | _Unchanged = UNCHANGED
    address: str | _Unchanged = UNCHANGED
    phone: str | _Unchanged = UNCHANGED
    email: str | _Unchanged = UNCHANGED
    representative: str | _Unchanged = UNCHANGED
    registration_number: str | None | _Unchanged = UNCHANGED
    public_base_url: str | _Unchanged = UNCHANGED
    link_expiry_days: int | _Unchanged = UNCHANGED
    payment_mode: PaymentMode | _Unchanged = UNCHANGED
    payjp_public_key: str | _Unchanged = UNCHANGED
    payjp_tenant_id: str | None | _Unchanged = UNCHANGED
    care_type: CareType | None | _Unchanged = UNCHANGED
    review_status: ReviewStatus | _Unchanged = UNCHANGED
    payment_company: str | None | _Unchanged = UNCHANGED
    auto_charge: bool | _Unchanged = UNCHANGED
    smtp_host: str | _Unchanged = UNCHANGED
    smtp_port: int | _Unchanged = UNCHANGED
    smtp_security: str | _Unchanged = UNCHANGED
    smtp_username: str | _Unchanged = UNCHANGED
    platform_fee_rate: str | _Unchanged = UNCHANGED
    test_mail_accepted_at: dt.datetime | None | _Unchanged = UNCHANGED
    refund_approval_threshold: int | _Unchanged = UNCHANGED
    auto_lock_minutes: int | _Unchanged = UNCHANGED
    auto_charge_cap: int | _Unchanged = UNCHANGED  # whole yen, tax included
    reminder_enabled: bool | _Unchanged = UNCHANGED
    reminder_days_before: int | _Unchanged = UNCHANGED  # whole days before the link expires

    def changes(self) -> dict[str, object]:
        """The fields to set, by column name (the ``UNCHANGED`` ones left out)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not UNCHANGED}


def _menu_fields(menu: Menu) -> dict[str, object]:
    return {"name": menu.name, "price": menu.price, "tax_category": menu.tax_category.value,
            "card_payment": menu.card_payment, "lump_sum": menu.lump_sum, "payment_timing": menu.payment_timing.value,
            "attachment_required": menu.attachment_required, "note": menu.note,
            "confirmation_message": menu.confirmation_message, "receipt_purpose": menu.receipt_purpose,
            "archived": menu.archived}


class DirectoryService:
    """Create and change the clinic's records (validation in one place)."""

    def __init__(self, db: Database, *, clock: Clock = _utcnow) -> None:
        self._db = db
        self._clock = clock

    def create_clinic(self, *, name: str, email: str = "", phone: str = "", address: str = "",
                      postal_code: str = "", public_base_url: str = "") -> int:
        """Register the clinic; returns its id. The other fields start at their defaults (``update_clinic``).

        Raises:
            ValidationError: ``name`` is empty or too long, or ``email`` is not an address.
        """
        with self._db.uow() as uow:
            clinic = Clinic(name=require_text(name, field="name", label="クリニック名", max_len=200),
                            email=validate_email(email) if email else "", phone=phone, address=address,
                            postal_code=postal_code, public_base_url=public_base_url)
            uow.session.add(clinic)
            uow.session.flush()
            audit.record(uow.session, clinic_id=clinic.id, actor="staff", action="clinic_created",
                         entity_type="clinic", entity_id=clinic.id, after={"name": clinic.name})
            uow.commit()
            return clinic.id

    def update_clinic(self, actor: Actor, clinic_id: int, update: ClinicUpdate, *,
                      secret_fields: tuple[str, ...] = ()) -> None:
        """Set the fields ``update`` names (the others stay); one ``clinic_updated`` audit event.

        ``secret_fields`` are other settings changed with these (keys kept in the keyring): the audit
        event lists them as "changed", never their values.

        Raises:
            PermissionDeniedError: the actor is not a 管理者.
            NotFoundError: no such clinic.
            ValidationError: ``email`` is not an address, or ``link_expiry_days`` is not 1–30;
                nothing was saved.
        """
        values = update.changes()
        if isinstance(update.email, str) and update.email:
            values["email"] = validate_email(update.email)
        if isinstance(update.link_expiry_days, int) and not 1 <= update.link_expiry_days <= 30:
            raise ValidationError("link_expiry_days_invalid", field="link_expiry_days")
        with self._db.uow() as uow:
            clinic = uow.session.get(Clinic, clinic_id)
            if clinic is None:
                raise NotFoundError()
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)
            before: dict[str, object] = {k: getattr(clinic, k) for k in values}
            for key, value in values.items():
                setattr(clinic, key, value)
            after: dict[str, object] = dict(values)
            for name in secret_fields:
                before[name], after[name] = "", "changed"
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="clinic_updated", entity_type="clinic", entity_id=clinic_id, before=before,
                         after=after)
            uow.commit()

    def system_set_link_base(self, clinic_id: int, public_base_url: str) -> None:
        """The app itself points デモ links at the port its checkout server got (no staff acts).

        One ``clinic_updated`` audit event with actor ``system``; nothing if the URL is unchanged.
        """
        with self._db.uow() as uow:
            clinic = uow.session.get(Clinic, clinic_id)
            if clinic is None:
                raise NotFoundError()
            if clinic.public_base_url == public_base_url:
                return
            before = {"public_base_url": clinic.public_base_url}
            clinic.public_base_url = public_base_url
            audit.record(uow.session, clinic_id=clinic_id, actor="system", action="clinic_updated",
                         entity_type="clinic", entity_id=clinic_id, before=before,
                         after={"public_base_url": public_base_url})
            uow.commit()

    def add_patient(self, actor: Actor, clinic_id: int, *, family_name: str, given_name: str = "", email: str | None = None,
                    phone: str = "", sex: str = "", address: str = "", family_name_kana: str = "",
                    given_name_kana: str = "", language: str = "ja") -> int:
        """Register a patient (新規患者); the fields are checked as ``clean_patient_fields`` says.

        Raises:
            PermissionDeniedError: the actor's role may not (経理).
            ValidationError: a field is wrong (``field`` names it); nothing was saved.
        """
        values = clean_patient_fields(dict(
            family_name=family_name, given_name=given_name, family_name_kana=family_name_kana,
            given_name_kana=given_name_kana, sex=sex, phone=phone, email=email, address=address, language=language))
        with self._db.uow() as uow:
            authorize(uow.session, actor, Permission.FRONT_DESK, clinic_id=clinic_id)
            patient = Patient(clinic_id=clinic_id, **values)
            uow.session.add(patient)
            uow.session.flush()
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id, action="patient_created",
                         entity_type="patient", entity_id=patient.id, after=values)
            uow.commit()
            return patient.id

    def update_patient(self, actor: Actor, patient_id: int, **fields: Any) -> list[str]:
        """Correct a patient's details (患者情報の編集): only the given fields change.

        The fields are checked as for ``add_patient``; the audit trail keeps the values before
        and after. Returns the names of the fields that changed (empty when nothing did).

        Raises:
            ValidationError: a field is wrong (``field`` names it); nothing was saved.
            NotFoundError: no such patient.
            PermissionDeniedError: the actor's role may not (経理).
        """
        values = clean_patient_fields(fields)
        with self._db.uow() as uow:
            patient = uow.session.get(Patient, patient_id)
            if patient is None:
                raise NotFoundError()
            authorize(uow.session, actor, Permission.FRONT_DESK, clinic_id=patient.clinic_id)
            changed = {k: v for k, v in values.items() if getattr(patient, k) != v}
            if not changed:
                return []
            before = {k: getattr(patient, k) for k in changed}
            for key, value in changed.items():
                setattr(patient, key, value)
            audit.record(uow.session, clinic_id=patient.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="patient_updated", entity_type="patient", entity_id=patient_id,
                         before=before, after=changed)
            uow.commit()
            return list(changed)

    def find_duplicates(self, clinic_id: int, *, family_name: str, given_name: str = "", phone: str = "",
                        email: str | None = None, exclude_id: int | None = None) -> list[DuplicatePatient]:
        """Patients who may be the same person: same 姓名 and 電話番号, or same Eメール.

        A warning for the form to show before saving, not a refusal (families share a phone,
        and a parent's address may be on a child's record).
        """
        family, given = normalize_name(family_name or ""), normalize_name(given_name or "")
        digits = phone_digits(phone or "")
        mail = (email or "").strip().lower()
        conditions = [and_(Patient.family_name == family, Patient.given_name == given)]
        if mail:
            conditions.append(func.lower(Patient.email) == mail)
        stmt = select(Patient).where(Patient.clinic_id == clinic_id, or_(*conditions)).order_by(Patient.id)
        if exclude_id is not None:
            stmt = stmt.where(Patient.id != exclude_id)
        found: list[DuplicatePatient] = []
        with self._db.uow(readonly=True) as uow:
            for p in uow.session.scalars(stmt).all():
                if mail and (p.email or "").lower() == mail:
                    reason = "email"
                elif digits and p.family_name == family and p.given_name == given and phone_digits(p.phone) == digits:
                    reason = "name_phone"
                else:
                    continue
                found.append(DuplicatePatient(p.id, p.full_name, p.phone, p.email or "", reason))
        return found

    def set_patient_customer(self, patient_id: int, customer_id: str | None) -> None:
        with self._db.uow() as uow:
            patient = uow.session.get(Patient, patient_id)
            if patient is None:
                raise NotFoundError()
            before = {"payjp_customer_id": patient.payjp_customer_id}
            patient.payjp_customer_id = customer_id
            audit.record(uow.session, clinic_id=patient.clinic_id, actor="patient", action="card_saved",
                         entity_type="patient", entity_id=patient_id, before=before,
                         after={"payjp_customer_id": customer_id})
            uow.commit()

    def save_menu(self, actor: Actor, clinic_id: int, data: MenuInput, menu_id: int | None = None) -> int:
        """Add (``menu_id`` None) or change a menu (管理者 only); audited with the fields before and after.

        Raises: ValidationError (a field), PermissionDeniedError, NotFoundError.
        """
        problems = menu_problems(data)
        if problems:
            raise problems[0]
        name = require_text(data.name, field="name", label="メニュー名", max_len=200)
        purpose = tidy_text(data.receipt_purpose)
        with self._db.uow() as uow:
            s = uow.session
            authorize(s, actor, Permission.MENUS, clinic_id=clinic_id)
            before: dict[str, object] | None = None
            if menu_id is None:
                menu = Menu(clinic_id=clinic_id, name=name)
                s.add(menu)
            else:
                found = s.get(Menu, menu_id)
                if found is None or found.clinic_id != clinic_id:
                    raise NotFoundError()
                menu = found
                before = _menu_fields(menu)
            for field in dataclasses.fields(data):
                setattr(menu, field.name, getattr(data, field.name))
            menu.name = name
            menu.receipt_purpose = purpose
            s.flush()
            audit.record(s, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="menu_created" if before is None else "menu_updated", entity_type="menu",
                         entity_id=menu.id, before=before, after=_menu_fields(menu))
            uow.commit()
            return menu.id

    def delete_menu(self, actor: Actor, menu_id: int) -> bool:
        """Delete a menu (管理者 only); one that has reservations is archived instead. True if deleted.

        Raises: PermissionDeniedError, NotFoundError.
        """
        with self._db.uow() as uow:
            s = uow.session
            menu = s.get(Menu, menu_id)
            if menu is None:
                raise NotFoundError()
            authorize(s, actor, Permission.MENUS, clinic_id=menu.clinic_id)
            before = _menu_fields(menu)
            used = s.scalar(select(func.count()).select_from(Reservation).where(Reservation.menu_id == menu_id))
            audit.record(s, clinic_id=menu.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="menu_archived" if used else "menu_deleted", entity_type="menu",
                         entity_id=menu_id, before=before, after={"archived": True} if used else None)
            if used:
                menu.archived = True
                uow.commit()
                return False
            s.delete(menu)
            uow.commit()
            return True

    def create_reservation(self, actor: Actor, clinic_id: int, *, patient_id: int, menu_id: int, starts_at: dt.datetime,
                           message: str = "", attachments: list[str] | None = None,
                           status: ReservationStatus = ReservationStatus.RESERVED) -> int:
        """予約の登録 (受付 or 管理者); audited. ``starts_at`` aware (stored UTC).

        Raises: PermissionDeniedError, NotFoundError (patient or menu of another clinic), ValueError (naive time).
        """
        with self._db.uow() as uow:
            s = uow.session
            authorize(s, actor, Permission.FRONT_DESK, clinic_id=clinic_id)
            patient, menu = s.get(Patient, patient_id), s.get(Menu, menu_id)
            if patient is None or menu is None or patient.clinic_id != clinic_id or menu.clinic_id != clinic_id:
                raise NotFoundError()
            if starts_at.tzinfo is None:
                raise ValueError("starts_at must be timezone-aware")
            res = Reservation(clinic_id=clinic_id, patient_id=patient_id, menu_id=menu_id, starts_at=starts_at,
                              message=message, attachments="\n".join(attachments or []), status=status)
            s.add(res)
            s.flush()
            audit.record(s, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id, action="reservation_created",
                         entity_type="reservation", entity_id=res.id,
                         after={"patient_id": patient_id, "menu_id": menu_id, "starts_at": starts_at.isoformat(),
                                "status": status.value})
            uow.commit()
            return res.id

    def set_reservation_status(self, actor: Actor, reservation_id: int, status: ReservationStatus) -> None:
        """Change a reservation's 状態 (受付 or 管理者); audited with the status before and after.

        Raises: PermissionDeniedError, NotFoundError.
        """
        status = ReservationStatus(status)
        with self._db.uow() as uow:
            res = uow.session.get(Reservation, reservation_id)
            if res is None:
                raise NotFoundError()
            authorize(uow.session, actor, Permission.FRONT_DESK, clinic_id=res.clinic_id)
            before = {"status": res.status.value}
            res.status = status
            audit.record(uow.session, clinic_id=res.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="reservation_status_changed", entity_type="reservation", entity_id=reservation_id,
                         before=before, after={"status": status.value})
            uow.commit()

    def requests_for_reservation(self, reservation_id: int) -> list[BillingRequest]:
        with self._db.uow(readonly=True) as uow:
            return list(uow.session.scalars(
                select(BillingRequest).where(BillingRequest.reservation_id == reservation_id)
                .order_by(BillingRequest.requested_at.desc(), BillingRequest.id.desc())
            ).all())
