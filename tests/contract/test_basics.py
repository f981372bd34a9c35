"""Authentication, routing, error shape and ids."""

from __future__ import annotations

import re

import payjp
import pytest
import requests

from .conftest import Target

ID = re.compile(r"^(ch|tok|car|cus|evnt|ten|tdsr)_[0-9a-f]{28}$")


def test_missing_api_key_is_401_auth_error(target: Target) -> None:
    response = requests.get(f"{target.base_url}/v1/charges", timeout=30)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["type"] == "auth_error"
    assert error["status"] == 401


def test_unknown_secret_key_raises_authentication_error(target: Target) -> None:
    with pytest.raises(payjp.error.AuthenticationError) as info:
        payjp.Charge.all(api_key="not_a_payjp_key_000000")
    assert info.value.http_status == 401
    assert info.value.json_body["error"]["type"] == "auth_error"


def test_unknown_url_is_404_client_error(target: Target) -> None:
    response = requests.get(f"{target.base_url}/v1/not_found", auth=(target.secret_key, ""), timeout=30)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "client_error"
    assert error["message"] == "Unrecognized request URL: GET /v1/not_found"


def test_unknown_charge_is_404_invalid_request(target: Target) -> None:
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Charge.retrieve("ch_00000000000000000000000000ff", api_key=target.secret_key)
    assert info.value.http_status == 404
    assert info.value.json_body["error"]["status"] == 404


def test_secret_key_token_needs_direct_generate_header(target: Target) -> None:
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Token.create(
            api_key=target.secret_key, card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2035}
        )
    assert info.value.http_status == 400
    assert info.value.json_body["error"]["code"] == "unsafe_credit_card_param"


def test_token_shape(target: Target) -> None:
    token = target.token(name="TARO YAMADA", email="patient@example.jp")
    assert ID.match(token.id) and token.id.startswith("tok_")
    assert token.object == "token"
    assert token.livemode is False
    assert token.used is False
    assert isinstance(token.created, int)
    card = token.card
    assert card.object == "card" and card.id.startswith("car_")
    assert (card.brand, card.last4, card.exp_month) == ("Visa", "4242", 12)
    assert card.name == "TARO YAMADA"
    assert card.email == "patient@example.jp"
    assert card.cvc_check == "passed"


def test_fingerprint_is_per_card_number(target: Target) -> None:
    first = target.token("4242424242424242").card.fingerprint
    again = target.token("4242424242424242").card.fingerprint
    other = target.token("4012888888881881").card.fingerprint
    assert first == again
    assert first != other


def test_token_can_be_retrieved_and_is_used_after_charge(target: Target) -> None:
    token = target.token()
    payjp.Charge.create(api_key=target.secret_key, amount=500, currency="jpy", card=token.id)
    again = payjp.Token.retrieve(token.id, api_key=target.secret_key)
    assert again.used is True


def test_token_is_single_use(target: Target) -> None:
    token = target.token()
    payjp.Charge.create(api_key=target.secret_key, amount=500, currency="jpy", card=token.id)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Charge.create(api_key=target.secret_key, amount=500, currency="jpy", card=token.id)
    assert info.value.http_status == 400
    assert info.value.json_body["error"]["code"] == "token_already_used"


def test_idempotency_key_header_is_ignored(target: Target) -> None:
    headers = {"Idempotency-Key": "same-key-twice"}
    first = payjp.Charge.create(
        api_key=target.secret_key, headers=headers, amount=600, currency="jpy", card=target.token().id
    )
    second = payjp.Charge.create(
        api_key=target.secret_key, headers=headers, amount=600, currency="jpy", card=target.token().id
    )
    assert first.id != second.id
