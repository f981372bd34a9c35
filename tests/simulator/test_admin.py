"""Admin API: reset, ageing charges, 3-D Secure completion, and the behaviours they unlock."""

from __future__ import annotations

import payjp
import pytest

from desktop.simulator.testing import RunningSimulator, make_test_token

from .helpers import charge


def test_reset_forgets_everything(sim: RunningSimulator) -> None:
    charge(sim)
    assert sim.admin("POST", "/_sim/reset") == {"reset": True}
    assert payjp.Charge.all(api_key=sim.secret_key).count == 0
    assert payjp.Event.all(api_key=sim.secret_key).count == 0


def test_refund_after_180_days_is_refused(sim: RunningSimulator) -> None:
    created = charge(sim, 2000)
    aged = sim.admin("POST", f"/_sim/charges/{created.id}/created", {"created": created.created - 181 * 86_400})
    assert aged["created"] == created.created - 181 * 86_400
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        created.refund()
    assert info.value.json_body["error"]["code"] == "refund_limit_exceeded"


def test_refund_at_179_days_still_works(sim: RunningSimulator) -> None:
    created = charge(sim, 2000)
    sim.state.set_charge_created(created.id, created.created - 179 * 86_400)
    assert created.refund().refunded is True


def test_three_d_secure_charge_succeeds_after_authentication(sim: RunningSimulator) -> None:
    pending = charge(sim, 4000, three_d_secure=True)
    sim.complete_3ds(pending.id)
    assert payjp.Charge.retrieve(pending.id, api_key=sim.secret_key).three_d_secure_status == "verified"
    pending.tds_finish()
    assert pending.paid is True and pending.captured is True
    assert pending.three_d_secure_status == "verified"
    events = payjp.Event.all(api_key=sim.secret_key, resource_id=pending.id)
    assert [e.type for e in events.data] == ["charge.succeeded"]


def test_three_d_secure_keeps_capture_false(sim: RunningSimulator) -> None:
    pending = charge(sim, 4000, three_d_secure=True, capture=False)
    sim.complete_3ds(pending.id)
    pending.tds_finish()
    assert pending.paid is True and pending.captured is False and pending.expired_at is not None


def test_failed_authentication_blocks_tds_finish(sim: RunningSimulator) -> None:
    pending = charge(sim, 4000, three_d_secure=True)
    sim.complete_3ds(pending.id, authenticated=False)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        pending.tds_finish()
    assert info.value.json_body["error"]["code"] == "three_d_secure_failed"


def test_three_d_secure_with_a_declining_card_fails_at_finish(sim: RunningSimulator) -> None:
    pending = charge(sim, 4000, "4000000000080319", three_d_secure=True)
    sim.complete_3ds(pending.id)
    with pytest.raises(payjp.error.CardError) as info:
        pending.tds_finish()
    assert info.value.json_body["error"]["charge"] == pending.id
    assert payjp.Charge.retrieve(pending.id, api_key=sim.secret_key).failure_code == "card_declined"


def test_three_d_secure_flow_expires_after_30_minutes(sim: RunningSimulator) -> None:
    pending = charge(sim, 4000, three_d_secure=True)
    sim.complete_3ds(pending.id)
    sim.state.set_charge_created(pending.id, pending.created - 31 * 60)
    with pytest.raises(payjp.error.InvalidRequestError) as info:
        pending.tds_finish()
    assert info.value.json_body["error"]["code"] == "not_in_three_d_secure_flow"


def test_token_three_d_secure_then_customer(sim: RunningSimulator) -> None:
    token_id = make_test_token(sim.base_url, sim.secret_key, three_d_secure=True, name="TARO YAMADA")
    sim.complete_3ds(token_id)
    token = payjp.Token.retrieve(token_id, api_key=sim.secret_key)
    token.tds_finish()
    assert token.card.three_d_secure_status == "verified"
    customer = payjp.Customer.create(api_key=sim.secret_key, card=token_id)
    assert customer.cards.data[0].three_d_secure_status == "verified"


def test_three_d_secure_request_finishes(sim: RunningSimulator) -> None:
    customer = payjp.Customer.create(api_key=sim.secret_key, card=make_test_token(sim.base_url, sim.secret_key))
    request = payjp.ThreeDSecureRequest.create(api_key=sim.secret_key, resource_id=customer.default_card)
    sim.complete_3ds(request.id)
    done = payjp.ThreeDSecureRequest.retrieve(request.id, api_key=sim.secret_key)
    assert (done.state, done.three_d_secure_status) == ("finished", "verified")
    listed = payjp.ThreeDSecureRequest.all(api_key=sim.secret_key, resource_id=customer.default_card)
    assert [r.id for r in listed.data] == [request.id]


def test_admin_rejects_bad_input(sim: RunningSimulator) -> None:
    import httpx

    response = httpx.post(f"{sim.base_url}/_sim/faults", json={"kind": "nope"})
    assert response.status_code == 400
    response = httpx.post(f"{sim.base_url}/_sim/charges/ch_missing/created", json={"created": 1})
    assert response.status_code == 404
