"""Proxy headers are believed only from the configured proxies; the guessing limit counts per
real client, so rotating X-Forwarded-For gains nothing and a valid link is never refused."""

from __future__ import annotations

import asyncio

import httpx

from desktop.asgi_server import EmbeddedServer
from tests.integration.test_server_sockets import run_in_own_loop
from desktop.services.checkout import checkout_services_from_context, create_checkout_app
from desktop.services.checkout.security import CsrfSigner, RateLimiter
from desktop.services.context import AppContext
from tests.checkout.helpers import Link
from tests.integration.seed import Front

GUESS = "/pay/" + "G" * 43


def _run(ctx: AppContext, trusted: str, calls: list[tuple[str, dict[str, str]]]) -> list[int]:
    async def main() -> list[int]:
        app = create_checkout_app(checkout_services_from_context(ctx), limiter=RateLimiter(limit=1000),
                                  guess_limiter=RateLimiter(limit=3, window=600), csrf=CsrfSigner(b"k" * 32),
                                  link_cache_ttl=0)
        server = EmbeddedServer(app, trusted_proxies=trusted)
        base = await server.start()
        try:
            async with httpx.AsyncClient(base_url=base) as client:
                return [(await client.get(path, headers=headers)).status_code for path, headers in calls]
        finally:
            await server.stop()

    return run_in_own_loop(main)


def test_rotating_x_forwarded_for_does_not_dodge_the_limit(ctx: AppContext, front: Front, link: Link) -> None:
    rotating = [(GUESS, {"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(6)]
    codes = _run(ctx, "", [*rotating, (link.path, {"X-Forwarded-For": "198.51.100.99"})])
    assert codes == [404, 404, 404, 429, 429, 429, 200]  # the valid link still opens


def test_a_configured_proxy_is_believed(ctx: AppContext, front: Front, link: Link) -> None:
    """Behind the clinic's TLS proxy each patient counts on their own."""
    one_guesser = [(GUESS, {"X-Forwarded-For": "198.51.100.7"})] * 4
    patient = [(GUESS, {"X-Forwarded-For": "203.0.113.5"}), (link.path, {"X-Forwarded-For": "198.51.100.7"})]
    assert _run(ctx, "127.0.0.1", [*one_guesser, *patient]) == [404, 404, 404, 429, 404, 200]
