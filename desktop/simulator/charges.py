"""Charges: create (card token, customer card, 3-D Secure), capture, refund, update, list."""

from __future__ import annotations

import copy
from decimal import ROUND_DOWN, Decimal
from typing import Any

from .accounts import add, only_visible, owned
from .cards import ERROR_MESSAGES, CardProfile
from .errors import ApiError, card_error, invalid, missing, not_found
from .forms import Params, merge_metadata
from .ids import new_id, object_head
from .listing import LIST_PARAMS, build_list
from .store import SimulatorState
from .tokens import check_token_usable, consume_token

MIN_AMOUNT = 50
MAX_AMOUNT = 9_999_999
DEFAULT_EXPIRY_DAYS = 7
MAX_EXPIRY_DAYS = 60
REFUND_LIMIT_SECONDS = 180 * 86_400
TDS_FLOW_SECONDS = 30 * 60
FEE_RATE = "3.00"
MAX_DESCRIPTION = 255
MAX_REFUND_REASON = 255


def _amount(params: Params, key: str, *, required: bool) -> int | None:
    value = params.get_int(key, required=required, code="invalid_amount")
    if value is not None and not MIN_AMOUNT <= value <= MAX_AMOUNT:
        raise invalid("invalid_amount", f"'{key}' must be between {MIN_AMOUNT} and {MAX_AMOUNT}.", key)
    return value


def _platform_fee(charge: dict[str, Any]) -> None:
    """Recompute ``total_platform_fee`` from the amount the charge still holds."""
    if charge["tenant"] is None:
        return
    if charge["platform_fee"] is not None:
        charge["total_platform_fee"] = charge["platform_fee"]
        return
    net = Decimal(charge["amount"] - charge["amount_refunded"])
    rate = Decimal(charge["platform_fee_rate"])
    charge["total_platform_fee"] = int((net * rate / 100).to_integral_value(rounding=ROUND_DOWN))


def _authorize(
    state: SimulatorState, charge: dict[str, Any], profile: CardProfile, capture: bool, expiry_days: int
) -> str | None:
    """Run the card through the test table; returns the failure code or None (charge updated)."""
    now = state.now()
    failure = profile.charge_failure(charge["amount"])
    if failure is not None:
        charge.update(
            paid=False,
            captured=False,
            captured_at=None,
            expired_at=None,
            failure_code=failure,
            failure_message=ERROR_MESSAGES.get(failure, "Card declined."),
        )
        return failure
    charge.update(paid=True, failure_code=None, failure_message=None)
    if capture:
        charge.update(captured=True, captured_at=now, expired_at=None)
    else:
        if profile.max_hold_days is not None:
            expiry_days = min(expiry_days, profile.max_hold_days)
        charge.update(captured=False, captured_at=None, expired_at=now + expiry_days * 86_400)
    _platform_fee(charge)
    return None


def _charge(data: dict[str, dict[str, Any]], charge_id: str, account: str | None) -> dict[str, Any]:
    """The stored charge ``charge_id`` if ``account`` may see it; else 404 ``invalid_id``."""
    return owned(data, "charges", charge_id, account, kind="charge")


def create_charge(state: SimulatorState, params: Params, account: str | None = None) -> dict[str, Any]:
    """``POST /v1/charges`` for ``account``: its tokens, customers and tenants only.

    A tenant that does not exist, or belongs to another account, is answered 400 ``invalid_id``
    ("No such tenant") with ``param: "tenant"`` [unverified: the code PAY.JP gives for an unknown
    tenant is not documented; ``invalid_id`` is its code for an unknown id given as a parameter].
    """
    params.reject_unknown(
        {
            "amount", "currency", "card", "customer", "capture", "expiry_days", "description",
            "metadata", "tenant", "platform_fee", "three_d_secure", "product",
        }
    )  # fmt: skip
    amount = _amount(params, "amount", required=True)
    assert amount is not None
    currency = params.get_str("currency", required=True)
    if currency != "jpy":
        raise invalid("invalid_currency", "Only 'jpy' is supported.", "currency")
    capture = params.get_bool("capture", True)
    expiry_days = params.get_int("expiry_days", code="invalid_expiry_days")
    if expiry_days is not None:
        if capture:
            raise invalid("unnecessary_expiry_days", "expiry_days is only allowed with capture=false.", "expiry_days")
        if not 1 <= expiry_days <= MAX_EXPIRY_DAYS:
            raise invalid("invalid_expiry_days", "expiry_days must be between 1 and 60.", "expiry_days")
    description = params.get_str("description", max_len=MAX_DESCRIPTION)
    metadata = params.metadata() or {}
    three_d_secure = params.get_bool("three_d_secure", False)
    tenant_id = params.get_str("tenant")
    platform_fee = params.get_int("platform_fee", code="invalid_amount")
    if platform_fee is not None and (tenant_id is None or not 0 <= platform_fee <= amount):
        raise invalid("invalid_amount", "platform_fee must be between 0 and the amount, with a tenant.", "platform_fee")
    card_param = params.get_str("card")
    customer_id = params.get_str("customer")
    if card_param is None and customer_id is None:
        raise missing("card")

    failure: str | None = None
    with state.transaction() as data:
        tenant = None
        if tenant_id is not None:
            tenant = owned(data, "tenants", tenant_id, account, kind="tenant", param="tenant")
        if customer_id is not None:
            customer = owned(data, "customers", customer_id, account, kind="customer", param="customer")
            card_id = card_param or customer["default_card"]
            if card_id is None:
                raise invalid("missing_card", "This customer has no card.", "customer")
            stored = data["cards"].get(card_id)
            if stored is None or stored["customer"] != customer_id:
                raise invalid("dont_has_this_card", f"Customer {customer_id} does not have card {card_id}.", "card")
            card = copy.deepcopy(stored)
        else:
            assert card_param is not None
            if not card_param.startswith("tok_"):
                raise not_found("token", card_param, "card")
            check_token_usable(state, card_param, "card", account)
            card = consume_token(state, card_param, "card", account)
        profile = CardProfile.from_json(data["profiles"][card["id"]])
        now = state.now()
        charge: dict[str, Any] = {
            **object_head("charge", new_id("ch"), now),
            "amount": amount,
            "currency": "jpy",
            "paid": False,
            "captured": False,
            "captured_at": None,
            "expired_at": None,
            "card": card,
            "customer": customer_id,
            "description": description,
            "failure_code": None,
            "failure_message": None,
            "fee_rate": FEE_RATE,
            "refunded": False,
            "amount_refunded": 0,
            "refund_reason": None,
            "subscription": None,
            "metadata": metadata,
            "platform_fee": platform_fee,
            "platform_fee_rate": tenant["platform_fee_rate"] if tenant else None,
            "total_platform_fee": 0 if tenant else None,
            "tenant": tenant_id,
            "three_d_secure_status": None,
            "term_id": None,
        }
        days = expiry_days if expiry_days is not None else DEFAULT_EXPIRY_DAYS
        data["charge_flow"][charge["id"]] = {
            "capture": capture,
            "expiry_days": days,
            "three_d_secure": three_d_secure,
            "finished": not three_d_secure,
        }
        add(data, "charges", charge, account)
        if three_d_secure:
            # Pending until tds_finish, whatever capture says (reference §2.4).
            charge["three_d_secure_status"] = "unverified"
        else:
            failure = _authorize(state, charge, profile, capture, days)
            state.emit("charge.failed" if failure else "charge.succeeded", charge)
        result = copy.deepcopy(charge)
    if failure is not None:
        # Raised after the transaction so the failed charge and its event are kept.
        raise card_error(failure, ERROR_MESSAGES.get(failure, "Card declined."), "card", result["id"])
    return result


def retrieve_charge(state: SimulatorState, charge_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction(write=False) as data:
        return copy.deepcopy(_charge(data, charge_id, account))


def update_charge(state: SimulatorState, charge_id: str, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({"description", "metadata"})
    description = params.get_str("description", max_len=MAX_DESCRIPTION)
    metadata = params.metadata()
    with state.transaction() as data:
        charge = _charge(data, charge_id, account)
        new_metadata = merge_metadata(charge["metadata"], metadata) if metadata is not None else None
        if "description" in params:
            charge["description"] = description or None
        if new_metadata is not None:
            charge["metadata"] = new_metadata
        state.emit("charge.updated", charge)
        return copy.deepcopy(charge)


def list_charges(state: SimulatorState, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({*LIST_PARAMS, "customer", "subscription", "tenant", "term"})
    filters = {key: params.get_str(key) for key in ("customer", "subscription", "tenant", "term") if key in params}
    field_of = {"customer": "customer", "subscription": "subscription", "tenant": "tenant", "term": "term_id"}

    def keep(charge: dict[str, Any]) -> bool:
        return all(charge.get(field_of[key]) == value for key, value in filters.items())

    with state.transaction(write=False) as data:
        return build_list(only_visible(data, data["charges"].values(), account), params, "/v1/charges", keep)


def _require_authorized(charge: dict[str, Any], flow: dict[str, Any]) -> None:
    if flow.get("three_d_secure") and not flow.get("finished"):
        raise invalid("three_d_secure_incompleted", "3-D Secure has not been finished for this charge.")
    if not charge["paid"]:
        raise invalid("failed_payment", "This charge was not authorized.")


def capture_charge(state: SimulatorState, charge_id: str, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({"amount"})
    amount = _amount(params, "amount", required=False)
    with state.transaction() as data:
        charge = _charge(data, charge_id, account)
        _require_authorized(charge, data["charge_flow"].get(charge_id, {}))
        if charge["refunded"]:
            raise invalid("cant_capture_refunded_charge", "A refunded charge cannot be captured.")
        if charge["captured"]:
            raise invalid("already_captured", "This charge has already been captured.")
        now = state.now()
        if charge["expired_at"] is not None and now > charge["expired_at"]:
            raise invalid("charge_expired", "The authorization of this charge has expired.")
        if amount is not None and amount > charge["amount"]:
            raise invalid("capture_amount_gt_net", "Capture amount exceeds the authorized amount.", "amount")
        captured_amount = amount if amount is not None else charge["amount"]
        charge.update(captured=True, captured_at=now, expired_at=None)
        charge["amount_refunded"] += charge["amount"] - captured_amount
        _platform_fee(charge)
        state.emit("charge.captured", charge)
        return copy.deepcopy(charge)


def refund_charge(state: SimulatorState, charge_id: str, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({"amount", "refund_reason"})
    amount = params.get_int("amount", code="invalid_refund_amount")
    if amount is not None and not 1 <= amount <= MAX_AMOUNT:
        raise invalid("invalid_refund_amount", "Invalid refund amount.", "amount")
    reason = params.get_str("refund_reason")
    if reason is not None and len(reason) > MAX_REFUND_REASON:
        raise invalid("invalid_refund_reason", "refund_reason must be at most 255 characters.", "refund_reason")
    with state.transaction() as data:
        charge = _charge(data, charge_id, account)
        _require_authorized(charge, data["charge_flow"].get(charge_id, {}))
        if state.now() - int(charge["created"]) > REFUND_LIMIT_SECONDS:
            raise invalid("refund_limit_exceeded", "Charges older than 180 days cannot be refunded.")
        remaining = charge["amount"] - charge["amount_refunded"]
        if charge["refunded"] or remaining <= 0:
            raise invalid("already_refunded", "This charge has already been refunded.")
        if not charge["captured"] and amount is not None:
            raise invalid(
                "invalid_amount_to_not_captured", "An uncaptured charge can only be refunded in full.", "amount"
            )
        if amount is not None and amount > remaining:
            raise invalid("refund_amount_gt_net", "Refund amount exceeds the refundable amount.", "amount")
        refund_amount = amount if amount is not None else remaining
        charge["amount_refunded"] += refund_amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        if reason is not None:
            charge["refund_reason"] = reason
        _platform_fee(charge)
        state.emit("charge.refunded", charge)
        return copy.deepcopy(charge)


def finish_charge_tds(state: SimulatorState, charge_id: str, account: str | None = None) -> dict[str, Any]:
    failure: str | None = None
    with state.transaction() as data:
        charge = _charge(data, charge_id, account)
        flow = data["charge_flow"].get(charge_id, {})
        if not flow.get("three_d_secure") or flow.get("finished"):
            raise invalid("not_in_three_d_secure_flow", "This charge is not in a 3-D Secure flow.")
        if state.now() - int(charge["created"]) > TDS_FLOW_SECONDS:
            raise invalid("not_in_three_d_secure_flow", "The 3-D Secure flow of this charge has expired.")
        status = charge["three_d_secure_status"]
        if status == "unverified":
            raise invalid("three_d_secure_incompleted", "3-D Secure authentication has not been completed.")
        if status not in ("verified", "attempted"):
            raise invalid("three_d_secure_failed", "3-D Secure authentication failed.")
        flow["finished"] = True
        profile = CardProfile.from_json(data["profiles"][charge["card"]["id"]])
        failure = _authorize(state, charge, profile, bool(flow["capture"]), int(flow["expiry_days"]))
        state.emit("charge.failed" if failure else "charge.succeeded", charge)
        result: dict[str, Any] = copy.deepcopy(charge)
    if failure is not None:
        raise card_error(failure, ERROR_MESSAGES.get(failure, "Card declined."), "card", result["id"])
    return result


def tds_target_exists(state: SimulatorState, charge_id: str) -> bool:
    flow = state.snapshot("charge_flow", charge_id)
    return bool(flow and flow.get("three_d_secure") and not flow.get("finished"))


__all__ = [
    "ApiError",
    "capture_charge",
    "create_charge",
    "finish_charge_tds",
    "list_charges",
    "refund_charge",
    "retrieve_charge",
    "update_charge",
]
