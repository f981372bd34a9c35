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
