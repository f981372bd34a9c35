"""3-D Secure states reachable without a browser."""

from __future__ import annotations

import payjp
import pytest

from .conftest import Target


def test_three_d_secure_charge_is_pending(target: Target) -> None:
    charge = target.charge(3000, three_d_secure=True)
    assert charge.three_d_secure_status == "unverified"
    assert charge.paid is False
    assert charge.captured is False
    assert charge.captured_at is None
    assert charge.expired_at is None


def test_tds_finish_before_authentication_is_refused(target: Target) -> None:
    charge = target.charge(3000, three_d_secure=True)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        charge.tds_finish()
    assert info.value.http_status == 400
    assert info.value.json_body["error"]["code"] == "three_d_secure_incompleted"


def test_tds_finish_on_a_plain_charge_is_refused(target: Target) -> None:
    charge = target.charge(3000)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        charge.tds_finish()
    assert info.value.json_body["error"]["code"] == "not_in_three_d_secure_flow"


def test_three_d_secure_token_cannot_be_used_before_finishing(target: Target) -> None:
    token = target.token(three_d_secure=True, name="TARO YAMADA", email="patient@example.jp")
    assert token.card.three_d_secure_status == "unverified"
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Customer.create(api_key=target.secret_key, card=token.id)
    assert info.value.json_body["error"]["code"] == "unverified_token"


def test_three_d_secure_request_for_a_saved_card(target: Target) -> None:
    customer = payjp.Customer.create(api_key=target.secret_key, card=target.token().id)
    request = payjp.ThreeDSecureRequest.create(api_key=target.secret_key, resource_id=customer.default_card)
    assert request.id.startswith("tdsr_")
    assert request.object == "three_d_secure_request"
    assert request.resource_id == customer.default_card
    assert request.state == "created"
    again = payjp.ThreeDSecureRequest.retrieve(request.id, api_key=target.secret_key)
    assert again.id == request.id


def test_tds_finish_of_a_token_waits_for_the_cardholder(target: Target) -> None:
    """Token 3-D Secure (saving a card): tds_finish before the cardholder answered is refused."""
    token = target.token(three_d_secure=True, name="TARO YAMADA", email="patient@example.jp")
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        target.request("post", f"/v1/tokens/{token.id}/tds_finish")
    assert info.value.json_body["error"]["code"] == "three_d_secure_incompleted"


def test_tds_finish_of_a_plain_token_is_refused(target: Target) -> None:
    """A token made without 3-D Secure cannot be "finished" into a 3-D Secure one."""
    token = target.token()
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        target.request("post", f"/v1/tokens/{token.id}/tds_finish")
    assert info.value.json_body["error"]["code"] == "not_in_three_d_secure_flow"
