"""適格請求書発行事業者の登録番号: T + 13 digits whose first digit is the 法人番号 check digit."""

from __future__ import annotations

import pytest

from desktop.domain.validation import registration_check_digit, registration_number_valid


def test_the_national_tax_agency_s_own_number_checks() -> None:
    # 国税庁's 法人番号 7000012050002 (houjin-bangou.nta.go.jp)
    assert registration_check_digit("000012050002") == 7
    assert registration_number_valid("T7000012050002")


@pytest.mark.parametrize("text", ["T1000012050002", "T8000012050002", "T0000012050002"])
def test_a_wrong_check_digit_is_refused(text: str) -> None:
    assert not registration_number_valid(text)


@pytest.mark.parametrize("text", ["7000012050002", "T700001205000", "T70000120500021", "t7000012050002",
                                  "T７000012050002", ""])
def test_a_wrong_shape_is_refused(text: str) -> None:
    assert not registration_number_valid(text)


def test_the_check_digit_needs_twelve_digits() -> None:
    with pytest.raises(ValueError):
        registration_check_digit("12345")
