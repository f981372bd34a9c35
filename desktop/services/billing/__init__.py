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

from sqlalchemy import select

from desktop.domain.billing import AttemptStatus, RefundStatus
from desktop.domain.errors import UserError
from desktop.services.billing.core import (
    DEFAULT_MESSAGE,
    STATE_LABELS_EN,
    STATE_LABELS_JA,
    THREE_D_SECURE_TIMEOUT,
    LinkStatus,
    LinkView,
    PaymentOutcome,
    RefundOutcome,
    RequestOutcome,
    payment_usable,
)
from desktop.services.billing.refunds import RefundsMixin
from desktop.services.billing.requests import RequestsMixin
from desktop.storage.orm import PaymentAttempt, Refund


class BillingService(RequestsMixin, RefundsMixin):
    """Billing requests and the money actions on them.

    Args:
        db: the database.
        gateway_for: the PAY.JP gateway for a clinic's payment mode.
        composer: renders patient mail.
        clock: current UTC time (tests pass a fixed clock).
        unknown_grace: how long an unanswered call may still be carried out by PAY.JP;
            a lost charge that cannot be found is only declared failed after this.
    """

    def reconcile_pending(self) -> int:
        """Resolve every attempt and refund left unknown (lost answers, crashes, abandoned 3-D Secure)."""
        now = self._clock()
        with self._db.uow(readonly=True) as uow:
            attempt_ids = uow.session.scalars(
                select(PaymentAttempt.id).where(
                    (PaymentAttempt.status == AttemptStatus.UNKNOWN)
                    | (
                        (PaymentAttempt.status == AttemptStatus.PENDING)
                        & (PaymentAttempt.started_at < now - self._unknown_grace)
                    )
                    | (
                        (PaymentAttempt.status == AttemptStatus.THREE_D_SECURE)
                        & (PaymentAttempt.started_at < now - THREE_D_SECURE_TIMEOUT)
                    )
                )
            ).all()
            refund_ids = uow.session.scalars(
                select(Refund.id).where(
                    (Refund.status == RefundStatus.UNKNOWN)
                    | ((Refund.status == RefundStatus.PENDING) & (Refund.created_at < now - self._unknown_grace))
                )
            ).all()
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


__all__ = [
    "DEFAULT_MESSAGE",
    "STATE_LABELS_EN",
    "STATE_LABELS_JA",
    "THREE_D_SECURE_TIMEOUT",
    "BillingService",
    "LinkStatus",
    "LinkView",
    "PaymentOutcome",
    "RefundOutcome",
    "RequestOutcome",
    "payment_usable",
]
