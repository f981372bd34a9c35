"""The patient-facing web app (starlette + jinja2): payment page, receipt, legal pages, webhooks.

``create_checkout_app(ctx)`` is served by ``EmbeddedServer`` inside the desktop app's loop,
or alone by ``python -m desktop checkout-server``. Every blocking service call runs in the
context's worker pools; the handlers themselves never touch the database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from typing import Any, Callable

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from desktop.domain.errors import ServiceUnavailableError
from desktop.domain.formatting import Language, format_jst_datetime, format_yen
from desktop.i18n import install_jinja
from desktop.paths import resource_path
from desktop.services.billing import LinkStatus, LinkView
from desktop.services.context import AppContext
from desktop.services.checkout.security import CsrfSigner, RateLimiter, SecurityHeadersMiddleware, origin_of
from desktop.services.checkout.texts import pick_language
from desktop.services.checkout.three_d_secure import TdsRedirect
from desktop.storage.orm import Clinic

log = logging.getLogger(__name__)

WebhookTokenSource = Callable[[], str | None]
_NONCE_PLACEHOLDER = "nonce-placeholder-" + secrets.token_hex(8)


@dataclasses.dataclass(frozen=True)
class ClinicPage:
    """What the pages need of a clinic, cached briefly (settings rarely change)."""

    id: int
    name: str
    phone: str
    email: str
    postal_code: str
    address: str
    representative: str
    registration_number: str
    public_key: str
    script_url: str  # PAY.JP's pay.js (the simulator's in デモ mode); "" when unavailable
    api_origin: str


def _clinic_page(ctx: AppContext, clinic: Clinic) -> ClinicPage:
    try:
        config = ctx.gateways.config_for(clinic)
        script_url, api_origin = config.script_url, origin_of(config.api_base)
        public_key = ctx.gateways.public_key_for(clinic)
    except ServiceUnavailableError:
        # No key on this server: pages still render, the form says payments are unavailable.
        script_url, api_origin, public_key = "", "", ""
    return ClinicPage(
        id=clinic.id, name=clinic.name, phone=clinic.phone, email=clinic.email, postal_code=clinic.postal_code,
        address=clinic.address, representative=clinic.representative,
        registration_number=clinic.registration_number or "", public_key=public_key,
        script_url=script_url, api_origin=api_origin,
    )


def _tds_redirect(ctx: AppContext, clinic: Clinic) -> TdsRedirect | None:
    try:
        config = ctx.gateways.config_for(clinic)
    except ServiceUnavailableError:
        return None
    return TdsRedirect(api_base=config.api_base, public_key=config.public_key,
                       public_base_url=ctx.billing.public_base_url(clinic), secret_key=config.secret_key)


class LinkCache:
    """What a link shows, kept for ``ttl`` seconds so a page reload storm does not hit the database.

    Only the GET pages read it; every payment POST reads the database (the billing service's
    conditional UPDATE decides) and then drops the entry, as webhooks do. A change made from
    the desktop app (e.g. 取消) shows here within ``ttl``; it can never let a payment through.
    """

    def __init__(self, ttl: float = 1.0, max_entries: int = 2000) -> None:
        self.ttl = ttl
        self._max = max_entries
        self._entries: dict[str, tuple[float, LinkView, dict[str, str]]] = {}

    def get(self, token: str) -> LinkView | None:
        entry = self._entries.get(token)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def page(self, token: str, key: str) -> str | None:
        """A page rendered for this link (with the nonce placeholder), while the entry lives."""
        entry = self._entries.get(token)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[2].get(key)

    def keep_page(self, token: str, key: str, html: str) -> None:
        entry = self._entries.get(token)
        if entry is not None:
            entry[2][key] = html

    def put(self, token: str, view: LinkView) -> None:
        if self.ttl <= 0 or view.status == LinkStatus.UNKNOWN:
            return  # forged tokens must not fill the cache
        if len(self._entries) >= self._max:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            if len(self._entries) >= self._max:
                self._entries.clear()
        self._entries[token] = (time.monotonic() + self.ttl, view, {})

    def drop(self, token: str | None = None) -> None:
        if token is None:
            self._entries.clear()
        else:
            self._entries.pop(token, None)


class Checkout:
    """Shared state of the app: services, templates, CSRF signer, rate limiter, caches."""

    def __init__(self, ctx: AppContext, *, webhook_token: WebhookTokenSource, limiter: RateLimiter,
                 csrf: CsrfSigner, clinic_ttl: float = 5.0, link_ttl: float = 1.0) -> None:
        self.ctx = ctx
        self.links = LinkCache(link_ttl)
        self._loading: dict[str, asyncio.Future[LinkView]] = {}
        self.webhook_token = webhook_token
        self.limiter = limiter
        self.csrf = csrf
        self._clinic_ttl = clinic_ttl
        self._clinics: dict[int | None, tuple[float, ClinicPage | None]] = {}
        self._tds: dict[int, tuple[float, TdsRedirect | None]] = {}
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(resource_path("templates", "checkout"))),
            autoescape=True, auto_reload=False, undefined=jinja2.StrictUndefined,
        )
        install_jinja(self.env)  # texts through the gettext catalogs, in the page's ``lang``
        self.env.filters["yen"] = format_yen
        self.env.filters["jst"] = format_jst_datetime

    async def open_link(self, token: str) -> LinkView:
        """The link's view for a GET page (briefly cached)."""
        view = self.links.get(token)
        if view is not None:
            return view
        pending = self._loading.get(token)
        if pending is None:  # one database read per link, however many requests wait for it
            pending = asyncio.ensure_future(self.ctx.runner.db(self.ctx.billing.open_link, token))
            self._loading[token] = pending
            pending.add_done_callback(lambda _f: self._loading.pop(token, None))
        view = await asyncio.shield(pending)
        self.links.put(token, view)
        return view

    async def clinic(self, clinic_id: int | None = None) -> ClinicPage | None:
        """The clinic by id, or this installation's clinic (``None``)."""
        now = time.monotonic()
        cached = self._clinics.get(clinic_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        page = await self.ctx.runner.db(self._load_clinic, clinic_id)
        self._clinics[clinic_id] = (now + self._clinic_ttl, page)
        return page

    async def tds_redirect(self, clinic_id: int) -> TdsRedirect | None:
        """How to send this clinic's patients through PAY.JP's 3-D Secure redirect; None without keys.

        Kept apart from ``ClinicPage`` so that the secret key never reaches a template.
        """
        now = time.monotonic()
        cached = self._tds.get(clinic_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = await self.ctx.runner.db(self._load_tds, clinic_id)
        self._tds[clinic_id] = (now + self._clinic_ttl, found)
        return found

    def _load_tds(self, clinic_id: int) -> TdsRedirect | None:
        with self.ctx.db.uow(readonly=True) as uow:
            found = uow.session.get(Clinic, clinic_id)
            return _tds_redirect(self.ctx, found) if found is not None else None

    def _load_clinic(self, clinic_id: int | None) -> ClinicPage | None:
        if clinic_id is None:
            clinic = self.ctx.clinic()
            return _clinic_page(self.ctx, clinic) if clinic is not None else None
        with self.ctx.db.uow(readonly=True) as uow:
            found = uow.session.get(Clinic, clinic_id)
            return _clinic_page(self.ctx, found) if found is not None else None

    def render(self, request: Request, template: str, status: int = 200, *, cache_for: str | None = None,
               **values: Any) -> HTMLResponse:
        """Render a page; with ``cache_for`` (a link token) reuse it while the link's view is cached.

        A cached page is rendered with a placeholder in place of the CSP nonce, which is
        swapped for this response's own nonce: every response still gets a fresh nonce.
        """
        lang = language(request)
        key = f"{template}:{lang}"
        html = self.links.page(cache_for, key) if cache_for else None
        if html is None:
            html = self.env.get_template(template).render(
                lang=lang, nonce=_NONCE_PLACEHOLDER,
                lang_switch="?lang=" + ("ja" if lang == "en" else "en"), **values,
            )
            if cache_for:
                self.links.keep_page(cache_for, key, html)
        return HTMLResponse(html.replace(_NONCE_PLACEHOLDER, request.state.csp_nonce), status_code=status)

    def allow(self, request: Request) -> bool:
        """Rate limit per client on link look-ups (card testing, token guessing)."""
        client = request.client.host if request.client else "unknown"
        return self.limiter.allow(client)


def language(request: Request) -> Language:
    return pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def checkout_of(request: Request) -> Checkout:
    checkout: Checkout = request.app.state.checkout
    return checkout


async def not_found_page(request: Request, clinic: ClinicPage | None = None) -> HTMLResponse:
    """The one 404 page: forged, malformed and unknown links look exactly alike."""
    return checkout_of(request).render(request, "status.html", 404, kind="not_found", clinic=None, token="")


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
    ctx: AppContext,
    *,
    webhook_token: WebhookTokenSource | None = None,
    limiter: RateLimiter | None = None,
    csrf: CsrfSigner | None = None,
    link_cache_ttl: float = 1.0,
) -> Starlette:
    """Build the checkout web app on the service graph ``ctx``."""
    from desktop.services.checkout import legal, pages, receipt, webhooks

    routes = [
        *pages.ROUTES,
        *receipt.ROUTES,
        *legal.ROUTES,
        *webhooks.ROUTES,
        Route("/healthz", healthz, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=str(resource_path("static", "checkout"))), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeadersMiddleware)],
        exception_handlers={HTTPException: _http_error, 404: _http_error},
    )
    app.state.checkout = Checkout(
        ctx,
        webhook_token=webhook_token or webhooks.secret_store_token(ctx),
        limiter=limiter or RateLimiter(),
        csrf=csrf or CsrfSigner(),
        link_ttl=link_cache_ttl,
    )
    return app
