"""One test account per key suffix: a key pair works together, keys of two accounts do not."""

from __future__ import annotations

import httpx
import payjp
import pytest

from desktop.simulator.testing import RunningSimulator

OTHER_SECRET = "sk_test_anotheraccount0000000000"
OTHER_PUBLIC = "pk_test_anotheraccount0000000000"
CARD = {"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2040"}


def _browser_token(sim: RunningSimulator, public_key: str) -> str:
    """A card token made as payjp.js makes it, with a public key."""
    response = httpx.post(f"{sim.base_url}/v1/tokens", auth=(public_key, ""), data=CARD)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def _charge(sim: RunningSimulator, secret_key: str, **params: str | int) -> httpx.Response:
    return httpx.post(
        f"{sim.base_url}/v1/charges",
        auth=(secret_key, ""),
        data={"amount": 1000, "currency": "jpy", **params},
    )


def test_a_token_made_with_the_accounts_public_key_charges(sim: RunningSimulator) -> None:
    token = _browser_token(sim, sim.public_key)
    response = _charge(sim, sim.secret_key, card=token)
    assert response.status_code == 200 and response.json()["paid"] is True


def test_a_token_of_another_accounts_public_key_is_no_such_token(sim: RunningSimulator) -> None:
    token = _browser_token(sim, OTHER_PUBLIC)
    response = _charge(sim, sim.secret_key, card=token)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_id", "card")
    assert token in error["message"]
    # Nothing was charged, and the token is still good for its own account.
    assert payjp.Charge.all(api_key=sim.secret_key)["data"] == []
    assert _charge(sim, OTHER_SECRET, card=token).status_code == 200


def test_a_bare_key_prefix_is_not_an_account(sim: RunningSimulator) -> None:
    response = httpx.post(f"{sim.base_url}/v1/tokens", auth=("pk_test_", ""), data=CARD)
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(f"{sim.base_url}/v1/charges", auth=("sk_test_", "")).status_code == 401


def test_accounts_see_only_their_own_charges_and_tenants(sim: RunningSimulator) -> None:
    token = _browser_token(sim, sim.public_key)
    charge_id = _charge(sim, sim.secret_key, card=token).json()["id"]
    tenant = httpx.post(
        f"{sim.base_url}/v1/tenants", auth=(sim.secret_key, ""), data={"name": "さくら内科", "platform_fee_rate": "1.00"}
    ).json()
    other = (OTHER_SECRET, "")
    assert httpx.get(f"{sim.base_url}/v1/charges/{charge_id}", auth=other).status_code == 404
    assert httpx.post(f"{sim.base_url}/v1/charges/{charge_id}/refund", auth=other).status_code == 404
    assert httpx.get(f"{sim.base_url}/v1/charges", auth=other).json()["data"] == []
    assert httpx.get(f"{sim.base_url}/v1/tenants/{tenant['id']}", auth=other).status_code == 404
    assert httpx.get(f"{sim.base_url}/v1/tenants", auth=other).json()["data"] == []
    # A charge for a tenant of another account is refused like an unknown tenant.
    refused = _charge(sim, OTHER_SECRET, card=_browser_token(sim, OTHER_PUBLIC), tenant=tenant["id"])
    assert refused.status_code == 400
    assert (refused.json()["error"]["code"], refused.json()["error"]["param"]) == ("invalid_id", "tenant")
    # The owner still sees both.
    assert httpx.get(f"{sim.base_url}/v1/charges/{charge_id}", auth=(sim.secret_key, "")).status_code == 200
    assert [t["id"] for t in httpx.get(f"{sim.base_url}/v1/tenants", auth=(sim.secret_key, "")).json()["data"]] == [
        tenant["id"]
    ]


def test_a_charge_for_the_accounts_tenant_carries_it(sim: RunningSimulator) -> None:
    tenant = httpx.post(
        f"{sim.base_url}/v1/tenants", auth=(sim.secret_key, ""), data={"name": "さくら内科", "platform_fee_rate": "1.50"}
    ).json()
    charged = _charge(sim, sim.secret_key, card=_browser_token(sim, sim.public_key), tenant=tenant["id"]).json()
    assert charged["tenant"] == tenant["id"] and charged["platform_fee_rate"] == "1.50"
    assert charged["total_platform_fee"] == 15
    unknown = _charge(sim, sim.secret_key, card=_browser_token(sim, sim.public_key), tenant="ten_nosuch")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_id"


@pytest.mark.parametrize("rate", ["1.005", "95.01", "-1", "abc"])
def test_a_bad_platform_fee_rate_gets_a_documented_code(sim: RunningSimulator, rate: str) -> None:
    response = httpx.post(
        f"{sim.base_url}/v1/tenants", auth=(sim.secret_key, ""), data={"name": "さくら内科", "platform_fee_rate": rate}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_amount", "platform_fee_rate")


def test_saved_cards_stay_with_their_account(sim: RunningSimulator) -> None:
    foreign = _browser_token(sim, OTHER_PUBLIC)
    refused = httpx.post(f"{sim.base_url}/v1/customers", auth=(sim.secret_key, ""), data={"card": foreign})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_id"
    customer = httpx.post(
        f"{sim.base_url}/v1/customers", auth=(sim.secret_key, ""), data={"card": _browser_token(sim, sim.public_key)}
    ).json()
    other = (OTHER_SECRET, "")
    assert httpx.get(f"{sim.base_url}/v1/customers/{customer['id']}", auth=other).status_code == 404
    assert httpx.get(f"{sim.base_url}/v1/customers", auth=other).json()["data"] == []
    charge = _charge(sim, OTHER_SECRET, customer=customer["id"])
    assert charge.status_code == 400 and charge.json()["error"]["param"] == "customer"
    assert _charge(sim, sim.secret_key, customer=customer["id"]).json()["paid"] is True


LIVE_PUBLIC, LIVE_SECRET = "pk_live_clinicpaydemo000000000000", "sk_live_clinicpaydemo000000000000"
OWN_CARD = "4980000000000006"  # a Visa number outside PAY.JP's test-card table (Luhn-valid)


def test_live_keys_tokenise_a_real_card_but_never_a_test_card(sim: RunningSimulator) -> None:
    """As PAY.JP: a test card is refused in live mode; the proof of a live key pair (a token made
    with the public key, read back with the secret key) works with the cardholder's own card."""
    refused = httpx.post(f"{sim.base_url}/v1/tokens", auth=(LIVE_PUBLIC, ""), data=CARD)
    assert refused.status_code == 402 and refused.json()["error"]["code"] == "test_card_on_livemode"
    made = httpx.post(f"{sim.base_url}/v1/tokens", auth=(LIVE_PUBLIC, ""), data={**CARD, "card[number]": OWN_CARD})
    assert made.status_code == 200 and made.json()["livemode"] is True
    token = made.json()["id"]
    read = httpx.get(f"{sim.base_url}/v1/tokens/{token}", auth=(LIVE_SECRET, ""))
    assert read.status_code == 200 and read.json()["card"]["last4"] == "0006"
    # the live mode of another account, and the test mode of the same one, see no such token
    assert httpx.get(f"{sim.base_url}/v1/tokens/{token}", auth=("sk_live_anotheraccount0000000000", "")).status_code == 404
    assert httpx.get(f"{sim.base_url}/v1/tokens/{token}", auth=(sim.secret_key, "")).status_code == 404
    # the test mode's own card numbers still work with test keys
    assert httpx.post(f"{sim.base_url}/v1/tokens", auth=(sim.public_key, ""), data=CARD).status_code == 200


def test_live_keys_move_no_money_here(sim: RunningSimulator) -> None:
    token = httpx.post(f"{sim.base_url}/v1/tokens", auth=(LIVE_PUBLIC, ""), data={**CARD, "card[number]": OWN_CARD}).json()["id"]
    charge = _charge(sim, LIVE_SECRET, card=token)
    assert charge.status_code == 401 and charge.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(f"{sim.base_url}/v1/tenants", auth=(LIVE_SECRET, "")).status_code == 401
