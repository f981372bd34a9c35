"""Customers and saved cards."""

from __future__ import annotations

import payjp
import pytest

from .conftest import Target


def test_customer_with_card_is_charged_on_its_default_card(target: Target) -> None:
    customer = payjp.Customer.create(api_key=target.secret_key, card=target.token().id, email="a@example.jp")
    assert customer.id.startswith("cus_") and customer.object == "customer"
    assert customer.default_card.startswith("car_")
    assert customer.cards.object == "list"
    assert [card.id for card in customer.cards.data] == [customer.default_card]
    charge = payjp.Charge.create(api_key=target.secret_key, amount=1200, currency="jpy", customer=customer.id)
    assert charge.customer == customer.id
    assert charge.card.id == customer.default_card
    listed = payjp.Charge.all(api_key=target.secret_key, customer=customer.id)
    assert [c.id for c in listed.data] == [charge.id]


def test_customer_without_card_cannot_be_charged(target: Target) -> None:
    customer = payjp.Customer.create(api_key=target.secret_key)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Charge.create(api_key=target.secret_key, amount=1200, currency="jpy", customer=customer.id)
    assert info.value.json_body["error"]["code"] == "missing_card"


def test_cards_add_pick_update_delete(target: Target) -> None:
    customer = payjp.Customer.create(api_key=target.secret_key, card=target.token().id)
    second = customer.cards.create(card=target.token("5555555555554444").id)
    assert second.customer == customer.id and second.brand == "MasterCard"
    charge = payjp.Charge.create(
        api_key=target.secret_key, amount=700, currency="jpy", customer=customer.id, card=second.id
    )
    assert charge.card.id == second.id
    fetched = customer.cards.retrieve(second.id)
    fetched.name = "HANAKO YAMADA"
    fetched.save()
    assert customer.cards.retrieve(second.id).name == "HANAKO YAMADA"
    assert len(customer.cards.all().data) == 2
    deleted = customer.cards.retrieve(second.id).delete()
    assert deleted.deleted is True
    assert len(customer.cards.all().data) == 1


def test_same_card_twice_is_refused(target: Target) -> None:
    customer = payjp.Customer.create(api_key=target.secret_key, card=target.token().id)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        customer.cards.create(card=target.token().id)
    assert info.value.json_body["error"]["code"] == "already_have_the_same_card"


def test_custom_id_update_and_delete(target: Target) -> None:
    customer = payjp.Customer.create(api_key=target.secret_key, description="初診")
    customer.email = "b@example.jp"
    customer.save()
    assert payjp.Customer.retrieve(customer.id, api_key=target.secret_key).email == "b@example.jp"
    result = customer.delete()
    assert result.deleted is True
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Customer.retrieve(customer.id, api_key=target.secret_key)
    assert info.value.http_status == 404


def test_customers_take_no_tenant_and_their_card_is_charged_for_one(target: Target) -> None:
    """Customers belong to the platform account; the tenant is named on each charge of their card."""
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Customer.create(api_key=target.secret_key, card=target.token().id, tenant="ten_nowhere")
    assert info.value.json_body["error"]["code"] in ("no_allowed_param", "invalid_param_key")
    tenant = target.request("post", "/v1/tenants", {"name": "やまだ内科クリニック", "platform_fee_rate": "1.00"})
    customer = payjp.Customer.create(api_key=target.secret_key, card=target.token().id)
    charge = payjp.Charge.create(api_key=target.secret_key, amount=1200, currency="jpy", customer=customer.id,
                                 tenant=tenant["id"])
    assert charge.tenant == tenant["id"] and charge.customer == customer.id and charge.paid is True


def test_charging_a_deleted_customer_names_the_customer(target: Target) -> None:
    customer = payjp.Customer.create(api_key=target.secret_key, card=target.token().id)
    customer.delete()
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        payjp.Charge.create(api_key=target.secret_key, amount=1200, currency="jpy", customer=customer.id)
    error = info.value.json_body["error"]
    assert error["code"] == "invalid_id" and error["param"] == "customer"
