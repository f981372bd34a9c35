"""Money: amounts are whole yen (JPY has no minor unit), typed so signatures say so."""

from __future__ import annotations

from typing import NewType

from .validation import parse_amount, parse_refund_amount

Yen = NewType("Yen", int)
"""An amount in whole yen (税込 where it is a price)."""


def parse_charge_yen(raw: object, *, field: str = "amount") -> Yen:
    """What staff typed (``"1,200"``, ``"¥1200"``, ``"１２００円"`` or an int) as a chargeable amount.

    Raises:
        ValidationError: not a whole number, or outside PAY.JP's limits (50–9,999,999 yen).
    """
    return Yen(parse_amount(raw, field=field))


def parse_refund_yen(raw: object, remaining: Yen, remaining_text: str) -> Yen:
    """What staff typed as a refund: whole yen, at least 1, at most ``remaining`` yen.

    ``remaining_text`` is ``remaining`` as shown to staff (e.g. ``"¥1,200"``), used in the message.

    Raises:
        ValidationError: not a whole number, below 1 or above ``remaining``.
    """
    return Yen(parse_refund_amount(raw, remaining, remaining_text))
