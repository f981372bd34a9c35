"""The one-second link cache of the GET pages: fresh nonce per response, dropped by POSTs, expires."""

from __future__ import annotations

import re
import time

from starlette.testclient import TestClient

from desktop.services.checkout import checkout_services_from_context, create_checkout_app
from desktop.services.checkout.security import CsrfSigner, RateLimiter
from desktop.services.context import AppContext
from desktop.simulator.testing import RunningSimulator, make_test_token
from tests.checkout.helpers import Link
from tests.checkout.test_pay_page import csrf_of
from tests.integration.seed import Front


def test_cached_page_gets_a_fresh_nonce_and_follows_state(ctx: AppContext, front: Front, link: Link,
                                                          sim: RunningSimulator) -> None:
    app = create_checkout_app(checkout_services_from_context(ctx), limiter=RateLimiter(limit=1000), csrf=CsrfSigner(b"k" * 32), link_cache_ttl=0.3)
    with TestClient(app, base_url="http://127.0.0.1:8470") as client:
        first, second = client.get(link.path), client.get(link.path)
        nonces = [re.search(r'nonce="([^"]+)"', p.text).group(1) for p in (first, second)]  # type: ignore[union-attr]
        assert nonces[0] != nonces[1]
        assert all(f"'nonce-{n}'" in p.headers["content-security-policy"] for n, p in zip(nonces, (first, second)))
        # A payment POST always reads the database and drops the cached view.
        answer = client.post(link.path, json={"card_token": make_test_token(sim.base_url, sim.secret_key)},
                             headers={"X-CSRF-Token": csrf_of(first.text)})
        assert answer.json()["result"] == "three_d_secure"
        assert "お支払いを確認しています" in client.get(link.path).text
        # A change made from the desktop shows once the entry expires.
        from tests.checkout.helpers import another_visit, link_from_outbox

        # The first visit's request is being paid: the desktop bills another visit of the same patient.
        other = ctx.billing.request_payment(another_visit(ctx, front), front.staff, 1500, "taxable")

        token = link_from_outbox(ctx, other.request_id)
        assert 'id="pay-form"' in client.get(f"/pay/{token}").text
        ctx.billing.cancel_request(other.request_id, front.staff)
        time.sleep(0.35)
        assert "このご請求は取り消されました" in client.get(f"/pay/{token}").text
