"""The PAY.JP gateway's errors, 3-D Secure through the billing engine, and tenant registration."""

from __future__ import annotations

import httpx
import pytest

from desktop.domain.billing import BillingState
from desktop.domain.clinic import CareType, ReviewStatus
from desktop.domain.errors import PaymentError, ServiceUnavailableError, UserError
from desktop.services.billing import LinkStatus
from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway
from desktop.services.tenants import TenantService
from desktop.simulator.testing import RunningSimulator
from desktop.storage.orm import Clinic
from tests.integration.conftest import Desk
from tests.smtp_server import free_port


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("4000000000080319", "card_declined", "カードが利用できませんでした"),
        ("4000000000004012", "expired_card", "有効期限が切れています"),
        ("4000000000000077", "incorrect_card_data", "正しくありません"),
    ],
)
def test_charge_time_declines_read_as_japanese(sim: RunningSimulator, number: str, code: str, words: str) -> None:
    from desktop.simulator.testing import make_test_token

    gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key))
    with pytest.raises(PaymentError) as info:
        gateway.create_charge(amount=1200, attempt_id="att_x", request_id=1,
                              card=make_test_token(sim.base_url, sim.secret_key, number))
    assert info.value.payjp_code == code
    assert words in info.value.message("ja")
    assert info.value.message("en") != info.value.message("ja")


def test_a_used_token_cannot_charge_twice(sim: RunningSimulator) -> None:
    from desktop.simulator.testing import make_test_token

    gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key))
    token = make_test_token(sim.base_url, sim.secret_key)
    gateway.create_charge(amount=1200, attempt_id="att_1", request_id=1, card=token)
    with pytest.raises(PaymentError) as info:
        gateway.create_charge(amount=1200, attempt_id="att_2", request_id=1, card=token)
    assert info.value.payjp_code == "token_already_used"


def test_wrong_key_and_unreachable_payjp_are_clear(sim: RunningSimulator) -> None:
    bad = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key="sk_bogus"))
    with pytest.raises(ServiceUnavailableError) as auth:
        bad.retrieve_charge("ch_x")
    assert "APIキー" in auth.value.message("ja")
    down = PayjpGateway(PayjpConfig(api_base=f"http://127.0.0.1:{free_port()}", secret_key=sim.secret_key, timeout=2))
    with pytest.raises(ServiceUnavailableError) as unreachable:
        down.create_charge(amount=1200, attempt_id="att_x", request_id=1, card="tok_x")
    assert unreachable.value.code == "payjp_unavailable"  # nothing was sent: not an unknown outcome
    assert "sk_" not in repr(PayjpConfig(api_base="x", secret_key="sk_live_secret"))


def test_payment_with_charge_3d_secure(desk: Desk) -> None:
    f = desk.front
    outcome = desk.billing.request_payment(f.reservation_id, f.staff_id, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    pending = desk.billing.pay_with_token(link, desk.token(), three_d_secure=True)
    assert pending.requires_three_d_secure and pending.state is BillingState.PROCESSING
    view = desk.billing.open_link(link)
    assert view.status == LinkStatus.PROCESSING and view.pending_charge_id == pending.charge_id
    desk.sim.complete_3ds(pending.charge_id or "", authenticated=True)
    done = desk.billing.finish_three_d_secure(link)
    assert done.state is BillingState.PAID
    assert desk.billing.finish_three_d_secure(link).state is BillingState.PAID  # a second callback is harmless
    charges = desk.charges()
    assert len(charges) == 1 and charges[0]["paid"] and charges[0]["three_d_secure_status"] == "verified"
    assert desk.billing.open_link(link).status == LinkStatus.PAID
    assert outcome.request_id == done.request_id


def test_failed_3d_secure_lets_the_patient_try_again(desk: Desk) -> None:
    f = desk.front
    desk.billing.request_payment(f.reservation_id, f.staff_id, 1200, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    pending = desk.billing.pay_with_token(link, desk.token(), three_d_secure=True)
    desk.sim.complete_3ds(pending.charge_id or "", authenticated=False)
    with pytest.raises(PaymentError) as info:
        desk.billing.finish_three_d_secure(link)
    assert "3Dセキュア" in info.value.message("ja")
    assert desk.billing.open_link(link).status == LinkStatus.PAYABLE
    again = desk.billing.pay_with_token(link, desk.token(), three_d_secure=True)
    desk.sim.complete_3ds(again.charge_id or "")
    assert desk.billing.finish_three_d_secure(link).state is BillingState.PAID
    assert sum(1 for c in desk.charges() if c["paid"]) == 1


def test_tenant_registration_and_review(desk: Desk) -> None:
    tenants = TenantService(desk.db, lambda clinic: desk.gateway, clock=desk.clock)
    url = tenants.register(desk.front.clinic_id, desk.front.staff_id, CareType.WITH_INSURANCE)
    assert url.startswith(desk.sim.base_url)
    assert httpx.get(url).status_code == 200  # the application form opens
    with desk.db.uow(readonly=True) as uow:
        clinic = uow.session.get(Clinic, desk.front.clinic_id)
        assert clinic is not None
        assert clinic.payjp_tenant_id and clinic.care_type is CareType.WITH_INSURANCE
        tenant_id = clinic.payjp_tenant_id
    desk.sim.admin("POST", f"/_sim/tenants/{tenant_id}/review", {"status": "in_review"})
    assert tenants.refresh_review(desk.front.clinic_id) is ReviewStatus.IN_REVIEW
    desk.sim.admin("POST", f"/_sim/tenants/{tenant_id}/review", {"status": "passed"})
    assert tenants.refresh_review(desk.front.clinic_id) is ReviewStatus.APPROVED
    # charges now belong to the tenant
    from desktop.services.directory import ClinicUpdate, DirectoryService

    DirectoryService(desk.db).update_clinic(desk.front.clinic_id, ClinicUpdate(payjp_tenant_id=tenant_id))
    f = desk.front
    desk.billing.request_payment(f.reservation_id, f.staff_id, 1200, "taxable")
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    assert desk.charges()[0]["tenant"] == tenant_id


def test_user_errors_never_carry_internals(sim: RunningSimulator) -> None:
    gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key))
    with pytest.raises(UserError) as info:
        gateway.retrieve_charge("ch_doesnotexist")
    text = info.value.message("ja")
    assert "Traceback" not in text and "ch_doesnotexist" not in text
