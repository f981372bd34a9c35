"""Staff requests: 後決済請求, cancel, re-request, link expiry."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from desktop.domain.billing import (
    BillingState,
    RequestKind,
    TaxCategory,
)
from desktop.domain.clinic import ReservationStatus
from desktop.domain.errors import (
    OutcomeUnknownError,
    PaymentError,
    ServiceUnavailableError,
    StateError,
)
from desktop.domain.validation import (
    parse_amount,
    validate_email,
    validate_message,
)
from desktop.services import audit
from desktop.services import mail_compose as mail
from desktop.services.billing.core import (
    DEFAULT_MESSAGE,
    PRE_PAYMENT_MESSAGE,
    STATE_LABELS_JA,
    RequestOutcome,
    _snapshot,
    _transition,
    payment_usable,
)
from desktop.services.billing.payments import PaymentsMixin
from desktop.storage.orm import (
    BillingRequest,
)


class RequestsMixin(PaymentsMixin):
    """後決済請求 and its follow-ups: send, cancel, re-request, expire."""

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
        declined, the patient gets a link by e-mail as usual.
        """
        value = parse_amount(amount)
        category = TaxCategory(tax_category)
        text = validate_message(message)
        with self._db.uow() as uow:
            req, auto = self._create_request(uow.session, reservation_id, staff_id, value, category, text, kind)
            uow.commit()
            request_id = req.id
        return self._after_create(request_id, staff_id, auto)

    def request_pre_payment(self, reservation_id: int, staff_id: int) -> RequestOutcome:
        """事前決済: request the menu's price for a reservation (link by mail, or 自動決済)."""
        with self._db.uow(readonly=True) as uow:
            reservation, _patient, menu, _clinic, _staff = self._load_for_request(uow.session, reservation_id, staff_id)
            price, category, confirmation = menu.price, menu.tax_category, menu.confirmation_message
        return self.request_payment(
            reservation_id, staff_id, price, category, confirmation or PRE_PAYMENT_MESSAGE, kind=RequestKind.PRE_PAYMENT
        )

    def _create_request(
        self,
        s: Session,
        reservation_id: int,
        staff_id: int,
        value: int,
        category: TaxCategory,
        text: str,
        kind: RequestKind,
    ) -> tuple[BillingRequest, bool]:
        """Insert a request, its link and (unless 自動決済 applies) its mail, in ``s``'s transaction."""
        now = self._clock()
        reservation, patient, menu, clinic, staff = self._load_for_request(s, reservation_id, staff_id)
        if reservation.status is ReservationStatus.CANCELLED:
            raise StateError("reservation_cancelled")
        if kind is RequestKind.POST_PAYMENT and not menu.allows_post_payment:
            raise StateError("post_payment_not_allowed")
        if kind is RequestKind.PRE_PAYMENT and not menu.allows_pre_payment:
            raise StateError("pre_payment_not_allowed")
        if not payment_usable(clinic):
            raise StateError("payment_company_unusable")
        validate_email(patient.email)
        auto = bool(clinic.auto_charge and patient.payjp_customer_id)
        req = self._new_request(s, clinic, reservation, patient, menu, staff, value, category, text, kind, now)
        raw = self._issue_link(req, clinic, now)
        if not auto:
            self._notify_payment_link(s, req, raw)
        audit.record(
            s,
            clinic_id=clinic.id,
            actor="staff",
            staff_id=staff.id,
            action="request_created",
            entity_type="billing_request",
            entity_id=req.id,
            before=None,
            after={**_snapshot(req), "message": text, "tax_category": category.value, "auto_charge": auto},
        )
        return req, auto

    def _after_create(self, request_id: int, staff_id: int, auto: bool) -> RequestOutcome:
        if not auto:
            return RequestOutcome(request_id, BillingState.REQUESTED)
        try:
            outcome = self.charge_saved_card(request_id, staff_id)
            return RequestOutcome(request_id, outcome.state, auto_charged=True)
        except (PaymentError, ServiceUnavailableError) as exc:
            # The saved card did not work: the patient got a link by e-mail instead (_fail_attempt).
            return RequestOutcome(request_id, BillingState.REQUESTED, auto_charged=False, auto_charge_error=exc)
        except OutcomeUnknownError as exc:
            return RequestOutcome(request_id, BillingState.PROCESSING, auto_charged=True, auto_charge_error=exc)

    # ------------------------------------------------------------------ staff: cancel / re-request

    def cancel_request(self, request_id: int, staff_id: int, *, notify_patient: bool = False) -> None:
        """Cancel an unpaid request; its link is refused from this moment."""
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            req = self._get(s, request_id)
            staff = self._staff(s, staff_id, req.clinic_id)
            before = _snapshot(req)
            if not _transition(
                s, request_id, {BillingState.REQUESTED}, BillingState.CANCELLED, cancelled_at=now, updated_at=now
            ):
                s.refresh(req)
                self._raise_not_cancellable(req)
            s.refresh(req)
            if notify_patient:
                self._notify(
                    s,
                    req,
                    lambda m: mail.CancellationNotice(
                        clinic=m.clinic,
                        patient=m.patient,
                        reservation=m.reservation,
                        amount_yen=req.amount,
                        cancelled_at=now,
                    ),
                )
            audit.record(
                s,
                clinic_id=req.clinic_id,
                actor="staff",
                staff_id=staff.id,
                action="request_cancelled",
                entity_type="billing_request",
                entity_id=req.id,
                before=before,
                after=_snapshot(req),
            )
            uow.commit()

    @staticmethod
    def _raise_not_cancellable(req: BillingRequest) -> None:
        if req.state is BillingState.PROCESSING:
            raise StateError("request_processing")
        raise StateError("request_not_cancellable", state=STATE_LABELS_JA[req.state])

    def re_request(
        self,
        request_id: int,
        staff_id: int,
        *,
        amount: object | None = None,
        tax_category: TaxCategory | str | None = None,
        message: str | None = None,
    ) -> RequestOutcome:
        """後決済取消後の再請求: cancel the old request (if still open) and send a new one.

        One transaction: the old link stops working exactly when the new request and its
        e-mail exist. Bad input or a request that is no longer open changes nothing.
        """
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            old = self._get(s, request_id)
            self._staff(s, staff_id, old.clinic_id)
            before = _snapshot(old)
            value = parse_amount(old.amount if amount is None else amount)
            category = TaxCategory(tax_category or old.tax_category)
            text = validate_message(old.message if message is None else message)
            if old.state is BillingState.REQUESTED:
                if not _transition(
                    s, request_id, {BillingState.REQUESTED}, BillingState.CANCELLED, cancelled_at=now, updated_at=now
                ):
                    s.refresh(old)
                    self._raise_not_cancellable(old)
            elif old.state not in (BillingState.CANCELLED, BillingState.EXPIRED):
                self._raise_not_cancellable(old)
            new, auto = self._create_request(s, old.reservation_id, staff_id, value, category, text, old.kind)
            s.execute(update(BillingRequest).where(BillingRequest.id == request_id).values(replaced_by_id=new.id))
            s.refresh(old)
            audit.record(
                s,
                clinic_id=old.clinic_id,
                actor="staff",
                staff_id=staff_id,
                action="request_replaced",
                entity_type="billing_request",
                entity_id=request_id,
                before=before,
                after={**_snapshot(old), "replaced_by": new.id},
            )
            uow.commit()
            new_id = new.id
        return self._after_create(new_id, staff_id, auto)

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
