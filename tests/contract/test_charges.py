"""Charges: create, validation, capture, refund, update, list."""

from __future__ import annotations

import time

import payjp
import pytest

from .conftest import Target


def _code(info: pytest.ExceptionInfo[payjp.error.PayjpException]) -> str:
    return str(info.value.json_body["error"]["code"])


def test_charge_shape(target: Target) -> None:
    charge = target.charge(1500, description="診療費", metadata={"visit_id": "V-1"})
    assert charge.id.startswith("ch_") and len(charge.id) == 31
    assert charge.object == "charge"
    assert (charge.amount, charge.currency) == (1500, "jpy")
    assert charge.paid is True and charge.captured is True
    assert isinstance(charge.captured_at, int)
    assert charge.refunded is False and charge.amount_refunded == 0
    assert charge.description == "診療費"
    assert charge.metadata == {"visit_id": "V-1"}
    assert charge.card.last4 == "4242"
    assert charge.livemode is False
    assert charge.three_d_secure_status is None
    for field in ("failure_code", "failure_message", "fee_rate", "refund_reason", "customer", "expired_at"):
        assert field in charge


@pytest.mark.parametrize("amount", [50, 9_999_999])
def test_amount_bounds_are_accepted(target: Target, amount: int) -> None:
    assert target.charge(amount).amount == amount


@pytest.mark.parametrize("amount", [49, 10_000_000])
def test_amount_out_of_range_is_invalid_amount(target: Target, amount: int) -> None:
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        target.charge(amount)
    assert info.value.http_status == 400
    assert _code(info) == "invalid_amount"


def test_only_jpy(target: Target) -> None:
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Charge.create(api_key=target.secret_key, amount=1000, currency="usd", card=target.token().id)
    assert _code(info) == "invalid_currency"


def test_metadata_limits(target: Target) -> None:
    at_limit = {f"k{i}": "v" * 500 for i in range(20)}
    at_limit["k" * 40] = at_limit.pop("k0")
    assert len(target.charge(metadata=at_limit).metadata) == 20
    cases = [
        ({f"k{i}": "v" for i in range(21)}, "too_many_metadata_keys"),
        ({"k" * 41: "v"}, "invalid_metadata_key"),
        ({"k": "v" * 501}, "invalid_metadata_value"),
    ]
    for metadata, code in cases:
        with pytest.raises(payjp.error.InvalidRequestError) as info:
            target.charge(metadata=metadata)
        assert _code(info) == code


def test_authorize_then_capture(target: Target) -> None:
    charge = target.charge(2000, capture=False, expiry_days=3)
    assert charge.paid is True and charge.captured is False
    assert charge.captured_at is None
    assert charge.expired_at - charge.created >= 3 * 86_400 - 86_400
    charge.capture()
    assert charge.captured is True
    assert isinstance(charge.captured_at, int)


def test_partial_capture_moves_the_rest_to_amount_refunded(target: Target) -> None:
    charge = target.charge(500, capture=False)
    charge.capture(amount=400)
    assert charge.captured is True
    assert charge.amount_refunded == 100


def test_capture_twice_is_refused(target: Target) -> None:
    charge = target.charge(500)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        charge.capture()
    assert _code(info) == "already_captured"


def test_expiry_days_rules(target: Target) -> None:
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        target.charge(expiry_days=3)
    assert _code(info) == "unnecessary_expiry_days"
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        target.charge(capture=False, expiry_days=61)
    assert _code(info) == "invalid_expiry_days"


def test_partial_refunds_accumulate(target: Target) -> None:
    charge = target.charge(5500)
    charge.refund(amount=1000, refund_reason="窓口で一部返金")
    assert charge.amount_refunded == 1000
    assert charge.refunded is False
    assert charge.refund_reason == "窓口で一部返金"
    charge.refund(amount=500)
    assert charge.amount_refunded == 1500
    with pytest.raises(payjp.error.InvalidRequestError):
        charge.refund(amount=4001)
    charge.refund()
    assert charge.amount_refunded == 5500
    assert charge.refunded is True
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        charge.refund()
    assert _code(info) == "already_refunded"


def test_refund_reason_longer_than_255_is_refused(target: Target) -> None:
    charge = target.charge(1000)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        charge.refund(refund_reason="x" * 256)
    assert _code(info) == "invalid_refund_reason"
    assert charge.refund(refund_reason="x" * 255).refunded is True


def test_uncaptured_charge_is_refunded_only_in_full(target: Target) -> None:
    charge = target.charge(3000, capture=False)
    with pytest.raises(payjp.error.InvalidRequestError):
        charge.refund(amount=1000)
    charge.refund()
    assert charge.refunded is True
    assert charge.amount_refunded == 3000


def test_update_description_and_metadata(target: Target) -> None:
    charge = target.charge(800, metadata={"a": "1"})
    charge.description = "更新後"
    charge.metadata["b"] = "2"
    charge.save()
    again = payjp.Charge.retrieve(charge.id, api_key=target.secret_key)
    assert again.description == "更新後"
    assert again.metadata == {"a": "1", "b": "2"}


def test_list_paging_and_order(target: Target) -> None:
    since = int(time.time()) - 5
    created = [target.charge(1000 + i).id for i in range(3)]
    page = payjp.Charge.all(api_key=target.secret_key, limit=2, since=since)
    assert page.object == "list"
    assert page.url == "/v1/charges"
    assert len(page.data) == 2 and page.count == 2
    assert page.has_more is True
    newest = [charge.id for charge in page.data]
    rest = payjp.Charge.all(api_key=target.secret_key, limit=2, offset=2, since=since)
    ids = newest + [charge.id for charge in rest.data]
    # Same-second creations may tie on `created`; all three are there, newest first by time.
    assert set(created) <= set(ids)
    stamps = [payjp.Charge.retrieve(i, api_key=target.secret_key).created for i in ids]
    assert stamps == sorted(stamps, reverse=True)


def test_limit_over_100_is_refused(target: Target) -> None:
    with pytest.raises(payjp.error.InvalidRequestError):
        payjp.Charge.all(api_key=target.secret_key, limit=101)


def test_a_list_window_is_inclusive_and_shows_refunds_made_since(target: Target) -> None:
    """What 照合 relies on: since/until (以降/以前) include the charge's own second, and a listed
    charge carries its refunds (``amount_refunded``), however they were made."""
    charge = target.charge(1500)
    charge.refund(amount=500)
    created = payjp.Charge.retrieve(charge.id, api_key=target.secret_key).created
    page = payjp.Charge.all(api_key=target.secret_key, since=created, until=created, limit=100)
    listed = {c.id: c for c in page.data}
    assert charge.id in listed
    assert listed[charge.id].amount_refunded == 500 and listed[charge.id].refunded is False
    later = payjp.Charge.all(api_key=target.secret_key, since=created + 3600, limit=100)
    assert charge.id not in [c.id for c in later.data]
    earlier = payjp.Charge.all(api_key=target.secret_key, until=created - 3600, since=created - 7200, limit=100)
    assert charge.id not in [c.id for c in earlier.data]
