"""Platform tenants, their application URLs and brand reviews.

Each tenant belongs to the test account whose secret key created it (accounts.py); another
account's tenant is "No such tenant". Tenant ids are unique across all test accounts here,
while PAY.JP scopes them per account.

Error codes without a PAY.JP source [unverified]:
    ``invalid_amount`` for a bad ``platform_fee_rate`` (more than two decimals, below 0 or above
    95, not a number). PAY.JP documents the limits (小数点以下2桁まで, 最大95%) but not the code
    it answers; ``invalid_amount`` ("amount outside valid range") is the nearest documented code.
"""

from __future__ import annotations

import copy
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from .accounts import add, only_visible, owned, remove
from .errors import invalid, missing
from .forms import Params, merge_metadata
from .ids import new_object_head
from .listing import LIST_PARAMS, build_list
from .store import SimulatorState

APPLICATION_URL_SECONDS = 300
MAX_FEE_RATE = Decimal(95)
MIN_TRANSFER_AMOUNT = 1_000
REVIEWED_BRANDS = ("Visa", "MasterCard", "JCB", "American Express", "Diners Club", "Discover")
REVIEW_STATUSES = ("passed", "in_review", "declined")
_BANK_FIELDS = ("bank_code", "bank_branch_code", "bank_account_type", "bank_account_number", "bank_account_holder_name")


def _fee_rate(params: Params, *, required: bool) -> str | None:
    raw = params.get_str("platform_fee_rate", required=required)
    if raw is None:
        return None
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        rate = Decimal("NaN")
    exponent = rate.as_tuple().exponent
    if rate.is_nan() or not isinstance(exponent, int) or exponent < -2 or not 0 <= rate <= MAX_FEE_RATE:
        raise invalid(
            "invalid_amount",
            "platform_fee_rate must be 0 to 95 with at most two decimals.",
            "platform_fee_rate",
        )
    return f"{rate:.2f}"


def _transfer_amount(params: Params) -> int | None:
    value = params.get_int("minimum_transfer_amount", code="invalid_amount")
    if value is not None and value < MIN_TRANSFER_AMOUNT:
        raise invalid("invalid_amount", "minimum_transfer_amount must be at least 1000.", "minimum_transfer_amount")
    return value


def _tenant(data: dict[str, dict[str, Any]], tenant_id: str, account: str | None) -> dict[str, Any]:
    return owned(data, "tenants", tenant_id, account, kind="tenant")


def create_tenant(state: SimulatorState, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown(
        {"id", "name", "platform_fee_rate", "payjp_fee_included", "minimum_transfer_amount", "metadata", *_BANK_FIELDS}
    )
    custom_id = params.get_flexible_id()
    name = params.get_str("name", required=True, max_len=255)
    if not name:
        raise missing("name")
    rate = _fee_rate(params, required=True)
    fee_included = params.get_bool("payjp_fee_included", False)
    transfer = _transfer_amount(params)
    metadata = params.metadata() or {}
    bank = {field: params.get_str(field) for field in _BANK_FIELDS}
    with state.transaction() as data:
        tenant: dict[str, Any] = {
            **new_object_head(data["tenants"], custom_id, "ten", "tenant", state.now()),
            "name": name,
            "platform_fee_rate": rate,
            "payjp_fee_included": fee_included,
            "minimum_transfer_amount": transfer if transfer is not None else 10_000,
            **bank,
            "bank_account_status": "pending" if any(bank.values()) else None,
            "currencies_supported": ["jpy"],
            "default_currency": "jpy",
            "reviewed_brands": [],
            "metadata": metadata,
        }
        add(data, "tenants", tenant, account)
        state.emit("tenant.created", tenant)
        return copy.deepcopy(tenant)


def retrieve_tenant(state: SimulatorState, tenant_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction(write=False) as data:
        return copy.deepcopy(_tenant(data, tenant_id, account))


def update_tenant(state: SimulatorState, tenant_id: str, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({"name", "platform_fee_rate", "minimum_transfer_amount", "metadata", *_BANK_FIELDS})
    name = params.get_str("name", max_len=255)
    rate = _fee_rate(params, required=False)
    transfer = _transfer_amount(params)
    metadata = params.metadata()
    bank = {field: params.get_str(field) for field in _BANK_FIELDS if field in params}
    with state.transaction() as data:
        tenant = _tenant(data, tenant_id, account)
        new_metadata = merge_metadata(tenant["metadata"], metadata) if metadata is not None else None
        if name:
            tenant["name"] = name
        if rate is not None:
            tenant["platform_fee_rate"] = rate
        if transfer is not None:
            tenant["minimum_transfer_amount"] = transfer
        tenant.update(bank)
        if new_metadata is not None:
            tenant["metadata"] = new_metadata
        state.emit("tenant.updated", tenant)
        return copy.deepcopy(tenant)


def delete_tenant(state: SimulatorState, tenant_id: str, account: str | None = None) -> dict[str, Any]:
    with state.transaction() as data:
        _tenant(data, tenant_id, account)
        stub = remove(data, "tenants", tenant_id)
        state.emit("tenant.deleted", stub)
        return stub


def list_tenants(state: SimulatorState, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown(LIST_PARAMS)
    with state.transaction(write=False) as data:
        return build_list(only_visible(data, data["tenants"].values(), account), params, "/v1/tenants")


def create_application_url(
    state: SimulatorState, tenant_id: str, base_url: str, account: str | None = None
) -> dict[str, Any]:
    with state.transaction() as data:
        _tenant(data, tenant_id, account)
        key = secrets.token_urlsafe(24)
        expires = state.now() + APPLICATION_URL_SECONDS
        data["application_urls"][key] = {"tenant": tenant_id, "expires": expires}
        return {
            "object": "application_url",
            "url": f"{base_url.rstrip('/')}/_sim/tenant-application/{key}",
            "expires": expires,
        }


def application_tenant(state: SimulatorState, key: str) -> str | None:
    """The tenant an application URL key belongs to, or None if unknown or expired."""
    entry = state.snapshot("application_urls", key)
    if entry is None or state.now() > int(entry["expires"]):
        return None
    tenant_id = str(entry["tenant"])
    return tenant_id if state.snapshot("tenants", tenant_id) is not None else None


def set_review(state: SimulatorState, tenant_id: str, status: str, brands: list[str] | None = None) -> dict[str, Any]:
    """Set the review ``status`` of ``brands`` (all reviewable brands by default); emits tenant.updated."""
    if status not in REVIEW_STATUSES:
        raise ValueError(f"status must be one of {REVIEW_STATUSES}")
    chosen = list(brands) if brands else list(REVIEWED_BRANDS)
    with state.transaction() as data:
        tenant = _tenant(data, tenant_id, None)
        by_brand = {entry["brand"]: entry for entry in tenant["reviewed_brands"]}
        for brand in chosen:
            by_brand[brand] = {
                "brand": brand,
                "status": status,
                "available_date": state.now() if status == "passed" else None,
            }
        tenant["reviewed_brands"] = [by_brand[b] for b in REVIEWED_BRANDS if b in by_brand] + [
            entry for brand, entry in by_brand.items() if brand not in REVIEWED_BRANDS
        ]
        state.emit("tenant.updated", tenant)
        return copy.deepcopy(tenant)
