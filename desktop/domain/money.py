"""Money: amounts are whole yen (JPY has no minor unit), typed so signatures say so.

Amounts staff type are read here, through the one text normalisation (``desktop.domain.text``):
full-width digits, ``，`` and ``￥`` are read as ASCII; a ``\\`` (what the ¥ key types on a
Japanese keyboard with the IME off, and what Japanese fonts draw as ¥) is read as ``¥``.
Each kind of mistake has its own message: required, negative, not a whole number, not a number,
below or above what PAY.JP can charge.
"""

from __future__ import annotations

import re
from typing import NewType

from .billing import MAX_CHARGE_YEN, MIN_CHARGE_YEN
from .errors import ValidationError
from .text import normalize_digits

Yen = NewType("Yen", int)
"""An amount in whole yen (税込 where it is a price)."""

_NUMBER = re.compile(r"(?P<sign>-?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?")


def read_yen(raw: object, *, field: str = "amount") -> int:
    """What staff typed as a sum of whole yen, with no limit checked yet (may be 0 or negative).

    Accepts an int, or a string such as ``"1,200"``, ``"¥1200"``, ``"\\1,200"``, ``"１２００円"``,
    ``"1200.00"`` (a fraction of zeros is whole).

    Raises:
        ValidationError: ``amount_required`` (empty), ``amount_negative`` (below zero),
            ``amount_not_whole`` (a fraction of a yen), ``amount_not_integer`` (not a number at all).
    """
    if isinstance(raw, bool) or not isinstance(raw, (int, str, float)):
        if raw is None:
            raise ValidationError("amount_required", field=field)
        raise ValidationError("amount_not_integer", field=field)
    if isinstance(raw, int):
        if raw < 0:
            raise ValidationError("amount_negative", field=field)
        return raw
    if isinstance(raw, float):
        if raw < 0:
            raise ValidationError("amount_negative", field=field)
        if not raw.is_integer():
            raise ValidationError("amount_not_whole", field=field)
        return int(raw)
    text = normalize_digits(raw).replace("\\", "¥").replace(" ", "")
    if not text:
        raise ValidationError("amount_required", field=field)
    negative = text.startswith("-") or text.startswith("▲") or text.startswith("△")
    text = text.lstrip("-▲△").removeprefix("¥").removesuffix("円").removesuffix("-")
    if negative:
        text = "-" + text
    found = _NUMBER.fullmatch(text)
    if found is None:
        raise ValidationError("amount_not_integer", field=field)
    if found["sign"]:
        raise ValidationError("amount_negative", field=field)
    if found["fraction"] and found["fraction"].strip("0"):
        raise ValidationError("amount_not_whole", field=field)
    return int(found["whole"].replace(",", ""))


def parse_charge_yen(raw: object, *, field: str = "amount") -> Yen:
    """What staff typed (``"1,200"``, ``"¥1200"``, ``"１２００円"`` or an int) as a chargeable amount.

    Raises:
        ValidationError: as ``read_yen``, or ``amount_too_small`` / ``amount_too_large``:
            outside PAY.JP's limits (50–9,999,999 yen).
    """
    value = read_yen(raw, field=field)
    if value < MIN_CHARGE_YEN:
        raise ValidationError("amount_too_small", field=field, min=MIN_CHARGE_YEN)
    if value > MAX_CHARGE_YEN:
        raise ValidationError("amount_too_large", field=field, max=MAX_CHARGE_YEN)
    return Yen(value)


def parse_refund_yen(raw: object, remaining: int, remaining_text: str) -> Yen:
    """What staff typed as a refund: whole yen, at least 1, at most ``remaining`` yen.

    ``remaining_text`` is ``remaining`` as shown to staff (e.g. ``"¥1,200"``), used in the message.

    Raises:
        ValidationError: as ``read_yen``; ``refund_amount_invalid`` for 0;
            ``refund_amount_exceeds`` above ``remaining``.
    """
    value = read_yen(raw, field="amount")
    if value < 1:
        raise ValidationError("refund_amount_invalid", field="amount")
    if value > remaining:
        raise ValidationError("refund_amount_exceeds", field="amount", remaining=remaining_text)
    return Yen(value)
