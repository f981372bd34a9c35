"""Customers and their cards."""

from __future__ import annotations

import copy
from typing import Any

from .cards import validate_card_name
from .errors import ApiError, invalid, missing, not_found
from .forms import Params, merge_metadata
from .ids import new_object_head
from .accounts import add, only_visible, owned, remove, visible
from .listing import LIST_PARAMS, build_list
from .store import SimulatorState
from .tokens import consume_token

_CARD_UPDATE_FIELDS = (
    "name", "email", "phone", "address_state", "address_city", "address_line1", "address_line2",
    "address_zip", "country",
)  # fmt: skip


def _card_list(data: dict[str, dict[str, Any]], customer_id: str) -> dict[str, Any]:
    cards = [card for card in data["cards"].values() if card["customer"] == customer_id]
    cards.reverse()
    return {
        "object": "list",
        "data": copy.deepcopy(cards[:10]),
        "has_more": len(cards) > 10,
        "count": min(len(cards), 10),
        "url": f"/v1/customers/{customer_id}/cards",
    }


def render_customer(data: dict[str, dict[str, Any]], customer: dict[str, Any]) -> dict[str, Any]:
    rendered = copy.deepcopy(customer)
    rendered["cards"] = _card_list(data, customer["id"])
    rendered["subscriptions"] = {
        "object": "list",
        "data": [],
        "has_more": False,
        "count": 0,
        "url": f"/v1/customers/{customer['id']}/subscriptions",
    }
    return rendered


def _customer(data: dict[str, dict[str, Any]], customer_id: str, account: str | None) -> dict[str, Any]:
    """The stored customer if ``account`` may see it; else ``invalid_id`` (404)."""
    return owned(data, "customers", customer_id, account, kind="customer")


def _attach_token(
    state: SimulatorState,
    data: dict[str, dict[str, Any]],
    customer_id: str,
    token_id: str,
    param: str,
    account: str | None = None,
) -> dict[str, Any]:
    if not token_id.startswith("tok_"):
        raise not_found("token", token_id, param)
    token = data["tokens"].get(token_id)
    if token is not None and visible(data, token_id, account):
        fingerprint = token["card"]["fingerprint"]
        for card in data["cards"].values():
            if card["customer"] == customer_id and card["fingerprint"] == fingerprint:
                raise invalid("already_have_the_same_card", "The customer already has this card.", param)
    card = consume_token(state, token_id, param, account)
    card["customer"] = customer_id
    card["created"] = state.now()
    data["cards"][card["id"]] = card
    return card


def create_customer(state: SimulatorState, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({"id", "email", "description", "card", "metadata"})
    custom_id = params.get_flexible_id()
    email = params.get_str("email", max_len=255)
    description = params.get_str("description", max_len=255)
    token_id = params.get_str("card")
    metadata = params.metadata() or {}
    with state.transaction() as data:
        customer: dict[str, Any] = {
            **new_object_head(data["customers"], custom_id, "cus", "customer", state.now()),
            "default_card": None,
            "email": email,
            "description": description,
            "metadata": metadata,
        }
        card = _attach_token(state, data, customer["id"], token_id, "card", account) if token_id else None
        if card is not None:
            customer["default_card"] = card["id"]
        add(data, "customers", customer, account)
        rendered = render_customer(data, customer)
        state.emit("customer.created", rendered)
        return rendered


def retrieve_customer(state: SimulatorState, customer_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction(write=False) as data:
        return render_customer(data, _customer(data, customer_id, account))


def update_customer(
    state: SimulatorState, customer_id: str, params: Params, account: str | None = None
) -> dict[str, Any]:
    params.reject_unknown({"email", "description", "default_card", "card", "metadata"})
    email = params.get_str("email", max_len=255)
    description = params.get_str("description", max_len=255)
    default_card = params.get_str("default_card")
    token_id = params.get_str("card")
    metadata = params.metadata()
    with state.transaction() as data:
        customer = _customer(data, customer_id, account)
        if default_card is not None:
            card = data["cards"].get(default_card)
            if card is None or card["customer"] != customer_id:
                raise invalid("dont_has_this_card", f"Customer {customer_id} does not have card {default_card}.",
                              "default_card")  # fmt: skip
        new_metadata = merge_metadata(customer["metadata"], metadata) if metadata is not None else None
        if token_id:
            added = _attach_token(state, data, customer_id, token_id, "card", account)
            state.emit("customer.card.created", added)
            customer["default_card"] = added["id"]
        if default_card is not None:
            customer["default_card"] = default_card
        if "email" in params:
            customer["email"] = email or None
        if "description" in params:
            customer["description"] = description or None
        if new_metadata is not None:
            customer["metadata"] = new_metadata
        rendered = render_customer(data, customer)
        state.emit("customer.updated", rendered)
        return rendered


def delete_customer(state: SimulatorState, customer_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction() as data:
        _customer(data, customer_id, account)
        stub = remove(data, "customers", customer_id)
        for card_id in [cid for cid, card in data["cards"].items() if card["customer"] == customer_id]:
            remove(data, "cards", card_id)
        state.emit("customer.deleted", stub)
        return stub


def list_customers(state: SimulatorState, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown(LIST_PARAMS)
    with state.transaction(write=False) as data:
        own = only_visible(data, data["customers"].values(), account)
        rendered = [render_customer(data, customer) for customer in own]
        return build_list(rendered, params, "/v1/customers")


def _owned_card(
    data: dict[str, dict[str, Any]], customer_id: str, card_id: str, account: str | None = None
) -> dict[str, Any]:
    _customer(data, customer_id, account)
    card = data["cards"].get(card_id)
    if card is None or card["customer"] != customer_id:
        raise not_found("card", card_id)
    found: dict[str, Any] = card
    return found


def create_card(state: SimulatorState, customer_id: str, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({"card", "default", "metadata"})
    token_id = params.get_str("card")
    if not token_id:
        raise missing("card")
    make_default = params.get_bool("default", False)
    metadata = params.metadata() or {}
    with state.transaction() as data:
        customer = _customer(data, customer_id, account)
        card = _attach_token(state, data, customer["id"], token_id, "card", account)
        card["metadata"] = metadata
        if make_default or customer["default_card"] is None:
            customer["default_card"] = card["id"]
        state.emit("customer.card.created", card)
        return copy.deepcopy(card)


def retrieve_card(state: SimulatorState, customer_id: str, card_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction(write=False) as data:
        return copy.deepcopy(_owned_card(data, customer_id, card_id, account))


def list_cards(state: SimulatorState, customer_id: str, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown(LIST_PARAMS)
    with state.transaction(write=False) as data:
        _customer(data, customer_id, account)
        cards = [card for card in data["cards"].values() if card["customer"] == customer_id]
        return build_list(cards, params, f"/v1/customers/{customer_id}/cards")


def update_card(
    state: SimulatorState, customer_id: str, card_id: str, params: Params, account: str | None = None
) -> dict[str, Any]:
    params.reject_unknown({*_CARD_UPDATE_FIELDS, "metadata"})
    updates = {name: params.get_str(name, max_len=255) for name in _CARD_UPDATE_FIELDS if name in params}
    name = updates.get("name")
    if name:
        try:
            validate_card_name(name)
        except ApiError as exc:
            # Same rule as at token time, but the parameter is called "name" here.
            exc.param = "name"
            raise
    metadata = params.metadata()
    with state.transaction() as data:
        card = _owned_card(data, customer_id, card_id, account)
        new_metadata = merge_metadata(card["metadata"], metadata) if metadata is not None else None
        for key, value in updates.items():
            card[key] = value or None
        if new_metadata is not None:
            card["metadata"] = new_metadata
        state.emit("customer.card.updated", card)
        return copy.deepcopy(card)


def delete_card(state: SimulatorState, customer_id: str, card_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction() as data:
        _owned_card(data, customer_id, card_id, account)
        stub = remove(data, "cards", card_id)
        customer = data["customers"][customer_id]
        if customer["default_card"] == card_id:
            remaining = [cid for cid, card in data["cards"].items() if card["customer"] == customer_id]
            customer["default_card"] = remaining[-1] if remaining else None
        state.emit("customer.card.deleted", stub)
        return stub
