"""Fault injection: latency, 500/429 answers, commit-then-drop."""

from __future__ import annotations

import time

import httpx
import payjp
import pytest

from desktop.simulator.testing import RunningSimulator, make_test_token

from .helpers import charge


def test_latency_applies_to_matching_requests_only(sim: RunningSimulator) -> None:
    sim.state.faults.add_latency(0.4, method="GET", path_prefix="/v1/charges")
    started = time.monotonic()
    payjp.Charge.all(api_key=sim.secret_key)
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    payjp.Customer.all(api_key=sim.secret_key)
    assert time.monotonic() - started < 0.3


def test_next_request_answers_500(sim: RunningSimulator) -> None:
    sim.state.faults.fail_next(1, status=500, method="POST", path_prefix="/v1/charges")
    token = make_test_token(sim.base_url, sim.secret_key)
    with pytest.raises(payjp.error.APIError) as info:
        payjp.Charge.create(api_key=sim.secret_key, amount=1000, currency="jpy", card=token)
    assert info.value.http_status == 500
    assert info.value.json_body["error"] == {
        "status": 500, "type": "server_error", "code": "payjp_wrong",
        "message": info.value.json_body["error"]["message"], "param": None,
    }  # fmt: skip
    assert payjp.Charge.all(api_key=sim.secret_key).count == 0
    # The rule was used up: the same token now works.
    assert payjp.Charge.create(api_key=sim.secret_key, amount=1000, currency="jpy", card=token).paid


def test_429_over_capacity(sim: RunningSimulator) -> None:
    sim.state.faults.fail_next(2, status=429, method="GET")
    for _ in range(2):
        with pytest.raises(payjp.error.APIError) as info:
            payjp.Charge.all(api_key=sim.secret_key)
        assert info.value.http_status == 429
        assert info.value.json_body["error"]["code"] == "over_capacity"
        assert info.value.json_body["error"]["type"] == "client_error"
    assert payjp.Charge.all(api_key=sim.secret_key).object == "list"


def test_drop_commits_the_charge_but_loses_the_response(sim: RunningSimulator) -> None:
    sim.state.faults.drop_next(1, method="POST", path_prefix="/v1/charges")
    token = make_test_token(sim.base_url, sim.secret_key)
    with pytest.raises(payjp.error.APIConnectionError):
        payjp.Charge.create(api_key=sim.secret_key, amount=1234, currency="jpy", card=token, metadata={"k": "v"})
    listed = payjp.Charge.all(api_key=sim.secret_key)
    assert [(c.amount, c.metadata["k"], c.paid) for c in listed.data] == [(1234, "v", True)]


def test_drop_a_refund_by_path_prefix(sim: RunningSimulator) -> None:
    created = charge(sim, 3000)
    sim.state.faults.drop_next(1, method="POST", path_prefix=f"/v1/charges/{created.id}/refund")
    other = charge(sim, 500)  # POST /v1/charges is not affected by that prefix
    assert other.paid
    with pytest.raises(payjp.error.APIConnectionError):
        created.refund(amount=1000)
    again = payjp.Charge.retrieve(created.id, api_key=sim.secret_key)
    assert again.amount_refunded == 1000


def test_admin_http_api_manages_rules(sim: RunningSimulator) -> None:
    rule = sim.admin("POST", "/_sim/faults", {"kind": "500", "method": "GET", "path_prefix": "/v1/events", "count": 1})
    assert rule["kind"] == "500" and rule["remaining"] == 1
    assert len(sim.admin("GET", "/_sim/faults")["rules"]) == 1
    response = httpx.get(f"{sim.base_url}/v1/events", auth=(sim.secret_key, ""))
    assert response.status_code == 500
    assert sim.admin("GET", "/_sim/faults")["rules"] == []
    sim.admin("POST", "/_sim/faults", {"kind": "latency", "seconds": 5})
    sim.admin("DELETE", "/_sim/faults")
    started = time.monotonic()
    httpx.get(f"{sim.base_url}/v1/events", auth=(sim.secret_key, ""))
    assert time.monotonic() - started < 1


def test_admin_paths_are_never_faulted(sim: RunningSimulator) -> None:
    sim.state.faults.fail_next(5, status=500)
    assert sim.admin("GET", "/_sim/faults")["rules"][0]["remaining"] == 5
