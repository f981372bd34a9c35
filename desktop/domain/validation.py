"""Validation of what staff type: amounts, e-mail addresses, free text."""

from __future__ import annotations

import re

from .errors import ValidationError
from .money import parse_charge_yen, parse_refund_yen

MESSAGE_MAX_CHARS = 1000
REFUND_REASON_MAX_CHARS = 255  # PAY.JP's refund_reason limit

# Local part of RFC 5322 dot-atom plus what Japanese carriers historically issued, domain with a TLD.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def parse_amount(raw: object, *, field: str = "amount") -> int:
    """Typed input as whole yen within PAY.JP's limits (50–9,999,999); see ``money.parse_charge_yen``."""
    return int(parse_charge_yen(raw, field=field))


def parse_refund_amount(raw: object, remaining: int, remaining_text: str) -> int:
    """A refund amount: whole yen, at least 1, at most what is left; see ``money.parse_refund_yen``."""
    return int(parse_refund_yen(raw, remaining, remaining_text))


def validate_email(address: str | None) -> str:
    """A deliverable-looking address, returned stripped.

    Legacy Japanese carrier addresses (``taro..yamada@docomo.ne.jp``, ``hanako.@docomo.ne.jp``:
    a dot doubled, or at either end of the local part) are accepted: docomo and au issued them
    and they still receive mail. They break RFC 5322's dot-atom, so mail to them is sent with the
    local part quoted (``"taro..yamada"@docomo.ne.jp``, see ``smtp_address``) and staff are warned
    (``is_legacy_carrier_address``) that some servers refuse them.

    Raises:
        ValidationError: ``email_missing`` (empty) or ``email_invalid`` (not an address).
    """
    if address is None or not address.strip():
        raise ValidationError("email_missing", field="email")
    address = address.strip()
    if len(address) > 254 or address.count("@") != 1 or any(c.isspace() for c in address):
        raise ValidationError("email_invalid", field="email", address=address)
    local, domain = address.split("@")
    if not local or not _LOCAL.fullmatch(local) or not _DOMAIN.fullmatch(domain) or len(local) > 64:
        raise ValidationError("email_invalid", field="email", address=address)
    return address


def is_legacy_carrier_address(address: str | None) -> bool:
    """True for an address whose local part is not an RFC 5322 dot-atom only because of its dots.

    Such addresses (``taro..yamada@docomo.ne.jp``, ``hanako.@docomo.ne.jp``) were issued by docomo and
    au before 2009; they are accepted, with a warning to staff that some mail servers refuse them.
    """
    local = (address or "").strip().rpartition("@")[0]
    return bool(local) and (".." in local or local.startswith(".") or local.endswith("."))


def smtp_address(address: str) -> str:
    """``address`` as written in a mail's envelope and header: the local part quoted (RFC 5322 3.4.1
    quoted-string) when it is not a dot-atom, e.g. ``"taro..yamada"@docomo.ne.jp``; otherwise unchanged."""
    address = address.strip()
    if not is_legacy_carrier_address(address):
        return address
    local, _, domain = address.rpartition("@")
    quoted = local.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}"@{domain}'


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
