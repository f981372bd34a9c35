"""Tokens: ``POST /v1/tokens``, retrieve, ``tds_finish``, and the card objects they carry."""

from __future__ import annotations

import copy
from typing import Any

from .accounts import add, claim, is_live, owned
from .cards import ValidatedCard, validate_card
from .errors import ApiError, invalid
from .forms import Params
from .ids import new_id, object_head
from .store import SimulatorState

_OPTIONAL_CARD_FIELDS = (
    "name",
    "address_state",
    "address_city",
    "address_line1",
    "address_line2",
    "address_zip",
    "country",
    "email",
    "phone",
)
TOKEN_CARD_FIELDS = ("number", "exp_month", "exp_year", "cvc") + _OPTIONAL_CARD_FIELDS


def card_object(card_id: str, validated: ValidatedCard, extra: dict[str, Any], now: int) -> dict[str, Any]:
    profile = validated.profile
    card: dict[str, Any] = {
        **object_head("card", card_id, now),
        "brand": profile.brand,
        "last4": profile.last4,
        "exp_month": validated.exp_month,
        "exp_year": validated.exp_year,
        "fingerprint": profile.fingerprint,
        "cvc_check": profile.cvc_check,
        "address_zip_check": profile.address_zip_check,
        "customer": None,
        "metadata": {},
        "three_d_secure_status": None,
    }
    for name in _OPTIONAL_CARD_FIELDS:
        value = extra.get(name)
        card[name] = value if isinstance(value, str) and value != "" else None
    return card


def create_token(state: SimulatorState, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({"card", "three_d_secure", "tenant"})
    raw_card = params.get_dict("card")
    for key in raw_card:
        if key not in TOKEN_CARD_FIELDS:
            raise invalid("no_allowed_param", f"Invalid param key to this endpoint: card[{key}]", f"card[{key}]")
    if not raw_card:
        raise invalid("missing_param", "'card' is required.", "card")
    three_d_secure = params.get_bool("three_d_secure", False)
    now = state.now()
    # Validation raises before anything is stored; the number goes no further than here.
    live = is_live(account)
    validated = validate_card(raw_card, now, livemode=live)
    with state.transaction() as data:
        card_id = new_id("car")
        card = card_object(card_id, validated, raw_card, now)
        if three_d_secure:
            card["three_d_secure_status"] = "unverified"
        token_id = new_id("tok")
        token: dict[str, Any] = {
            **object_head("token", token_id, now),
            "used": False,
            "card": card,
        }
        if live:
            token["livemode"] = card["livemode"] = True
        add(data, "tokens", token, account)
        claim(data, card_id, account)
        data["profiles"][card_id] = validated.profile.to_json()
        data["token_flow"][token_id] = {"three_d_secure": three_d_secure, "finished": False}
        state.emit("token.created", token)
        return copy.deepcopy(token)


def retrieve_token(state: SimulatorState, token_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction(write=False) as data:
        return copy.deepcopy(owned(data, "tokens", token_id, account, kind="token"))


def finish_token_tds(state: SimulatorState, token_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction() as data:
        token = owned(data, "tokens", token_id, account, kind="token")
        flow = data["token_flow"].get(token_id, {})
        if not flow.get("three_d_secure") or flow.get("finished"):
            raise invalid("not_in_three_d_secure_flow", "This token is not in a 3-D Secure flow.")
        if token["card"]["three_d_secure_status"] == "unverified":
            raise invalid("three_d_secure_incompleted", "3-D Secure authentication has not been completed.")
        flow["finished"] = True
        return copy.deepcopy(token)


def _usable_token(data: dict[str, dict[str, Any]], token_id: str, param: str, account: str | None) -> dict[str, Any]:
    """The stored token if a charge or customer may take it now; else the error PAY.JP answers."""
    token = owned(data, "tokens", token_id, account, kind="token", param=param)
    if token["used"]:
        raise invalid("token_already_used", "This token has already been used.", param)
    flow = data["token_flow"].get(token_id, {})
    if flow.get("three_d_secure"):
        if token["card"]["three_d_secure_status"] == "failed" and flow.get("finished"):
            raise invalid("three_d_secure_failed", "3-D Secure authentication failed.", param)
        if not flow.get("finished"):
            raise invalid("unverified_token", "3-D Secure has not been finished for this token.", param)
    return token


def consume_token(state: SimulatorState, token_id: str, param: str, account: str | None = None) -> dict[str, Any]:
    """Mark a token used and return a copy of its card (call inside a transaction).

    A token of another test account is "No such token" (``invalid_id``), as on PAY.JP.
    """
    with state.transaction() as data:
        token = _usable_token(data, token_id, param, account)
        token["used"] = True
        return copy.deepcopy(token["card"])


def check_token_usable(state: SimulatorState, token_id: str, param: str, account: str | None = None) -> None:
    """Raise the error ``consume_token`` would raise, without consuming anything."""
    with state.transaction(write=False) as data:
        _usable_token(data, token_id, param, account)


__all__ = ["ApiError", "card_object", "consume_token", "create_token", "finish_token_tds", "retrieve_token"]
