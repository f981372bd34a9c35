"""The patient form as staff type it: 姓, 名, セイ, メイ, 性別, 電話番号, Eメール, 住所, メールの言語.

``clean_patient_fields`` checks and normalises the fields it is given (all of them for a new
patient, only the changed ones for an edit) and raises a ``ValidationError`` whose ``field``
names the input the message belongs next to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import phonenumbers

from .errors import ValidationError
from .text import fold_kana, normalize_digits, normalize_text
from .validation import validate_email

SEXES = ("男性", "女性", "その他")
LANGUAGES = ("ja", "en")
PATIENT_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "sex", "phone", "email",
                  "address", "language")
NAME_MAX, PHONE_MAX, ADDRESS_MAX = 100, 32, 300  # the columns' sizes

_LABELS = {"family_name": "姓", "given_name": "名", "family_name_kana": "セイ", "given_name_kana": "メイ",
           "address": "住所"}
_PHONE = re.compile(r"\+?[0-9][0-9\-() ]*")
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc\u30fd\u30fe・ ]*")


def _text(value: object, field: str, max_len: int) -> str:
    text = normalize_text(value)
    if len(text) > max_len:
        raise ValidationError("field_too_long", field=field, label=_LABELS.get(field, field), max=max_len)
    return text


def clean_kana(value: object, field: str) -> str:
    """セイ / メイ in hiragana, katakana or half-width katakana, stored as full-width katakana."""
    text = fold_kana(value)
    if not _KATAKANA.fullmatch(text):
        raise ValidationError("kana_invalid", field=field, label=_LABELS[field])
    if len(text) > NAME_MAX:
        raise ValidationError("field_too_long", field=field, label=_LABELS[field], max=NAME_MAX)
    return text


def clean_phone(value: object) -> str:
    """Digits with hyphens, spaces or brackets (full-width digits and IME dashes accepted); may be empty."""
    text = normalize_digits(value)
    if not text:
        return ""
    digits = sum(c.isdigit() for c in text)
    if len(text) > PHONE_MAX or not _PHONE.fullmatch(text) or not 6 <= digits <= 15:
        raise ValidationError("phone_invalid", field="phone")
    return text


def clean_email(value: object) -> str | None:
    """None when empty; otherwise a valid address (the carrier rule included). Full-width input is made ASCII."""
    text = normalize_text(value)
    return validate_email(text) if text else None


def clean_patient_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise the given patient fields; unknown names are a programming error."""
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown patient fields: {sorted(unknown)}")
    out: dict[str, Any] = {}
    for key in PATIENT_FIELDS:  # the form's order: the first wrong field is reported
        if key not in fields:
            continue
        value = fields[key]
        if key == "family_name":
            out[key] = _text(value, key, NAME_MAX)
            if not out[key]:
                raise ValidationError("field_required", field=key, label="姓")
        elif key == "given_name":
            out[key] = _text(value, key, NAME_MAX)
        elif key in ("family_name_kana", "given_name_kana"):
            out[key] = clean_kana(value, key)
        elif key == "sex":
            out[key] = str(value or "").strip()
            if out[key] not in ("", *SEXES):
                raise ValidationError("sex_invalid", field=key)
        elif key == "phone":
            out[key] = clean_phone(value)
        elif key == "email":
            out[key] = clean_email(value)
        elif key == "address":
            out[key] = normalize_text(value)
            if len(out[key]) > ADDRESS_MAX:
                raise ValidationError("field_too_long", field=key, label="住所", max=ADDRESS_MAX)
        elif key == "language":
            out[key] = str(value or "ja")
            if out[key] not in LANGUAGES:
                raise ValidationError("language_invalid", field=key)
    return out


def phone_e164(phone: str, region: str = "JP") -> str:
    """A phone number as PAY.JP wants it, E.164 with its ``+``: ``"090-1234-5678"`` → ``"+819012345678"``.

    Numbers without a country code are read as ``region``'s (Japan: the leading 0 is the trunk
    prefix). Full-width digits and IME dashes are accepted. Parsing is Google's libphonenumber
    (the ``phonenumbers`` package). ``""`` for an empty input.

    Raises:
        ValidationError: ``phone_invalid`` when it is not a possible number.
    """
    text = normalize_digits(phone)
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError("phone_invalid", field="phone") from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError("phone_invalid", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_digits(phone: str) -> str:
    """090-1111-2222 and 09011112222 are the same number."""
    return "".join(c for c in phone if c.isdigit())
