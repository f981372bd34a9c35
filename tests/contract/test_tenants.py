"""Platform tenants (payjp-python has no Tenant class: raw requestor calls)."""

from __future__ import annotations

import time
import uuid

import payjp
import pytest

from .conftest import Target


def _tenant(target: Target, **params: object) -> dict[str, object]:
    body = {"name": "やまだ内科クリニック", "platform_fee_rate": "10.15", **params}
    return target.request("post", "/v1/tenants", body)


def test_tenant_shape(target: Target) -> None:
    tenant = _tenant(target, metadata={"clinic_code": "C-17"})
    assert str(tenant["id"]).startswith("ten_")
    assert tenant["object"] == "tenant"
    assert tenant["platform_fee_rate"] == "10.15"
    assert tenant["payjp_fee_included"] is False
    assert tenant["minimum_transfer_amount"] == 10_000
    assert tenant["currencies_supported"] == ["jpy"]
    assert isinstance(tenant["reviewed_brands"], list)
    assert tenant["metadata"] == {"clinic_code": "C-17"}


def test_custom_id_is_unique(target: Target) -> None:
    custom = f"clinic-{uuid.uuid4().hex[:12]}"
    assert _tenant(target, id=custom)["id"] == custom
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        _tenant(target, id=custom)
    assert info.value.json_body["error"]["code"] == "already_exist_id"


@pytest.mark.parametrize("body", [{"platform_fee_rate": "10"}, {"name": "名前だけ"}])
def test_name_and_rate_are_required(target: Target, body: dict[str, str]) -> None:
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        target.request("post", "/v1/tenants", body)
    assert info.value.http_status == 400


@pytest.mark.parametrize("rate", ["95.01", "10.155"])
def test_rate_limits(target: Target, rate: str) -> None:
    with pytest.raises(payjp.error.InvalidRequestError):
        _tenant(target, platform_fee_rate=rate)


def test_update_retrieve_list_delete(target: Target) -> None:
    tenant = _tenant(target)
    tenant_id = str(tenant["id"])
    updated = target.request("post", f"/v1/tenants/{tenant_id}", {"name": "新しい名前", "platform_fee_rate": "5"})
    assert updated["name"] == "新しい名前"
    assert updated["platform_fee_rate"] == "5.00"
    assert target.request("get", f"/v1/tenants/{tenant_id}")["name"] == "新しい名前"
    listed = target.request("get", "/v1/tenants", {"limit": 100})
    assert tenant_id in [t["id"] for t in listed["data"]]
    deleted = target.request("delete", f"/v1/tenants/{tenant_id}")
    assert deleted == {"deleted": True, "id": tenant_id, "livemode": False}
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        target.request("get", f"/v1/tenants/{tenant_id}")
    assert info.value.http_status == 404


def test_application_url_expires_in_five_minutes(target: Target) -> None:
    tenant = _tenant(target)
    before = int(time.time())
    url = target.request("post", f"/v1/tenants/{tenant['id']}/application_urls")
    assert url["object"] == "application_url"
    assert str(url["url"]).startswith("http")
    assert before + 300 - 5 <= int(url["expires"]) <= int(time.time()) + 300 + 5


def test_charge_for_a_tenant_carries_the_fee(target: Target) -> None:
    tenant = _tenant(target, platform_fee_rate="10.00")
    charge = target.charge(5000, tenant=tenant["id"])
    assert charge.tenant == tenant["id"]
    assert charge.platform_fee_rate == "10.00"
    assert charge.total_platform_fee == 500
    listed = payjp.Charge.all(api_key=target.secret_key, tenant=tenant["id"])
    assert [c.id for c in listed.data] == [charge.id]
