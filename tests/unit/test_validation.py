"""What staff type is checked before anything changes, with messages in Japanese and English."""

from __future__ import annotations

import pytest

from desktop.domain.billing import BillingState, TaxCategory, included_tax, state_after_refund
from desktop.domain.errors import UserError, ValidationError, message_for
from desktop.domain.validation import (
    is_legacy_carrier_address,
    parse_amount,
    parse_refund_amount,
    validate_email,
    validate_message,
)


@pytest.mark.parametrize(
    ("typed", "yen"),
    [("1200", 1200), ("1,200", 1200), ("¥1,200", 1200), ("１２００", 1200), (" 50 ", 50), (9_999_999, 9_999_999)],
)
def test_amounts_staff_type_are_read_as_whole_yen(typed: object, yen: int) -> None:
    assert parse_amount(typed) == yen


@pytest.mark.parametrize(("typed", "code", "words"), [
    ("12.5", "amount_not_whole", "1円単位"), (12.5, "amount_not_whole", "1円単位"),
    ("1e3", "amount_not_integer", "数字"), ("abc", "amount_not_integer", "数字"), (True, "amount_not_integer", "数字"),
    ("", "amount_required", "入力して"), (None, "amount_required", "入力して"),
    ("-100", "amount_negative", "マイナス"),
])
def test_amounts_that_are_not_whole_yen_are_refused_saying_what_is_wrong(typed: object, code: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount(typed)
    assert info.value.code == code
    assert words in info.value.message("ja")


def test_the_help_pages_one_yen_example_is_below_payjps_minimum() -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount("1")
    assert info.value.field == "amount"
    assert "50円以上" in info.value.message("ja")
    assert "¥50" in info.value.message("en")


def test_amount_above_payjps_maximum_is_refused() -> None:
    with pytest.raises(ValidationError, match="9,999,999"):
        parse_amount(10_000_000)


@pytest.mark.parametrize("address", ["taro@example.jp", "hanako.yamada+clinic@docomo.ne.jp", "a_b-c@sub.example.co.jp"])
def test_ordinary_addresses_pass(address: str) -> None:
    assert validate_email(address) == address


@pytest.mark.parametrize("address", ["taro..yamada@docomo.ne.jp", "taro.@ezweb.ne.jp", ".taro@example.jp"])
def test_legacy_carrier_addresses_are_accepted_and_flagged_for_a_warning(address: str) -> None:
    assert validate_email(address) == address
    assert is_legacy_carrier_address(address)
    assert "携帯キャリア" in UserError("email_legacy_carrier", address=address).message("ja")


@pytest.mark.parametrize("address", ["taro", "taro@", "@example.jp", "taro@example", "ta ro@example.jp", "a@b@c.jp"])
def test_malformed_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_email(address)
    assert info.value.code == "email_invalid"


@pytest.mark.parametrize("address", [None, "", "  "])
def test_a_patient_without_an_address_cannot_be_mailed(address: str | None) -> None:
    with pytest.raises(ValidationError) as info:
        validate_email(address)
    assert info.value.code == "email_missing"


def test_refund_amount_cannot_exceed_what_is_left() -> None:
    assert parse_refund_amount("500", 1200, "¥1,200") == 500
    with pytest.raises(ValidationError) as info:
        parse_refund_amount(1300, 1200, "¥1,200")
    assert "¥1,200" in info.value.message("ja")
    with pytest.raises(ValidationError):
        parse_refund_amount(0, 1200, "¥1,200")


def test_overlong_message_is_refused() -> None:
    assert validate_message("  こんにちは  ") == "こんにちは"
    with pytest.raises(ValidationError):
        validate_message("あ" * 1001)


def test_tax_contained_in_a_tax_inclusive_amount() -> None:
    assert included_tax(1100, TaxCategory.TAXABLE) == 100
    assert included_tax(1200, TaxCategory.TAXABLE) == 109  # 1200 * 10 / 110 = 109.09 → 109
    assert included_tax(1200, TaxCategory.NON_TAXABLE) == 0


def test_state_after_refund_follows_the_amounts() -> None:
    assert state_after_refund(1200, 0) is BillingState.PAID
    assert state_after_refund(1200, 200) is BillingState.PARTIALLY_REFUNDED
    assert state_after_refund(1200, 1200) is BillingState.REFUNDED


def test_unknown_errors_never_show_a_traceback() -> None:
    assert message_for(RuntimeError("secret internals")) == "予期しないエラーが発生しました。もう一度お試しください。"
    assert "secret" not in message_for(KeyError("secret"), "en")
    with pytest.raises(KeyError):
        UserError("no_such_code")
