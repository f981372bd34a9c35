"""Billing states and the rules that move a billing request between them.

A billing request (請求) is what staff send a patient. Its state only moves along the
transitions listed in ``TRANSITIONS``; the storage layer enforces each move with a
conditional UPDATE, so two reception PCs can never both act on the same request.
"""

from __future__ import annotations

import enum
import math
from typing import Iterable, Mapping, TypeVar


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
    # PAID: the charge went through; REQUESTED: it was declined (or never happened).
    BillingState.PROCESSING: frozenset({BillingState.PAID, BillingState.REQUESTED}),
    # REFUNDING: a refund made at the desk; PARTIALLY_REFUNDED / REFUNDED: a refund PAY.JP
    # reports that was made elsewhere (its dashboard), learnt from a webhook.
    BillingState.PAID: frozenset(
        {BillingState.REFUNDING, BillingState.PARTIALLY_REFUNDED, BillingState.REFUNDED}
    ),
    BillingState.PARTIALLY_REFUNDED: frozenset(
        {BillingState.REFUNDING, BillingState.PARTIALLY_REFUNDED, BillingState.REFUNDED}
    ),
    BillingState.REFUNDING: frozenset(
        {BillingState.PAID, BillingState.PARTIALLY_REFUNDED, BillingState.REFUNDED}
    ),
    BillingState.REFUNDED: frozenset(),
    BillingState.CANCELLED: frozenset(),
    BillingState.EXPIRED: frozenset(),
}
"""The state machine of a billing request: the only moves the storage layer will perform."""

ATTEMPT_TRANSITIONS: dict[AttemptStatus, frozenset[AttemptStatus]] = {
    AttemptStatus.PENDING: frozenset(
        {AttemptStatus.THREE_D_SECURE, AttemptStatus.SUCCEEDED, AttemptStatus.FAILED, AttemptStatus.UNKNOWN}
    ),
    AttemptStatus.UNKNOWN: frozenset(
        {AttemptStatus.THREE_D_SECURE, AttemptStatus.SUCCEEDED, AttemptStatus.FAILED}
    ),
    # UNKNOWN: the cardholder came back and tds_finish is being asked (recorded before the call).
    AttemptStatus.THREE_D_SECURE: frozenset({AttemptStatus.SUCCEEDED, AttemptStatus.FAILED, AttemptStatus.UNKNOWN}),
    # A charge declared lost (after the grace period) that a later look-up finds paid.
    AttemptStatus.FAILED: frozenset({AttemptStatus.SUCCEEDED}),
    AttemptStatus.SUCCEEDED: frozenset(),
}
"""How a payment attempt's status may move."""

REFUND_TRANSITIONS: dict[RefundStatus, frozenset[RefundStatus]] = {
    RefundStatus.PENDING: frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.UNKNOWN}),
    RefundStatus.UNKNOWN: frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED}),
    RefundStatus.SUCCEEDED: frozenset(),
    RefundStatus.FAILED: frozenset(),
}
"""How a refund's status may move."""


class UndeclaredTransition(Exception):
    """A programming error: code asked for a move its state machine does not declare.

    Raised before anything is written.
    """

    def __init__(self, machine: str, sources: Iterable[enum.Enum], target: enum.Enum) -> None:
        self.machine = machine
        self.edges = sorted(f"{s.value}->{target.value}" for s in sources)
        super().__init__(f"{machine}: undeclared transition {', '.join(self.edges)}")


S = TypeVar("S", bound=enum.Enum)


def check_transition(
    machine: str, table: Mapping[S, frozenset[S]], sources: Iterable[S], target: S
) -> frozenset[S]:
    """Return ``sources`` as a set if every ``source → target`` edge is in ``table``.

    Raises:
        UndeclaredTransition: some edge is not declared (or ``sources`` is empty).
    """
    wanted = frozenset(sources)
    if not wanted or any(target not in table[s] for s in wanted):
        raise UndeclaredTransition(machine, [s for s in wanted if target not in table[s]] or wanted, target)
    return wanted


OPEN_STATES = frozenset({BillingState.REQUESTED, BillingState.PROCESSING})
"""A visit (reservation) has at most one request in these states: its one payable link."""

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
    """Whether ``TRANSITIONS`` allows ``current → target``."""
    return target in TRANSITIONS[current]


def state_after_refund(amount: int, refunded_amount: int) -> BillingState:
    """The settled state once ``refunded_amount`` yen (whole yen) of ``amount`` have been refunded."""
    if refunded_amount <= 0:
        return BillingState.PAID
    if refunded_amount >= amount:
        return BillingState.REFUNDED
    return BillingState.PARTIALLY_REFUNDED


def included_tax(amount: int, category: TaxCategory) -> int:
    """Consumption tax (whole yen) contained in a tax-inclusive ``amount`` in whole yen (端数切り捨て)."""
    if category is TaxCategory.NON_TAXABLE:
        return 0
    return math.floor(amount * CONSUMPTION_TAX_PERCENT / (100 + CONSUMPTION_TAX_PERCENT))

