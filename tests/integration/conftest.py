"""A front desk wired to the real PAY.JP simulator and a real local SMTP server."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from payjp import api_requestor

from desktop.services.billing import BillingService
from desktop.services.outbox import OutboxSender
from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway
from desktop.services.smtp_transport import SmtpTransport
from desktop.simulator.testing import RunningSimulator, make_test_token, running_simulator
from desktop.storage.unit_of_work import Database
from tests.conftest import FixedClock
from tests.integration.seed import SEED_TENANT, Front, seed_front_desk
from tests.smtp_server import SmtpTestServer, smtp_server, smtp_server_factory, test_certificates  # noqa: F401  (fixtures)

LINK = re.compile(r"http://127\.0\.0\.1:8470/pay/([A-Za-z0-9_-]+)")


@dataclasses.dataclass
class Desk:
    """Everything a billing test needs, all real but the clock."""

    db: Database
    sim: RunningSimulator
    smtp: SmtpTestServer
    gateway: PayjpGateway
    billing: BillingService
    outbox: OutboxSender
    front: Front
    clock: FixedClock

    def token(self, number: str = "4242424242424242", **card: Any) -> str:
        card.setdefault("name", "HANAKO YAMADA")
        card.setdefault("email", "hanako@example.jp")
        return make_test_token(self.sim.base_url, self.sim.secret_key, number, **card)

    def deliver(self) -> list[Any]:
        """Send due mail and return every message the SMTP server holds."""
        self.outbox.send_due()
        return self.smtp.messages()

    def link_from_last_mail(self) -> str:
        text = self.smtp.messages()[-1].get_body(preferencelist=("plain",)).get_content()
        match = LINK.search(text)
        assert match, text
        return match.group(1)

    def charges(self) -> list[dict[str, Any]]:
        """Every charge the simulator holds (through the API, as PAY.JP would list them)."""
        req = api_requestor.APIRequestor(key=self.sim.secret_key, api_base=self.sim.base_url)
        body, _ = req.request("get", "/v1/charges", {"limit": 100})
        return list(body["data"])


@pytest.fixture
def sim() -> Iterator[RunningSimulator]:
    with running_simulator() as running:
        yield running


@pytest.fixture
def desk(db: Database, sim: RunningSimulator, smtp_server: SmtpTestServer, clock: FixedClock) -> Desk:  # noqa: F811
    gateway = PayjpGateway(PayjpConfig(api_base=sim.base_url, secret_key=sim.secret_key,
                                       public_key=sim.public_key, timeout=3.0, retry_initial_delay=0.05))
    billing = BillingService(db, lambda clinic: gateway, clock=clock)
    outbox = OutboxSender(db, lambda: SmtpTransport(smtp_server.settings()), clock)
    gateway.create_tenant(tenant_id=SEED_TENANT, name="やまだ内科クリニック", platform_fee_rate="1.00", metadata={})
    front = seed_front_desk(db, public_key=sim.public_key)
    return Desk(db, sim, smtp_server, gateway, billing, outbox, front, clock)
