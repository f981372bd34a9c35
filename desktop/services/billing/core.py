"""Shared pieces of the billing engine: results, the conditional state change, helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Callable, NamedTuple

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from desktop.domain.billing import (
    BillingState,
    RequestKind,
    TaxCategory,
)
from desktop.domain.clinic import PaymentMode, ReviewStatus
from desktop.domain.names import normalize_name, to_katakana
from desktop.domain.errors import (
    NotFoundError,
    UserError,
)
from desktop.services import links, outbox
from desktop.services import mail_compose as mail
from desktop.services.payjp_gateway import PayjpGateway
from desktop.storage.orm import (
    BillingRequest,
    Clinic,
    Menu,
    Patient,
    Reservation,
    Staff,
)
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
GatewayFor = Callable[[Clinic], PayjpGateway]

DEFAULT_MESSAGE = "金額が確定しましたので、メール内のリンクから決済をお願い致します"
PRE_PAYMENT_MESSAGE = "ご予約の料金を事前にお支払いください。メール内のリンクから決済をお願い致します"
THREE_D_SECURE_TIMEOUT = dt.timedelta(minutes=30)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class LinkStatus:
    PAYABLE = "payable"
    PROCESSING = "processing"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class LinkView:
    """What the checkout page shows for a link (opening a link changes nothing)."""

    status: str
    request_id: int | None = None
    clinic_name: str = ""
    clinic_phone: str = ""
    clinic_id: int | None = None
    patient_name: str = ""
    patient_email: str = ""
    patient_language: str = "ja"
    menu_name: str = ""
    reservation_starts_at: dt.datetime | None = None
    amount: int = 0
    tax_category: TaxCategory = TaxCategory.TAXABLE
    message: str = ""
    expires_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    refunded_amount: int = 0
    card_brand: str | None = None
    card_last4: str | None = None
    tenant_id: str | None = None
    public_key: str = ""
    pending_charge_id: str | None = None  # a charge waiting for the cardholder's 3-D Secure


@dataclasses.dataclass(frozen=True)
class PaymentOutcome:
    """Result of a payment attempt that PAY.JP answered (declines raise ``PaymentError``)."""

    request_id: int
    attempt_id: str
    state: BillingState
    charge_id: str | None = None
    requires_three_d_secure: bool = False


@dataclasses.dataclass(frozen=True)
class RequestOutcome:
    request_id: int
    state: BillingState
    auto_charged: bool = False
    auto_charge_error: UserError | None = None


@dataclasses.dataclass(frozen=True)
class RefundOutcome:
    request_id: int
    refund_id: str
    amount: int
    refunded_total: int
    state: BillingState


def payment_usable(clinic: Clinic) -> bool:
    """Whether card payments may be taken now (審査 approved, or not live)."""
    if clinic.payment_company != "PAYJP":
        return False
    return clinic.review_status is ReviewStatus.APPROVED or clinic.payment_mode is not PaymentMode.LIVE


def _snapshot(req: BillingRequest) -> dict[str, object]:
    return {
        "state": req.state.value,
        "amount": req.amount,
        "refunded_amount": req.refunded_amount,
        "charge_id": req.charge_id,
    }


def _transition(
    session: Session,
    request_id: int,
    allowed: frozenset[BillingState] | set[BillingState],
    target: BillingState,
    *extra_where: ColumnElement[bool],
    **values: object,
) -> bool:
    """Conditional UPDATE: move the request only if it is still in one of ``allowed``."""
    result = session.execute(
        update(BillingRequest)
        .where(BillingRequest.id == request_id, BillingRequest.state.in_(list(allowed)), *extra_where)
        .values(state=target, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


class MailParties(NamedTuple):
    """Who a patient mail is from and to, and what it is about."""

    clinic: mail.Clinic
    patient: mail.Patient
    reservation: mail.Reservation
    payment_base_url: str


class BillingCore:
    """State and helpers shared by the billing engine's parts (arguments: see ``BillingService``)."""

    def __init__(
        self,
        db: Database,
        gateway_for: GatewayFor,
        composer: mail.MailComposer | None = None,
        *,
        clock: Clock = _utcnow,
        unknown_grace: dt.timedelta = dt.timedelta(minutes=2),
    ) -> None:
        self._db = db
        self._gateway_for = gateway_for
        self._composer = composer or mail.MailComposer()
        self._clock = clock
        self._unknown_grace = unknown_grace

    def _load_for_request(
        self, s: Session, reservation_id: int, staff_id: int
    ) -> tuple[Reservation, Patient, Menu, Clinic, Staff]:
        reservation = s.get(Reservation, reservation_id)
        staff = s.get(Staff, staff_id)
        if reservation is None or staff is None or staff.clinic_id != reservation.clinic_id:
            raise NotFoundError()
        patient = s.get(Patient, reservation.patient_id)
        menu = s.get(Menu, reservation.menu_id)
        clinic = s.get(Clinic, reservation.clinic_id)
        assert patient is not None and menu is not None and clinic is not None
        return reservation, patient, menu, clinic, staff

    def _new_request(
        self,
        s: Session,
        clinic: Clinic,
        reservation: Reservation,
        patient: Patient,
        menu: Menu,
        staff: Staff,
        amount: int,
        category: TaxCategory,
        text: str,
        kind: RequestKind,
        now: dt.datetime,
    ) -> BillingRequest:
        req = BillingRequest(
            clinic_id=clinic.id,
            reservation_id=reservation.id,
            patient_id=patient.id,
            staff_id=staff.id,
            kind=kind,
            amount=amount,
            tax_category=category,
            message=text,
            state=BillingState.REQUESTED,
            patient_name=patient.full_name,
            patient_given=normalize_name(patient.given_name),
            patient_kana=to_katakana(f"{patient.family_name_kana} {patient.given_name_kana}"),
            staff_name=staff.name,
            menu_name=menu.name,
            requested_at=now,
            updated_at=now,
            refunded_amount=0,
        )
        s.add(req)
        s.flush()
        return req

    def _issue_link(self, req: BillingRequest, clinic: Clinic, now: dt.datetime) -> str:
        raw, digest = links.new_link_token()
        days = clinic.link_expiry_days
        if not links.MIN_EXPIRY_DAYS <= days <= links.MAX_EXPIRY_DAYS:
            days = links.DEFAULT_EXPIRY_DAYS
        req.link_token_hash = digest
        req.link_expires_at = now + dt.timedelta(days=days)
        return raw

    # ------------------------------------------------------------------ mail helpers

    def _context(self, s: Session, req: BillingRequest) -> tuple[Clinic, Patient, Reservation, Menu]:
        clinic = s.get(Clinic, req.clinic_id)
        patient = s.get(Patient, req.patient_id)
        reservation = s.get(Reservation, req.reservation_id)
        assert clinic is not None and patient is not None and reservation is not None
        menu = s.get(Menu, reservation.menu_id)
        assert menu is not None
        return clinic, patient, reservation, menu

    def _notify(self, s: Session, req: BillingRequest, make: Callable[[MailParties], mail.PatientMail]) -> None:
        """Queue a mail to the request's patient in this transaction (none if no address)."""
        clinic, patient, reservation, menu = self._context(s, req)
        if not patient.email:
            return
        parties = MailParties(
            clinic=mail.Clinic(
                name=clinic.name, email=clinic.email or None, phone=clinic.phone or None, address=clinic.address or None
            ),
            patient=mail.Patient(
                name=patient.full_name,
                email=patient.email,
                sex=mail.Sex.parse(patient.sex),
                phone=patient.phone or None,
                address=patient.address or None,
            ),
            reservation=mail.Reservation(
                menu_name=menu.name,
                starts_at=reservation.starts_at,
                attachments=tuple(n for n in reservation.attachments.splitlines() if n.strip()),
            ),
            payment_base_url=self.public_base_url(clinic),
        )
        content = make(parties)
        sender = clinic.email or "no-reply@clinicpay.invalid"
        envelope = mail.Envelope(
            from_address=sender, message_id=mail.new_message_id(sender.rpartition("@")[2]), date=self._clock()
        )
        lang = patient.language if patient.language in ("ja", "en") else "ja"
        message = self._composer.compose(content, envelope, lang)
        outbox.enqueue(
            s,
            clinic_id=clinic.id,
            billing_request_id=req.id,
            kind=mail.mail_kind(content),
            message=message,
            now=self._clock(),
        )

    def _notify_payment_link(self, s: Session, req: BillingRequest, raw_link: str) -> None:
        """The 後決済請求 mail with the personal payment link."""
        expires = req.link_expires_at
        assert expires is not None
        self._notify(
            s,
            req,
            lambda m: mail.PaymentRequest(
                clinic=m.clinic,
                patient=m.patient,
                reservation=m.reservation,
                amount_yen=req.amount,
                tax_category=req.tax_category,
                message=req.message,
                payment_url=links.payment_url(m.payment_base_url, raw_link),
                link_expires_at=expires,
            ),
        )

    @staticmethod
    def public_base_url(clinic: Clinic) -> str:
        return clinic.public_base_url or "http://127.0.0.1:8470"

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _get(s: Session, request_id: int) -> BillingRequest:
        req = s.get(BillingRequest, request_id)
        if req is None:
            raise NotFoundError()
        return req

    @staticmethod
    def _staff(s: Session, staff_id: int, clinic_id: int) -> Staff:
        staff = s.get(Staff, staff_id)
        if staff is None or staff.clinic_id != clinic_id:
            raise NotFoundError()
        return staff


_KNOWN_CARD_CODES = {
    "card_declined",
    "expired_card",
    "incorrect_card_data",
    "invalid_cvc",
    "processing_error",
    "unacceptable_brand",
    "card_flagged",
}

STATE_LABELS_JA: dict[BillingState, str] = {
    BillingState.REQUESTED: "未決済",
    BillingState.PROCESSING: "決済処理中",
    BillingState.PAID: "決済済み",
    BillingState.REFUNDING: "返金処理中",
    BillingState.PARTIALLY_REFUNDED: "一部返金済み",
    BillingState.REFUNDED: "返金済み",
    BillingState.CANCELLED: "取消済み",
    BillingState.EXPIRED: "期限切れ",
}

STATE_LABELS_EN: dict[BillingState, str] = {
    BillingState.REQUESTED: "Unpaid",
    BillingState.PROCESSING: "Processing",
    BillingState.PAID: "Paid",
    BillingState.REFUNDING: "Refunding",
    BillingState.PARTIALLY_REFUNDED: "Partly refunded",
    BillingState.REFUNDED: "Refunded",
    BillingState.CANCELLED: "Cancelled",
    BillingState.EXPIRED: "Expired",
}
