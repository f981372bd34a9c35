"""Event retrieval and listing."""

from __future__ import annotations

import copy
from typing import Any

from .accounts import owned
from .forms import Params
from .listing import LIST_PARAMS, build_list
from .store import SimulatorState


def retrieve_event(state: SimulatorState, event_id: str) -> dict[str, Any]:
    with state.transaction(write=False) as data:
        return copy.deepcopy(owned(data, "events", event_id, None, kind="event"))


def list_events(state: SimulatorState, params: Params) -> dict[str, Any]:
    params.reject_unknown({*LIST_PARAMS, "resource_id", "object", "type"})
    resource_id = params.get_str("resource_id")
    object_name = params.get_str("object")
    event_type = params.get_str("type")

    def keep(event: dict[str, Any]) -> bool:
        data = event["data"]
        if resource_id is not None and data.get("id") != resource_id:
            return False
        # Deleted stubs carry no "object"; their type prefix names it.
        resource_object = data.get("object") or str(event["type"]).rsplit(".", 1)[0]
        if object_name is not None and resource_object != object_name:
            return False
        return event_type is None or event["type"] == event_type

    with state.transaction(write=False) as data:
        return build_list(data["events"].values(), params, "/v1/events", keep)
