"""Identifiers, and the fields every simulated PAY.JP object starts with."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from .errors import invalid

# PAY.JP ids are a prefix plus 28 lowercase hex characters (e.g. car_4ec110e0700daf893160424fe03c).
_ID_HEX_CHARS = 28


def new_id(prefix: str) -> str:
    """Return a fresh id such as ``ch_`` + 28 hex characters."""
    return f"{prefix}_{secrets.token_hex(_ID_HEX_CHARS // 2)}"


def new_object_head(existing: Mapping[str, Any], custom_id: str | None, prefix: str, object_name: str,
                    created: int) -> dict[str, Any]:
    """``object_head`` of a new object whose id the caller may choose (PAY.JP's ``id`` parameter).

    The id is ``custom_id`` (already validated) or a fresh ``prefix`` id, if no object in
    ``existing`` has it.

    Raises:
        ApiError: 400 ``already_exist_id`` on ``id`` ("Customer cus_x already exists.").
    """
    object_id = custom_id or new_id(prefix)
    if object_id in existing:
        raise invalid("already_exist_id", f"{object_name.capitalize()} {object_id} already exists.", "id")
    return object_head(object_name, object_id, created)


def object_head(object_name: str, object_id: str, created: int) -> dict[str, Any]:
    """The fields every PAY.JP object starts with (``created``: unix seconds; test mode only)."""
    return {"id": object_id, "object": object_name, "livemode": False, "created": created}
