"""The billing engine: post-payment requests, patient payments, cancel / re-request, refunds.

Every money action follows the same pattern, because PAY.JP v1 has no idempotency key:

1. In one transaction, move the request with a conditional UPDATE (``... WHERE state =
   'requested'``; exactly one row must change) and record the attempt or refund *before*
   PAY.JP is called. Two PCs, two tabs or a double click cannot both get past this step.
2. Call PAY.JP outside any transaction (the attempt id travels in the charge metadata).
3. Record the answer. If the answer was lost, the attempt is ``unknown`` and is resolved
   by looking the charge up (``reconcile``), never by charging again.

The methods block (database and network): the UI and the checkout server run them in a
worker thread (``services.runner``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desktop.domain.billing import (
    PAID_STATES,
    REFUND_LIMIT_DAYS,
    REFUNDABLE_STATES,
    AttemptMethod,
    AttemptStatus,
    BillingState,
    RefundStatus,
    RequestKind,
    TaxCategory,
    state_after_refund,
)
from desktop.domain.clinic import PaymentMode, ReservationStatus, ReviewStatus
from desktop.domain.errors import (
    NotFoundError,
    OutcomeUnknownError,
    PaymentError,
    ServiceUnavailableError,
    StateError,
    UserError,
    ValidationError,
)
from desktop.domain.formatting import format_yen
from desktop.domain.validation import (
    parse_amount,
    parse_refund_amount,
    validate_email,
    validate_message,
    validate_refund_reason,
)
from desktop.services import audit, links, outbox
from desktop.services import mail_compose as mail
from desktop.services.payjp_gateway import ChargeInfo, PayjpGateway
from desktop.storage.orm import (
    BillingRequest,
    Clinic,
    Menu,
    Patient,
    PaymentAttempt,
    Refund,
    Reservation,
    Staff,
)
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
GatewayFor = Callable[[Clinic], PayjpGateway]

DEFAULT_MESSAGE = "金額が確定しましたので、メール内のリンクから決済をお願い致します"
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
    *extra_where: object,
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


class BillingService:
    """Billing requests and the money actions on them.

    Args:
        db: the database.
        gateway_for: the PAY.JP gateway for a clinic's payment mode.
        composer: renders patient mail.
        clock: current UTC time (tests pass a fixed clock).
        unknown_grace: how long an unanswered call may still be carried out by PAY.JP;
            a lost charge that cannot be found is only declared failed after this.
    """

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

    # ------------------------------------------------------------------ staff: request

    def request_payment(
        self,
        reservation_id: int,
        staff_id: int,
        amount: object,
        tax_category: TaxCategory | str,
        message: str | None = DEFAULT_MESSAGE,
        *,
        kind: RequestKind = RequestKind.POST_PAYMENT,
    ) -> RequestOutcome:
        """後決済請求: record the request and e-mail the patient a personal link.

        With 自動決済 and a saved card, the card is charged at once instead; if that card is
        declined, the patient gets the link by e-mail as usual.
        """
        value = parse_amount(amount)
        category = TaxCategory(tax_category)
        text = validate_message(message)
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            reservation, patient, menu, clinic, staff = self._load_for_request(s, reservation_id, staff_id)
            if reservation.status is ReservationStatus.CANCELLED:
                raise StateError("reservation_cancelled")
            if kind is RequestKind.POST_PAYMENT and not menu.allows_post_payment:
                raise StateError("post_payment_not_allowed")
            if not payment_usable(clinic):
                raise StateError("payment_company_unusable")
            validate_email(patient.email)
            auto = bool(clinic.auto_charge and patient.payjp_customer_id)
            req = self._new_request(s, clinic, reservation, patient, menu, staff, value, category, text, kind, now)
            raw = self._issue_link(req, clinic, now)
            if not auto:
                self._enqueue_request_mail(s, req, clinic, patient, reservation, menu, raw)
            audit.record(
                s, clinic_id=clinic.id, actor="staff", staff_id=staff.id, action="request_created",
                entity_type="billing_request", entity_id=req.id, before=None,
                after={**_snapshot(req), "message": text, "tax_category": category.value, "auto_charge": auto},
            )
            uow.commit()
            request_id = req.id
        if not auto:
            return RequestOutcome(request_id, BillingState.REQUESTED)
        return self._auto_charge(request_id, staff_id, raw)

    def _auto_charge(self, request_id: int, staff_id: int, raw_link: str) -> RequestOutcome:
        try:
            outcome = self.charge_saved_card(request_id, staff_id)
            return RequestOutcome(request_id, outcome.state, auto_charged=True)
        except (PaymentError, ServiceUnavailableError) as exc:
            # The saved card did not work: fall back to the e-mailed link.
            self._send_link_after_failed_auto_charge(request_id, raw_link)
            return RequestOutcome(request_id, BillingState.REQUESTED, auto_charged=False, auto_charge_error=exc)
        except OutcomeUnknownError as exc:
            return RequestOutcome(request_id, BillingState.PROCESSING, auto_charged=True, auto_charge_error=exc)

    def _send_link_after_failed_auto_charge(self, request_id: int, raw_link: str) -> None:
        with self._db.uow() as uow:
            s = uow.session
            req = self._get(s, request_id)
            if req.state is not BillingState.REQUESTED:
                return
            clinic, patient, reservation, menu = self._context(s, req)
            self._enqueue_request_mail(s, req, clinic, patient, reservation, menu, raw_link)
            uow.commit()

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
        self, s: Session, clinic: Clinic, reservation: Reservation, patient: Patient, menu: Menu,
        staff: Staff, amount: int, category: TaxCategory, text: str, kind: RequestKind, now: dt.datetime,
    ) -> BillingRequest:
        req = BillingRequest(
            clinic_id=clinic.id, reservation_id=reservation.id, patient_id=patient.id, staff_id=staff.id,
            kind=kind, amount=amount, tax_category=category, message=text, state=BillingState.REQUESTED,
            patient_name=patient.full_name, staff_name=staff.name, menu_name=menu.name,
            requested_at=now, updated_at=now, refunded_amount=0,
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

    @staticmethod
    def _mail_parties(
        clinic: Clinic, patient: Patient, reservation: Reservation, menu: Menu
    ) -> tuple[mail.Clinic, mail.Patient, mail.Reservation]:
        sex = mail.Sex.parse(patient.sex)
        return (
            mail.Clinic(name=clinic.name, email=clinic.email or None, phone=clinic.phone or None,
                        address=clinic.address or None),
            mail.Patient(name=patient.full_name, email=patient.email or "", sex=sex,
                         phone=patient.phone or None, address=patient.address or None),
            mail.Reservation(menu_name=menu.name, starts_at=reservation.starts_at,
                             attachments=tuple(n for n in reservation.attachments.splitlines() if n.strip())),
        )

    def _envelope(self, clinic: Clinic) -> mail.Envelope:
        sender = clinic.email or "no-reply@clinicpay.invalid"
        domain = sender.rpartition("@")[2] or "clinicpay.invalid"
        return mail.Envelope(from_address=sender, message_id=mail.new_message_id(domain), date=self._clock())

    def _queue(self, s: Session, clinic: Clinic, patient: Patient, req: BillingRequest,
               content: mail.PatientMail) -> None:
        lang = patient.language if patient.language in ("ja", "en") else "ja"
        message = self._composer.compose(content, self._envelope(clinic), lang)
        outbox.enqueue(s, clinic_id=clinic.id, billing_request_id=req.id, kind=mail.mail_kind(content), message=message,
                       now=self._clock())

    def _enqueue_request_mail(
        self, s: Session, req: BillingRequest, clinic: Clinic, patient: Patient,
        reservation: Reservation, menu: Menu, raw_link: str,
    ) -> None:
        c, p, r = self._mail_parties(clinic, patient, reservation, menu)
        assert req.link_expires_at is not None
        content = mail.PaymentRequest(
            clinic=c, patient=p, reservation=r, amount_yen=req.amount,
            tax_category=req.tax_category, message=req.message,
            payment_url=links.payment_url(self.public_base_url(clinic), raw_link),
            link_expires_at=req.link_expires_at,
        )
        self._queue(s, clinic, patient, req, content)

    @staticmethod
    def public_base_url(clinic: Clinic) -> str:
        return clinic.public_base_url or "http://127.0.0.1:8470"

    # ------------------------------------------------------------------ staff: cancel / re-request

    def cancel_request(self, request_id: int, staff_id: int, *, notify_patient: bool = False) -> None:
        """Cancel an unpaid request; its link is refused from this moment."""
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            req = self._get(s, request_id)
            staff = self._staff(s, staff_id, req.clinic_id)
            before = _snapshot(req)
            if not _transition(s, request_id, {BillingState.REQUESTED}, BillingState.CANCELLED,
                               cancelled_at=now, updated_at=now):
                s.refresh(req)
                self._raise_not_cancellable(req)
            s.refresh(req)
            if notify_patient:
                clinic, patient, reservation, menu = self._context(s, req)
                c, p, r = self._mail_parties(clinic, patient, reservation, menu)
                self._queue(s, clinic, patient, req, mail.CancellationNotice(
                    clinic=c, patient=p, reservation=r, amount_yen=req.amount, cancelled_at=now))
            audit.record(s, clinic_id=req.clinic_id, actor="staff", staff_id=staff.id, action="request_cancelled",
                         entity_type="billing_request", entity_id=req.id, before=before, after=_snapshot(req))
            uow.commit()

    @staticmethod
    def _raise_not_cancellable(req: BillingRequest) -> None:
        if req.state is BillingState.PROCESSING:
            raise StateError("request_processing")
        raise StateError("request_not_cancellable", state=STATE_LABELS_JA[req.state])

    def re_request(
        self, request_id: int, staff_id: int, *, amount: object | None = None,
        tax_category: TaxCategory | str | None = None, message: str | None = None,
    ) -> RequestOutcome:
        """後決済取消後の再請求: cancel the old request (if still open) and send a new one.

        The old link stops working; the new request has its own link and e-mail.
        """
        with self._db.uow(readonly=True) as uow:
            old = self._get(uow.session, request_id)
            values = (old.reservation_id, old.amount, old.tax_category, old.message, old.state)
        reservation_id, old_amount, old_tax, old_message, old_state = values
        if old_state not in (BillingState.REQUESTED, BillingState.CANCELLED, BillingState.EXPIRED):
            if old_state is BillingState.PROCESSING:
                raise StateError("request_processing")
            raise StateError("request_not_cancellable", state=STATE_LABELS_JA[old_state])
        # Validate the new values before touching the old request: bad input changes nothing.
        new_amount = parse_amount(old_amount if amount is None else amount)
        new_tax = TaxCategory(tax_category or old_tax)
        new_message = validate_message(old_message if message is None else message)
        if old_state is BillingState.REQUESTED:
            self.cancel_request(request_id, staff_id)
        outcome = self.request_payment(reservation_id, staff_id, new_amount, new_tax, new_message)
        with self._db.uow() as uow:
            uow.session.execute(
                update(BillingRequest).where(BillingRequest.id == request_id)
                .values(replaced_by_id=outcome.request_id)
            )
            uow.commit()
        return outcome

    def expire_overdue(self) -> int:
        """Mark requests whose link expired as 期限切れ. Returns how many changed."""
        now = self._clock()
        with self._db.uow() as uow:
            result = uow.session.execute(
                update(BillingRequest)
                .where(BillingRequest.state == BillingState.REQUESTED, BillingRequest.link_expires_at < now)
                .values(state=BillingState.EXPIRED, updated_at=now)
            )
            uow.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ patient: the link

    def open_link(self, raw_token: str) -> LinkView:
        """What a link shows. Read only: mail scanners open links before patients do."""
        if not links.looks_like_token(raw_token):
            return LinkView(status=LinkStatus.UNKNOWN)
        digest = links.hash_link_token(raw_token)
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            req = s.scalar(select(BillingRequest).where(BillingRequest.link_token_hash == digest))
            if req is None:
                return LinkView(status=LinkStatus.UNKNOWN)
            clinic, patient, reservation, menu = self._context(s, req)
            pending_charge = None
            if req.state is BillingState.PROCESSING:
                pending_charge = s.scalar(
                    select(PaymentAttempt.charge_id).where(
                        PaymentAttempt.billing_request_id == req.id,
                        PaymentAttempt.status == AttemptStatus.THREE_D_SECURE,
                    ).order_by(PaymentAttempt.started_at.desc()).limit(1)
                )
            return LinkView(
                status=self._link_status(req),
                request_id=req.id, clinic_id=clinic.id, clinic_name=clinic.name, clinic_phone=clinic.phone,
                patient_name=patient.full_name, patient_email=patient.email or "",
                patient_language=patient.language, menu_name=menu.name,
                reservation_starts_at=reservation.starts_at, amount=req.amount, tax_category=req.tax_category,
                message=req.message, expires_at=req.link_expires_at, paid_at=req.paid_at,
                refunded_amount=req.refunded_amount, card_brand=req.card_brand, card_last4=req.card_last4,
                tenant_id=clinic.payjp_tenant_id, public_key=clinic.payjp_public_key,
                pending_charge_id=pending_charge,
            )

    def _link_status(self, req: BillingRequest) -> str:
        if req.state in PAID_STATES:
            return LinkStatus.PAID
        if req.state is BillingState.CANCELLED:
            return LinkStatus.CANCELLED
        if req.state is BillingState.EXPIRED:
            return LinkStatus.EXPIRED
        if req.state is BillingState.PROCESSING:
            return LinkStatus.PROCESSING
        if req.link_expires_at is not None and req.link_expires_at <= self._clock():
            return LinkStatus.EXPIRED
        return LinkStatus.PAYABLE

    @staticmethod
    def _link_error(status: str) -> UserError:
        return {
            LinkStatus.PAID: StateError("link_paid"),
            LinkStatus.CANCELLED: StateError("link_cancelled"),
            LinkStatus.EXPIRED: StateError("link_expired"),
            LinkStatus.PROCESSING: StateError("request_processing"),
        }.get(status, StateError("link_unknown"))

    def pay_with_token(self, raw_token: str, card_token: str, *, three_d_secure: bool = False) -> PaymentOutcome:
        """The patient pressed 支払う: charge the card token for the link's request.

        Raises ``PaymentError`` with PAY.JP's reason when the card is declined (the request
        stays payable), ``StateError`` for a paid / cancelled / expired / unknown link.
        """
        view = self.open_link(raw_token)
        if view.status != LinkStatus.PAYABLE or view.request_id is None:
            raise self._link_error(view.status)
        if not card_token or not card_token.startswith("tok_") or len(card_token) > 64:
            raise PaymentError("incorrect_card_data", payjp_code="invalid_token")
        attempt_id = self._begin_attempt(view.request_id, AttemptMethod.CARD_TOKEN, staff_id=None, link_only=True)
        return self._charge(attempt_id, card=card_token, three_d_secure=three_d_secure)

    def charge_saved_card(self, request_id: int, staff_id: int | None) -> PaymentOutcome:
        """自動決済: charge the patient's saved card for an open request."""
        with self._db.uow(readonly=True) as uow:
            req = self._get(uow.session, request_id)
            patient = uow.session.get(Patient, req.patient_id)
            assert patient is not None
            customer = patient.payjp_customer_id
        if not customer:
            raise PaymentError("saved_card_missing", payjp_code="missing_card")
        attempt_id = self._begin_attempt(request_id, AttemptMethod.SAVED_CARD, staff_id=staff_id)
        return self._charge(attempt_id, customer=customer)

    def _begin_attempt(self, request_id: int, method: AttemptMethod, *, staff_id: int | None,
                       link_only: bool = False) -> str:
        """Step 1: REQUESTED → PROCESSING and the attempt row, in one transaction."""
        now = self._clock()
        attempt_id = "att_" + secrets.token_hex(12)
        with self._db.uow() as uow:
            s = uow.session
            req = self._get(s, request_id)
            before = _snapshot(req)
            moved = _transition(
                s, request_id, {BillingState.REQUESTED}, BillingState.PROCESSING,
                (BillingRequest.link_expires_at.is_(None)) | (BillingRequest.link_expires_at > now),
                updated_at=now,
            )
            if not moved:
                s.refresh(req)
                raise self._link_error(self._link_status(req))
            s.add(PaymentAttempt(id=attempt_id, billing_request_id=request_id, method=method,
                                 status=AttemptStatus.PENDING, amount=req.amount, staff_id=staff_id,
                                 started_at=now))
            audit.record(s, clinic_id=req.clinic_id, actor="patient" if link_only else "staff", staff_id=staff_id,
                         action="payment_started", entity_type="billing_request", entity_id=request_id,
                         before=before, after={**before, "state": BillingState.PROCESSING.value,
                                               "attempt": attempt_id, "method": method.value})
            uow.commit()
        return attempt_id

    def _charge(self, attempt_id: str, *, card: str | None = None, customer: str | None = None,
                three_d_secure: bool = False) -> PaymentOutcome:
        """Step 2 and 3: call PAY.JP, then record what it answered."""
        with self._db.uow(readonly=True) as uow:
            attempt = uow.session.get(PaymentAttempt, attempt_id)
            assert attempt is not None
            req = self._get(uow.session, attempt.billing_request_id)
            clinic = uow.session.get(Clinic, req.clinic_id)
            assert clinic is not None
            gateway = self._gateway_for(clinic)
            tenant, amount, request_id = clinic.payjp_tenant_id, attempt.amount, req.id
            description = f"{clinic.name} {req.menu_name}"
        try:
            charge = gateway.create_charge(
                amount=amount, attempt_id=attempt_id, request_id=request_id, card=card, customer=customer,
                tenant=tenant, description=description, three_d_secure=three_d_secure,
            )
        except OutcomeUnknownError:
            self._mark_attempt(attempt_id, AttemptStatus.UNKNOWN)
            resolved = self.reconcile_attempt(attempt_id)
            if resolved is None:
                raise
            return resolved
        except UserError as exc:
            self._fail_attempt(attempt_id, exc)
            raise
        return self._apply_charge(attempt_id, charge)

    def _apply_charge(self, attempt_id: str, charge: ChargeInfo) -> PaymentOutcome:
        """Record a charge PAY.JP reported for ``attempt_id`` (from its answer or a look-up)."""
        if charge.paid:
            return self._succeed_attempt(attempt_id, charge)
        if charge.awaiting_three_d_secure:
            with self._db.uow() as uow:
                s = uow.session
                attempt = s.get(PaymentAttempt, attempt_id)
                assert attempt is not None
                s.execute(update(PaymentAttempt).where(
                    PaymentAttempt.id == attempt_id,
                    PaymentAttempt.status.in_([AttemptStatus.PENDING, AttemptStatus.UNKNOWN]),
                ).values(status=AttemptStatus.THREE_D_SECURE, charge_id=charge.id,
                         card_brand=charge.card_brand, card_last4=charge.card_last4))
                uow.commit()
                request_id = attempt.billing_request_id
            return PaymentOutcome(request_id, attempt_id, BillingState.PROCESSING, charge.id,
                                  requires_three_d_secure=True)
        code = charge.failure_code or "card_declined"
        error = PaymentError(code if code in _KNOWN_CARD_CODES else "card_declined", payjp_code=code)
        self._fail_attempt(attempt_id, error, charge_id=charge.id)
        raise error

    def _succeed_attempt(self, attempt_id: str, charge: ChargeInfo) -> PaymentOutcome:
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            attempt = s.get(PaymentAttempt, attempt_id)
            assert attempt is not None
            req = self._get(s, attempt.billing_request_id)
            if attempt.status is AttemptStatus.SUCCEEDED:
                return PaymentOutcome(req.id, attempt_id, req.state, attempt.charge_id)
            before = _snapshot(req)
            s.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt_id).values(
                status=AttemptStatus.SUCCEEDED, charge_id=charge.id, card_brand=charge.card_brand,
                card_last4=charge.card_last4, finished_at=now, failure_code=None, failure_message=None))
            moved = _transition(
                s, req.id, {BillingState.PROCESSING}, BillingState.PAID,
                paid_at=now, charge_id=charge.id, card_brand=charge.card_brand, card_last4=charge.card_last4,
                last_failure_code=None, updated_at=now,
            )
            if not moved:
                # Paid twice (e.g. a charge that committed after its answer was lost and the
                # patient had already paid again): keep the record, staff refund the extra one.
                log.error("charge %s for request %s arrived while it was %s", charge.id, req.id, req.state.value)
                audit.record(s, clinic_id=req.clinic_id, actor="payjp", action="duplicate_charge",
                             entity_type="billing_request", entity_id=req.id, before=before,
                             after={**before, "duplicate_charge_id": charge.id})
                uow.commit()
                raise StateError("link_paid")
            s.refresh(req)
            clinic, patient, reservation, menu = self._context(s, req)
            if patient.email:
                c, p, r = self._mail_parties(clinic, patient, reservation, menu)
                self._queue(s, clinic, patient, req, mail.Receipt(
                    clinic=c, patient=p, reservation=r, amount_yen=req.amount,
                    tax_category=req.tax_category, paid_at=now,
                    card_brand=charge.card_brand or "", card_last4=charge.card_last4 or "0000",
                    receipt_url=None))
            audit.record(s, clinic_id=req.clinic_id, actor="payjp", staff_id=attempt.staff_id,
                         action="payment_succeeded", entity_type="billing_request", entity_id=req.id,
                         before=before, after={**_snapshot(req), "attempt": attempt_id})
            uow.commit()
            return PaymentOutcome(req.id, attempt_id, BillingState.PAID, charge.id)

    def _fail_attempt(self, attempt_id: str, error: UserError, *, charge_id: str | None = None) -> None:
        now = self._clock()
        code = error.payjp_code if isinstance(error, PaymentError) else error.code
        with self._db.uow() as uow:
            s = uow.session
            attempt = s.get(PaymentAttempt, attempt_id)
            assert attempt is not None
            if attempt.status in (AttemptStatus.SUCCEEDED, AttemptStatus.FAILED):
                return
            req = self._get(s, attempt.billing_request_id)
            before = _snapshot(req)
            s.execute(update(PaymentAttempt).where(PaymentAttempt.id == attempt_id).values(
                status=AttemptStatus.FAILED, failure_code=code, failure_message=error.message("ja"),
                charge_id=charge_id or attempt.charge_id, finished_at=now))
            _transition(s, req.id, {BillingState.PROCESSING}, BillingState.REQUESTED,
                        last_failure_code=code, updated_at=now)
            s.refresh(req)
            audit.record(s, clinic_id=req.clinic_id, actor="payjp", staff_id=attempt.staff_id,
                         action="payment_failed", entity_type="billing_request", entity_id=req.id,
                         before=before, after={**_snapshot(req), "attempt": attempt_id, "failure_code": code})
            uow.commit()

    def _mark_attempt(self, attempt_id: str, status: AttemptStatus) -> None:
        with self._db.uow() as uow:
            uow.session.execute(update(PaymentAttempt).where(
                PaymentAttempt.id == attempt_id,
                PaymentAttempt.status.in_([AttemptStatus.PENDING, AttemptStatus.UNKNOWN]),
            ).values(status=status))
            uow.commit()

    def finish_three_d_secure(self, raw_token: str) -> PaymentOutcome:
        """The cardholder finished 3-D Secure: complete the pending charge (tds_finish)."""
        if not links.looks_like_token(raw_token):
            raise StateError("link_unknown")
        digest = links.hash_link_token(raw_token)
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            req = s.scalar(select(BillingRequest).where(BillingRequest.link_token_hash == digest))
            if req is None:
                raise StateError("link_unknown")
            attempts = s.scalars(select(PaymentAttempt).where(PaymentAttempt.billing_request_id == req.id)).all()
            succeeded = next((a for a in attempts if a.status is AttemptStatus.SUCCEEDED), None)
            if req.state in PAID_STATES and succeeded is not None:
                return PaymentOutcome(req.id, succeeded.id, req.state, succeeded.charge_id)
            attempt = next((a for a in attempts if a.status is AttemptStatus.THREE_D_SECURE and a.charge_id), None)
            if attempt is None or not attempt.charge_id:
                raise self._link_error(self._link_status(req))
            clinic = s.get(Clinic, req.clinic_id)
            assert clinic is not None
            gateway = self._gateway_for(clinic)
            attempt_id, charge_id = attempt.id, attempt.charge_id
        try:
            charge = gateway.finish_three_d_secure(charge_id)
        except OutcomeUnknownError:
            charge = gateway.retrieve_charge(charge_id)
        except UserError as exc:
            # Already finished by an earlier call whose answer we lost? Ask PAY.JP.
            try:
                charge = gateway.retrieve_charge(charge_id)
            except UserError:
                raise exc from None
            if not charge.paid:
                self._fail_attempt(attempt_id, exc, charge_id=charge_id)
                raise exc from None
        if not charge.paid and charge.three_d_secure_status in ("failed", "error"):
            error = PaymentError("three_d_secure_failed", payjp_code="three_d_secure_failed")
            self._fail_attempt(attempt_id, error, charge_id=charge_id)
            raise error
        return self._apply_charge(attempt_id, charge)

    # ------------------------------------------------------------------ reconciliation

    def reconcile_attempt(self, attempt_id: str) -> PaymentOutcome | None:
        """Find out what happened to an attempt whose answer was lost.

        Looks the charge up by the attempt id in its metadata. Returns the outcome, or None
        while it cannot be known yet (PAY.JP unreachable, or still inside the grace period).
        A declined charge raises ``PaymentError`` as the original call would have.
        """
        with self._db.uow(readonly=True) as uow:
            attempt = uow.session.get(PaymentAttempt, attempt_id)
            if attempt is None:
                raise NotFoundError()
            req = self._get(uow.session, attempt.billing_request_id)
            clinic = uow.session.get(Clinic, req.clinic_id)
            assert clinic is not None
            gateway = self._gateway_for(clinic)
            started, tenant, status, charge_id = attempt.started_at, clinic.payjp_tenant_id, attempt.status, attempt.charge_id
        if status in (AttemptStatus.SUCCEEDED, AttemptStatus.FAILED):
            return None
        try:
            if charge_id:
                charge: ChargeInfo | None = gateway.retrieve_charge(charge_id)
            else:
                since = int(started.timestamp()) - 300
                charge = gateway.find_charge_by_attempt(attempt_id, since=since, tenant=tenant)
        except UserError as exc:
            log.info("attempt %s: look-up failed (%s); will retry", attempt_id, exc.code)
            return None
        now = self._clock()
        if charge is None:
            if now - started < self._unknown_grace:
                return None  # PAY.JP may still carry it out; don't let the patient pay twice yet
            self._fail_attempt(attempt_id, ServiceUnavailableError("payjp_unavailable"))
            return None
        if charge.awaiting_three_d_secure and now - started > THREE_D_SECURE_TIMEOUT:
            self._fail_attempt(attempt_id, PaymentError("three_d_secure_failed", payjp_code="three_d_secure_expired"),
                               charge_id=charge.id)
            return None
        return self._apply_charge(attempt_id, charge)

    def reconcile_pending(self) -> int:
        """Resolve every attempt and refund left unknown (lost answers, crashes, abandoned 3-D Secure)."""
        now = self._clock()
        with self._db.uow(readonly=True) as uow:
            attempt_ids = uow.session.scalars(select(PaymentAttempt.id).where(
                (PaymentAttempt.status == AttemptStatus.UNKNOWN)
                | ((PaymentAttempt.status == AttemptStatus.PENDING) & (PaymentAttempt.started_at < now - self._unknown_grace))
                | ((PaymentAttempt.status == AttemptStatus.THREE_D_SECURE)
                   & (PaymentAttempt.started_at < now - THREE_D_SECURE_TIMEOUT))
            )).all()
            refund_ids = uow.session.scalars(select(Refund.id).where(
                (Refund.status == RefundStatus.UNKNOWN)
                | ((Refund.status == RefundStatus.PENDING) & (Refund.created_at < now - self._unknown_grace))
            )).all()
        resolved = 0
        for attempt_id in attempt_ids:
            try:
                if self.reconcile_attempt(attempt_id) is not None:
                    resolved += 1
            except UserError:
                resolved += 1  # resolved as declined
        for refund_id in refund_ids:
            try:
                if self.reconcile_refund(refund_id) is not None:
                    resolved += 1
            except UserError:
                resolved += 1
        return resolved

    # ------------------------------------------------------------------ staff: refunds

    def refund(self, request_id: int, staff_id: int, amount: object | None = None, reason: str | None = "") -> RefundOutcome:
        """返金する: refund all that is left (``amount=None``) or part of it."""
        text = validate_refund_reason(reason)
        now = self._clock()
        refund_id = "ref_" + secrets.token_hex(12)
        with self._db.uow() as uow:
            s = uow.session
            req = self._get(s, request_id)
            staff = self._staff(s, staff_id, req.clinic_id)
            if req.state is BillingState.REFUNDING:
                raise StateError("refund_in_progress")
            if req.state not in REFUNDABLE_STATES or not req.charge_id or req.paid_at is None:
                raise StateError("request_not_refundable", state=STATE_LABELS_JA[req.state])
            if now - req.paid_at > dt.timedelta(days=REFUND_LIMIT_DAYS):
                raise StateError("refund_limit_exceeded")
            remaining = req.amount - req.refunded_amount
            value = remaining if amount is None else parse_refund_amount(amount, remaining, format_yen(remaining))
            before = _snapshot(req)
            moved = _transition(
                s, request_id, REFUNDABLE_STATES, BillingState.REFUNDING,
                BillingRequest.refunded_amount == req.refunded_amount, updated_at=now,
            )
            if not moved:
                raise StateError("refund_in_progress")
            s.add(Refund(id=refund_id, billing_request_id=request_id, amount=value, reason=text,
                         status=RefundStatus.PENDING, expected_amount_refunded=req.refunded_amount + value,
                         staff_id=staff.id, created_at=now))
            audit.record(s, clinic_id=req.clinic_id, actor="staff", staff_id=staff.id, action="refund_started",
                         entity_type="billing_request", entity_id=request_id, before=before,
                         after={**before, "state": BillingState.REFUNDING.value, "refund": refund_id,
                                "refund_amount": value, "reason": text})
            uow.commit()
            clinic = s.get(Clinic, req.clinic_id)
            assert clinic is not None
            gateway = self._gateway_for(clinic)
            charge_id = req.charge_id
        try:
            charge = gateway.refund_charge(charge_id, amount=value, reason=text)
        except OutcomeUnknownError:
            self._mark_refund_unknown(refund_id)
            resolved = self.reconcile_refund(refund_id)
            if resolved is None:
                raise
            return resolved
        except UserError as exc:
            self._fail_refund(refund_id, exc)
            raise
        return self._apply_refund(refund_id, charge)

    def _apply_refund(self, refund_id: str, charge: ChargeInfo) -> RefundOutcome:
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            refund = s.get(Refund, refund_id)
            assert refund is not None
            req = self._get(s, refund.billing_request_id)
            if refund.status is RefundStatus.SUCCEEDED:
                return RefundOutcome(req.id, refund_id, refund.amount, req.refunded_amount, req.state)
            before = _snapshot(req)
            total = min(charge.amount_refunded, req.amount)
            target = state_after_refund(req.amount, total)
            s.execute(update(Refund).where(Refund.id == refund_id).values(status=RefundStatus.SUCCEEDED, finished_at=now))
            _transition(s, req.id, {BillingState.REFUNDING}, target, refunded_amount=total,
                        last_refunded_at=now, updated_at=now)
            s.refresh(req)
            clinic, patient, reservation, menu = self._context(s, req)
            if patient.email:
                c, p, r = self._mail_parties(clinic, patient, reservation, menu)
                self._queue(s, clinic, patient, req, mail.RefundNotice(
                    clinic=c, patient=p, reservation=r, refunded_yen=refund.amount,
                    remaining_yen=req.amount - total, refunded_at=now))
            audit.record(s, clinic_id=req.clinic_id, actor="payjp", staff_id=refund.staff_id,
                         action="refund_succeeded", entity_type="billing_request", entity_id=req.id,
                         before=before, after={**_snapshot(req), "refund": refund_id, "refund_amount": refund.amount})
            uow.commit()
            return RefundOutcome(req.id, refund_id, refund.amount, total, target)

    def _fail_refund(self, refund_id: str, error: UserError) -> None:
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            refund = s.get(Refund, refund_id)
            assert refund is not None
            if refund.status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
                return
            req = self._get(s, refund.billing_request_id)
            before = _snapshot(req)
            s.execute(update(Refund).where(Refund.id == refund_id).values(
                status=RefundStatus.FAILED, failure_code=error.code, failure_message=error.message("ja"),
                finished_at=now))
            _transition(s, req.id, {BillingState.REFUNDING}, state_after_refund(req.amount, req.refunded_amount),
                        updated_at=now)
            s.refresh(req)
            audit.record(s, clinic_id=req.clinic_id, actor="payjp", staff_id=refund.staff_id, action="refund_failed",
                         entity_type="billing_request", entity_id=req.id, before=before,
                         after={**_snapshot(req), "refund": refund_id, "failure_code": error.code})
            uow.commit()

    def _mark_refund_unknown(self, refund_id: str) -> None:
        with self._db.uow() as uow:
            uow.session.execute(update(Refund).where(Refund.id == refund_id, Refund.status == RefundStatus.PENDING)
                                .values(status=RefundStatus.UNKNOWN))
            uow.commit()

    def reconcile_refund(self, refund_id: str) -> RefundOutcome | None:
        """Resolve a refund whose answer was lost by reading the charge's amount_refunded."""
        with self._db.uow(readonly=True) as uow:
            refund = uow.session.get(Refund, refund_id)
            if refund is None:
                raise NotFoundError()
            req = self._get(uow.session, refund.billing_request_id)
            clinic = uow.session.get(Clinic, req.clinic_id)
            assert clinic is not None and req.charge_id
            gateway = self._gateway_for(clinic)
            status, expected, created, charge_id = refund.status, refund.expected_amount_refunded, refund.created_at, req.charge_id
        if status in (RefundStatus.SUCCEEDED, RefundStatus.FAILED):
            return None
        try:
            charge = gateway.retrieve_charge(charge_id)
        except UserError as exc:
            log.info("refund %s: look-up failed (%s); will retry", refund_id, exc.code)
            return None
        if charge.amount_refunded >= expected:
            return self._apply_refund(refund_id, charge)
        if self._clock() - created < self._unknown_grace:
            return None
        self._fail_refund(refund_id, ServiceUnavailableError("payjp_unavailable"))
        return None

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
    "card_declined", "expired_card", "incorrect_card_data", "invalid_cvc", "processing_error",
    "unacceptable_brand", "card_flagged",
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
