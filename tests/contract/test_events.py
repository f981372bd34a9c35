"""Events: one per state change, `data` is the resource itself."""

from __future__ import annotations

import payjp

from .conftest import Target


def test_charge_events_are_listed_by_resource(target: Target) -> None:
    charge = target.charge(2500)
    charge.refund(amount=500)
    events = payjp.Event.all(api_key=target.secret_key, resource_id=charge.id)
    types = [event.type for event in events.data]
    assert types[0] == "charge.refunded"
    assert "charge.succeeded" in types
    newest = events.data[0]
    assert newest.id.startswith("evnt_") and newest.object == "event"
    assert newest.data.id == charge.id
    assert newest.data.object == "charge"
    assert newest.data.amount_refunded == 500


def test_event_filters_and_retrieve(target: Target) -> None:
    charge = target.charge(2600)
    only = payjp.Event.all(api_key=target.secret_key, type="charge.succeeded", object="charge", limit=5)
    assert only.data and all(event.type == "charge.succeeded" for event in only.data)
    succeeded = payjp.Event.all(api_key=target.secret_key, resource_id=charge.id, type="charge.succeeded")
    event = payjp.Event.retrieve(succeeded.data[0].id, api_key=target.secret_key)
    assert event.data.id == charge.id


def test_customer_created_event(target: Target) -> None:
    customer = payjp.Customer.create(api_key=target.secret_key)
    events = payjp.Event.all(api_key=target.secret_key, resource_id=customer.id)
    assert [event.type for event in events.data] == ["customer.created"]
