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
