from __future__ import annotations

from typing import Any

import payjp

from desktop.simulator.testing import RunningSimulator, make_test_token


def charge(sim: RunningSimulator, amount: int = 1000, number: str = "4242424242424242", **params: Any) -> Any:
    token = make_test_token(sim.base_url, sim.secret_key, number)
    payjp.api_base = sim.base_url
    return payjp.Charge.create(api_key=sim.secret_key, amount=amount, currency="jpy", card=token, **params)
