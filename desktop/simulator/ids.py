"""Identifier helpers shared by every simulated resource."""

from __future__ import annotations

import secrets

# PAY.JP ids are a prefix plus 28 lowercase hex characters (e.g. car_4ec110e0700daf893160424fe03c).
_ID_HEX_CHARS = 28


def new_id(prefix: str) -> str:
    """Return a fresh id such as ``ch_`` + 28 hex characters."""
    return f"{prefix}_{secrets.token_hex(_ID_HEX_CHARS // 2)}"
