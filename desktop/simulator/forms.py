"""Parsing of PAY.JP's form-encoded parameters (``metadata[k]=v``, ``card[number]=...``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ApiError, invalid, missing

_BRACKET = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_FLEXIBLE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")

METADATA_MAX_KEYS = 20
METADATA_MAX_KEY_LEN = 40
METADATA_MAX_VALUE_LEN = 500


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ``[("card[number]", "4242...")]`` into ``{"card": {"number": "4242..."}}``.

    ``key[]`` collects a list, as payjp-python's ``_api_encode`` produces for lists.
    """
    result: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _BRACKET.match(raw_key)
        if match is None:
            raise invalid("invalid_param_key", f"Invalid param key: {raw_key}", raw_key)
        head, tail = match.group(1), match.group(2)
        parts = [head] + re.findall(r"\[([^\[\]]*)\]", tail)
        node: dict[str, Any] = result
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise invalid("invalid_param_key", f"Invalid param key: {raw_key}", raw_key)
            node = child
        last = parts[-1]
        if last == "" and len(parts) > 1:
            # "key[]=v": the list lives under the parent name.
            parent = result
            for part in parts[:-2]:
                parent = parent[part]
            existing = parent.get(parts[-2])
            if not isinstance(existing, list):
                existing = []
                parent[parts[-2]] = existing
            existing.append(value)
            continue
        if isinstance(node.get(last), dict):
            raise invalid("invalid_param_key", f"Invalid param key: {raw_key}", raw_key)
        node[last] = value
    return result


class Params:
    """Typed access to one request's parameters, raising PAY.JP's errors on bad values."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def reject_unknown(self, allowed: Iterable[str]) -> None:
        allowed_set = set(allowed)
        for key in self.data:
            if key not in allowed_set:
                raise invalid("no_allowed_param", f"Invalid param key to this endpoint: {key}", key)

    def get_str(self, key: str, *, required: bool = False, max_len: int | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise missing(key)
            return None
        if not isinstance(value, str):
            raise invalid("invalid_param_key", f"Invalid value for {key}.", key)
        if max_len is not None and len(value) > max_len:
            raise invalid("invalid_string_length", f"'{key}' must be at most {max_len} characters.", key)
        return value

    def get_flexible_id(self) -> str | None:
        """The caller-chosen ``id`` (1 to 100 of ``A-Z a-z 0-9 _ -``); None when absent."""
        custom_id = self.get_str("id")
        if custom_id is not None and not _FLEXIBLE_ID.match(custom_id):
            raise invalid("invalid_flexible_id", "Invalid id.", "id")
        return custom_id

    def get_int(self, key: str, *, required: bool = False, code: str = "invalid_param_key") -> int | None:
        raw = self.get_str(key, required=required)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise invalid(code, f"'{key}' must be an integer.", key) from None

    def get_bool(self, key: str, default: bool) -> bool:
        raw = self.get_str(key)
        if raw is None:
            return default
        # payjp-python sends Python's str(True) == "True"; browsers and curl send "true".
        lowered = raw.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
        raise invalid("invalid_boolean", f"'{key}' must be a boolean.", key)

    def get_dict(self, key: str) -> dict[str, Any]:
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise invalid("invalid_param_key", f"'{key}' must be a hash.", key)
        return value

    def metadata(self) -> dict[str, str] | None:
        """Validate ``metadata[...]``; None when absent. An empty value deletes that key on update."""
        if "metadata" not in self.data:
            return None
        raw = self.data["metadata"]
        if raw == "":
            return {}
        if not isinstance(raw, dict):
            raise invalid("invalid_metadata_key", "metadata must be key-value pairs.", "metadata")
        if len(raw) > METADATA_MAX_KEYS:
            raise invalid("too_many_metadata_keys", f"metadata can have at most {METADATA_MAX_KEYS} keys.", "metadata")
        result: dict[str, str] = {}
        for key, value in raw.items():
            if not key or len(key) > METADATA_MAX_KEY_LEN:
                raise invalid(
                    "invalid_metadata_key",
                    f"metadata keys must be 1 to {METADATA_MAX_KEY_LEN} characters.",
                    f"metadata[{key}]",
                )
            if not isinstance(value, str) or len(value) > METADATA_MAX_VALUE_LEN:
                raise invalid(
                    "invalid_metadata_value",
                    f"metadata values must be at most {METADATA_MAX_VALUE_LEN} characters.",
                    f"metadata[{key}]",
                )
            result[key] = value
        return result


def merge_metadata(current: dict[str, str] | None, update: dict[str, str]) -> dict[str, str]:
    """Apply an update: empty values delete keys (the SDK sends "" for keys removed locally)."""
    merged = dict(current or {})
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > METADATA_MAX_KEYS:
        raise invalid("too_many_metadata_keys", f"metadata can have at most {METADATA_MAX_KEYS} keys.", "metadata")
    return merged


__all__ = ["ApiError", "Params", "merge_metadata", "parse_pairs"]
