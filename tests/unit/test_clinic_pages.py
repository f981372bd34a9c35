"""ClinicPageService over a real database: the clinic's details and PAY.JP keys for the patient's pages."""

from __future__ import annotations

import pytest

from desktop.domain.clinic import PaymentMode
from desktop.services.clinic_pages import ClinicPageService
from desktop.services.payment_setup import DEMO_PUBLIC_KEY, DEMO_SECRET_KEY, GatewayProvider
from desktop.services.secrets import MemorySecretStore, payjp_secret_name
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database
from tests.integration.seed import seed_front_desk

SIMULATOR = "http://127.0.0.1:9911"


def _base_url(clinic: Clinic) -> str:
    return clinic.public_base_url or "http://127.0.0.1:8470"


def _service(db: Database, *, demo_api_base: str | None = SIMULATOR,
             secrets: dict[str, str] | None = None) -> ClinicPageService:
    gateways = GatewayProvider(MemorySecretStore(secrets), demo_api_base=demo_api_base)
    return ClinicPageService(db, gateways, _base_url)


def test_no_clinic_yet(db: Database) -> None:
    pages = _service(db)
    assert pages.page() is None and pages.page(1) is None and pages.three_d_secure(1) is None


def test_demo_clinic_page_uses_the_simulator(db: Database) -> None:
    front = seed_front_desk(db, mode=PaymentMode.DEMO, public_base_url="https://pay.yamada.example.jp")
    page = _service(db).page()
    assert page is not None and page.id == front.clinic_id
    assert (page.name, page.phone, page.address) == ("やまだ内科クリニック", "03-1234-5678", "東京都千代田区1-1-1")
    assert page.public_key == DEMO_PUBLIC_KEY
    assert page.script_url == SIMULATOR + "/payjs/v2/pay.js" and page.api_origin == SIMULATOR
    assert _service(db).page(front.clinic_id) == page
    assert _service(db).page(front.clinic_id + 1) is None


def test_page_without_keys_renders_without_payment(db: Database) -> None:
    demo = seed_front_desk(db, mode=PaymentMode.DEMO)
    page = _service(db, demo_api_base=None).page(demo.clinic_id)
    assert page is not None and page.name == "やまだ内科クリニック"
    assert (page.public_key, page.script_url, page.api_origin) == ("", "", "")


def test_test_mode_needs_the_secret_key_on_this_pc(db: Database) -> None:
    front = seed_front_desk(db, mode=PaymentMode.TEST, public_key="pk_test_yamada")
    without = _service(db).page(front.clinic_id)
    assert without is not None and without.script_url == "" and without.public_key == ""
    assert _service(db).three_d_secure(front.clinic_id) is None
    keyed = _service(db, secrets={payjp_secret_name("test"): "sk_test_yamada"})
    page = keyed.page(front.clinic_id)
    assert page is not None and page.public_key == "pk_test_yamada"
    assert page.script_url.startswith("https://") and page.api_origin.startswith("https://")
    tds = keyed.three_d_secure(front.clinic_id)
    assert tds is not None and tds.public_key == "pk_test_yamada" and tds.secret_key == "sk_test_yamada"


def test_three_d_secure_keys_return_to_the_clinics_public_address(db: Database) -> None:
    front = seed_front_desk(db, mode=PaymentMode.DEMO, public_base_url="https://pay.yamada.example.jp")
    tds = _service(db).three_d_secure(front.clinic_id)
    assert tds is not None
    assert (tds.api_base, tds.public_key, tds.public_base_url) == (SIMULATOR, DEMO_PUBLIC_KEY,
                                                                    "https://pay.yamada.example.jp")
    assert tds.secret_key == DEMO_SECRET_KEY and DEMO_SECRET_KEY not in repr(tds)
    assert _service(db, demo_api_base=None).three_d_secure(front.clinic_id) is None
    assert _service(db).three_d_secure(front.clinic_id + 1) is None


@pytest.mark.parametrize("first", [True, False])
def test_installation_clinic_is_the_first_one(db: Database, first: bool) -> None:
    one = seed_front_desk(db, mode=PaymentMode.DEMO)
    two = seed_front_desk(db, mode=PaymentMode.DEMO, public_base_url="https://two.example.jp")
    page = _service(db).page(None if first else two.clinic_id)
    assert page is not None and page.id == (one.clinic_id if first else two.clinic_id)
