"""The demo tenant application form and review outcome."""

from __future__ import annotations

import httpx
import payjp
from payjp import api_requestor

from desktop.simulator.testing import RunningSimulator


def _request(sim: RunningSimulator, method: str, url: str, params: dict[str, object] | None = None) -> dict:
    response, _ = api_requestor.APIRequestor(key=sim.secret_key).request(method, url, params or {})
    return response


def _tenant_with_url(sim: RunningSimulator) -> tuple[str, str]:
    tenant = _request(sim, "post", "/v1/tenants", {"name": "さくら皮膚科", "platform_fee_rate": "8"})
    url = _request(sim, "post", f"/v1/tenants/{tenant['id']}/application_urls")["url"]
    return tenant["id"], url


def test_application_form_marks_brands_in_review(sim: RunningSimulator) -> None:
    tenant_id, url = _tenant_with_url(sim)
    page = httpx.get(url)
    assert page.status_code == 200
    assert "シミュレーター" in page.text and "さくら皮膚科" in page.text
    submitted = httpx.post(url, data={"business_name": "さくら皮膚科"}, follow_redirects=True)
    assert "審査通過" in submitted.text
    tenant = _request(sim, "get", f"/v1/tenants/{tenant_id}")
    assert {b["status"] for b in tenant["reviewed_brands"]} == {"in_review"}
    assert {"Visa", "MasterCard", "JCB"} <= {b["brand"] for b in tenant["reviewed_brands"]}
    events = payjp.Event.all(api_key=sim.secret_key, resource_id=tenant_id, type="tenant.updated")
    assert events.count == 1


def test_review_buttons_set_the_outcome(sim: RunningSimulator) -> None:
    tenant_id, url = _tenant_with_url(sim)
    httpx.post(url, data={"business_name": "x"})
    page = httpx.post(url + "/review", data={"status": "passed"})
    assert page.status_code == 200
    tenant = _request(sim, "get", f"/v1/tenants/{tenant_id}")
    assert all(b["status"] == "passed" and b["available_date"] for b in tenant["reviewed_brands"])


def test_admin_endpoint_declines_chosen_brands(sim: RunningSimulator) -> None:
    tenant_id, _ = _tenant_with_url(sim)
    sim.admin("POST", f"/_sim/tenants/{tenant_id}/review", {"status": "passed"})
    tenant = sim.admin("POST", f"/_sim/tenants/{tenant_id}/review", {"status": "declined", "brands": ["JCB"]})
    statuses = {b["brand"]: b["status"] for b in tenant["reviewed_brands"]}
    assert statuses["JCB"] == "declined" and statuses["Visa"] == "passed"


def test_application_url_expires(sim: RunningSimulator) -> None:
    _, url = _tenant_with_url(sim)
    assert httpx.get(url).status_code == 200
    sim.admin("POST", "/_sim/time", {"seconds": 301})
    assert httpx.get(url).status_code == 404
