"""The billing state machines, refund states, included tax and yen amounts."""

from __future__ import annotations

import pytest

from desktop.domain.labels import label
from desktop.domain.billing import (
    ATTEMPT_TRANSITIONS,
    PAID_STATES,
    REFUND_TRANSITIONS,
    REFUNDABLE_STATES,
    TRANSITIONS,
    AttemptStatus,
    BillingState,
    RefundStatus,
    TaxCategory,
    UndeclaredTransition,
    can_transition,
    check_transition,
    included_tax,
    state_after_refund,
)
from desktop.domain.errors import StateError, ValidationError
from desktop.domain.money import parse_charge_yen, parse_refund_yen


def test_every_state_has_a_row_and_finished_requests_never_move() -> None:
    assert set(TRANSITIONS) == set(BillingState)
    assert set(ATTEMPT_TRANSITIONS) == set(AttemptStatus)
    assert set(REFUND_TRANSITIONS) == set(RefundStatus)
    for final in (BillingState.REFUNDED, BillingState.CANCELLED, BillingState.EXPIRED):
        assert TRANSITIONS[final] == frozenset()
    assert ATTEMPT_TRANSITIONS[AttemptStatus.SUCCEEDED] == frozenset()


def test_a_paid_request_can_be_refunded_but_never_cancelled_or_reopened() -> None:
    assert can_transition(BillingState.PAID, BillingState.REFUNDING)
    assert not can_transition(BillingState.PAID, BillingState.CANCELLED)
    assert not can_transition(BillingState.PAID, BillingState.REQUESTED)
    assert not can_transition(BillingState.REQUESTED, BillingState.PAID)  # only through PROCESSING


def test_check_transition_names_every_undeclared_edge() -> None:
    with pytest.raises(UndeclaredTransition) as error:
        check_transition("billing_request", TRANSITIONS, {BillingState.PAID, BillingState.REQUESTED},
                         BillingState.CANCELLED)
    assert error.value.edges == ["paid->cancelled"]
    with pytest.raises(UndeclaredTransition):
        check_transition("billing_request", TRANSITIONS, set(), BillingState.CANCELLED)
    assert check_transition("refund", REFUND_TRANSITIONS, [RefundStatus.PENDING], RefundStatus.UNKNOWN) == {
        RefundStatus.PENDING}


@pytest.mark.parametrize(("amount", "refunded", "expected"), [
    (1200, 0, BillingState.PAID),
    (1200, 1, BillingState.PARTIALLY_REFUNDED),
    (1200, 1199, BillingState.PARTIALLY_REFUNDED),
    (1200, 1200, BillingState.REFUNDED),
    (1200, 5000, BillingState.REFUNDED),
])
def test_state_after_refund(amount: int, refunded: int, expected: BillingState) -> None:
    assert state_after_refund(amount, refunded) is expected


def test_refundable_states_are_paid_states() -> None:
    assert REFUNDABLE_STATES < PAID_STATES
    assert BillingState.REFUNDING not in REFUNDABLE_STATES


@pytest.mark.parametrize(("amount", "category", "tax"), [
    (1100, TaxCategory.TAXABLE, 100),
    (1200, TaxCategory.TAXABLE, 109),  # 109.09… rounded down
    (50, TaxCategory.TAXABLE, 4),
    (1200, TaxCategory.NON_TAXABLE, 0),
])
def test_included_tax_is_rounded_down(amount: int, category: TaxCategory, tax: int) -> None:
    assert included_tax(amount, category) == tax


def test_state_labels_in_both_languages_and_in_messages() -> None:
    assert (label(BillingState.PAID), label(BillingState.PAID, "en")) == ("決済済み", "Paid")
    error = StateError("request_not_refundable", state=BillingState.CANCELLED)
    assert "取消済み" in error.message("ja") and "Cancelled" in error.message("en")


@pytest.mark.parametrize(("typed", "yen"), [("1200", 1200), ("1,200", 1200), ("¥1,200", 1200), ("１２００円", 1200),
                                            (50, 50), (9_999_999, 9_999_999)])
def test_typed_amounts_become_whole_yen(typed: object, yen: int) -> None:
    assert parse_charge_yen(typed) == yen


@pytest.mark.parametrize(("typed", "code"), [("12.5", "amount_not_whole"), ("", "amount_required"),
                                             (True, "amount_not_integer"), (49, "amount_too_small"),
                                             ("10,000,000", "amount_too_large")])
def test_amounts_payjp_cannot_charge_are_refused(typed: object, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_charge_yen(typed)
    assert error.value.code == code


def test_a_refund_amount_is_at_least_one_yen_and_at_most_what_is_left() -> None:
    assert parse_refund_yen("1", 1200, "¥1,200") == 1  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as error:
        parse_refund_yen("1201", 1200, "¥1,200")  # type: ignore[arg-type]
    assert error.value.code == "refund_amount_exceeds" and "¥1,200" in error.value.message("ja")
    with pytest.raises(ValidationError):
        parse_refund_yen(0, 1200, "¥1,200")  # type: ignore[arg-type]
