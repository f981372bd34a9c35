"""Browser tests: Debian's headless Chromium (Playwright) against the real checkout server.

One session-wide stack: the PAY.JP simulator, an SMTP test server, a SQLite database and the
checkout app served by uvicorn in a thread. Nothing is downloaded: Playwright launches
/usr/bin/chromium and axe-core comes from ``vendor/``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import pathlib
import re
import shutil
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from desktop.asgi_server import EmbeddedServer
from desktop.config import LocalSettings
from desktop.domain.clinic import PaymentMode
from desktop.services.checkout import checkout_services_from_context, create_checkout_app
from desktop.services.checkout.security import RateLimiter
from desktop.bootstrap import build_context
from desktop.services.context import AppContext, set_demo_api_base
from desktop.asgi_server import EmbeddedServer
from desktop.services.directory import ClinicUpdate
from desktop.services.secrets import MemorySecretStore
from desktop.services.smtp_transport import SmtpTransport
from desktop.simulator.testing import RunningSimulator, running_simulator
from desktop.storage.db import sqlite_url
from tests.integration.seed import Front, seed_front_desk
from tests.smtp_server import SmtpTestServer, wait_for_messages

playwright_sync = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("CLINICPAY_CHROMIUM", "/usr/bin/chromium")
if not shutil.which(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is not installed (scripts/test.sh installs Debian's chromium)", allow_module_level=True)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = pathlib.Path(__file__).parents[2] / "docs" / "screenshots"
_LINK = re.compile(r"(https?://[^\s\"<>]+/pay/[A-Za-z0-9_-]{40,64})")


class ThreadedServer:
    """The checkout app on uvicorn in its own thread and loop (Playwright's sync API owns this one)."""

    def __init__(self, app: object) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="checkout-e2e", daemon=True)
        self._server = EmbeddedServer(app, "127.0.0.1", 0, name="checkout-e2e")

    def start(self) -> str:
        self._thread.start()
        return asyncio.run_coroutine_threadsafe(self._server.start(), self._loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class Stack:
    """What a browser test needs: the services, the server URL, the mail server."""

    def __init__(self, ctx: AppContext, base_url: str, front: Front, smtp: SmtpTestServer, sim: RunningSimulator) -> None:
        self.ctx, self.base_url, self.front, self.smtp, self.sim = ctx, base_url, front, smtp, sim
        self._visits = 0

    def mailed_link(self, amount: int = 1200, tax: str = "taxable") -> tuple[int, str]:
        """Request a payment as the front desk does and return the link from the e-mail received.

        Each link bills a visit of its own (a new reservation of the seeded patient): a visit has
        one open request and, once paid, is not billed again without staff confirming it.
        """
        before = len(self.smtp.received)
        f = self.front
        self._visits += 1
        reservation_id = self.ctx.directory.create_reservation(
            f.staff, f.clinic_id, patient_id=f.patient_id, menu_id=f.menu_id,
            starts_at=dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=15 * self._visits))
        outcome = self.ctx.billing.request_payment(reservation_id, f.staff, amount, tax)
        self.ctx.outbox.send_due()
        wait_for_messages(self.smtp, before + 1)
        message: EmailMessage = self.smtp.messages()[-1]
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        found = _LINK.search(body.get_content())  # type: ignore[attr-defined]
        assert found, "no payment link in the e-mail"
        return outcome.request_id, found.group(1)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("e2e")
    with running_simulator() as sim, SmtpTestServer() as smtp:
        settings = LocalSettings(database_url=sqlite_url(tmp / "clinicpay.db"))
        ctx = build_context(tmp / "data", settings, secrets=MemorySecretStore(), payjp_timeout=10,
                            transport=lambda: SmtpTransport(smtp.settings()))
        set_demo_api_base(ctx, sim.base_url)
        server = ThreadedServer(create_checkout_app(checkout_services_from_context(ctx), limiter=RateLimiter(limit=10_000)))
        base_url = server.start()
        front = seed_front_desk(ctx.db, mode=PaymentMode.DEMO, public_base_url=base_url)
        ctx.directory.update_clinic(front.manager, front.clinic_id, ClinicUpdate(registration_number="T1234567890123", postal_code="100-0001",
                                                                  representative="山田 太郎"))
        try:
            yield Stack(ctx, base_url, front, smtp, sim)
        finally:
            server.stop()
            ctx.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    ctx = browser.new_context(viewport=PHONE, locale="ja-JP", accept_downloads=True,  # type: ignore[attr-defined]
                              device_scale_factor=2, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: object) -> object:
    return context.new_page()  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> None:
    """Write docs/screenshots/checkout-<name>.png when CLINICPAY_SCREENSHOTS=1."""
    if os.environ.get("CLINICPAY_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"checkout-{name}.png"), full_page=True)  # type: ignore[attr-defined]
