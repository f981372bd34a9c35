"""Helpers for tests elsewhere in the project (billing engine, integration, e2e).

Usage::

    from desktop.simulator.testing import make_test_token, running_simulator

    with running_simulator() as sim:
        payjp.api_base = sim.base_url          # payjp-python's create() ignores per-call api_base
        token = make_test_token(sim.base_url, sim.secret_key)
        payjp.Charge.create(api_key=sim.secret_key, amount=1000, currency="jpy", card=token)

It is also a pytest plugin (``pytest_plugins = ["desktop.simulator.testing"]``) providing the
``simulator`` fixture.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .server import SimulatorServer
from .store import SimulatorState

# One test account (accounts.py): the key pair the app's デモ mode uses, so tokens made here are
# charges the app can make, and a back_url the app signs is one this account accepts.
TEST_SECRET_KEY = "sk_test_clinicpaydemo000000000000"
TEST_PUBLIC_KEY = "pk_test_clinicpaydemo000000000000"


@dataclass
class RunningSimulator:
    """A started simulator: point payjp at ``base_url`` and use the two keys."""

    base_url: str
    state: SimulatorState
    secret_key: str = TEST_SECRET_KEY
    public_key: str = TEST_PUBLIC_KEY

    def admin(self, method: str, path: str, json: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call the ``/_sim`` admin API, e.g. ``sim.admin("POST", "/_sim/reset")``."""
        response = httpx.request(method, self.base_url + path, json=json, timeout=10)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def complete_3ds(self, resource_id: str, authenticated: bool = True) -> None:
        """Answer a pending 3-D Secure challenge as the cardholder would."""
        self.admin("POST", f"/_sim/tds/{resource_id}/result", {"authenticated": authenticated})


@contextmanager
def running_simulator(state_file: str | Path | None = None) -> Iterator[RunningSimulator]:
    """Start a simulator on a free loopback port for the duration of the block."""
    state = SimulatorState(state_file)
    with SimulatorServer(state) as server:
        yield RunningSimulator(base_url=server.base_url, state=state)


def make_test_token(base_url: str, secret_key: str, number: str = "4242424242424242", **card: Any) -> str:
    """Create a card token through the payjp SDK, as a test would on PAY.JP's test mode.

    Extra keyword arguments become ``card[...]`` fields (``name``, ``email``, ``cvc``...);
    ``three_d_secure=True`` asks for a token 3-D Secure flow.
    """
    import payjp

    three_d_secure = bool(card.pop("three_d_secure", False))
    fields: dict[str, Any] = {
        "number": number,
        "exp_month": 12,
        "exp_year": datetime.date.today().year + 5,
        "cvc": "123",
    }
    fields.update(card)
    previous = payjp.api_base
    payjp.api_base = base_url
    try:
        params: dict[str, Any] = {"card": fields}
        if three_d_secure:
            params["three_d_secure"] = "true"
        token = payjp.Token.create(api_key=secret_key, headers={"X-Payjp-Direct-Token-Generate": "true"}, **params)
    finally:
        payjp.api_base = previous
    return str(token["id"])


@pytest.fixture
def simulator() -> Iterator[RunningSimulator]:
    """A fresh simulator per test."""
    with running_simulator() as sim:
        yield sim
