"""The checkout app on explicit collaborators: no service graph, a fake billing service, a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import PaymentMode
from desktop.domain.errors import PaymentError
from desktop.services import links
from desktop.services.billing import LinkStatus, LinkView, PaymentOutcome
from desktop.services.checkout import CheckoutServices, create_checkout_app
from desktop.services.checkout.security import CsrfSigner, RateLimiter
from desktop.services.checkout.texts import translator
from desktop.services.clinic_pages import ClinicPageService
from desktop.services.payment_setup import GatewayProvider
from desktop.services.receipts import ReceiptService
from desktop.services.runner import BackgroundRunner
from desktop.services.secrets import MemorySecretStore
from desktop.storage.unit_of_work import Database
from tests.checkout.test_pay_page import csrf_of
from tests.integration.seed import seed_front_desk


class FakeLinkPayments:
    """Links by token; ``declined`` tokens are refused by the card issuer, the others get paid."""

    def __init__(self, clinic_id: int) -> None:
        self.clinic_id = clinic_id
        self.views: dict[str, LinkView] = {}
        self.declined: set[str] = set()

    def add(self, token: str, status: LinkStatus = LinkStatus.PAYABLE) -> None:
        self.views[token] = LinkView(status=status, request_id=1, clinic_id=self.clinic_id, amount=3300,
                                     tax_category=TaxCategory.TAXABLE, clinic_name="やまだ内科クリニック",
                                     patient_name="山田 花子", menu_name="オンライン診療")

    def open_link(self, raw_token: str) -> LinkView:
        return self.views.get(raw_token, LinkView(status=LinkStatus.UNKNOWN))

    def pay_with_token(self, raw_token: str, card_token: str, *, three_d_secure: bool = False) -> PaymentOutcome:
        if raw_token in self.declined:
            raise PaymentError("card_declined")
        self.add(raw_token, LinkStatus.PAID)
        return PaymentOutcome(request_id=1, attempt_id="att_1", state=BillingState.PAID, charge_id="ch_fake")

    def finish_three_d_secure(self, raw_token: str) -> PaymentOutcome:
        return self.pay_with_token(raw_token, "")


@pytest.fixture
def fake_app(db: Database) -> Iterator[tuple[TestClient, FakeLinkPayments]]:
    front = seed_front_desk(db, mode=PaymentMode.DEMO)
    payments = FakeLinkPayments(front.clinic_id)
    gateways = GatewayProvider(MemorySecretStore(), demo_api_base="http://127.0.0.1:9911")
    runner = BackgroundRunner()
    services = CheckoutServices(
        payments=payments, receipts=ReceiptService(db, translator),
        clinic_pages=ClinicPageService(db, gateways, lambda clinic: clinic.public_base_url or ""),
        runner=runner, webhook_token=lambda: None,
    )
    app = create_checkout_app(services, limiter=RateLimiter(limit=1000), csrf=CsrfSigner(b"k" * 32), link_cache_ttl=0)
    with TestClient(app, base_url="http://127.0.0.1:8470") as client:
        yield client, payments
    runner.shutdown()


def test_payable_link_is_paid_through_the_given_services(fake_app: tuple[TestClient, FakeLinkPayments]) -> None:
    client, payments = fake_app
    token = links.new_link_token()[0]
    payments.add(token)
    page = client.get(f"/pay/{token}")
    assert page.status_code == 200 and "¥3,300" in page.text and "やまだ内科クリニック" in page.text
    assert "http://127.0.0.1:9911/payjs/v2/pay.js" in page.text
    answer = client.post(f"/pay/{token}", json={"card_token": "tok_x"}, headers={"X-CSRF-Token": csrf_of(page.text)})
    assert answer.json() == {"result": "paid", "redirect": f"/pay/{token}/thanks"}
    thanks = client.get(f"/pay/{token}/thanks")
    assert thanks.status_code == 200 and "¥3,300" in thanks.text


def test_declined_card_is_answered_in_the_pages_language(fake_app: tuple[TestClient, FakeLinkPayments]) -> None:
    client, payments = fake_app
    token = links.new_link_token()[0]
    payments.add(token)
    payments.declined.add(token)
    csrf = csrf_of(client.get(f"/pay/{token}?lang=en").text)
    answer = client.post(f"/pay/{token}?lang=en", json={"card_token": "tok_x"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 402
    assert answer.json()["message"] == "The card was declined. Try another card or contact your card issuer."


def test_unknown_link_and_its_receipt_are_not_found(fake_app: tuple[TestClient, FakeLinkPayments]) -> None:
    client, _payments = fake_app
    token = links.new_link_token()[0]
    assert client.get(f"/pay/{token}").status_code == 404
    assert client.get(f"/pay/{token}/receipt").status_code == 404
    assert client.get(f"/pay/{token}/receipt.pdf").status_code == 404


def test_legal_pages_show_the_installations_clinic(fake_app: tuple[TestClient, FakeLinkPayments]) -> None:
    client, _payments = fake_app
    page = client.get("/clinic/tokushoho")
    assert page.status_code == 200 and "やまだ内科クリニック" in page.text and "03-1234-5678" in page.text

