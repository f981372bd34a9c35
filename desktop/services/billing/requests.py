"""Staff requests: 後決済請求 / 事前決済, cancel, re-request, link expiry."""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from desktop.domain.billing import BillingState, RequestKind, TaxCategory
from desktop.domain.clinic import ReservationStatus
from desktop.domain.errors import (
    NotFoundError,
    OutcomeUnknownError,
    PaymentError,
    ServiceUnavailableError,
    StateError,
)
from desktop.domain.money import Yen, parse_charge_yen
from desktop.domain.names import normalize_name, to_katakana
from desktop.domain.validation import validate_email, validate_message
from desktop.services.billing.common import (
    DEFAULT_MESSAGE,
    PRE_PAYMENT_MESSAGE,
    Clock,
    RequestOutcome,
    issue_link,
    payment_block,
)
from desktop.services.billing.notifier import PatientNotifier
from desktop.services.billing.payments import PaymentService
from desktop.storage.orm import BillingRequest, Clinic, Menu, Patient, Reservation, Staff
from desktop.storage.repositories import Audit, BillingRepositories, BillingRequestRepository, snapshot
from desktop.storage.unit_of_work import Database


def _staff_of(s: Session, staff_id: int, clinic_id: int) -> Staff:
    staff = s.get(Staff, staff_id)
    if staff is None or staff.clinic_id != clinic_id:
        raise NotFoundError()
    return staff


def not_cancellable(req: BillingRequest) -> StateError:
    """Why ``req`` cannot be cancelled (its state travels as a code, rendered when shown)."""
    if req.state is BillingState.PROCESSING:
        return StateError("request_processing")
    return StateError("request_not_cancellable", state=req.state)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RequestService:
    """後決済請求 and its follow-ups: send, cancel, re-request, expire.

    Args:
        db: the database.
        payments: charges the saved card when 自動決済 applies.
        notifier: mails the patient.
        clock: current UTC time.
    """

    db: Database
    payments: PaymentService
    notifier: PatientNotifier
    clock: Clock
    def request_payment(
        self,
        reservation_id: int,
        staff_id: int,
        amount: Yen,
        tax_category: TaxCategory,
        message: str | None = DEFAULT_MESSAGE,
        *,
        kind: RequestKind = RequestKind.POST_PAYMENT,
    ) -> RequestOutcome:
        """後決済請求: record the request and e-mail the patient a personal link.

        With 自動決済 and a saved card, the card is charged at once instead; if that card is
        declined, the patient gets a link by e-mail as usual.

        Args:
            reservation_id: the reservation billed.
            staff_id: who sends it (of the reservation's clinic).
            amount: whole yen, tax included, within PAY.JP's limits (50–9,999,999).
            tax_category: 課税 or 非課税.
            message: 伝達事項 for the patient (at most 1,000 characters).
            kind: post- or pre-payment.

        Returns:
            The new request's id and state (PAID / PROCESSING when 自動決済 charged it).

        Raises:
            ValidationError: amount out of range, message too long, patient e-mail missing or invalid.
            StateError: reservation cancelled, menu does not allow this kind, payments not usable.
            NotFoundError: unknown reservation, or staff of another clinic.
        """
        value = parse_charge_yen(amount)
        text = validate_message(message)
        with self.db.uow() as uow:
            req, auto = self._create(uow.session, reservation_id, staff_id, value, tax_category, text, kind)
            uow.commit()
            request_id = req.id
        return self._after_create(request_id, staff_id, auto)

    def request_pre_payment(self, reservation_id: int, staff_id: int) -> RequestOutcome:
        """事前決済: request the menu's price for a reservation (link by mail, or 自動決済).

        Raises: as ``request_payment``.
        """
        with self.db.uow(readonly=True) as uow:
            reservation = uow.session.get(Reservation, reservation_id)
            if reservation is None:
                raise NotFoundError()
            menu = uow.session.get(Menu, reservation.menu_id)
            assert menu is not None
            price, category, confirmation = Yen(menu.price), menu.tax_category, menu.confirmation_message
        return self.request_payment(
            reservation_id, staff_id, price, category, confirmation or PRE_PAYMENT_MESSAGE, kind=RequestKind.PRE_PAYMENT
        )

    def _create(
        self,
        s: Session,
        reservation_id: int,
        staff_id: int,
        value: Yen,
        category: TaxCategory,
        text: str,
        kind: RequestKind,
    ) -> tuple[BillingRequest, bool]:
        """Insert a request, its link and (unless 自動決済 applies) its mail, in ``s``'s transaction."""
        now = self.clock()
        reservation = s.get(Reservation, reservation_id)
        staff = s.get(Staff, staff_id)
        if reservation is None or staff is None or staff.clinic_id != reservation.clinic_id:
            raise NotFoundError()
        patient = s.get(Patient, reservation.patient_id)
        menu = s.get(Menu, reservation.menu_id)
        clinic = s.get(Clinic, reservation.clinic_id)
        assert patient is not None and menu is not None and clinic is not None
        if reservation.status is ReservationStatus.CANCELLED:
            raise StateError("reservation_cancelled")
        if kind is RequestKind.POST_PAYMENT and not menu.allows_post_payment:
            raise StateError("post_payment_not_allowed")
        if kind is RequestKind.PRE_PAYMENT and not menu.allows_pre_payment:
            raise StateError("pre_payment_not_allowed")
        blocked = self.payments.block_for(clinic)
        if blocked is not None:
            raise StateError(blocked)
        validate_email(patient.email)
        auto = bool(clinic.auto_charge and patient.payjp_customer_id)
        req = BillingRequest(
            clinic_id=clinic.id,
            reservation_id=reservation.id,
            patient_id=patient.id,
            staff_id=staff.id,
            kind=kind,
            amount=value,
            tax_category=category,
            message=text,
            state=BillingState.REQUESTED,
            patient_name=patient.full_name,
            patient_given=normalize_name(patient.given_name),
            patient_kana=to_katakana(f"{patient.family_name_kana} {patient.given_name_kana}"),
            staff_name=staff.name,
            menu_name=menu.name,
            receipt_purpose=menu.receipt_purpose,
            requested_at=now,
            updated_at=now,
            refunded_amount=0,
        )
        raw = issue_link(req, clinic, now)
        BillingRequestRepository(s).add(
            req,
            Audit(
                "staff", "request_created", staff.id,
                {"message": text, "tax_category": category.value, "auto_charge": auto},
            ),
        )
        if not auto:
            self.notifier.payment_link(s, req, raw)
        return req, auto

    def _after_create(self, request_id: int, staff_id: int, auto: bool) -> RequestOutcome:
        if not auto:
            return RequestOutcome(request_id, BillingState.REQUESTED)
        try:
            outcome = self.payments.charge_saved_card(request_id, staff_id)
            return RequestOutcome(request_id, outcome.state, auto_charged=True)
        except (PaymentError, ServiceUnavailableError) as exc:
            # The saved card did not work: the patient got a link by e-mail instead.
            return RequestOutcome(request_id, BillingState.REQUESTED, auto_charged=False, auto_charge_error=exc)
        except OutcomeUnknownError as exc:
            return RequestOutcome(request_id, BillingState.PROCESSING, auto_charged=True, auto_charge_error=exc)

    def _cancel(self, repo: BillingRequestRepository, req: BillingRequest, staff_id: int) -> None:
        now = self.clock()
        if not repo.transition(
            req,
            {BillingState.REQUESTED},
            BillingState.CANCELLED,
            Audit("staff", "request_cancelled", staff_id),
            cancelled_at=now,
            updated_at=now,
        ):
            raise not_cancellable(req)

    def cancel_request(self, request_id: int, staff_id: int, *, notify_patient: bool = False) -> None:
        """Cancel an unpaid request; its link is refused from this moment.

        Args:
            notify_patient: also mail the patient that the request was cancelled.

        Raises:
            StateError: the request is being paid, or is not open any more.
            NotFoundError: unknown request, or staff of another clinic.
        """
        with self.db.uow() as uow:
            repo = BillingRepositories(uow.session).requests
            req = repo.get(request_id)
            _staff_of(uow.session, staff_id, req.clinic_id)
            self._cancel(repo, req, staff_id)
            if notify_patient:
                assert req.cancelled_at is not None
                self.notifier.cancellation(uow.session, req, req.cancelled_at)
            uow.commit()

    def re_request(
        self,
        request_id: int,
        staff_id: int,
        *,
        amount: Yen | None = None,
        tax_category: TaxCategory | None = None,
        message: str | None = None,
    ) -> RequestOutcome:
        """後決済取消後の再請求: cancel the old request (if still open) and send a new one.

        One transaction: the old link stops working exactly when the new request and its
        e-mail exist. Bad input or a request that is no longer open changes nothing.

        Args:
            amount, tax_category, message: the new request's; None keeps the old request's.

        Returns:
            The new request's outcome (as ``request_payment``).

        Raises:
            ValidationError, StateError, NotFoundError: as ``request_payment`` and ``cancel_request``.
        """
        with self.db.uow() as uow:
            s = uow.session
            repo = BillingRepositories(s).requests
            old = repo.get(request_id)
            _staff_of(s, staff_id, old.clinic_id)
            value = parse_charge_yen(old.amount if amount is None else amount)
            category = tax_category or old.tax_category
            text = validate_message(old.message if message is None else message)
            if old.state is BillingState.REQUESTED:
                self._cancel(repo, old, staff_id)
            elif old.state not in (BillingState.CANCELLED, BillingState.EXPIRED):
                raise not_cancellable(old)
            before = snapshot(old)
            new, auto = self._create(s, old.reservation_id, staff_id, value, category, text, old.kind)
            repo.set_replaced_by(old, new.id)
            repo.record(
                old,
                Audit("staff", "request_replaced", staff_id, {"replaced_by": new.id}),
                before=before,
            )
            uow.commit()
            new_id = new.id
        return self._after_create(new_id, staff_id, auto)

    def expire_overdue(self) -> int:
        """Mark open requests whose link expired as 期限切れ (each audited). Returns how many changed."""
        now = self.clock()
        expired = 0
        with self.db.uow() as uow:
            repo = BillingRepositories(uow.session).requests
            for request_id in repo.overdue_ids(now):
                if repo.transition(
                    repo.get(request_id),
                    {BillingState.REQUESTED},
                    BillingState.EXPIRED,
                    Audit("system", "request_expired"),
                    guards=[BillingRequest.link_expires_at < now],
                    updated_at=now,
                ):
                    expired += 1
            uow.commit()
        return expired

