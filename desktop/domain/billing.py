"""Billing states and the rules that move a billing request between them.

A billing request (請求) is what staff send a patient. Its state only moves along the
transitions listed in ``TRANSITIONS``; the storage layer enforces each move with a
conditional UPDATE, so two reception PCs can never both act on the same request.
"""

from __future__ import annotations

import enum
import math


class BillingState(str, enum.Enum):
    """Where a billing request stands."""

    REQUESTED = "requested"  # link e-mailed, waiting for the patient
    PROCESSING = "processing"  # a payment attempt is in flight (or waits for 3-D Secure)
    PAID = "paid"
    REFUNDING = "refunding"  # a refund is in flight
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class TaxCategory(str, enum.Enum):
    """課税区分."""

    TAXABLE = "taxable"  # 課税 (10%, included in the amount)
    NON_TAXABLE = "non_taxable"  # 非課税


class RequestKind(str, enum.Enum):
    POST_PAYMENT = "post"  # 後決済
    PRE_PAYMENT = "pre"  # 事前決済


class AttemptStatus(str, enum.Enum):
    PENDING = "pending"  # recorded, call not answered yet
    THREE_D_SECURE = "three_d_secure"  # charge created, waiting for the cardholder's 3-D Secure
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # timeout / lost response: must be reconciled, never retried blindly


class AttemptMethod(str, enum.Enum):
    CARD_TOKEN = "card_token"  # the patient typed a card on the checkout page
    SAVED_CARD = "saved_card"  # 自動決済 with the patient's saved card


class RefundStatus(str, enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"


TRANSITIONS: dict[BillingState, frozenset[BillingState]] = {
    BillingState.REQUESTED: frozenset(
        {BillingState.PROCESSING, BillingState.CANCELLED, BillingState.EXPIRED}
    ),
    BillingState.PROCESSING: frozenset({BillingState.PAID, BillingState.REQUESTED}),
    BillingState.PAID: frozenset({BillingState.REFUNDING}),
    BillingState.PARTIALLY_REFUNDED: frozenset({BillingState.REFUNDING}),
    BillingState.REFUNDING: frozenset(
        {BillingState.PAID, BillingState.PARTIALLY_REFUNDED, BillingState.REFUNDED}
    ),
    BillingState.REFUNDED: frozenset(),
    BillingState.CANCELLED: frozenset(),
    BillingState.EXPIRED: frozenset(),
}

REFUNDABLE_STATES = frozenset({BillingState.PAID, BillingState.PARTIALLY_REFUNDED})
PAID_STATES = frozenset(
    {
        BillingState.PAID,
        BillingState.REFUNDING,
        BillingState.PARTIALLY_REFUNDED,
        BillingState.REFUNDED,
    }
)

# PAY.JP's limits for one charge (JPY).
MIN_CHARGE_YEN = 50
MAX_CHARGE_YEN = 9_999_999
REFUND_LIMIT_DAYS = 180
CONSUMPTION_TAX_PERCENT = 10


def can_transition(current: BillingState, target: BillingState) -> bool:
    return target in TRANSITIONS[current]


def state_after_refund(amount: int, refunded_amount: int) -> BillingState:
    """The settled state once ``refunded_amount`` yen of ``amount`` have been refunded."""
    if refunded_amount <= 0:
        return BillingState.PAID
    if refunded_amount >= amount:
        return BillingState.REFUNDED
    return BillingState.PARTIALLY_REFUNDED


def included_tax(amount: int, category: TaxCategory) -> int:
    """Consumption tax contained in a tax-inclusive amount (端数切り捨て)."""
    if category is TaxCategory.NON_TAXABLE:
        return 0
    return math.floor(amount * CONSUMPTION_TAX_PERCENT / (100 + CONSUMPTION_TAX_PERCENT))
