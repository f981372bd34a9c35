"""The ``/v1`` REST endpoints: authentication, parameter parsing, routing, JSON answers.

Every key belongs to an account (accounts.py); each call sees only that account's objects.
Live keys may only create and read tokens (``live_ok`` routes); any other call with a live key,
other key shapes and a bare ``sk_test_`` / ``pk_test_`` are ``invalid_api_key`` (401; refusing
live keys elsewhere is the simulator's own rule: it moves no real money).

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
from .accounts import LIVE_PUBLIC_PREFIX, LIVE_SECRET_PREFIX, PUBLIC_PREFIX, SECRET_PREFIX, account_of, is_live
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
    live_ok: bool = False  # live keys may call it (token creation and retrieval only)


def _route(method: str, template: str, handler: Handler, *, public_key_ok: bool = False,
           live_ok: bool = False) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, re.compile(f"^{regex}$"), handler, public_key_ok, live_ok)


# The operations' signatures, by what they take from the call besides the state and the account.
_WithParams = Callable[[SimulatorState, Params, str | None], dict[str, Any]]
_WithId = Callable[[SimulatorState, str, str | None], dict[str, Any]]
_WithIdParams = Callable[[SimulatorState, str, Params, str | None], dict[str, Any]]
_WithCard = Callable[[SimulatorState, str, str, str | None], dict[str, Any]]
_WithCardParams = Callable[[SimulatorState, str, str, Params, str | None], dict[str, Any]]


def _params(operation: _WithParams) -> Handler:
    """``operation(state, params, account)``: create and list calls."""
    return lambda c: operation(c.state, c.params, c.account)


def _id(operation: _WithId) -> Handler:
    """``operation(state, path id, account)``: retrieve, delete and tds_finish calls."""
    return lambda c: operation(c.state, c.path["id"], c.account)


def _id_params(operation: _WithIdParams) -> Handler:
    """``operation(state, path id, params, account)``: update, capture, refund; a customer's new card and card list."""
    return lambda c: operation(c.state, c.path["id"], c.params, c.account)


def _card(operation: _WithCard) -> Handler:
    """``operation(state, customer id, card id, account)``: retrieve and delete a card."""
    return lambda c: operation(c.state, c.path["id"], c.path["card"], c.account)


def _card_params(operation: _WithCardParams) -> Handler:
    """``operation(state, customer id, card id, params, account)``: update a card."""
    return lambda c: operation(c.state, c.path["id"], c.path["card"], c.params, c.account)


ROUTES: tuple[Route, ...] = (
    _route("POST", "/v1/tokens", _params(tokens.create_token), public_key_ok=True, live_ok=True),
    _route("GET", "/v1/tokens/{id}", _id(tokens.retrieve_token), live_ok=True),
    _route("POST", "/v1/tokens/{id}/tds_finish", _id(tokens.finish_token_tds)),
    _route("POST", "/v1/charges", _params(charges.create_charge)),
    _route("GET", "/v1/charges", _params(charges.list_charges)),
    _route("GET", "/v1/charges/{id}", _id(charges.retrieve_charge)),
    _route("POST", "/v1/charges/{id}", _id_params(charges.update_charge)),
    _route("POST", "/v1/charges/{id}/capture", _id_params(charges.capture_charge)),
    _route("POST", "/v1/charges/{id}/refund", _id_params(charges.refund_charge)),
    _route("POST", "/v1/charges/{id}/tds_finish", _id(charges.finish_charge_tds)),
    _route("POST", "/v1/customers", _params(customers.create_customer)),
    _route("GET", "/v1/customers", _params(customers.list_customers)),
    _route("GET", "/v1/customers/{id}", _id(customers.retrieve_customer)),
    _route("POST", "/v1/customers/{id}", _id_params(customers.update_customer)),
    _route("DELETE", "/v1/customers/{id}", _id(customers.delete_customer)),
    _route("POST", "/v1/customers/{id}/cards", _id_params(customers.create_card)),
    _route("GET", "/v1/customers/{id}/cards", _id_params(customers.list_cards)),
    _route("GET", "/v1/customers/{id}/cards/{card}", _card(customers.retrieve_card)),
    _route("POST", "/v1/customers/{id}/cards/{card}", _card_params(customers.update_card)),
    _route("DELETE", "/v1/customers/{id}/cards/{card}", _card(customers.delete_card)),
    _route("POST", "/v1/tenants", _params(tenants.create_tenant)),
    _route("GET", "/v1/tenants", _params(tenants.list_tenants)),
    _route("GET", "/v1/tenants/{id}", _id(tenants.retrieve_tenant)),
    _route("POST", "/v1/tenants/{id}", _id_params(tenants.update_tenant)),
    _route("DELETE", "/v1/tenants/{id}", _id(tenants.delete_tenant)),
    _route(
        "POST", "/v1/tenants/{id}/application_urls",
        lambda c: tenants.create_application_url(c.state, c.path["id"], c.base_url, c.account),
    ),
    _route("POST", "/v1/three_d_secure_requests", _params(tds.create_request)),
    # Not scoped by account (accounts.py).
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
        if key.startswith((PUBLIC_PREFIX, LIVE_PUBLIC_PREFIX)):
            if account is None or found is None or not found[0].public_key_ok:
                raise auth_error("invalid_api_key", "A public key cannot be used for this request.")
        elif not key.startswith((SECRET_PREFIX, LIVE_SECRET_PREFIX)) or account is None:
            raise auth_error("invalid_api_key", "Invalid API key.")
        if is_live(account) and (found is None or not found[0].live_ok):
            # No real money here: live keys only make and read tokens (the live key-pair proof).
            raise auth_error("invalid_api_key", "The simulator takes live keys for tokens only.")
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
