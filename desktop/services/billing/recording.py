"""Step 3 of every money action: record what PAY.JP answered (or what a look-up found).

Shared by the services that call PAY.JP and by reconciliation, so an answer is recorded the
same way however it was learnt. Each method is one transaction.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from typing import Any, Callable, TypeVar

from sqlalchemy import select

from desktop.domain.billing import REFUNDABLE_STATES, AttemptMethod, AttemptStatus, BillingState, RefundStatus
from desktop.domain.billing import state_after_refund
from desktop.domain.errors import OutcomeUnknownError, PaymentError, StateError, UserError
from desktop.domain.money import Yen
from desktop.services.billing.common import KNOWN_CARD_CODES, Clock, PaymentOutcome, RefundOutcome, error_params
from desktop.services.billing.common import issue_link, message_for
from desktop.services.billing.notifier import PatientNotifier
from desktop.services.payjp_gateway import ChargeInfo
from desktop.storage.orm import BillingRequest, Refund
from desktop.storage.repositories import Audit, BillingRepositories, snapshot
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

T = TypeVar("T")


def call_and_record(
    call: Callable[[], ChargeInfo],
    *,
    answered: Callable[[ChargeInfo], T],
    refused: Callable[[UserError], None],
    lost: Callable[[], T | None],
) -> T:
    """Steps 2 and 3 of a money action whose step 1 (the record) is committed.

    Calls PAY.JP (``call``, outside any transaction) and records its answer (``answered``),
    its refusal (``refused``, then re-raised) or, when the answer was lost, resolves it by
    look-up (``lost``), never by calling again.

    Raises:
        UserError: PAY.JP refused.
        OutcomeUnknownError: the answer was lost and the look-up could not tell yet.
    """
    try:
        charge = call()
    except OutcomeUnknownError:
        resolved = lost()
        if resolved is None:
            raise
        return resolved
    except UserError as exc:
        refused(exc)
        raise
    return answered(charge)


_OPEN_ATTEMPT = (AttemptStatus.PENDING, AttemptStatus.UNKNOWN)
_UNSETTLED_ATTEMPT = (AttemptStatus.PENDING, AttemptStatus.UNKNOWN, AttemptStatus.THREE_D_SECURE)
_OPEN_REFUND = (RefundStatus.PENDING, RefundStatus.UNKNOWN)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChargeRecorder:
    """Records the outcome of payment attempts.

    Args:
        db: the database.
        notifier: mails the patient (receipt; a fresh link when 自動決済 failed).
        clock: current UTC time.
    """

    db: Database
    notifier: PatientNotifier
    clock: Clock
    def apply_charge(self, attempt_id: str, charge: ChargeInfo, raw_link: str | None = None) -> PaymentOutcome:
        """Record a charge PAY.JP reported for ``attempt_id`` (from its answer or a look-up).

        ``raw_link`` (known when the patient is on the page) lets the receipt mail link to the receipt;
        a 自動決済 charge (no link was mailed) gets a fresh link for its receipt instead.

        Returns:
            PAID, or PROCESSING with ``requires_three_d_secure`` while the cardholder must confirm.

        Raises:
            PaymentError: the charge was declined (recorded; the request is payable again).
            StateError: ``link_paid`` when the request had already been paid by another charge.
        """
        if charge.paid:
            return self._succeed(attempt_id, charge, raw_link)
        if charge.awaiting_three_d_secure:
            with self.db.uow() as uow:
                repos = BillingRepositories(uow.session)
                repos.attempts.transition(
                    attempt_id,
                    _OPEN_ATTEMPT,
                    AttemptStatus.THREE_D_SECURE,
                    charge_id=charge.id,
                    card_brand=charge.card_brand,
                    card_last4=charge.card_last4,
                )
                request_id = repos.attempts.get(attempt_id).billing_request_id
                uow.commit()
            return PaymentOutcome(
                request_id, attempt_id, BillingState.PROCESSING, charge.id, requires_three_d_secure=True
            )
        code = charge.failure_code or "card_declined"
        error = PaymentError(code if code in KNOWN_CARD_CODES else "card_declined", payjp_code=code)
        self.fail(attempt_id, error, charge_id=charge.id)
        raise error

    def _succeed(self, attempt_id: str, charge: ChargeInfo, raw_link: str | None) -> PaymentOutcome:
        now = self.clock()
        with self.db.uow() as uow:
            repos = BillingRepositories(uow.session)
            attempt = repos.attempts.get(attempt_id)
            req = repos.requests.get(attempt.billing_request_id)
            if attempt.status is AttemptStatus.SUCCEEDED:
                return PaymentOutcome(req.id, attempt_id, req.state, attempt.charge_id)
            # a declined 自動決済 mailed the patient a link, which they may be paying with now
            link_mailed = attempt.status is AttemptStatus.FAILED or any(
                other.id != attempt_id and (other.method is not AttemptMethod.SAVED_CARD
                                            or other.status is AttemptStatus.FAILED)
                for other in repos.attempts.for_request(req.id))
            repos.attempts.transition(
                attempt_id,
                (*_UNSETTLED_ATTEMPT, AttemptStatus.FAILED),
                AttemptStatus.SUCCEEDED,
                charge_id=charge.id,
                card_brand=charge.card_brand,
                card_last4=charge.card_last4,
                finished_at=now,
                payjp_fee_rate=charge.fee_rate,
                platform_fee=charge.total_platform_fee,
                failure_code=None,
                error_code=None,
                error_params=None,
            )
            moved = repos.requests.transition(
                req,
                {BillingState.PROCESSING},
                BillingState.PAID,
                Audit("payjp", "payment_succeeded", attempt.staff_id, {"attempt": attempt_id}),
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
                repos.requests.record(
                    req,
                    Audit("payjp", "duplicate_charge", None, {"duplicate_charge_id": charge.id}),
                    before=snapshot(req),
                )
                uow.commit()
                raise StateError("link_paid")
            auto = attempt.method is AttemptMethod.SAVED_CARD
            if raw_link is None and auto and not link_mailed:
                # 自動決済: no link was ever mailed (its raw token is kept nowhere); this one opens
                # the receipt, as the link of a payment made on the checkout page does. A link the
                # patient holds is never replaced (it opens the receipt once the request is paid).
                raw_link = issue_link(req, repos.requests.clinic_of(req), now)
            self.notifier.receipt(uow.session, req, now, raw_link, with_message=auto)
            uow.commit()
            return PaymentOutcome(req.id, attempt_id, BillingState.PAID, charge.id)

    def fail(self, attempt_id: str, error: UserError, *, charge_id: str | None = None) -> None:
        """Record that an attempt failed with ``error``; the request becomes payable again.

        A failed 自動決済 mails the patient a fresh link instead. An attempt already settled
        is left alone.
        """
        now = self.clock()
        payjp_code = error.payjp_code if isinstance(error, PaymentError) else error.code
        with self.db.uow() as uow:
            repos = BillingRepositories(uow.session)
            attempt = repos.attempts.get(attempt_id)
            if not repos.attempts.transition(
                attempt_id,
                _UNSETTLED_ATTEMPT,
                AttemptStatus.FAILED,
                failure_code=payjp_code,
                error_code=error.code,
                error_params=error_params(error),
                charge_id=charge_id or attempt.charge_id,
                finished_at=now,
            ):
                return
            req = repos.requests.get(attempt.billing_request_id)
            auto = attempt.method is AttemptMethod.SAVED_CARD
            # a default 伝達事項 said the saved card is charged: it now asks to pay by the link
            message: dict[str, Any] = {}
            if auto:
                message["message"] = message_for(req.message, kind=req.kind, charge_now=False)
            moved = repos.requests.transition(
                req,
                {BillingState.PROCESSING},
                BillingState.REQUESTED,
                Audit("payjp", "payment_failed", attempt.staff_id, {"attempt": attempt_id, "failure_code": payjp_code}),
                last_failure_code=payjp_code,
                updated_at=now,
                **message,
            )
            if moved and auto:
                # 自動決済 did not go through: the patient pays by link instead (a fresh one,
                # since the raw token of the first one is kept nowhere).
                raw_link = issue_link(req, repos.requests.clinic_of(req), now)
                self.notifier.payment_link(uow.session, req, raw_link)
            uow.commit()

    def mark_unknown(self, attempt_id: str) -> None:
        """The answer was lost: the attempt waits for reconciliation (never a second charge).

        Call ``fail`` or ``apply_charge`` once the look-up tells.
        """
        with self.db.uow() as uow:
            BillingRepositories(uow.session).attempts.transition(
                attempt_id, {AttemptStatus.PENDING}, AttemptStatus.UNKNOWN
            )
            uow.commit()


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefundRecorder:
    """Records the outcome of refunds: those made at the desk, and those PAY.JP reports made elsewhere.

    A refund made outside ClinicPay (PAY.JP's dashboard) is learnt from a webhook or from 照合; both
    follow one rule (``apply_observed``): PAY.JP's ``amount_refunded`` of the charge is the truth, and
    what it shows beyond our refunded amount is recorded as one refund row, audited once
    (``refund_observed``) and mailed to the patient, in one transaction guarded by the refunded amount
    we had, so that run twice (a webhook and a reconciliation, two PCs, a crash and a re-run) it
    applies once.

    Args:
        db: the database.
        notifier: mails the patient the refund notice.
        clock: current UTC time.
    """

    db: Database
    notifier: PatientNotifier
    clock: Clock

    def apply(self, refund_id: str, charge: ChargeInfo) -> RefundOutcome:
        """Record that refund ``refund_id`` went through; ``charge`` is the refunded charge.

        The request's refunded total follows PAY.JP's ``amount_refunded``, capped at the amount.
        """
        now = self.clock()
        with self.db.uow() as uow:
            repos = BillingRepositories(uow.session)
            refund = repos.refunds.get(refund_id)
            req = repos.requests.get(refund.billing_request_id)
            amount = Yen(refund.amount)
            if not repos.refunds.transition(refund_id, _OPEN_REFUND, RefundStatus.SUCCEEDED, finished_at=now):
                return RefundOutcome(req.id, refund_id, amount, Yen(req.refunded_amount), req.state)
            total = min(charge.amount_refunded, req.amount)
            moved = repos.requests.transition(
                req,
                {BillingState.REFUNDING},
                state_after_refund(req.amount, total),
                Audit("payjp", "refund_succeeded", refund.staff_id, {"refund": refund_id, "refund_amount": amount}),
                refunded_amount=total,
                last_refunded_at=now,
                updated_at=now,
            )
            if moved:
                self.notifier.refund(uow.session, req, refund.amount, now)
            else:  # only this refund moves the request out of REFUNDING: a bug if it is not there
                log.error("refund %s of request %s succeeded while it was %s", refund_id, req.id, req.state.value)
            uow.commit()
            return RefundOutcome(req.id, refund_id, amount, Yen(req.refunded_amount), req.state)

    def fail(self, refund_id: str, error: UserError) -> None:
        """Record that a refund failed; the request returns to its settled state."""
        now = self.clock()
        with self.db.uow() as uow:
            repos = BillingRepositories(uow.session)
            refund = repos.refunds.get(refund_id)
            if not repos.refunds.transition(
                refund_id,
                _OPEN_REFUND,
                RefundStatus.FAILED,
                failure_code=error.code,
                error_params=error_params(error),
                finished_at=now,
            ):
                return
            req = repos.requests.get(refund.billing_request_id)
            repos.requests.transition(
                req,
                {BillingState.REFUNDING},
                state_after_refund(req.amount, req.refunded_amount),
                Audit("payjp", "refund_failed", refund.staff_id, {"refund": refund_id, "failure_code": error.code}),
                updated_at=now,
            )
            uow.commit()

    def mark_unknown(self, refund_id: str) -> None:
        """The answer was lost: the refund waits for reconciliation (never a second refund)."""
        with self.db.uow() as uow:
            BillingRepositories(uow.session).refunds.transition(refund_id, {RefundStatus.PENDING}, RefundStatus.UNKNOWN)
            uow.commit()

    def open_refund_ids(self, request_id: int) -> list[str]:
        """Ids of the request's refunds made at the desk whose answer is still awaited."""
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(
                select(Refund.id).where(Refund.billing_request_id == request_id,
                                        Refund.status.in_([RefundStatus.PENDING, RefundStatus.UNKNOWN]))
            ).all())

    def apply_observed(self, request_id: int, charge: ChargeInfo, *, source: str) -> int:
        """Record what ``charge`` (looked up at PAY.JP, never an event body) shows refunded beyond ours.

        Args:
            request_id: the request paid by ``charge``.
            charge: the charge as PAY.JP returned it just now.
            source: ``webhook`` or ``reconciliation`` (kept in the audit event).

        Returns:
            The whole yen newly recorded as refunded (0: nothing to do — already recorded, the
            request not refundable now, or another PC or run applied it first).
        """
        now = self.clock()
        refund_id = "ref_" + secrets.token_hex(12)
        with self.db.uow() as uow:
            repos = BillingRepositories(uow.session)
            req = repos.requests.get(request_id)
            before = req.refunded_amount
            total = min(charge.amount_refunded, req.amount)
            if total <= before or req.state not in REFUNDABLE_STATES:
                return 0
            if not repos.requests.transition(
                req,
                REFUNDABLE_STATES,
                state_after_refund(req.amount, total),
                Audit("payjp", "refund_observed", None,
                      {"refund": refund_id, "refund_amount": total - before, "source": source}),
                guards=[BillingRequest.refunded_amount == before],
                refunded_amount=total,
                last_refunded_at=now,
                updated_at=now,
            ):
                return 0
            repos.refunds.add(
                Refund(
                    id=refund_id,
                    billing_request_id=request_id,
                    amount=total - before,
                    reason="",
                    status=RefundStatus.SUCCEEDED,
                    expected_amount_refunded=total,
                    staff_id=None,
                    created_at=now,
                    finished_at=now,
                )
            )
            self.notifier.refund(uow.session, req, total - before, now)
            uow.commit()
        return total - before
