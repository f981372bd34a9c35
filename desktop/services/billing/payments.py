"""Patient payments: the link, card tokens, saved cards, 3-D Secure and reconciliation."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import select, update

from desktop.domain.billing import (
    PAID_STATES,
    AttemptMethod,
    AttemptStatus,
    BillingState,
)
from desktop.domain.errors import (
    NotFoundError,
    OutcomeUnknownError,
    PaymentError,
    ServiceUnavailableError,
    StateError,
    UserError,
)
from desktop.services import audit, links
from desktop.services import mail_compose as mail
from desktop.services.billing.core import (
    _KNOWN_CARD_CODES,
    THREE_D_SECURE_TIMEOUT,
    BillingCore,
    LinkStatus,
    LinkView,
    PaymentOutcome,
    _snapshot,
    _transition,
)
from desktop.services.payjp_gateway import ChargeInfo
from desktop.storage.orm import (
    BillingRequest,
    Clinic,
    Patient,
    PaymentAttempt,
)

log = logging.getLogger(__name__)


class PaymentsMixin(BillingCore):
    """Patient payments: open a link, pay with a token or a saved card, 3-D Secure, reconciliation."""

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
                    select(PaymentAttempt.charge_id)
                    .where(
                        PaymentAttempt.billing_request_id == req.id,
                        PaymentAttempt.status == AttemptStatus.THREE_D_SECURE,
                    )
                    .order_by(PaymentAttempt.started_at.desc())
                    .limit(1)
                )
            return LinkView(
                status=self._link_status(req),
                request_id=req.id,
                clinic_id=clinic.id,
                clinic_name=clinic.name,
                clinic_phone=clinic.phone,
                patient_name=patient.full_name,
                patient_email=patient.email or "",
                patient_language=patient.language,
                menu_name=menu.name,
                reservation_starts_at=reservation.starts_at,
                amount=req.amount,
                tax_category=req.tax_category,
                message=req.message,
                expires_at=req.link_expires_at,
                paid_at=req.paid_at,
                refunded_amount=req.refunded_amount,
                card_brand=req.card_brand,
                card_last4=req.card_last4,
                tenant_id=clinic.payjp_tenant_id,
                public_key=clinic.payjp_public_key,
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
        return self._charge(attempt_id, card=card_token, three_d_secure=three_d_secure, raw_link=raw_token)

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

    def _begin_attempt(
        self, request_id: int, method: AttemptMethod, *, staff_id: int | None, link_only: bool = False
    ) -> str:
        """Step 1: REQUESTED → PROCESSING and the attempt row, in one transaction."""
        now = self._clock()
        attempt_id = "att_" + secrets.token_hex(12)
        with self._db.uow() as uow:
            s = uow.session
            req = self._get(s, request_id)
            before = _snapshot(req)
            moved = _transition(
                s,
                request_id,
                {BillingState.REQUESTED},
                BillingState.PROCESSING,
                (BillingRequest.link_expires_at.is_(None)) | (BillingRequest.link_expires_at > now),
                updated_at=now,
            )
            if not moved:
                s.refresh(req)
                raise self._link_error(self._link_status(req))
            s.add(
                PaymentAttempt(
                    id=attempt_id,
                    billing_request_id=request_id,
                    method=method,
                    status=AttemptStatus.PENDING,
                    amount=req.amount,
                    staff_id=staff_id,
                    started_at=now,
                )
            )
            audit.record(
                s,
                clinic_id=req.clinic_id,
                actor="patient" if link_only else "staff",
                staff_id=staff_id,
                action="payment_started",
                entity_type="billing_request",
                entity_id=request_id,
                before=before,
                after={**before, "state": BillingState.PROCESSING.value, "attempt": attempt_id, "method": method.value},
            )
            uow.commit()
        return attempt_id

    def _charge(
        self,
        attempt_id: str,
        *,
        card: str | None = None,
        customer: str | None = None,
        three_d_secure: bool = False,
        raw_link: str | None = None,
    ) -> PaymentOutcome:
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
                amount=amount,
                attempt_id=attempt_id,
                request_id=request_id,
                card=card,
                customer=customer,
                tenant=tenant,
                description=description,
                three_d_secure=three_d_secure,
            )
        except OutcomeUnknownError:
            self._mark_attempt(attempt_id, AttemptStatus.UNKNOWN)
            resolved = self.reconcile_attempt(attempt_id, raw_link=raw_link)
            if resolved is None:
                raise
            return resolved
        except UserError as exc:
            self._fail_attempt(attempt_id, exc)
            raise
        return self._apply_charge(attempt_id, charge, raw_link)

    def _apply_charge(self, attempt_id: str, charge: ChargeInfo, raw_link: str | None = None) -> PaymentOutcome:
        """Record a charge PAY.JP reported for ``attempt_id`` (from its answer or a look-up).

        ``raw_link`` (known when the patient is on the page) lets the receipt mail link to the receipt.
        """
        if charge.paid:
            return self._succeed_attempt(attempt_id, charge, raw_link)
        if charge.awaiting_three_d_secure:
            with self._db.uow() as uow:
                s = uow.session
                attempt = s.get(PaymentAttempt, attempt_id)
                assert attempt is not None
                s.execute(
                    update(PaymentAttempt)
                    .where(
                        PaymentAttempt.id == attempt_id,
                        PaymentAttempt.status.in_([AttemptStatus.PENDING, AttemptStatus.UNKNOWN]),
                    )
                    .values(
                        status=AttemptStatus.THREE_D_SECURE,
                        charge_id=charge.id,
                        card_brand=charge.card_brand,
                        card_last4=charge.card_last4,
                    )
                )
                uow.commit()
                request_id = attempt.billing_request_id
            return PaymentOutcome(
                request_id, attempt_id, BillingState.PROCESSING, charge.id, requires_three_d_secure=True
            )
        code = charge.failure_code or "card_declined"
        error = PaymentError(code if code in _KNOWN_CARD_CODES else "card_declined", payjp_code=code)
        self._fail_attempt(attempt_id, error, charge_id=charge.id)
        raise error

    def _succeed_attempt(self, attempt_id: str, charge: ChargeInfo, raw_link: str | None = None) -> PaymentOutcome:
        now = self._clock()
        with self._db.uow() as uow:
            s = uow.session
            attempt = s.get(PaymentAttempt, attempt_id)
            assert attempt is not None
            req = self._get(s, attempt.billing_request_id)
            if attempt.status is AttemptStatus.SUCCEEDED:
                return PaymentOutcome(req.id, attempt_id, req.state, attempt.charge_id)
            before = _snapshot(req)
            s.execute(
                update(PaymentAttempt)
                .where(PaymentAttempt.id == attempt_id)
                .values(
                    status=AttemptStatus.SUCCEEDED,
                    charge_id=charge.id,
                    card_brand=charge.card_brand,
                    card_last4=charge.card_last4,
                    finished_at=now,
                    failure_code=None,
                    failure_message=None,
                )
            )
            moved = _transition(
                s,
                req.id,
                {BillingState.PROCESSING},
                BillingState.PAID,
                paid_at=now,
                charge_id=charge.id,
                card_brand=charge.card_brand,
                card_last4=charge.card_last4,
                last_failure_code=None,
                updated_at=now,
            )
            if not moved:
                # Paid twice (e.g. a charge that committed after its answer was lost and the
                # patient had already paid again): keep the record, staff refund the extra one.
                log.error("charge %s for request %s arrived while it was %s", charge.id, req.id, req.state.value)
                audit.record(
                    s,
                    clinic_id=req.clinic_id,
                    actor="payjp",
                    action="duplicate_charge",
                    entity_type="billing_request",
                    entity_id=req.id,
                    before=before,
                    after={**before, "duplicate_charge_id": charge.id},
                )
                uow.commit()
                raise StateError("link_paid")
            s.refresh(req)
            self._notify(
                s,
                req,
                lambda m: mail.Receipt(
                    clinic=m.clinic,
                    patient=m.patient,
                    reservation=m.reservation,
                    amount_yen=req.amount,
                    tax_category=req.tax_category,
                    paid_at=now,
                    card_brand=charge.card_brand or "",
                    card_last4=charge.card_last4 or "0000",
                    receipt_url=links.receipt_url(m.payment_base_url, raw_link) if raw_link else None,
                ),
            )
            audit.record(
                s,
                clinic_id=req.clinic_id,
                actor="payjp",
                staff_id=attempt.staff_id,
                action="payment_succeeded",
                entity_type="billing_request",
                entity_id=req.id,
                before=before,
                after={**_snapshot(req), "attempt": attempt_id},
            )
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
            s.execute(
                update(PaymentAttempt)
                .where(PaymentAttempt.id == attempt_id)
                .values(
                    status=AttemptStatus.FAILED,
                    failure_code=code,
                    failure_message=error.message("ja"),
                    charge_id=charge_id or attempt.charge_id,
                    finished_at=now,
                )
            )
            moved = _transition(
                s, req.id, {BillingState.PROCESSING}, BillingState.REQUESTED, last_failure_code=code, updated_at=now
            )
            s.refresh(req)
            if moved and attempt.method is AttemptMethod.SAVED_CARD:
                # 自動決済 did not go through: the patient pays by link instead (a fresh one,
                # since the raw token of the first one is kept nowhere).
                clinic = s.get(Clinic, req.clinic_id)
                assert clinic is not None
                self._notify_payment_link(s, req, self._issue_link(req, clinic, now))
            audit.record(
                s,
                clinic_id=req.clinic_id,
                actor="payjp",
                staff_id=attempt.staff_id,
                action="payment_failed",
                entity_type="billing_request",
                entity_id=req.id,
                before=before,
                after={**_snapshot(req), "attempt": attempt_id, "failure_code": code},
            )
            uow.commit()

    def _mark_attempt(self, attempt_id: str, status: AttemptStatus) -> None:
        with self._db.uow() as uow:
            uow.session.execute(
                update(PaymentAttempt)
                .where(
                    PaymentAttempt.id == attempt_id,
                    PaymentAttempt.status.in_([AttemptStatus.PENDING, AttemptStatus.UNKNOWN]),
                )
                .values(status=status)
            )
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
        return self._apply_charge(attempt_id, charge, raw_token)

    # ------------------------------------------------------------------ reconciliation

    def reconcile_attempt(self, attempt_id: str, *, raw_link: str | None = None) -> PaymentOutcome | None:
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
            started, tenant, status, charge_id = (
                attempt.started_at,
                clinic.payjp_tenant_id,
                attempt.status,
                attempt.charge_id,
            )
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
            self._fail_attempt(
                attempt_id,
                PaymentError("three_d_secure_failed", payjp_code="three_d_secure_expired"),
                charge_id=charge.id,
            )
            return None
        return self._apply_charge(attempt_id, charge, raw_link)
