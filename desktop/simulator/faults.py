"""Fault injection: slow answers, 500/429 answers, "done on the server, lost on the wire", and a
connection reset before anything was done."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import Enum


class FaultKind(str, Enum):
    LATENCY = "latency"
    ERROR_500 = "500"
    ERROR_429 = "429"
    DROP = "drop"
    RESET = "reset"  # the connection cut before anything is carried out


@dataclass
class FaultRule:
    """One rule: requests whose method and path match get ``kind`` applied.

    ``remaining`` is how many more requests it applies to (None = every one, used for latency).
    """

    kind: FaultKind
    method: str | None = None
    path_prefix: str | None = None
    remaining: int | None = None
    seconds: float = 0.0
    id: int = field(default=0)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "method": self.method,
            "path_prefix": self.path_prefix,
            "remaining": self.remaining,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class FaultPlan:
    """What to do with one request: wait ``delay`` seconds, then answer normally or fail."""

    delay: float = 0.0
    outcome: FaultKind | None = None


class FaultInjector:
    """Thread-safe rule set consulted once per API request (``/_sim/`` is never affected).

    Example::

        state.faults.add_latency(2.0, method="POST", path_prefix="/v1/charges")
        state.faults.fail_next(1, status=500, method="POST", path_prefix="/v1/charges")
        state.faults.drop_next(1, method="POST", path_prefix="/v1/charges/ch_x/refund")
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1

    def _add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
        return rule

    def add_latency(
        self, seconds: float, *, method: str | None = None, path_prefix: str | None = None, count: int | None = None
    ) -> FaultRule:
        """Delay matching requests by ``seconds`` (all of them, or the next ``count``)."""
        return self._add(FaultRule(FaultKind.LATENCY, method, path_prefix, count, float(seconds)))

    def fail_next(
        self, count: int = 1, *, status: int = 500, method: str | None = None, path_prefix: str | None = None
    ) -> FaultRule:
        """Answer the next ``count`` matching requests with 500 ``payjp_wrong`` or 429 ``over_capacity``."""
        if status not in (500, 429):
            raise ValueError("status must be 500 or 429")
        kind = FaultKind.ERROR_500 if status == 500 else FaultKind.ERROR_429
        return self._add(FaultRule(kind, method, path_prefix, count))

    def drop_next(self, count: int = 1, *, method: str | None = None, path_prefix: str | None = None) -> FaultRule:
        """Carry out the next ``count`` matching requests, then cut the connection mid-response."""
        return self._add(FaultRule(FaultKind.DROP, method, path_prefix, count))

    def reset_next(self, count: int = 1, *, method: str | None = None, path_prefix: str | None = None) -> FaultRule:
        """Cut the next ``count`` matching connections mid-answer without carrying the request out."""
        return self._add(FaultRule(FaultKind.RESET, method, path_prefix, count))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def plan(self, method: str, path: str) -> FaultPlan:
        """Consume the rules that match this request and say what to do with it."""
        delay = 0.0
        outcome: FaultKind | None = None
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.kind is FaultKind.LATENCY:
                    delay += rule.seconds
                elif outcome is None:
                    outcome = rule.kind
                else:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
        return FaultPlan(delay, outcome)
