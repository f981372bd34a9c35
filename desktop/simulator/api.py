"""The ``/v1`` REST endpoints: authentication, parameter parsing, routing, JSON answers.

Every key belongs to a test account (accounts.py); each call sees only that account's objects.
Live keys, other key shapes and a bare ``sk_test_`` / ``pk_test_`` are ``invalid_api_key``.

Error codes without a PAY.JP documentation or SDK source [unverified]:
    ``unsafe_credit_card_param`` (400 ``invalid_request_error``) for card numbers sent with a
    secret key: the answer reported in payjp/payjp-go#10 and payjp/payjp-python#15, absent from
    PAY.JP's published code list.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import charges, customers, events, tds, tenants, tokens
from .accounts import PUBLIC_PREFIX, SECRET_PREFIX, account_of
from .errors import ApiError, auth_error, unrecognized_url
from .forms import Params, parse_pairs
from .store import SimulatorState

# Browsers call POST /v1/tokens from the card iframe with the public key.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Payjp-Client-User-Agent",
    "Access-Control-Max-Age": "600",
}
DIRECT_TOKEN_HEADER = "x-payjp-direct-token-generate"


@dataclass
class Call:
    """One authenticated API call as the operations see it (``account``: the key's test account)."""

    state: SimulatorState
    params: Params
    path: dict[str, str]
    base_url: str
    account: str | None = None


Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    public_key_ok: bool = False


def _route(method: str, template: str, handler: Handler, *, public_key_ok: bool = False) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, re.compile(f"^{regex}$"), handler, public_key_ok)


ROUTES: tuple[Route, ...] = (
    _route("POST", "/v1/tokens", lambda c: tokens.create_token(c.state, c.params, c.account), public_key_ok=True),
    _route("GET", "/v1/tokens/{id}", lambda c: tokens.retrieve_token(c.state, c.path["id"], c.account)),
    _route("POST", "/v1/tokens/{id}/tds_finish", lambda c: tokens.finish_token_tds(c.state, c.path["id"], c.account)),
    _route("POST", "/v1/charges", lambda c: charges.create_charge(c.state, c.params, c.account)),
    _route("GET", "/v1/charges", lambda c: charges.list_charges(c.state, c.params, c.account)),
    _route("GET", "/v1/charges/{id}", lambda c: charges.retrieve_charge(c.state, c.path["id"], c.account)),
    _route(
        "POST", "/v1/charges/{id}",
        lambda c: charges.update_charge(c.state, c.path["id"], c.params, c.account),
    ),
    _route(
        "POST", "/v1/charges/{id}/capture",
        lambda c: charges.capture_charge(c.state, c.path["id"], c.params, c.account),
    ),
    _route(
        "POST", "/v1/charges/{id}/refund",
        lambda c: charges.refund_charge(c.state, c.path["id"], c.params, c.account),
    ),
    _route(
        "POST", "/v1/charges/{id}/tds_finish",
        lambda c: charges.finish_charge_tds(c.state, c.path["id"], c.account),
    ),
    _route("POST", "/v1/customers", lambda c: customers.create_customer(c.state, c.params, c.account)),
    _route("GET", "/v1/customers", lambda c: customers.list_customers(c.state, c.params, c.account)),
    _route("GET", "/v1/customers/{id}", lambda c: customers.retrieve_customer(c.state, c.path["id"], c.account)),
    _route(
        "POST", "/v1/customers/{id}",
        lambda c: customers.update_customer(c.state, c.path["id"], c.params, c.account),
    ),
    _route("DELETE", "/v1/customers/{id}", lambda c: customers.delete_customer(c.state, c.path["id"], c.account)),
    _route(
        "POST", "/v1/customers/{id}/cards",
        lambda c: customers.create_card(c.state, c.path["id"], c.params, c.account),
    ),
    _route(
        "GET", "/v1/customers/{id}/cards",
        lambda c: customers.list_cards(c.state, c.path["id"], c.params, c.account),
    ),
    _route(
        "GET", "/v1/customers/{id}/cards/{card}",
        lambda c: customers.retrieve_card(c.state, c.path["id"], c.path["card"], c.account),
    ),
    _route(
        "POST", "/v1/customers/{id}/cards/{card}",
        lambda c: customers.update_card(c.state, c.path["id"], c.path["card"], c.params, c.account),
    ),
    _route(
        "DELETE", "/v1/customers/{id}/cards/{card}",
        lambda c: customers.delete_card(c.state, c.path["id"], c.path["card"], c.account),
    ),
    _route("POST", "/v1/tenants", lambda c: tenants.create_tenant(c.state, c.params, c.account)),
    _route("GET", "/v1/tenants", lambda c: tenants.list_tenants(c.state, c.params, c.account)),
    _route("GET", "/v1/tenants/{id}", lambda c: tenants.retrieve_tenant(c.state, c.path["id"], c.account)),
    _route(
        "POST", "/v1/tenants/{id}",
        lambda c: tenants.update_tenant(c.state, c.path["id"], c.params, c.account),
    ),
    _route("DELETE", "/v1/tenants/{id}", lambda c: tenants.delete_tenant(c.state, c.path["id"], c.account)),
    _route(
        "POST", "/v1/tenants/{id}/application_urls",
        lambda c: tenants.create_application_url(c.state, c.path["id"], c.base_url, c.account),
    ),
    _route("POST", "/v1/three_d_secure_requests", lambda c: tds.create_request(c.state, c.params, c.account)),
    _route("GET", "/v1/three_d_secure_requests", lambda c: tds.list_requests(c.state, c.params)),
    _route("GET", "/v1/three_d_secure_requests/{id}", lambda c: tds.retrieve_request(c.state, c.path["id"])),
    _route("GET", "/v1/events", lambda c: events.list_events(c.state, c.params)),
    _route("GET", "/v1/events/{id}", lambda c: events.retrieve_event(c.state, c.path["id"])),
)  # fmt: skip


def _api_key(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise auth_error("no_api_key", "You did not provide an API key.")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise auth_error("invalid_api_key", "Invalid API key.")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise auth_error("invalid_api_key", "Invalid API key.") from None
    key = decoded.split(":", 1)[0]
    if not key:
        raise auth_error("no_api_key", "You did not provide an API key.")
    return key


def _match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in ROUTES:
        if route.method != method:
            continue
        match = route.pattern.match(path)
        if match:
            return route, match.groupdict()
    return None


def _json(body: dict[str, Any], status: int = 200, *, cors: bool = False) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=CORS_HEADERS if cors else None)


async def handle(request: Request) -> Response:
    """Entry point for every ``/v1/...`` request except the HTML 3-D Secure pages."""
    state: SimulatorState = request.app.state.simulator
    method = request.method
    path = request.url.path
    cors = path == "/v1/tokens"
    if method == "OPTIONS" and cors:
        return Response(status_code=204, headers=CORS_HEADERS)
    try:
        key = _api_key(request)
        found = _match(method, path)
        account = account_of(key)
        if key.startswith(PUBLIC_PREFIX):
            if account is None or found is None or not found[0].public_key_ok:
                raise auth_error("invalid_api_key", "A public key cannot be used for this request.")
        elif not key.startswith(SECRET_PREFIX) or account is None:
            # The simulator is test mode only: live keys and anything else are refused.
            raise auth_error("invalid_api_key", "Invalid API key.")
        if found is None:
            raise unrecognized_url(method, path)
        route, path_params = found
        # Real PAY.JP refuses card numbers sent with a secret key unless the request says it
        # is a test-mode direct token creation (payjp/payjp-go#10, payjp/payjp-python#15).
        direct = request.headers.get(DIRECT_TOKEN_HEADER, "").lower() == "true"
        if route.public_key_ok and key.startswith("sk_") and not direct:
            raise ApiError(
                400,
                "invalid_request_error",
                "Sending credit card numbers directly to the API is generally unsafe. Use Checkout or payjp.js.",
                code="unsafe_credit_card_param",
            )
        if method == "POST":
            raw = (await request.body()).decode("utf-8", errors="replace")
        else:
            raw = request.url.query
        params = Params(parse_pairs(parse_qsl(raw, keep_blank_values=True)))
        call = Call(state, params, path_params, str(request.base_url), account)
        result = await run_in_threadpool(route.handler, call)
        return _json(result, cors=cors)
    except ApiError as error:
        return _json(error.to_body(), error.status, cors=cors)
