"""3-D Secure: the simulated challenge for charges, tokens and three_d_secure_requests."""

from __future__ import annotations

import copy
from typing import Any, Literal

from .accounts import add, owned, visible
from .charges import TDS_FLOW_SECONDS
from .errors import invalid, missing, not_found
from .forms import Params
from .ids import new_id, object_head
from .listing import LIST_PARAMS, build_list
from .store import SimulatorState

TargetKind = Literal["charge", "token", "three_d_secure_request"]


def create_request(state: SimulatorState, params: Params, account: str | None = None) -> dict[str, Any]:
    params.reject_unknown({"resource_id", "tenant_id"})
    resource_id = params.get_str("resource_id", required=True)
    if not resource_id:
        raise missing("resource_id")
    tenant_id = params.get_str("tenant_id")
    with state.transaction() as data:
        card = data["cards"].get(resource_id)
        if card is None or card["customer"] is None:
            raise not_found("card", resource_id, "resource_id")
        if tenant_id is not None:
            owned(data, "tenants", tenant_id, account, kind="tenant", param="tenant_id")
        request: dict[str, Any] = {
            **object_head("three_d_secure_request", new_id("tdsr"), state.now()),
            "resource_id": resource_id,
            "state": "created",
            "started_at": None,
            "result_received_at": None,
            "finished_at": None,
            "expired_at": None,
            "tenant_id": tenant_id,
            "three_d_secure_status": "unverified",
        }
        add(data, "tdsrs", request, account)
        return copy.deepcopy(request)


def retrieve_request(state: SimulatorState, request_id: str) -> dict[str, Any]:
    with state.transaction(write=False) as data:
        return copy.deepcopy(owned(data, "tdsrs", request_id, None, kind="three_d_secure_request"))


def list_requests(state: SimulatorState, params: Params) -> dict[str, Any]:
    params.reject_unknown({*LIST_PARAMS, "resource_id", "tenant_id"})
    filters = {key: params.get_str(key) for key in ("resource_id", "tenant_id") if key in params}

    def keep(request: dict[str, Any]) -> bool:
        return all(request.get(key) == value for key, value in filters.items())

    with state.transaction(write=False) as data:
        return build_list(data["tdsrs"].values(), params, "/v1/three_d_secure_requests", keep)


def challenge_target(state: SimulatorState, resource_id: str, account: str | None = None) -> TargetKind | None:
    """Which kind of object awaits a challenge under this id; None if nothing (or expired).

    ``account`` (of the public key that opened the challenge) sees only its own objects.
    """
    with state.transaction(write=False) as data:
        if not visible(data, resource_id, account):
            return None
        if resource_id in data["charges"]:
            flow = data["charge_flow"].get(resource_id, {})
            charge = data["charges"][resource_id]
            fresh = state.now() - int(charge["created"]) <= TDS_FLOW_SECONDS
            pending = flow.get("three_d_secure") and not flow.get("finished")
            return "charge" if pending and fresh else None
        if resource_id in data["tokens"]:
            flow = data["token_flow"].get(resource_id, {})
            return "token" if flow.get("three_d_secure") and not flow.get("finished") else None
        request = data["tdsrs"].get(resource_id)
        if request is not None and request["state"] in ("created", "in_progress"):
            return "three_d_secure_request"
        return None


def start_challenge(state: SimulatorState, resource_id: str, account: str | None = None) -> TargetKind:
    kind = challenge_target(state, resource_id, account)
    if kind is None:
        raise invalid("not_in_three_d_secure_flow", "This object is not waiting for 3-D Secure.")
    if kind == "three_d_secure_request":
        with state.transaction() as data:
            request = data["tdsrs"][resource_id]
            if request["state"] == "created":
                request.update(state="in_progress", started_at=state.now())
    return kind


def record_result(
    state: SimulatorState, resource_id: str, authenticated: bool, account: str | None = None
) -> TargetKind:
    """Store what the cardholder chose on the challenge page (認証する / 認証しない)."""
    kind = challenge_target(state, resource_id, account)
    if kind is None:
        raise invalid("not_in_three_d_secure_flow", "This object is not waiting for 3-D Secure.")
    status = "verified" if authenticated else "failed"
    with state.transaction() as data:
        now = state.now()
        if kind == "charge":
            data["charges"][resource_id]["three_d_secure_status"] = status
        elif kind == "token":
            data["tokens"][resource_id]["card"]["three_d_secure_status"] = status
        else:
            request = data["tdsrs"][resource_id]
            request.update(
                state="finished",
                started_at=request["started_at"] or now,
                result_received_at=now,
                finished_at=now,
                three_d_secure_status=status,
            )
            card = data["cards"].get(request["resource_id"])
            if card is not None:
                card["three_d_secure_status"] = status
    return kind
