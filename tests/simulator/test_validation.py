"""Simulator choices where PAY.JP's exact answer is not documented (see the reference)."""

from __future__ import annotations

import payjp
import pytest

from desktop.simulator.testing import RunningSimulator, make_test_token

from .helpers import charge


def test_luhn_invalid_number_is_incorrect_card_data(sim: RunningSimulator) -> None:
    with pytest.raises(payjp.error.CardError) as info:
        make_test_token(sim.base_url, sim.secret_key, "4242424242424241")
    assert info.value.code == "incorrect_card_data"


def test_past_expiry_is_expired_card(sim: RunningSimulator) -> None:
    with pytest.raises(payjp.error.CardError) as info:
        make_test_token(sim.base_url, sim.secret_key, exp_year=2001)
    assert info.value.code == "expired_card"


def test_unknown_parameter_is_refused(sim: RunningSimulator) -> None:
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        charge(sim, amout=100)  # a typo must not be silently ignored
    assert info.value.json_body["error"]["code"] == "no_allowed_param"
    assert info.value.json_body["error"]["param"] == "amout"


def test_booleans_accept_sdk_and_browser_spelling(sim: RunningSimulator) -> None:
    assert charge(sim, capture=False).captured is False  # the SDK sends "False"
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        charge(sim, capture="maybe")
    assert info.value.json_body["error"]["code"] == "invalid_boolean"


def test_card_name_rule_applies_to_card_update(sim: RunningSimulator) -> None:
    customer = payjp.Customer.create(api_key=sim.secret_key, card=make_test_token(sim.base_url, sim.secret_key))
    card = customer.cards.retrieve(customer.default_card)
    card.name = "やまだ"
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        card.save()
    assert info.value.json_body["error"]["code"] == "invalid_card_name"


def test_overseas_card_hold_is_cut_to_seven_days(sim: RunningSimulator) -> None:
    held = charge(sim, 1000, "4000000900000003", capture=False, expiry_days=30)
    assert held.expired_at - held.created == 7 * 86_400


def test_capture_after_hold_expiry_is_refused(sim: RunningSimulator) -> None:
    held = charge(sim, 1000, capture=False, expiry_days=1)
    sim.state.advance_time(2 * 86_400)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        held.capture()
    assert info.value.json_body["error"]["code"] == "charge_expired"


def test_platform_fee_follows_refunds(sim: RunningSimulator) -> None:
    from payjp import api_requestor

    tenant, _ = api_requestor.APIRequestor(key=sim.secret_key).request(
        "post", "/v1/tenants", {"name": "T", "platform_fee_rate": "10.15"}
    )
    paid = charge(sim, 5500, tenant=tenant["id"])
    assert paid.total_platform_fee == 558
    paid.refund(amount=1000)
    assert paid.total_platform_fee == 456
