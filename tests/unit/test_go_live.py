"""The conditions of 本番 without Qt: each condition over injected probes, and the guarded switch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from desktop.domain.clinic import PaymentMode, ReviewStatus
from desktop.domain.errors import PaymentError, ServiceUnavailableError, UserError, ValidationError
from desktop.domain.staff import Actor
from desktop.services.directory import ClinicUpdate, DirectoryService
from desktop.services.go_live import (
    Condition,
    GoLiveError,
    GoLiveService,
    check_keys,
    check_legal_pages,
    check_live_check,
    check_public_url,
    check_tenant,
    check_test_mail,
)
from desktop.services.payment_setup import GatewayProvider
from desktop.services.secrets import MemorySecretStore, payjp_secret_name
from desktop.services.settings_service import SettingsError, SettingsService, masked_secret
from desktop.services.tenants import TenantService, parse_platform_fee_rate
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database
from tests.conftest import FixedClock
from tests.integration.seed import seed_front_desk

BASE = "https://pay.sakura-clinic.example.jp"
LIVE_PK, LIVE_SK = "pk_live_sakura00000000000000a1", "sk_live_sakura00000000000000a1"


def _client(answer: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(answer))


def _pages(missing: str = "") -> httpx.Client:
    return _client(lambda r: httpx.Response(404 if r.url.path == missing else 200, text="ok"))


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def test_public_url_must_be_https_and_answer() -> None:
    assert check_public_url(BASE, _pages()) is None
    reason = check_public_url("http://pay.sakura-clinic.example.jp", _pages())
    assert reason is not None and reason.code == "url_not_https" and reason.field == "public_base_url"
    reason = check_public_url(BASE, _client(_unreachable))
    assert reason is not None and reason.code == "url_unreachable"
    assert reason.message("en") == f"This PC cannot reach the public URL of the checkout page ({BASE})."
    reason = check_public_url("", _pages())
    assert reason is not None and reason.code == "url_missing"


def test_each_legal_page_must_answer_200_and_is_named_in_both_languages() -> None:
    assert check_legal_pages(BASE, _pages()) is None
    reason = check_legal_pages(BASE, _pages(missing="/clinic/terms"))
    assert reason is not None
    assert reason.message("ja") == f"利用規約のページが表示できません（{BASE}/clinic/terms: 404）。"
    assert reason.message("en") == f"The page “Terms of use” does not open ({BASE}/clinic/terms: 404)."


def test_the_test_mail_must_be_30_days_old_at_most(db: Database) -> None:
    now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)
    clinic = Clinic(name="さくら", smtp_host="smtp.example.jp", test_mail_accepted_at=None)
    assert check_test_mail(clinic, now).code == "test_mail_never"  # type: ignore[union-attr]
    clinic.test_mail_accepted_at = now - dt.timedelta(days=30)
    assert check_test_mail(clinic, now) is None
    clinic.test_mail_accepted_at = now - dt.timedelta(days=30, seconds=1)
    reason = check_test_mail(clinic, now)
    assert reason is not None and reason.code == "test_mail_old" and reason.params["days"] == 30
    clinic.test_mail_accepted_at, clinic.smtp_host = now, ""
    assert check_test_mail(clinic, now).code == "test_mail_never"  # type: ignore[union-attr]


def test_the_tenant_must_be_the_clinics_and_approved() -> None:
    clinic = Clinic(name="さくら", payjp_tenant_id=None, review_status=ReviewStatus.APPROVED)
    assert check_tenant(clinic).code == "tenant_missing"  # type: ignore[union-attr]
    clinic.payjp_tenant_id = "ten_sakura"
    clinic.review_status = ReviewStatus.IN_REVIEW
    reason = check_tenant(clinic)
    assert reason is not None and reason.message("en") == "PAY.JP's review is not “Approved” (now: In review)."
    clinic.review_status = ReviewStatus.APPROVED
    assert check_tenant(clinic) is None


def test_the_key_pair_proof_is_read_as_a_reason() -> None:
    assert check_keys(LIVE_PK, LIVE_SK, lambda pk, sk: True) is None
    assert check_keys(LIVE_PK, LIVE_SK, lambda pk, sk: False).code == "keys_two_accounts"  # type: ignore[union-attr]

    def refused(pk: str, sk: str) -> bool:
        raise ServiceUnavailableError("payjp_auth")

    def declined(pk: str, sk: str) -> bool:
        raise PaymentError("card_declined")

    assert check_keys(LIVE_PK, LIVE_SK, refused).field == "secret_key"  # type: ignore[union-attr]
    reason = check_keys(LIVE_PK, LIVE_SK, declined)
    assert reason is not None and reason.code == "keys_unproven" and "カードが利用できません" in reason.message("ja")


def test_masked_secrets_show_the_prefix_and_the_last_four_only() -> None:
    assert masked_secret("sk_live_0a1b2c3d4e5f6a7b8c9d1234") == "sk_live_••••1234"
    assert masked_secret("whsec_token_abcdefghijkl5678") == "••••5678"
    assert masked_secret("p@ss-wörd") == ""  # a person's password: not even 4 characters
    assert masked_secret(None) == ""


@pytest.mark.parametrize("text, stored", [("1", "1.00"), ("3.5", "3.50"), ("10.15", "10.15"), ("0", "0.00"),
                                          ("95", "95.00"), ("９５.００", "95.00"), (" 2.25 % ", "2.25")])
def test_fee_rates_payjp_accepts(text: str, stored: str) -> None:
    assert parse_platform_fee_rate(text) == stored


@pytest.mark.parametrize("text", ["3.255", "95.01", "100", "-1", "1e1", "abc", "", "1,5"])
def test_fee_rates_payjp_refuses(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_platform_fee_rate(text)
    assert refused.value.field == "platform_fee_rate"
    assert refused.value.message("en").startswith("Enter the platform fee rate as a percentage from 0 to 95")


def _service(db: Database, clock: FixedClock, *, same_account: bool = True, missing_page: str = "",
             live_check_days_ago: int | None = 3) -> tuple[GoLiveService, SettingsService, int, MemorySecretStore, Actor]:
    secrets = MemorySecretStore()
    gateways = GatewayProvider(secrets)
    directory = DirectoryService(db, clock=clock)
    settings = SettingsService(db, secrets, gateways, directory, TenantService(db, gateways, clock=clock), clock=clock)
    front = seed_front_desk(db, public_base_url=BASE, tenant_id="ten_sakura")
    directory.update_clinic(front.manager, front.clinic_id,
                            ClinicUpdate(smtp_host="smtp.example.jp", test_mail_accepted_at=clock()))
    service = GoLiveService(db, secrets, settings, prove_keys=lambda pk, sk: same_account,
                            http=lambda: _pages(missing_page), clock=clock,
                            live_check_passed=lambda _clinic_id: None if live_check_days_ago is None
                            else clock() - dt.timedelta(days=live_check_days_ago))
    return service, settings, front.clinic_id, secrets, front.manager


def _clinic(db: Database, clinic_id: int) -> Clinic:
    with db.uow(readonly=True) as uow:
        clinic = uow.session.get(Clinic, clinic_id)
        assert clinic is not None
        return clinic


def test_the_switch_needs_every_condition_and_the_confirmation(db: Database, clock: FixedClock) -> None:
    service, settings, clinic_id, secrets, manager = _service(db, clock)
    report = service.check(clinic_id, LIVE_PK, LIVE_SK)
    assert report.ok and [r.item for r in report.results] == list(Condition)
    with pytest.raises(GoLiveError) as unconfirmed:
        service.go_live(manager, clinic_id, LIVE_PK, LIVE_SK, confirmed=False)
    assert unconfirmed.value.code == "not_confirmed"
    assert _clinic(db, clinic_id).payment_mode is PaymentMode.TEST
    # the ordinary save cannot enter 本番 around the checks, nor leave it without a confirmation
    with pytest.raises(SettingsError) as unguarded:
        settings.save_payjp(manager, clinic_id, PaymentMode.LIVE, LIVE_PK, LIVE_SK)
    assert unguarded.value.code == "live_switch_guarded"
    assert secrets.get(payjp_secret_name("live")) is None
    service.go_live(manager, clinic_id, LIVE_PK, LIVE_SK, confirmed=True)
    clinic = _clinic(db, clinic_id)
    assert clinic.payment_mode is PaymentMode.LIVE and clinic.payjp_public_key == LIVE_PK
    assert secrets.get(payjp_secret_name("live")) == LIVE_SK
    secrets.set(payjp_secret_name("test"), "sk_test_sakura00000000000000a1")
    with pytest.raises(SettingsError):
        settings.save_payjp(manager, clinic_id, PaymentMode.TEST, "pk_test_sakura00000000000000a1", None)
    assert _clinic(db, clinic_id).payment_mode is PaymentMode.LIVE
    service.leave_live(manager, clinic_id, PaymentMode.TEST, "pk_test_sakura00000000000000a1", None, confirmed=True)
    assert _clinic(db, clinic_id).payment_mode is PaymentMode.TEST


def test_a_failed_condition_refuses_the_switch_and_saves_nothing(db: Database, clock: FixedClock) -> None:
    service, _settings, clinic_id, secrets, manager = _service(db, clock, same_account=False,
                                                               missing_page="/clinic/privacy")
    report = service.check(clinic_id, LIVE_PK, LIVE_SK)
    assert {r.item for r in report.failed()} == {Condition.KEYS, Condition.LEGAL_PAGES}
    with pytest.raises(UserError) as refused:
        service.go_live(manager, clinic_id, LIVE_PK, LIVE_SK, confirmed=True)
    assert refused.value.code == "keys_two_accounts" and refused.value.field == "public_key"
    assert _clinic(db, clinic_id).payment_mode is PaymentMode.TEST
    assert secrets.get(payjp_secret_name("live")) is None
    with pytest.raises(SettingsError) as test_key:
        service.check(clinic_id, "pk_test_sakura00000000000000a1", LIVE_SK)
    assert test_key.value.field == "public_key"


def test_live_check_condition_needs_a_pass_within_30_days() -> None:
    now = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.timezone.utc)
    assert check_live_check(now - dt.timedelta(days=30), now) is None
    never = check_live_check(None, now)
    assert never is not None and never.code == "live_check_never" and never.field == "live_check"
    assert "接続チェック" in never.message("ja") and "connection check" in never.message("en")
    old = check_live_check(now - dt.timedelta(days=31, hours=1), now)
    assert old is not None and old.code == "live_check_old" and "31" in old.message("ja")
    assert "31 days ago" in old.message("en")
