"""Patient payments: the link, card tokens, saved cards and 3-D Secure."""

from __future__ import annotations

import dataclasses

import secrets

from desktop.domain.billing import PAID_STATES, AttemptMethod, AttemptStatus, BillingState
from desktop.domain.errors import OutcomeUnknownError, PaymentError, StateError, UserError
from desktop.services import links
from desktop.services.billing.common import THREE_D_SECURE_TIMEOUT, Clock, GatewayFor, LinkStatus, LinkView
from desktop.services.billing.common import PaymentOutcome, payment_block, simulated
from desktop.services.billing.reconciliation import ReconciliationService
from desktop.services.billing.recording import ChargeRecorder, call_and_record
from desktop.storage.orm import BillingRequest, Clinic, PaymentAttempt
from desktop.storage.repositories import Audit, BillingRepositories
from desktop.storage.unit_of_work import Database

_LINK_ERRORS = {
    LinkStatus.PAID: "link_paid",
    LinkStatus.CANCELLED: "link_cancelled",
    LinkStatus.EXPIRED: "link_expired",
    LinkStatus.PROCESSING: "request_processing",
}


# What PAY.JP's tds_finish answers for a charge whose 3-D Secure flow is over or was not finished
# (``not_in_three_d_secure_flow``, ``three_d_secure_incompleted`` …, as mapped by the gateway).
_THREE_D_SECURE_REFUSALS = frozenset({"three_d_secure_failed", "three_d_secure_incomplete", "three_d_secure_expired"})


def link_error(status: LinkStatus) -> StateError:
    """Why a link in ``status`` cannot be paid."""
    return StateError(_LINK_ERRORS.get(status, "link_unknown"))


@dataclasses.dataclass(frozen=True, kw_only=True)
class PaymentService:
    """Patient payments: open a link, pay with a card token or the saved card, finish 3-D Secure.

    Every payment records its attempt (REQUESTED → PROCESSING) before PAY.JP is called, the
    attempt id travelling in the charge metadata; a lost answer is reconciled, never retried.
    Methods block (database and network): run them in a worker thread.

    Args:
        db: the database.
        gateway_for: the PAY.JP gateway for a clinic's payment mode.
        recorder: records what PAY.JP answered about charges.
        reconciliation: resolves lost answers.
        clock: current UTC time.
    """

    db: Database
    gateway_for: GatewayFor
    recorder: ChargeRecorder
    reconciliation: ReconciliationService
    clock: Clock
    def open_link(self, raw_token: str) -> LinkView:
        """What a link shows (``status`` UNKNOWN for a malformed or unknown token).

        Also the charge waiting for 3-D Secure (and whether its 30-minute window has passed), or,
        for a payable link, why its newest attempt failed. Read only: mail scanners open links
        before patients do.
        """
        if not links.looks_like_token(raw_token):
            return LinkView(status=LinkStatus.UNKNOWN)
        with self.db.uow(readonly=True) as uow:
            s = uow.session
            repos = BillingRepositories(s)
            req = repos.requests.by_link_digest(links.hash_link_token(raw_token))
            if req is None:
                return LinkView(status=LinkStatus.UNKNOWN)
            clinic, patient, reservation, menu = repos.requests.parties(req)
            pending_charge, timed_out, last_error = None, False, None
            if req.state in (BillingState.PROCESSING, BillingState.REQUESTED):
                attempts = repos.attempts.for_request(req.id)
                waiting = [a for a in attempts if a.status is AttemptStatus.THREE_D_SECURE and a.charge_id]
                if req.state is BillingState.PROCESSING and waiting:
                    pending_charge = waiting[-1].charge_id
                    timed_out = self.clock() - waiting[-1].started_at > THREE_D_SECURE_TIMEOUT
                elif req.state is BillingState.REQUESTED and attempts and attempts[-1].status is AttemptStatus.FAILED:
                    last_error = attempts[-1].error_code
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
                three_d_secure_timed_out=timed_out,
                last_error=last_error,
            )

    def _link_status(self, req: BillingRequest) -> LinkStatus:
        if req.state in PAID_STATES:
            return LinkStatus.PAID
        if req.state is BillingState.CANCELLED:
            return LinkStatus.CANCELLED
        if req.state is BillingState.EXPIRED:
            return LinkStatus.EXPIRED
        if req.state is BillingState.PROCESSING:
            return LinkStatus.PROCESSING
        if req.link_expires_at is not None and req.link_expires_at <= self.clock():
            return LinkStatus.EXPIRED
        return LinkStatus.PAYABLE

    def pay_with_token(self, raw_token: str, card_token: str, *, three_d_secure: bool = False) -> PaymentOutcome:
        """The patient pressed 支払う: charge the card token (``tok_…``) for the link's request.

        Returns:
            PAID, or PROCESSING with ``requires_three_d_secure`` when ``three_d_secure`` is asked.

        Raises:
            PaymentError: PAY.JP's reason when the card is declined (the request stays payable).
            StateError: a paid / cancelled / expired / unknown link, or one being paid right now.
            OutcomeUnknownError: the answer was lost and could not be found yet (reconciled later).
        """
        view = self.open_link(raw_token)
        if view.status is not LinkStatus.PAYABLE or view.request_id is None:
            raise link_error(view.status)
        if not card_token or not card_token.startswith("tok_") or len(card_token) > 64:
            raise PaymentError("incorrect_card_data", payjp_code="invalid_token")
        if self.card_payment_block(view.request_id) is not None:
            # the patient is told the clinic takes no card payment now, not the desk's reason
            raise PaymentError("card_payment_unavailable")
        attempt_id = self._begin_attempt(view.request_id, AttemptMethod.CARD_TOKEN, staff_id=None)
        return self._charge(attempt_id, card=card_token, three_d_secure=three_d_secure, raw_link=raw_token)

    def pay_with_customer(self, raw_token: str, customer: str) -> PaymentOutcome:
        """The patient, on the link's page, pays with the card they just saved (customer ``cus_…``).

        The card passed token 3-D Secure when it was saved a moment ago, so the charge asks for
        none again. Raises: as ``pay_with_token``.
        """
        view = self.open_link(raw_token)
        if view.status is not LinkStatus.PAYABLE or view.request_id is None:
            raise link_error(view.status)
        if self.card_payment_block(view.request_id) is not None:
            raise PaymentError("card_payment_unavailable")
        attempt_id = self._begin_attempt(view.request_id, AttemptMethod.CARD_TOKEN, staff_id=None)
        return self._charge(attempt_id, customer=customer, raw_link=raw_token)

    def charge_saved_card(self, request_id: int, staff_id: int | None) -> PaymentOutcome:
        """自動決済: charge the patient's saved card for an open request.

        Raises:
            PaymentError: ``saved_card_missing``, or the card was declined (the patient then
                gets a fresh link by mail).
            StateError: the request is not open.
            NotFoundError: no such request.
            OutcomeUnknownError: the answer was lost and could not be found yet.
        """
        with self.db.uow(readonly=True) as uow:
            repo = BillingRepositories(uow.session).requests
            customer = repo.parties(repo.get(request_id))[1].payjp_customer_id
        if not customer:
            raise PaymentError("saved_card_missing", payjp_code="missing_card")
        blocked = self.card_payment_block(request_id)
        if blocked is not None:
            raise StateError(blocked)
        attempt_id = self._begin_attempt(request_id, AttemptMethod.SAVED_CARD, staff_id=staff_id)
        return self._charge(attempt_id, customer=customer)

    def card_payment_block(self, request_id: int) -> str | None:
        """Why the clinic of request ``request_id`` takes no card payment now (``payment_block``)."""
        with self.db.uow(readonly=True) as uow:
            repo = BillingRepositories(uow.session).requests
            return self.block_for(repo.clinic_of(repo.get(request_id)))

    def block_for(self, clinic: Clinic) -> str | None:
        """Why ``clinic`` takes no card payment now (``payment_block``, asked of this gateway source)."""
        return payment_block(clinic, simulated=simulated(self.gateway_for, clinic))

    def _begin_attempt(self, request_id: int, method: AttemptMethod, *, staff_id: int | None) -> str:
        """Step 1: REQUESTED → PROCESSING and the attempt row, in one transaction."""
        now = self.clock()
        attempt_id = "att_" + secrets.token_hex(12)
        with self.db.uow() as uow:
            repos = BillingRepositories(uow.session)
            req = repos.requests.get(request_id)
            actor = "staff" if method is AttemptMethod.SAVED_CARD else "patient"
            moved = repos.requests.transition(
                req,
                {BillingState.REQUESTED},
                BillingState.PROCESSING,
                Audit(actor, "payment_started", staff_id, {"attempt": attempt_id, "method": method.value}),
                guards=[(BillingRequest.link_expires_at.is_(None)) | (BillingRequest.link_expires_at > now)],
                updated_at=now,
            )
            if not moved:
                raise link_error(self._link_status(req))
            repos.attempts.add(
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
        """Step 2 and 3: call PAY.JP outside any transaction, then record what it answered."""
        with self.db.uow(readonly=True) as uow:
            repos = BillingRepositories(uow.session)
            attempt = repos.attempts.get(attempt_id)
            req = repos.requests.get(attempt.billing_request_id)
            clinic = repos.requests.clinic_of(req)
            tenant = clinic.payjp_tenant_id
            amount, request_id = attempt.amount, req.id
            description = f"{clinic.name} {req.menu_name}"
            try:
                gateway = self.gateway_for(clinic)
            except UserError as exc:
                gateway_error: UserError | None = exc
            else:
                gateway_error = None
        if gateway_error is not None:
            # No key (or no simulator): nothing was sent to PAY.JP, so the attempt fails now
            # and the link is payable again, instead of waiting as 処理中.
            self.recorder.fail(attempt_id, gateway_error)
            raise gateway_error
        def lost() -> PaymentOutcome | None:
            self.recorder.mark_unknown(attempt_id)
            return self.reconciliation.reconcile_attempt(attempt_id, raw_link=raw_link)

        return call_and_record(
            lambda: gateway.create_charge(
                amount=amount,
                attempt_id=attempt_id,
                request_id=request_id,
                card=card,
                customer=customer,
                tenant=tenant,
                description=description,
                three_d_secure=three_d_secure,
            ),
            answered=lambda charge: self.recorder.apply_charge(attempt_id, charge, raw_link),
            refused=lambda exc: self.recorder.fail(attempt_id, exc),
            lost=lost,
        )

    def finish_three_d_secure(self, raw_token: str) -> PaymentOutcome:
        """The cardholder finished 3-D Secure: complete the pending charge (tds_finish).

        Returns:
            PAID (also when it had been completed already).

        The attempt is marked UNKNOWN before ``tds_finish`` is called, so a lost answer or a
        crash is resolved by reconciliation's look-up (or the ``charge.succeeded`` webhook).

        Raises:
            PaymentError: 3-D Secure failed or the card was declined (the request is payable again);
                ``three_d_secure_expired`` when the cardholder came back after the 30-minute window.
            StateError: the link is unknown or has no charge waiting for 3-D Secure
                (``request_processing`` while another tab is finishing it).
            OutcomeUnknownError: the answer was lost and could not be looked up yet; the link's
                page shows 処理中 until reconciliation knows.
        """
        if not links.looks_like_token(raw_token):
            raise StateError("link_unknown")
        with self.db.uow(readonly=True) as uow:
            repos = BillingRepositories(uow.session)
            req = repos.requests.by_link_digest(links.hash_link_token(raw_token))
            if req is None:
                raise StateError("link_unknown")
            attempts = repos.attempts.for_request(req.id)
            succeeded = next((a for a in attempts if a.status is AttemptStatus.SUCCEEDED), None)
            if req.state in PAID_STATES and succeeded is not None:
                return PaymentOutcome(req.id, succeeded.id, req.state, succeeded.charge_id)
            attempt = next((a for a in attempts if a.status is AttemptStatus.THREE_D_SECURE and a.charge_id), None)
            if attempt is None or not attempt.charge_id:
                raise link_error(self._link_status(req))
            gateway = self.gateway_for(repos.requests.clinic_of(req))
            attempt_id, charge_id = attempt.id, attempt.charge_id
            too_late = self.clock() - attempt.started_at > THREE_D_SECURE_TIMEOUT
        # Step 1: record that the finish is asked before calling PAY.JP. A lost answer or a crash
        # now leaves the attempt UNKNOWN, which reconciliation looks up at once (and a second tab
        # cannot finish the same charge twice).
        with self.db.uow() as uow:
            moved = BillingRepositories(uow.session).attempts.transition(
                attempt_id, {AttemptStatus.THREE_D_SECURE}, AttemptStatus.UNKNOWN
            )
            uow.commit()
        if not moved:
            raise StateError("request_processing")
        try:
            charge = gateway.finish_three_d_secure(charge_id)
        except OutcomeUnknownError:
            outcome = self.reconciliation.reconcile_attempt(attempt_id, raw_link=raw_token)
            if outcome is None:
                raise
            return outcome
        except UserError as exc:
            # Already finished by an earlier call whose answer we lost? Ask PAY.JP.
            try:
                charge = gateway.retrieve_charge(charge_id)
            except UserError:
                raise OutcomeUnknownError() from None  # reconciliation looks it up
            if not charge.paid:
                if too_late and exc.code in _THREE_D_SECURE_REFUSALS:
                    # PAY.JP's 30-minute window had passed: say that, not "authentication failed"
                    exc = PaymentError("three_d_secure_expired", payjp_code=getattr(exc, "payjp_code", exc.code))
                self.recorder.fail(attempt_id, exc, charge_id=charge_id)
                raise exc from None
        if not charge.paid and charge.three_d_secure_status in ("failed", "error"):
            error = PaymentError("three_d_secure_failed", payjp_code="three_d_secure_failed")
            self.recorder.fail(attempt_id, error, charge_id=charge_id)
            raise error
        return self.recorder.apply_charge(attempt_id, charge, raw_token)
