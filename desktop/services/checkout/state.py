"""What every handler of the checkout app shares: its services, templates, caches and helpers.

``app.py`` builds one ``Checkout`` and keeps it in ``app.state.checkout``; handlers reach it
with ``checkout_of(request)``. This module imports no route module, so routes import it and
``app.py`` imports the routes, never the reverse.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections.abc import Mapping
from typing import Any, Callable, Protocol

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from desktop.domain.formatting import Language, format_jst_date, format_jst_datetime, format_yen
from desktop.paths import resource_path
from desktop.services.billing import LinkStatus, LinkView, PaymentOutcome
from desktop.services.billing.payjp_events import EventResult
from desktop.services.checkout.security import CsrfSigner, RateLimiter
from desktop.i18n import install_jinja
from desktop.services.checkout.texts import pick_language
from desktop.services.checkout.three_d_secure import TdsRedirect
from desktop.services.clinic_pages import ClinicPage, ClinicPageService
from desktop.services.key_proof import KeyProofService
from desktop.services.live_check import LiveCheckRecorder
from desktop.services.receipts import ReceiptService
from desktop.services.runner import BackgroundRunner

WebhookTokenSource = Callable[[], str | None]
_NONCE_PLACEHOLDER = "nonce-placeholder-" + secrets.token_hex(8)


class LinkPayments(Protocol):
    """What the pages ask of the billing service (``BillingService`` has these methods)."""

    def open_link(self, raw_token: str) -> LinkView: ...

    def pay_with_token(self, raw_token: str, card_token: str, *, three_d_secure: bool = False) -> PaymentOutcome: ...

    def finish_three_d_secure(self, raw_token: str) -> PaymentOutcome: ...

    def pay_and_save(self, raw_token: str, card_token: str, *, consent_version: str = ...) -> PaymentOutcome: ...


class PayjpEvents(Protocol):
    """Applies one PAY.JP webhook event (``desktop.services.billing.PayjpEventService``)."""

    def handle(self, event: Mapping[str, Any]) -> EventResult: ...


@dataclasses.dataclass(frozen=True)
class CheckoutServices:
    """The collaborators of the checkout app; every blocking call runs in ``runner``'s pools.

    Attributes:
        payments: opens links and charges cards (PAY.JP calls: the ``payments`` pool).
        receipts: the receipt of a paid link (database only: the ``db`` pool).
        clinic_pages: the clinic's details and PAY.JP keys for the pages (the ``db`` pool).
        runner: the thread pools.
        webhook_token: reads the token PAY.JP's webhooks must carry (``None``: refuse all).
        events: applies PAY.JP's webhook events (PAY.JP calls: the ``payments`` pool);
            ``None`` where no webhook is served (the endpoint then answers 503).
        recorder: notes what an open 接続チェック must see (pages, webhooks, CSP reports);
            ``None``: nothing is noted and CSP reports are only counted in the log.
        key_proofs: the live key-pair proof pages (``None``: not served here).
    """

    payments: LinkPayments
    receipts: ReceiptService
    clinic_pages: ClinicPageService
    runner: BackgroundRunner
    webhook_token: WebhookTokenSource
    events: PayjpEvents | None = None
    recorder: LiveCheckRecorder | None = None
    key_proofs: KeyProofService | None = None


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
    """Shared state of the app: services, templates, CSRF signer, rate limiter, caches.

    Args:
        services: the collaborators (see ``CheckoutServices``).
        limiter: rate limit per client and link on the forms posted back (pay, 3-D Secure, receipt).
        guesses: limit per client on look-ups of unknown links (only failures count; a valid
            link is never refused, so a guesser sharing the patient's address cannot lock them out).
        csrf: signs and checks the forms' CSRF tokens.
        clinic_ttl: seconds a clinic's page data (and 3-D Secure keys) stay cached.
        link_ttl: seconds a link's view (and its rendered pages) stay cached; 0: no cache.
    """

    def __init__(self, services: CheckoutServices, *, limiter: RateLimiter, csrf: CsrfSigner,
                 clinic_ttl: float = 5.0, link_ttl: float = 1.0, guesses: RateLimiter | None = None) -> None:
        self.services = services
        self.runner = services.runner
        self.events = services.events
        self.webhook_token = services.webhook_token
        self.links = LinkCache(link_ttl)
        self._loading: dict[str, asyncio.Future[LinkView]] = {}
        self.limiter = limiter
        self.guesses = guesses if guesses is not None else limiter
        self.csrf = csrf
        self.reports = RateLimiter(limit=20, window=60.0)  # CSP reports and refused webhooks per client
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
        self.env.filters["jst_date"] = format_jst_date

    async def open_link(self, token: str) -> LinkView:
        """The link's view for a GET page (briefly cached)."""
        view = self.links.get(token)
        if view is not None:
            return view
        pending = self._loading.get(token)
        if pending is None:  # one database read per link, however many requests wait for it
            pending = asyncio.ensure_future(self.runner.db(self.services.payments.open_link, token))
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
        page = await self.runner.db(self.services.clinic_pages.page, clinic_id)
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
        keys = await self.runner.db(self.services.clinic_pages.three_d_secure, clinic_id)
        found = None if keys is None else TdsRedirect(
            api_base=keys.api_base, public_key=keys.public_key, public_base_url=keys.public_base_url,
            secret_key=keys.secret_key)
        self._tds[clinic_id] = (now + self._clinic_ttl, found)
        return found

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
        """Rate limit per client and link on posted forms (card testing, resubmission storms)."""
        return self.limiter.allow(f"{client_address(request)} {request.path_params.get('token', '')}")

    def allow_report(self, request: Request) -> bool:
        """Rate limit per client on what is only noted (CSP reports, refused webhook calls)."""
        return self.reports.allow(client_address(request))

    def guessing(self, request: Request) -> bool:
        """Whether this client looked up too many unknown links lately (nothing counted)."""
        return self.guesses.blocked(client_address(request))

    async def unknown_link(self, request: Request) -> HTMLResponse:
        """The answer to an unknown link: the 404 page, counted as a failed guess for this client;
        the 429 page once the client is over the limit."""
        if not self.guesses.allow(client_address(request)):
            return too_many_page(request)
        return await not_found_page(request)


async def form_fields(request: Request) -> dict[str, str]:
    """The text fields of a posted HTML form, as our pages post them (``application/x-www-form-urlencoded``).

    Any other body (multipart, JSON, bytes) reads as no fields: it is never handed to a multipart
    parser, so a forged request can only meet the CSRF check, not a parser's complaints.
    """
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return {}
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def client_address(request: Request) -> str:
    """The client's address: the connecting one, or a trusted proxy's X-Forwarded-For (the
    server applies it only for the configured proxies)."""
    return request.client.host if request.client else "unknown"


def language(request: Request) -> Language:
    """The page's language: ``?lang=``, else the browser's preference, else Japanese."""
    return pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def checkout_of(request: Request) -> Checkout:
    """The app's shared ``Checkout``."""
    checkout: Checkout = request.app.state.checkout
    return checkout


async def not_found_page(request: Request, clinic: ClinicPage | None = None) -> HTMLResponse:
    """The one 404 page: forged, malformed and unknown links look exactly alike."""
    return checkout_of(request).render(request, "status.html", 404, kind="not_found", clinic=None, token="")


def too_many_page(request: Request) -> HTMLResponse:
    """The 429 page for a client over the rate limit."""
    return checkout_of(request).render(request, "status.html", 429, kind="too_many", clinic=None, token="")


def forbidden_page(request: Request) -> HTMLResponse:
    """The 403 page for a form posted from elsewhere or with a stale CSRF token."""
    return checkout_of(request).render(request, "status.html", 403, kind="forbidden", clinic=None, token="")
