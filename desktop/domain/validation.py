"""Validation of what staff type: amounts, e-mail addresses, free text."""

from __future__ import annotations

import re

from .billing import MAX_CHARGE_YEN, MIN_CHARGE_YEN
from .errors import ValidationError

MESSAGE_MAX_CHARS = 1000
REFUND_REASON_MAX_CHARS = 255  # PAY.JP's refund_reason limit

_DIGITS = re.compile(r"[0-9]+")
# Local part of RFC 5322 dot-atom plus what Japanese carriers historically issued, domain with a TLD.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def parse_amount(raw: object, *, field: str = "amount") -> int:
    """Turn typed input into whole yen within PAY.JP's limits (50–9,999,999).

    Accepts an int or a string of digits with optional commas, ¥ and full-width digits.
    """
    if isinstance(raw, bool):
        raise ValidationError("amount_not_integer", field=field)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip().translate(_FULLWIDTH).replace(",", "").replace("¥", "").replace("円", "")
        text = text.strip()
        if not _DIGITS.fullmatch(text):
            raise ValidationError("amount_not_integer", field=field)
        value = int(text)
    else:
        raise ValidationError("amount_not_integer", field=field)
    if value < MIN_CHARGE_YEN:
        raise ValidationError("amount_too_small", field=field, min=MIN_CHARGE_YEN)
    if value > MAX_CHARGE_YEN:
        raise ValidationError("amount_too_large", field=field, max=MAX_CHARGE_YEN)
    return value


_FULLWIDTH = str.maketrans("０１２３４５６７８９，￥", "0123456789,¥")


def parse_refund_amount(raw: object, remaining: int, remaining_text: str) -> int:
    """A refund amount: whole yen, at least 1, at most what is left."""
    if isinstance(raw, bool):
        raise ValidationError("refund_amount_invalid", field="amount")
    if isinstance(raw, str):
        text = raw.strip().translate(_FULLWIDTH).replace(",", "").replace("¥", "").replace("円", "").strip()
        if not _DIGITS.fullmatch(text):
            raise ValidationError("refund_amount_invalid", field="amount")
        value = int(text)
    elif isinstance(raw, int):
        value = raw
    else:
        raise ValidationError("refund_amount_invalid", field="amount")
    if value < 1:
        raise ValidationError("refund_amount_invalid", field="amount")
    if value > remaining:
        raise ValidationError("refund_amount_exceeds", field="amount", remaining=remaining_text)
    return value


def validate_email(address: str | None) -> str:
    """A deliverable-looking address; refuses what Japanese carrier mail rejects."""
    if address is None or not address.strip():
        raise ValidationError("email_missing", field="email")
    address = address.strip()
    if len(address) > 254 or address.count("@") != 1 or any(c.isspace() for c in address):
        raise ValidationError("email_invalid", field="email", address=address)
    local, domain = address.split("@")
    if not local or not _LOCAL.fullmatch(local) or not _DOMAIN.fullmatch(domain) or len(local) > 64:
        raise ValidationError("email_invalid", field="email", address=address)
    # docomo/au used to issue such addresses, but they break RFC 5322 and many MTAs refuse them.
    if ".." in local or local.endswith(".") or local.startswith("."):
        raise ValidationError("email_carrier_rejects", field="email", address=address)
    return address


def validate_message(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MESSAGE_MAX_CHARS:
        raise ValidationError("message_too_long", field="message", max=MESSAGE_MAX_CHARS)
    return text


def validate_refund_reason(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > REFUND_REASON_MAX_CHARS:
        raise ValidationError("refund_reason_too_long", field="reason", max=REFUND_REASON_MAX_CHARS)
    return text


_REGISTRATION_NUMBER = re.compile(r"^T([1-9])(\d{12})$")


def registration_check_digit(base12: str) -> int:
    """The check digit of a 13-digit 法人番号 whose last 12 digits are ``base12``.

    Rule of 法人番号の指定等に関する省令 (平成26年財務省令第70号) 第2条, as the National Tax
    Agency publishes it ("法人番号の構成" / 検査用数字の計算方法, houjin-bangou.nta.go.jp):
    with P(n) the n-th digit of ``base12`` counted from the right (n = 1 … 12) and Q(n) = 1
    for odd n, 2 for even n, the check digit is ``9 - (Σ P(n)·Q(n) mod 9)``; it is the first of
    the 13 digits. Example from the agency: 国税庁 ``7000012050002``.

    Raises ``ValueError`` unless ``base12`` is 12 ASCII digits.
    """
    if len(base12) != 12 or not base12.isascii() or not base12.isdigit():
        raise ValueError("base12 must be 12 digits")
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base12), start=1))
    return 9 - total % 9


def registration_number_valid(text: str) -> bool:
    """Whether ``text`` is an 適格請求書発行事業者の登録番号: ``T`` + 13 digits with a valid check digit.

    The 13 digits are the 法人番号 (corporations) or a number the tax office assigns to a sole
    proprietor; both use the 法人番号 check-digit scheme (``registration_check_digit``), as
    国税庁「適格請求書発行事業者の登録番号の構成」states. ``text`` must already be trimmed and upper-case.
    """
    match = _REGISTRATION_NUMBER.fullmatch(text)
    return bool(match) and registration_check_digit(match.group(2)) == int(match.group(1))  # type: ignore[union-attr]
