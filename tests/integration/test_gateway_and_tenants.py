"""The PAY.JP gateway's errors, 3-D Secure through the billing engine, and tenant registration."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from desktop.domain.billing import BillingState
from desktop.domain.clinic import CareType, PaymentMode, ReviewStatus
from desktop.domain.errors import (
    PaymentError,
    ServiceUnavailableError,
    StateError,
    TenantRequiredError,
    UserError,
    ValidationError,
)
from desktop.services.billing import BillingService, LinkStatus
from desktop.services.directory import ClinicUpdate, DirectoryService
from desktop.services.outbox import OutboxSender
from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway
from desktop.services.payment_setup import GatewayProvider
from desktop.services.secrets import MemorySecretStore, payjp_secret_name
from desktop.services.smtp_transport import SmtpTransport
from desktop.services.tenants import TenantService
from desktop.simulator.testing import RunningSimulator, make_test_token
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database
from tests.conftest import FixedClock
from tests.integration.conftest import Desk
from tests.integration.seed import seed_front_desk
from tests.smtp_server import SmtpTestServer, free_port


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
    outcome = desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
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
    desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
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
    url = tenants.register(desk.front.clinic_id, desk.front.manager, CareType.WITH_INSURANCE)
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

    DirectoryService(desk.db).update_clinic(desk.front.manager, desk.front.clinic_id, ClinicUpdate(payjp_tenant_id=tenant_id))
    f = desk.front
    desk.billing.request_payment(f.reservation_id, f.staff, 1200, "taxable")
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    assert desk.charges()[0]["tenant"] == tenant_id


def test_user_errors_never_carry_internals(sim: RunningSimulator) -> None:
    gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key))
    with pytest.raises(UserError) as info:
        gateway.retrieve_charge("ch_doesnotexist")
    text = info.value.message("ja")
    assert "Traceback" not in text and "ch_doesnotexist" not in text


# --- every money call bound to the clinic's tenant (テスト / 本番) -------------------------------


def _provider(sim: RunningSimulator) -> GatewayProvider:
    """Gateways as the app builds them, with "PAY.JP" at the simulator and its key stored for テスト."""
    secrets = MemorySecretStore({payjp_secret_name(PaymentMode.TEST.value): sim.secret_key})
    return GatewayProvider(secrets, timeout=3.0, live_api_base=sim.base_url)


def _clinic(db: Database, clinic_id: int) -> Clinic:
    with db.uow(readonly=True) as uow:
        clinic = uow.session.get(Clinic, clinic_id)
        assert clinic is not None
        return clinic


def _requests_reaching(sim: RunningSimulator) -> Callable[[], int]:
    """A counter of the /v1 requests the simulator receives from now on."""
    start = 1_000_000
    rule = sim.state.faults.add_latency(0, path_prefix="/v1/", count=start)
    return lambda: start - (rule.remaining or 0)


def test_test_mode_charges_refunds_and_lookups_carry_the_clinics_tenant(
    db: Database, sim: RunningSimulator, smtp_server: SmtpTestServer, clock: FixedClock  # noqa: F811
) -> None:
    gateways = _provider(sim)
    tenant_id = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key)).create_tenant(
        tenant_id="clinicpay-1-test", name="さくら内科", platform_fee_rate="1.00", metadata={}
    )["id"]
    front = seed_front_desk(db, public_key=sim.public_key, tenant_id=tenant_id, mode=PaymentMode.TEST)
    billing = BillingService(db, gateways, clock=clock)
    outbox = OutboxSender(db, lambda: SmtpTransport(smtp_server.settings()), clock)
    desk = Desk(db, sim, smtp_server, gateways(_clinic(db, front.clinic_id)), billing, outbox, front, clock)
    assert desk.gateway.tenant == tenant_id and desk.gateway.require_tenant
    outcome = billing.request_payment(front.reservation_id, front.staff, 3000, "taxable")
    desk.deliver()
    paid = billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    assert paid.state is BillingState.PAID
    (charge,) = desk.charges()
    assert charge["tenant"] == tenant_id and charge["platform_fee_rate"] == "1.00" and charge["amount"] == 3000
    billing.refund(outcome.request_id, front.manager, 1000, "一部返金")
    (refunded,) = desk.charges()
    assert refunded["amount_refunded"] == 1000 and refunded["tenant"] == tenant_id
    assert desk.gateway.retrieve_charge(charge["id"]).tenant == tenant_id


def test_test_mode_without_a_tenant_sends_no_money_call(
    db: Database, sim: RunningSimulator, smtp_server: SmtpTestServer, clock: FixedClock  # noqa: F811
) -> None:
    gateways = _provider(sim)
    tenant_id = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key)).create_tenant(
        tenant_id="clinicpay-1-gone", name="さくら内科", platform_fee_rate="1.00", metadata={}
    )["id"]
    front = seed_front_desk(db, public_key=sim.public_key, tenant_id=tenant_id, mode=PaymentMode.TEST)
    billing = BillingService(db, gateways, clock=clock)
    outbox = OutboxSender(db, lambda: SmtpTransport(smtp_server.settings()), clock)
    desk = Desk(db, sim, smtp_server, gateways(_clinic(db, front.clinic_id)), billing, outbox, front, clock)
    billing.request_payment(front.reservation_id, front.staff, 3000, "taxable")
    desk.deliver()
    link = desk.link_from_last_mail()
    token = desk.token()
    # the tenant is gone since the mail went out (e.g. the clinic was set up again)
    DirectoryService(db).update_clinic(front.manager, front.clinic_id, ClinicUpdate(payjp_tenant_id=None))
    gateway = gateways(_clinic(db, front.clinic_id))
    reached = _requests_reaching(sim)
    with pytest.raises(PaymentError) as refused:
        billing.pay_with_token(link, token)
    # the patient is not told the desk's reason
    assert refused.value.code == "card_payment_unavailable" and "テナント" not in refused.value.message("ja")
    with pytest.raises(StateError) as at_desk:
        billing.request_payment(front.reservation_id, front.staff, 3000, "taxable")
    assert at_desk.value.code == "tenant_not_registered" and "テナント登録" in at_desk.value.message("ja")
    for call in (
        lambda: gateway.create_charge(amount=1000, attempt_id="att_x", request_id=1, card=token),
        lambda: gateway.retrieve_charge("ch_x"),
        lambda: gateway.find_charge_by_attempt("att_x", since=0),
        lambda: gateway.refund_charge("ch_x", amount=100, reason=""),
        lambda: gateway.finish_three_d_secure("ch_x"),
    ):
        with pytest.raises(TenantRequiredError) as no_tenant:
            call()
        assert "テナント登録" in no_tenant.value.message("ja") and "tenant" in no_tenant.value.message("en")
    assert reached() == 0  # nothing reached PAY.JP
    with pytest.raises(UserError):
        gateway.retrieve_tenant("ten_nosuch")  # not a money call: sent (and counted)
    assert reached() == 1
    assert desk.charges() == []
    assert billing.open_link(link).status == LinkStatus.PAYABLE  # the patient can pay once the tenant exists


def test_demo_mode_does_not_require_a_tenant(sim: RunningSimulator) -> None:
    gateways = GatewayProvider(MemorySecretStore(), demo_api_base=sim.base_url, timeout=3.0)
    clinic = Clinic(name="デモ", payment_mode=PaymentMode.DEMO, payjp_tenant_id=None)
    gateway = gateways(clinic)
    assert gateway.tenant is None and not gateway.require_tenant
    charge = gateway.create_charge(amount=1000, attempt_id="att_demo", request_id=1,
                                   card=make_test_token(sim.base_url, sim.secret_key))
    assert charge.paid and charge.tenant is None


def test_a_charge_of_another_tenant_is_not_taken_for_the_clinics(sim: RunningSimulator) -> None:
    platform = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key))
    for tenant_id in ("clinic-a", "clinic-b"):
        platform.create_tenant(tenant_id=tenant_id, name=tenant_id, platform_fee_rate="1.00", metadata={})
    config = PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key)
    clinic_a = PayjpGateway(config, tenant="clinic-a", require_tenant=True)
    clinic_b = PayjpGateway(config, tenant="clinic-b", require_tenant=True)
    charge = clinic_a.create_charge(amount=1000, attempt_id="att_a", request_id=1,
                                    card=make_test_token(sim.base_url, sim.secret_key))
    assert charge.tenant == "clinic-a"
    with pytest.raises(TenantRequiredError) as mismatch:
        clinic_b.retrieve_charge(charge.id)
    assert mismatch.value.code == "tenant_mismatch"
    assert clinic_b.find_charge_by_attempt("att_a", since=0) is None  # B's list holds only B's charges
    found = clinic_a.find_charge_by_attempt("att_a", since=0)
    assert found is not None and found.id == charge.id


def test_the_key_pair_proof_tells_one_account_from_two(sim: RunningSimulator) -> None:
    """A token made with the public key is readable with the secret key of the same account only."""
    mine = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key="sk_test_sakura000000000000000a1"))
    assert mine.prove_key_pair("pk_test_sakura000000000000000a1") is True
    assert mine.prove_key_pair("pk_test_another00000000000000b2") is False
    with pytest.raises(PaymentError) as refused:  # PAY.JP's test card cannot be tokenised with a live key
        mine.prove_key_pair("pk_live_sakura000000000000000a1")
    assert refused.value.payjp_code == "test_card_on_livemode"


def test_the_platform_fee_rate_is_validated_as_payjp_does_and_updates_the_tenant(
    db: Database, sim: RunningSimulator, clock: FixedClock
) -> None:
    gateways = _provider(sim)
    front = seed_front_desk(db, public_key=sim.public_key, tenant_id=None, mode=PaymentMode.TEST)
    tenants = TenantService(db, gateways, clock=clock)
    for bad in ("3.255", "95.01", "-1", "abc", ""):
        with pytest.raises(ValidationError) as refused:
            tenants.set_platform_fee_rate(front.manager, front.clinic_id, bad)
        assert refused.value.field == "platform_fee_rate"
        assert _clinic(db, front.clinic_id).platform_fee_rate == "1.00"
    assert tenants.set_platform_fee_rate(front.manager, front.clinic_id, "３．５%") == "3.50"  # full-width, with %
    tenants.register(front.clinic_id, front.manager, CareType.WITHOUT_INSURANCE)
    clinic = _clinic(db, front.clinic_id)
    gateway = gateways(clinic)
    assert clinic.payjp_tenant_id and gateway.retrieve_tenant(clinic.payjp_tenant_id)["platform_fee_rate"] == "3.50"
    assert clinic.review_status is ReviewStatus.RECEIVED  # the seeded 承認 belonged to no tenant
    assert tenants.set_platform_fee_rate(front.manager, front.clinic_id, "95") == "95.00"
    assert gateway.retrieve_tenant(clinic.payjp_tenant_id)["platform_fee_rate"] == "95.00"
    assert _clinic(db, front.clinic_id).platform_fee_rate == "95.00"
