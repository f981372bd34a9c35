"""The patient-facing web app (starlette + jinja2): payment page, receipt, legal pages, webhooks.

``create_checkout_app(services)`` is served by ``EmbeddedServer`` inside the desktop app's
loop, or alone by ``python -m desktop checkout-server``. Handlers parse the request, call
one service function in the runner's pools and map its errors to responses; they never
touch the database themselves.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from desktop.paths import resource_path
from desktop.services.checkout.csp_reports import ROUTES as CSP_ROUTES
from desktop.services.checkout.key_proof import ROUTES as KEY_PROOF_ROUTES
from desktop.services.checkout.legal import ROUTES as LEGAL_ROUTES
from desktop.services.checkout.pages import ROUTES as PAGE_ROUTES
from desktop.services.checkout.receipt import ROUTES as RECEIPT_ROUTES
from desktop.services.checkout.security import CsrfSigner, RateLimiter, SecurityHeadersMiddleware
from desktop.services.checkout.state import Checkout, CheckoutServices, WebhookTokenSource, not_found_page
from desktop.services.checkout.texts import translator
from desktop.services.checkout.webhooks import ROUTES as WEBHOOK_ROUTES
from desktop.services.clinic_pages import ClinicPageService
from desktop.services.receipts import ReceiptService
from desktop.services.secrets import webhook_token_source

if TYPE_CHECKING:
    from desktop.services.context import AppContext


def checkout_services_from_context(ctx: AppContext) -> CheckoutServices:
    """The checkout app's collaborators, built on the service graph ``ctx``."""
    return CheckoutServices(
        payments=ctx.billing,
        receipts=ReceiptService(ctx.db, translator),
        clinic_pages=ClinicPageService(ctx.db, ctx.gateways, ctx.billing.public_base_url),
        runner=ctx.runner,
        webhook_token=webhook_token_source(ctx.secrets),
        events=ctx.billing.events,
        recorder=ctx.live_recorder,
        key_proofs=ctx.key_proofs,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return await not_found_page(request)
    if status == 405:
        return PlainTextResponse("Method Not Allowed", status_code=405)
    return PlainTextResponse("Error", status_code=status)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_checkout_app(
    services: CheckoutServices | AppContext,
    *,
    webhook_token: WebhookTokenSource | None = None,
    limiter: RateLimiter | None = None,
    guess_limiter: RateLimiter | None = None,
    csrf: CsrfSigner | None = None,
    link_cache_ttl: float = 1.0,
) -> Starlette:
    """Build the checkout web app.

    Args:
        services: its collaborators (an ``AppContext`` is turned into them with
            ``checkout_services_from_context``).
        webhook_token: overrides ``services.webhook_token`` (デモ mode's fixed token).
        limiter: rate limit per client and link on posted forms (default: ``RateLimiter()``).
        guess_limiter: limit per client on unknown-link look-ups, only failures counted
            (default: ``limiter`` when given, else 20 per 10 minutes).
        csrf: CSRF signer (default: a fresh random key).
        link_cache_ttl: seconds a link's page stays cached; 0 turns the cache off.
    """
    if not isinstance(services, CheckoutServices):
        services = checkout_services_from_context(services)
    if webhook_token is not None:
        services = dataclasses.replace(services, webhook_token=webhook_token)
    routes = [
        *PAGE_ROUTES,
        *RECEIPT_ROUTES,
        *LEGAL_ROUTES,
        *WEBHOOK_ROUTES,
        *CSP_ROUTES,
        *KEY_PROOF_ROUTES,
        Route("/healthz", healthz, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=str(resource_path("static", "checkout"))), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeadersMiddleware)],
        exception_handlers={HTTPException: _http_error, 404: _http_error},
    )
    guesses = guess_limiter or limiter or RateLimiter(limit=20, window=600)
    app.state.checkout = Checkout(services, limiter=limiter or RateLimiter(), csrf=csrf or CsrfSigner(),
                                  link_ttl=link_cache_ttl, guesses=guesses)
    return app
