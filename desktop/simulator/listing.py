"""PAY.JP list objects: limit/offset/since/until paging, newest first."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from .errors import invalid
from .forms import Params

LIST_PARAMS = ("limit", "offset", "since", "until")


def build_list(
    items: Iterable[dict[str, Any]],
    params: Params,
    url: str,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """Filter, sort newest first and page ``items`` into ``{"object": "list", ...}``."""
    limit = params.get_int("limit", code="invalid_param_key")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise invalid("invalid_param_key", "limit must be between 1 and 100.", "limit")
    offset = params.get_int("offset") or 0
    if offset < 0:
        raise invalid("invalid_param_key", "offset must be 0 or more.", "offset")
    since = params.get_int("since", code="invalid_timestamp")
    until = params.get_int("until", code="invalid_timestamp")

    # Insertion order breaks ties between objects created in the same second.
    ordered = list(items)[::-1]
    ordered.sort(key=lambda item: int(item.get("created", 0)), reverse=True)
    selected = [
        item
        for item in ordered
        if (since is None or int(item["created"]) >= since)
        and (until is None or int(item["created"]) <= until)
        and (keep is None or keep(item))
    ]
    page = selected[offset : offset + limit]
    return {
        "object": "list",
        "data": copy.deepcopy(page),
        "has_more": offset + limit < len(selected),
        # The reference leaves open whether count is the page size or the total; use the page size.
        "count": len(page),
        "url": url,
    }
