"""The billing engine: post-payment requests, patient payments, cancel / re-request, refunds.

Every money action follows the same pattern, because PAY.JP v1 has no idempotency key:

1. In one transaction, move the request with a conditional UPDATE (``... WHERE state =
   'requested'``; exactly one row must change) and record the attempt or refund *before*
   PAY.JP is called. Two PCs, two tabs or a double click cannot both get past this step.
2. Call PAY.JP outside any transaction (the attempt id travels in the charge metadata).
3. Record the answer. If the answer was lost, the attempt is ``unknown`` and is resolved
   by looking the charge up (``reconcile``), never by charging again.

Each use-case family is a small class (``RequestService``, ``PaymentService``,
``RefundService``, ``ReconciliationService``, ``PayjpEventService``) built with its
collaborators; ``BillingService`` builds them together and offers their methods in one place.
The methods block (database and network): the UI and the checkout server run them in a
worker thread (``services.runner``).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from desktop.domain.billing import RequestKind, TaxCategory
from desktop.domain.money import Yen, parse_charge_yen
from desktop.domain.staff import Actor
from desktop.services import mail_compose as mail
from desktop.services.billing.common import DEFAULT_MESSAGE, THREE_D_SECURE_TIMEOUT, Clock, GatewayFor, LinkStatus
from desktop.services.billing.common import LinkView, PaymentOutcome, RefundOutcome, RequestOutcome, payment_block
from desktop.services.billing.common import message_for, payment_usable, public_base_url, utcnow
from desktop.services.billing.notifier import PatientNotifier
from desktop.services.billing.payjp_events import EventResult, PayjpEventService
from desktop.services.billing.payjp_reconciliation import PayjpReconciliationService, ReconciliationReport
from desktop.services.billing.payments import PaymentService
from desktop.services.billing.reconciliation import ReconciliationService
from desktop.services.billing.recording import ChargeRecorder, RefundRecorder
from desktop.services.billing.refunds import RefundService
from desktop.services.billing.reminders import ReminderSent, ReminderService
from desktop.services.billing.requests import RequestService, VisitCancelled
from desktop.services.billing.saved_cards import AutoChargePlan, SavedCardService, SavedCardView
from desktop.services.tenants import TenantService
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database


class BillingService:
    """Billing requests and the money actions on them, built from the use-case services.

    The services are also reachable as attributes: ``requests``, ``payments``, ``refunds``,
    ``reconciliation``, ``events``, ``reminders``, ``payjp_reconciliation`` (照合), ``refund_recorder``
    (records every refund's outcome) and ``notifier``. The methods here take what callers
    have always passed (amounts as whole yen ints or typed text, tax categories as enum or
    value) and hand typed values to those services.

    Args:
        db: the database.
        gateway_for: the PAY.JP gateway for a clinic's payment mode.
        composer: renders patient mail.
        clock: current UTC time (tests pass a fixed clock).
        unknown_grace: how long an unanswered call may still be carried out by PAY.JP;
            a lost charge that cannot be found is only declared failed after this.
        page_interval: seconds between two charge-list pages of 照合 (PAY.JP's rate limits).
    """

    def __init__(
        self,
        db: Database,
        gateway_for: GatewayFor,
        composer: mail.MailComposer | None = None,
        *,
        clock: Clock = utcnow,
        unknown_grace: dt.timedelta = dt.timedelta(minutes=2),
        page_interval: float = 0.6,
    ) -> None:
        self.notifier = PatientNotifier(composer=composer or mail.MailComposer(), clock=clock)
        charges = ChargeRecorder(db=db, notifier=self.notifier, clock=clock)
        self.refund_recorder = refunds = RefundRecorder(db=db, notifier=self.notifier, clock=clock)
        self.reconciliation = ReconciliationService(
            db=db, gateway_for=gateway_for, charges=charges, refunds=refunds, clock=clock, unknown_grace=unknown_grace
        )
        self.payments = PaymentService(
            db=db, gateway_for=gateway_for, recorder=charges, reconciliation=self.reconciliation, clock=clock
        )
        self.requests = RequestService(db=db, payments=self.payments, notifier=self.notifier, clock=clock)
        self.saved_cards = SavedCardService(db=db, payments=self.payments, notifier=self.notifier, clock=clock)
        self.refunds = RefundService(
            db=db, gateway_for=gateway_for, recorder=refunds, reconciliation=self.reconciliation, clock=clock
        )
        self.reminders = ReminderService(db=db, notifier=self.notifier, clock=clock)
        tenants = TenantService(db, gateway_for, clock=clock)
        self.events = PayjpEventService(
            db=db, gateway_for=gateway_for, reconciliation=self.reconciliation, tenants=tenants,
            clock=clock, refund_recorder=refunds,
        )
        self.payjp_reconciliation = PayjpReconciliationService(
            db=db, gateway_for=gateway_for, reconciliation=self.reconciliation,
            refund_recorder=refunds, clock=clock, page_interval=page_interval,
        )
        self.open_link = self.payments.open_link
        self.pay_with_token = self.payments.pay_with_token
        self.charge_saved_card = self.payments.charge_saved_card
        self.finish_three_d_secure = self.payments.finish_three_d_secure
        self.pay_and_save = self.saved_cards.pay_and_save
        self.reconcile_pending = self.reconciliation.reconcile_pending
        self.request_pre_payment = self.requests.request_pre_payment
        self.cancel_request = self.requests.cancel_request
        self.cancel_reservation = self.requests.cancel_reservation
        self.expire_overdue = self.requests.expire_overdue

    def request_payment(
        self,
        reservation_id: int,
        actor: Actor,
        amount: object,
        tax_category: TaxCategory | str,
        message: str | None = DEFAULT_MESSAGE,
        *,
        kind: RequestKind = RequestKind.POST_PAYMENT,
        replace_open: int | None = None,
        additional: bool = False,
    ) -> RequestOutcome:
        """``RequestService.request_payment``; ``amount`` may still be typed text (parsed here)."""
        return self.requests.request_payment(
            reservation_id, actor, parse_charge_yen(amount), TaxCategory(tax_category), message, kind=kind,
            replace_open=replace_open, additional=additional,
        )

    def re_request(
        self,
        request_id: int,
        actor: Actor,
        *,
        amount: object | None = None,
        tax_category: TaxCategory | str | None = None,
        message: str | None = None,
        replace_open: int | None = None,
        additional: bool = False,
    ) -> RequestOutcome:
        """``RequestService.re_request``; ``amount`` may still be typed text (parsed here)."""
        return self.requests.re_request(
            request_id,
            actor,
            amount=None if amount is None else parse_charge_yen(amount),
            tax_category=None if tax_category is None else TaxCategory(tax_category),
            message=message,
            replace_open=replace_open,
            additional=additional,
        )

    def refund(
        self, request_id: int, actor: Actor, amount: object | None = None, reason: str | None = "", *,
        approver: Actor | None = None,
    ) -> RefundOutcome:
        """``RefundService.refund``; the service checks ``amount`` against what is left."""
        return self.refunds.refund(request_id, actor, cast("Yen | None", amount), reason, approver=approver)

    @staticmethod
    def public_base_url(clinic: Clinic) -> str:
        """Where the clinic's checkout page is reached (links in mail point there)."""
        return public_base_url(clinic)


__all__ = [
    "DEFAULT_MESSAGE",
    "THREE_D_SECURE_TIMEOUT",
    "BillingService",
    "ChargeRecorder",
    "EventResult",
    "LinkStatus",
    "LinkView",
    "PatientNotifier",
    "PaymentOutcome",
    "PaymentService",
    "PayjpEventService",
    "PayjpReconciliationService",
    "ReconciliationReport",
    "ReconciliationService",
    "RefundOutcome",
    "RefundRecorder",
    "RefundService",
    "ReminderSent",
    "ReminderService",
    "RequestOutcome",
    "RequestService",
    "AutoChargePlan",
    "SavedCardService",
    "SavedCardView",
    "VisitCancelled",
    "message_for",
    "payment_block",
    "payment_usable",
]
