"""Tables of ClinicPay, mapped with SQLAlchemy 2's typed ORM.

Money is integer yen. Every timestamp is stored in UTC (``UTCDateTime``) and shown in
Asia/Tokyo by the UI. Enum columns store the enum's value as a short string so both
SQLite and PostgreSQL hold the same text.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desktop.domain.clinic import (
    CareType,
    MailStatus,
    PaymentMode,
    PaymentTiming,
    ReservationStatus,
    ReviewStatus,
    StaffRole,
)
from desktop.domain.billing import (
    AttemptMethod,
    AttemptStatus,
    BillingState,
    RefundStatus,
    RequestKind,
    TaxCategory,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(dt.timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


E = TypeVar("E", bound=enum.Enum)


def enum_column(enum_type: type[E]) -> Enum:
    return Enum(
        enum_type,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {
        dt.datetime: UTCDateTime(),
        BillingState: enum_column(BillingState),
        TaxCategory: enum_column(TaxCategory),
        RequestKind: enum_column(RequestKind),
        AttemptStatus: enum_column(AttemptStatus),
        AttemptMethod: enum_column(AttemptMethod),
        RefundStatus: enum_column(RefundStatus),
        PaymentMode: enum_column(PaymentMode),
        ReviewStatus: enum_column(ReviewStatus),
        CareType: enum_column(CareType),
        PaymentTiming: enum_column(PaymentTiming),
        ReservationStatus: enum_column(ReservationStatus),
        StaffRole: enum_column(StaffRole),
        MailStatus: enum_column(MailStatus),
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Clinic(Base):
    __tablename__ = "clinic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    representative: Mapped[str] = mapped_column(String(100), default="")
    registration_number: Mapped[str | None] = mapped_column(String(14))  # 適格請求書 登録番号 T+13 digits
    public_base_url: Mapped[str] = mapped_column(String(300), default="")
    link_expiry_days: Mapped[int] = mapped_column(Integer, default=7)
    payment_mode: Mapped[PaymentMode] = mapped_column(default=PaymentMode.DEMO)
    payjp_public_key: Mapped[str] = mapped_column(String(100), default="")
    payjp_tenant_id: Mapped[str | None] = mapped_column(String(100))
    care_type: Mapped[CareType | None]
    review_status: Mapped[ReviewStatus] = mapped_column(default=ReviewStatus.NOT_APPLIED)
    review_checked_at: Mapped[dt.datetime | None]
    payment_company: Mapped[str | None] = mapped_column(String(16))  # "PAYJP" when chosen
    auto_charge: Mapped[bool] = mapped_column(Boolean, default=False)  # 自動決済
    smtp_host: Mapped[str] = mapped_column(String(200), default="")
    smtp_port: Mapped[int] = mapped_column(Integer, default=587)
    smtp_security: Mapped[str] = mapped_column(String(16), default="starttls")
    smtp_username: Mapped[str] = mapped_column(String(200), default="")
    # percent the PAY.JP Platform account keeps of each charge ("1.00"; ≤ 2 decimals, 0–95)
    platform_fee_rate: Mapped[str] = mapped_column(String(8), default="1.00", server_default="1.00")
    test_mail_accepted_at: Mapped[dt.datetime | None]  # UTC; the SMTP server accepted a テストメール
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[StaffRole] = mapped_column(default=StaffRole.STAFF)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Patient(Base):
    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name_kana: Mapped[str] = mapped_column(String(100), default="")
    given_name_kana: Mapped[str] = mapped_column(String(100), default="")
    sex: Mapped[str] = mapped_column(String(16), default="")  # 男性 / 女性 / その他 or ""
    birth_date: Mapped[dt.date | None]
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(8), default="ja")
    payjp_customer_id: Mapped[str | None] = mapped_column(String(100))  # saved card for 自動決済
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()


Index("ix_patient_clinic_name", Patient.clinic_id, Patient.family_name, Patient.given_name)


class Menu(Base):
    __tablename__ = "menu"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[int] = mapped_column(Integer, default=0)  # 料金 (税込)
    tax_category: Mapped[TaxCategory] = mapped_column(default=TaxCategory.TAXABLE)
    card_payment: Mapped[bool] = mapped_column(Boolean, default=True)  # クレジットカード決済
    lump_sum: Mapped[bool] = mapped_column(Boolean, default=True)  # 決済種別 一括
    payment_timing: Mapped[PaymentTiming] = mapped_column(default=PaymentTiming.POST)
    attachment_required: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")  # 備考
    confirmation_message: Mapped[str] = mapped_column(Text, default="")  # 確認メッセージ
    receipt_purpose: Mapped[str] = mapped_column(String(50), default="")  # 但し書き ("": 「診療代として」)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def allows_post_payment(self) -> bool:
        return self.card_payment and self.payment_timing in (PaymentTiming.POST, PaymentTiming.PRE_AND_POST)

    @property
    def allows_pre_payment(self) -> bool:
        return self.card_payment and self.payment_timing in (PaymentTiming.PRE, PaymentTiming.PRE_AND_POST)


class Reservation(Base):
    __tablename__ = "reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    menu_id: Mapped[int] = mapped_column(ForeignKey("menu.id"))
    starts_at: Mapped[dt.datetime]
    status: Mapped[ReservationStatus] = mapped_column(default=ReservationStatus.RESERVED)
    message: Mapped[str] = mapped_column(Text, default="")  # 伝達事項 from the booking
    attachments: Mapped[str] = mapped_column(Text, default="")  # file names, one per line
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_reservation_clinic_starts", Reservation.clinic_id, Reservation.starts_at)


class BillingRequest(Base):
    """One 請求: a post- or pre-payment request with its personal payment link."""

    __tablename__ = "billing_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservation.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[RequestKind] = mapped_column(default=RequestKind.POST_PAYMENT)
    amount: Mapped[int] = mapped_column(Integer)
    tax_category: Mapped[TaxCategory]
    message: Mapped[str] = mapped_column(Text, default="")  # 伝達事項
    state: Mapped[BillingState] = mapped_column(default=BillingState.REQUESTED)
    # names as they were when requested, so the history list needs no joins
    patient_name: Mapped[str] = mapped_column(String(201), default="")
    patient_given: Mapped[str] = mapped_column(String(100), default="")  # 名, for the name search
    patient_kana: Mapped[str] = mapped_column(String(201), default="")  # フリガナ in katakana, for the name search
    receipt_purpose: Mapped[str] = mapped_column(String(50), default="")  # the menu's 但し書き when billed
    staff_name: Mapped[str] = mapped_column(String(100), default="")
    menu_name: Mapped[str] = mapped_column(String(200), default="")
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    link_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[dt.datetime | None]
    paid_at: Mapped[dt.datetime | None]
    charge_id: Mapped[str | None] = mapped_column(String(64))
    card_brand: Mapped[str | None] = mapped_column(String(32))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)
    last_refunded_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("billing_request.id"))
    last_failure_code: Mapped[str | None] = mapped_column(String(64))
    receipt_addressee: Mapped[str | None] = mapped_column(String(200))
    receipt_issued_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


Index("ix_billing_request_clinic_requested", BillingRequest.clinic_id, BillingRequest.requested_at)
Index("ix_billing_request_reservation", BillingRequest.reservation_id)
Index("ix_billing_request_state", BillingRequest.state)
# 決済管理 on a million rows (migration 0002): name / staff filters, change polling
Index("ix_billing_request_clinic_patient", BillingRequest.clinic_id, BillingRequest.patient_name, BillingRequest.requested_at)
Index("ix_billing_request_clinic_staff", BillingRequest.clinic_id, BillingRequest.staff_id, BillingRequest.requested_at)
Index("ix_billing_request_updated_at", BillingRequest.updated_at)
Index("ix_billing_request_clinic_given", BillingRequest.clinic_id, BillingRequest.patient_given, BillingRequest.requested_at)
Index("ix_billing_request_clinic_kana", BillingRequest.clinic_id, BillingRequest.patient_kana, BillingRequest.requested_at)


class PaymentAttempt(Base):
    """One try to charge a billing request, recorded before PAY.JP is called.

    Its id goes into the charge's metadata, so a lost answer is found by looking the
    charge up instead of charging again.
    """

    __tablename__ = "payment_attempt"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    billing_request_id: Mapped[int] = mapped_column(ForeignKey("billing_request.id"))
    method: Mapped[AttemptMethod]
    status: Mapped[AttemptStatus] = mapped_column(default=AttemptStatus.PENDING)
    amount: Mapped[int] = mapped_column(Integer)
    charge_id: Mapped[str | None] = mapped_column(String(64))
    failure_code: Mapped[str | None] = mapped_column(String(64))  # PAY.JP's own code
    # why it failed, as a message code (``UserError.code``) and its JSON parameters; rendered
    # in the reader's language when shown
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_params: Mapped[str | None] = mapped_column(Text)
    legacy_failure_message: Mapped[str | None] = mapped_column(Text)  # Japanese text of rows before 0004
    card_brand: Mapped[str | None] = mapped_column(String(32))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


Index("ix_payment_attempt_request", PaymentAttempt.billing_request_id)
Index("ix_payment_attempt_status", PaymentAttempt.status)


class Refund(Base):
    """One refund of a paid request, recorded before PAY.JP is called."""

    __tablename__ = "refund"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    billing_request_id: Mapped[int] = mapped_column(ForeignKey("billing_request.id"))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[RefundStatus] = mapped_column(default=RefundStatus.PENDING)
    # charge.amount_refunded we expect once this refund went through (how a lost answer is resolved)
    expected_amount_refunded: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    failure_code: Mapped[str | None] = mapped_column(String(64))  # message code (``UserError.code``)
    error_params: Mapped[str | None] = mapped_column(Text)  # its JSON parameters, if any
    legacy_failure_message: Mapped[str | None] = mapped_column(Text)  # Japanese text of rows before 0004
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


Index("ix_refund_request", Refund.billing_request_id)


class OutboxMail(Base):
    """A mail waiting to be sent, written in the same transaction as what caused it."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    billing_request_id: Mapped[int | None] = mapped_column(ForeignKey("billing_request.id"))
    kind: Mapped[str] = mapped_column(String(32))  # payment_request / receipt / refund / cancel
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(200))
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the whole RFC 5322 message
    status: Mapped[MailStatus] = mapped_column(default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)  # code of the last failure (``MailError.code``)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


Index("ix_outbox_mail_due", OutboxMail.status, OutboxMail.next_attempt_at)


class AuditEvent(Base):
    """Append-only record of who did what, with the state before and after (JSON)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinic.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor: Mapped[str] = mapped_column(String(32))  # staff / patient / system / payjp
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


Index("ix_audit_event_entity", AuditEvent.entity_type, AuditEvent.entity_id)


class WebhookEvent(Base):
    """A PAY.JP event already applied (webhooks arrive late, twice or never)."""

    __tablename__ = "webhook_event"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SetupProgress(Base):
    """How far the clinic's first-run setup has come (it can be left and resumed on any PC)."""

    __tablename__ = "setup_progress"

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), primary_key=True)
    current_step: Mapped[str] = mapped_column(String(32), default="")  # the step shown when resumed
    finished_at: Mapped[dt.datetime | None]  # the wizard was closed with 完了 (UTC)
