"""PAY.JP's test cards (docs.pay.jp/v1/testcard)."""

from __future__ import annotations

import payjp
import pytest

from .conftest import Target


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "Visa"),
        ("5555555555554444", "MasterCard"),
        ("3530111333300000", "JCB"),
        ("378282246310005", "American Express"),
        ("38520000023237", "Diners Club"),
        ("6011111111111117", "Discover"),
    ],
)
def test_brand_detection(target: Target, number: str, brand: str) -> None:
    card = target.token(number).card
    assert card.brand == brand
    assert card.last4 == number[-4:]


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000000002", "card_declined"),
        ("4000000000000069", "expired_card"),
        ("4000000000000127", "incorrect_card_data"),
        ("4000003720000278", "incorrect_card_data"),
        ("4000000000000119", "processing_error"),
        ("36227206271667", "unacceptable_brand"),
    ],
)
def test_token_time_errors(target: Target, number: str, code: str) -> None:
    with pytest.raises(payjp.error.CardError) as info:
        target.token(number)
    assert info.value.http_status == 402
    assert info.value.code == code
    assert info.value.json_body["error"]["type"] == "card_error"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000080319", "card_declined"),
        ("4000000000004012", "expired_card"),
        ("4000000000000077", "incorrect_card_data"),
    ],
)
def test_charge_time_errors_keep_a_failed_charge(target: Target, number: str, code: str) -> None:
    token = target.token(number)
    with pytest.raises(payjp.error.CardError) as info:
        payjp.Charge.create(api_key=target.secret_key, amount=1000, currency="jpy", card=token.id)
    error = info.value.json_body["error"]
    assert info.value.http_status == 402
    assert error["code"] == code
    charge_id = error["charge"]
    failed = payjp.Charge.retrieve(charge_id, api_key=target.secret_key)
    assert failed.paid is False
    assert failed.failure_code == code
    assert failed.failure_message
    listed = payjp.Charge.all(api_key=target.secret_key, limit=100)
    assert charge_id in [charge.id for charge in listed.data]


def test_decline_only_above_ten_thousand_yen(target: Target) -> None:
    ok = target.charge(10_000, "4000000000080202")
    assert ok.paid is True
    with pytest.raises(payjp.error.CardError) as info:
        target.charge(10_001, "4000000000080202")
    assert info.value.code == "card_declined"


@pytest.mark.parametrize(
    ("number", "field", "value"),
    [
        ("4000000000000101", "cvc_check", "failed"),
        ("4000000000000044", "cvc_check", "unavailable"),
        ("4000000000000036", "address_zip_check", "failed"),
    ],
)
def test_check_results(target: Target, number: str, field: str, value: str) -> None:
    assert target.token(number, address_zip="1500001").card[field] == value


def test_card_name_with_japanese_characters_is_rejected(target: Target) -> None:
    with pytest.raises(payjp.error.PayjpException) as info:
        target.token(name="山田 太郎")
    assert info.value.json_body["error"]["code"] == "invalid_card_name"


def test_card_name_longer_than_45_is_rejected(target: Target) -> None:
    with pytest.raises(payjp.error.PayjpException) as info:
        target.token(name="A" * 46)
    assert info.value.json_body["error"]["code"] == "invalid_card_name"


def test_card_name_of_45_letters_is_accepted(target: Target) -> None:
    assert target.token(name="A" * 45).card.name == "A" * 45


def test_card_name_with_a_card_number_is_rejected(target: Target) -> None:
    with pytest.raises(payjp.error.PayjpException) as info:
        target.token(name="TARO 4242 4242 4242 4242")
    assert info.value.json_body["error"]["code"] == "invalid_card_name"
