"""Tables of ClinicPay, mapped with SQLAlchemy 2's typed ORM.

Money is integer yen. Every timestamp is stored in UTC (``UTCDateTime``) and shown in
Asia/Tokyo by the UI. Enum columns store the enum's value as a short string so both
SQLite and PostgreSQL hold the same text.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, TypeVar

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy import TypeDecorator, UniqueConstraint, text, true
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desktop.domain.clinic import CareType, MailStatus, MenuPaymentRules, PaymentMode, PaymentTiming, ReservationStatus
from desktop.domain.clinic import ReviewStatus, StaffRole
from desktop.domain.billing import AttemptMethod, AttemptStatus, BillingState, RefundStatus, RequestKind, TaxCategory

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
    # refunds above this many yen need a second 管理者 (0 = never); minutes to auto-lock / account lockout
    refund_approval_threshold: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    auto_lock_minutes: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    lockout_minutes: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # 自動決済 charges a saved card only up to this many yen (tax included); above it a link is sent
    auto_charge_cap: Mapped[int] = mapped_column(Integer, default=100_000, server_default="100000")
    # a reminder mail this many days before an unpaid link expires (migration 0013)
    reminder_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    reminder_days_before: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[StaffRole] = mapped_column(default=StaffRole.STAFF)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id, PHC string
    pin_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id of the 4–8 digit PIN
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]


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


class Menu(MenuPaymentRules, Base):
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
# one open (unpaid) request per visit (migration 0010): two PCs cannot both leave a payable link
OPEN_REQUEST_INDEX = "uq_billing_request_open_reservation"
_OPEN_STATES = text("state IN ('requested', 'processing')")
Index(OPEN_REQUEST_INDEX, BillingRequest.reservation_id, unique=True,
      sqlite_where=_OPEN_STATES, postgresql_where=_OPEN_STATES)


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
    # as PAY.JP reported them on the charge when it succeeded (None: not reported; 日次締め then estimates)
    payjp_fee_rate: Mapped[str | None] = mapped_column(String(8))  # percent, "3.00"
    platform_fee: Mapped[int | None] = mapped_column(Integer)  # total_platform_fee, whole yen


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
Index("ix_audit_event_clinic_at", AuditEvent.clinic_id, AuditEvent.at)


class RefundApproval(Base):
    """A refund above the clinic's threshold waiting for a second 管理者 (承認待ち).

    ``status``: ``pending`` → ``approved`` (its refund then runs; ``refund_id``) or ``withdrawn``.
    Amounts in whole yen.
    """

    __tablename__ = "refund_approval"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    billing_request_id: Mapped[int] = mapped_column(ForeignKey("billing_request.id"))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(32), default="pending")
    requested_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    refund_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]


Index("ix_refund_approval_clinic_status", RefundApproval.clinic_id, RefundApproval.status)


class SavedCard(Base):
    """The card a patient saved for 自動決済 on the checkout page, with their consent.

    Only what PAY.JP returns about the card is kept (brand, last 4, expiry); the card itself
    lives at PAY.JP as ``card_id`` of customer ``customer_id``. ``consent_version`` names the
    consent text the patient ticked (``desktop.services.billing.saved_cards.CONSENT_VERSION``),
    ``consent_request_id`` the billing request whose link they paid. Times in UTC.
    """

    __tablename__ = "saved_card"
    __table_args__ = (UniqueConstraint("patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    customer_id: Mapped[str] = mapped_column(String(100))
    card_id: Mapped[str] = mapped_column(String(100))
    brand: Mapped[str] = mapped_column(String(40))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[dt.datetime]
    consent_at: Mapped[dt.datetime]
    consent_version: Mapped[str] = mapped_column(String(20))
    consent_request_id: Mapped[int | None] = mapped_column(ForeignKey("billing_request.id"))


class DailyClose(Base):
    """A closed day (日次締め): its figures as they were when closed, never changed afterwards.

    ``day`` is the date in Japan time; ``figures`` the JSON of ``DayFigures`` (whole yen).
    """

    __tablename__ = "daily_close"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    day: Mapped[dt.date]
    closed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    closed_by_name: Mapped[str] = mapped_column(String(100), default="")
    figures: Mapped[str] = mapped_column(Text)


Index("uq_daily_close_clinic_day", DailyClose.clinic_id, DailyClose.day, unique=True)


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


class LiveCheck(Base):
    """One 接続チェック: a ¥50 テスト request paid through the public URL, and what it showed."""

    __tablename__ = "live_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    billing_request_id: Mapped[int | None] = mapped_column(ForeignKey("billing_request.id"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    page_scheme: Mapped[str | None] = mapped_column(String(8))  # as the pay page was served
    page_seen_at: Mapped[dt.datetime | None]
    receipt_seen_at: Mapped[dt.datetime | None]
    webhook_ok_at: Mapped[dt.datetime | None]  # an event about the charge, right token
    webhook_refused_at: Mapped[dt.datetime | None]  # a webhook call with a wrong token
    checked_at: Mapped[dt.datetime | None]  # the result was last looked at
    finished_at: Mapped[dt.datetime | None]  # passed (the check is closed)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    results: Mapped[str | None] = mapped_column(Text)  # JSON rows {step, code, params}


Index("ix_live_check_clinic_started", LiveCheck.clinic_id, LiveCheck.started_at)


class CspReport(Base):
    """CSP violations reported by browsers: directive, blocked origin, page route; counted, no personal data."""

    __tablename__ = "csp_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive: Mapped[str] = mapped_column(String(40))
    blocked: Mapped[str] = mapped_column(String(200))
    page: Mapped[str] = mapped_column(String(200))
    report_only: Mapped[bool] = mapped_column(Boolean, default=False)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_csp_report_key", CspReport.directive, CspReport.blocked, CspReport.page, CspReport.report_only,
      unique=True)


class KeyProof(Base):
    """The live key-pair proof in progress: a page where the 管理者 tokenises their own card with the
    live public key; the token id is kept only until the app has read it back (then the row goes)."""

    __tablename__ = "key_proof"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random, in the page's URL
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    public_key: Mapped[str] = mapped_column(String(100))
    script_url: Mapped[str] = mapped_column(String(300))
    api_origin: Mapped[str] = mapped_column(String(300))
    token_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReconciliationCursor(Base):
    """Where the clinic's reconciliation with PAY.JP stands (one row per clinic).

    A run pulls the charges created in [``since``, ``until``] (unix seconds, UTC) newest first,
    ``position`` charges done (the list offset); ``position`` is advanced only after a page is processed, so a run cut
    short resumes on the page it was on. ``run_id`` is None when no run is in progress.
    """

    __tablename__ = "reconciliation_cursor"

    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), primary_key=True)
    run_id: Mapped[str | None] = mapped_column(String(40))
    since: Mapped[int | None] = mapped_column(Integer)
    until: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # charges done (the list offset)
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]  # the running PC's last page (UTC); a stale one is taken over
    last_finished_at: Mapped[dt.datetime | None]
    last_charges: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # charges compared


class ReconciliationDifference(Base):
    """A difference between PAY.JP and ClinicPay found by reconciliation: a code and JSON parameters.

    One row per (clinic, charge, kind). Open while ``resolved_at`` is None; closed when a later
    run finds it no longer differs (``resolved_by`` None) or a 管理者・経理 marks it 確認済み.
    """

    __tablename__ = "reconciliation_difference"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    charge_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    billing_request_id: Mapped[int | None] = mapped_column(ForeignKey("billing_request.id"))
    params: Mapped[str] = mapped_column(Text)  # JSON: amounts in whole yen, card brand/last 4, created (unix s)
    found_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


Index("uq_reconciliation_difference_charge_kind", ReconciliationDifference.clinic_id,
      ReconciliationDifference.charge_id, ReconciliationDifference.kind, unique=True)
Index("ix_reconciliation_difference_open", ReconciliationDifference.clinic_id, ReconciliationDifference.resolved_at)


class PaymentReminder(Base):
    """The one reminder of a billing request (its primary key: a second one cannot be inserted).

    ``manual``: sent by hand from 決済管理 (``staff_id``) rather than by the daily schedule. The
    reminder mail carries a link of its own (``link_token_hash``, SHA-256); the first link works too.
    """

    __tablename__ = "payment_reminder"

    billing_request_id: Mapped[int] = mapped_column(ForeignKey("billing_request.id"), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    manual: Mapped[bool] = mapped_column(Boolean)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    link_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    sent_at: Mapped[dt.datetime]
