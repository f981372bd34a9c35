"""Contract suite: the official payjp SDK against the simulator, or PAY.JP test mode.

Set PAYJP_TEST_SECRET_KEY (sk_test_...) to run the same tests against https://api.pay.jp
(or against PAYJP_API_BASE when set: ``python -m desktop check-payjp --simulator`` points it at a
simulator, as an operator's run would meet PAY.JP). Only behaviour that real PAY.JP test mode
shows belongs here.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import payjp
import pytest
from payjp import api_requestor

from desktop.simulator.testing import running_simulator

REAL_KEY = os.environ.get("PAYJP_TEST_SECRET_KEY")
API_BASE = os.environ.get("PAYJP_API_BASE") or "https://api.pay.jp"


@dataclass
class Target:
    """Where the contract tests run: base URL and secret key."""

    base_url: str
    secret_key: str
    is_simulator: bool

    def token(self, number: str = "4242424242424242", **card: Any) -> Any:
        three_d_secure = card.pop("three_d_secure", None)
        fields: dict[str, Any] = {
            "number": number,
            "exp_month": 12,
            "exp_year": datetime.date.today().year + 3,
            "cvc": "123",
        }
        fields.update(card)
        params: dict[str, Any] = {"card": fields}
        if three_d_secure:
            params["three_d_secure"] = "true"
        return payjp.Token.create(api_key=self.secret_key, headers={"X-Payjp-Direct-Token-Generate": "true"}, **params)

    def charge(self, amount: int = 1000, number: str = "4242424242424242", **params: Any) -> Any:
        return payjp.Charge.create(
            api_key=self.secret_key, amount=amount, currency="jpy", card=self.token(number).id, **params
        )

    def request(self, method: str, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Raw SDK request, for endpoints payjp-python has no class for (tenants)."""
        requestor = api_requestor.APIRequestor(key=self.secret_key)
        response, _ = requestor.request(method, url, params or {})
        body: dict[str, Any] = response
        return body


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    previous = payjp.api_base
    if REAL_KEY:
        payjp.api_base = API_BASE
        yield Target(API_BASE, REAL_KEY, is_simulator=False)
    else:
        with running_simulator() as sim:
            payjp.api_base = sim.base_url
            yield Target(sim.base_url, sim.secret_key, is_simulator=True)
    payjp.api_base = previous


@pytest.fixture(autouse=True)
def _api_base(target: Target) -> None:
    # payjp-python's create() ignores a per-call api_base; other test modules may change the global.
    payjp.api_base = target.base_url
