"""One normalisation for what people type: kana folding, NFKC, spaces, phones, amounts, carrier addresses."""

from __future__ import annotations

import pytest

from desktop.domain.errors import UserError, ValidationError
from desktop.domain.money import parse_charge_yen, parse_refund_yen, read_yen
from desktop.domain.patients import clean_patient_fields, phone_e164
from desktop.domain.text import fold_kana, like_pattern, normalize_digits, normalize_text, search_words, tidy_text
from desktop.domain.validation import is_legacy_carrier_address, smtp_address, validate_email


@pytest.mark.parametrize("typed", ["ﾀｶﾊｼ", "たかはし", "タカハシ", " ﾀｶﾊｼ\u3000", "たカﾊし"])
def test_half_width_hiragana_and_katakana_fold_to_one_key(typed: str) -> None:
    assert fold_kana(typed) == "タカハシ"


@pytest.mark.parametrize(("typed", "key"), [("ｶﾞｯｺｳ", "ガッコウ"), ("ﾊﾟﾝ", "パン"), ("ゔぁ", "ヴァ"), ("いすゞ", "イスヾ"),
                                            ("ｻﾄｳ ﾊﾅｺ", "サトウ ハナコ"), ("さとう　はなこ", "サトウ ハナコ")])
def test_voiced_marks_and_spaces_fold_too(typed: str, key: str) -> None:
    assert fold_kana(typed) == key


@pytest.mark.parametrize(("typed", "stored"), [
    ("　高橋　 花子 ", "高橋 花子"), ("ＴＡＲＯ　ＹＡＭＡＤＡ", "TARO YAMADA"), ("ﾀｶﾊｼ", "タカハシ"), ("①丁目", "1丁目"),
    ("髙橋", "髙橋"),  # a 異体字 in the BMP is a different character, kept
    ("\ufa19田", "\ufa19田"),  # 神 U+FA19, a CJK compatibility ideograph: NFKC would replace it; kept as typed
    ("山田\t\n花子", "山田 花子"), (None, ""),
])
def test_text_is_nfkc_with_spaces_tidied_and_names_spelt_as_typed(typed: str | None, stored: str) -> None:
    assert normalize_text(typed) == stored


def test_printed_text_keeps_its_characters_and_only_tidies_spaces() -> None:
    assert tidy_text("　株式会社（山田）　 御中 ") == "株式会社（山田） 御中"
    assert tidy_text("ﾔﾏﾀﾞ") == "ﾔﾏﾀﾞ" and tidy_text(None) == ""


def test_search_words_and_like_patterns_are_literal() -> None:
    assert search_words("　ﾀｶﾊｼ　 花子 ") == ["タカハシ", "花子"]
    assert search_words("  ") == []
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def test_an_ime_phone_number_is_read_as_digits_and_hyphens() -> None:
    assert normalize_digits("０９０－１２３４－５６７８") == "090-1234-5678"
    assert clean_patient_fields({"phone": "０９０－１２３４－５６７８"})["phone"] == "090-1234-5678"
    assert clean_patient_fields({"phone": "090ー1234ー5678"})["phone"] == "090-1234-5678"


@pytest.mark.parametrize(("typed", "e164"), [
    ("090-1234-5678", "+819012345678"), ("０９０－１２３４－５６７８", "+819012345678"), ("03-1234-5678", "+81312345678"),
    ("+81 90 1234 5678", "+819012345678"), ("(0120) 123-456", "+81120123456"), ("+1 415-555-0100", "+14155550100"),
    ("", ""),
])
def test_phone_numbers_reach_payjp_in_e164(typed: str, e164: str) -> None:
    assert phone_e164(typed) == e164


@pytest.mark.parametrize("typed", ["12", "abc", "+81 1"])
def test_impossible_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as info:
        phone_e164(typed)
    assert info.value.code == "phone_invalid" and info.value.field == "phone"


@pytest.mark.parametrize(("fields", "stored"), [
    ({"family_name": "ﾀｶﾊｼ"}, {"family_name": "タカハシ"}),
    ({"given_name": "　花子\u3000"}, {"given_name": "花子"}),
    ({"family_name_kana": "ﾀｶﾊｼ", "given_name_kana": "はなこ"}, {"family_name_kana": "タカハシ", "given_name_kana": "ハナコ"}),
    ({"address": "東京都千代田区１－１－１　ＡＢＣビル"}, {"address": "東京都千代田区1-1-1 ABCビル"}),
    ({"email": "ＨＡＮＡＫＯ＠ｅｘａｍｐｌｅ．ｊｐ"}, {"email": "HANAKO@example.jp"}),
])
def test_the_patient_form_stores_every_field_normalised(fields: dict[str, str], stored: dict[str, str]) -> None:
    assert clean_patient_fields(fields) == stored


# The examples: -5, 3.5 and an empty 金額 each get their own message.
@pytest.mark.parametrize(("typed", "code", "ja", "en"), [
    ("-5", "amount_negative", "金額にマイナスは入力できません。", "The amount cannot be negative."),
    ("3.5", "amount_not_whole", "金額は1円単位で入力してください（小数は入力できません）。",
     "Enter the amount in whole yen (no decimals)."),
    ("", "amount_required", "金額を入力してください。", "Enter the amount."),
    ("   ", "amount_required", "金額を入力してください。", "Enter the amount."),
    ("－５", "amount_negative", "金額にマイナスは入力できません。", "The amount cannot be negative."),
    ("３．５", "amount_not_whole", "金額は1円単位で入力してください（小数は入力できません）。",
     "Enter the amount in whole yen (no decimals)."),
    ("12円50銭", "amount_not_integer", "金額は数字で入力してください（例：1,200）。",
     "Enter the amount as a number (e.g. 1,200)."),
    ("49", "amount_too_small", "金額は50円以上で入力してください", "¥50"),
    ("10,000,000", "amount_too_large", "9,999,999円以下", "¥9,999,999"),
])
def test_each_kind_of_wrong_amount_says_what_is_wrong(typed: str, code: str, ja: str, en: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_charge_yen(typed)
    assert info.value.code == code and info.value.field == "amount"
    assert ja in info.value.message("ja") and en in info.value.message("en")


@pytest.mark.parametrize(("typed", "yen"), [
    ("\\1,200", 1200), ("¥1,200", 1200), ("￥１，２００", 1200), ("＼１２００", 1200), ("1200円", 1200),
    ("¥1,200-", 1200), ("1200.00", 1200), (" 50 ", 50), ("9,999,999", 9_999_999), (1200.0, 1200),
])
def test_a_yen_sign_typed_as_backslash_and_other_ways_of_writing_yen_are_read(typed: object, yen: int) -> None:
    assert parse_charge_yen(typed) == yen


def test_refund_amounts_use_the_same_messages() -> None:
    for typed, code in (("", "amount_required"), ("-1", "amount_negative"), ("0.5", "amount_not_whole"),
                        ("0", "refund_amount_invalid"), ("1,201", "refund_amount_exceeds")):
        with pytest.raises(ValidationError) as info:
            parse_refund_yen(typed, 1200, "¥1,200")
        assert info.value.code == code, typed
    assert parse_refund_yen("\\１，２００", 1200, "¥1,200") == 1200
    assert read_yen("0") == 0


# The examples: legacy carrier addresses can be saved, with a warning.
@pytest.mark.parametrize(("address", "quoted"), [
    ("taro..yamada@docomo.ne.jp", '"taro..yamada"@docomo.ne.jp'),
    ("hanako.@docomo.ne.jp", '"hanako."@docomo.ne.jp'),
    (".taro@ezweb.ne.jp", '".taro"@ezweb.ne.jp'),
])
def test_legacy_carrier_addresses_are_saved_quoted_for_smtp_and_warned_about(address: str, quoted: str) -> None:
    assert validate_email(address) == address
    assert clean_patient_fields({"email": address}) == {"email": address}
    assert is_legacy_carrier_address(address)
    assert smtp_address(address) == quoted
    warning = UserError("email_legacy_carrier", address=address)
    assert "受け取れないメールサーバー" in warning.message("ja") and address in warning.message("ja")
    assert "some mail servers refuse it" in warning.message("en")


@pytest.mark.parametrize("address", ["hanako.yamada@docomo.ne.jp", "taro@example.jp", "a.b.c@ezweb.ne.jp"])
def test_ordinary_addresses_are_neither_warned_about_nor_quoted(address: str) -> None:
    assert not is_legacy_carrier_address(address)
    assert smtp_address(address) == address
