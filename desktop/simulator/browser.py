"""What a browser loads from the simulator: the pay.js stand-in, the card iframe and 3DS pages.

Answers without a PAY.JP source [unverified]: PAY.JP's 3-D Secure start page is HTML for the
cardholder; the status and wording it shows for a bad ``publickey`` or a ``back_url`` it does not
accept are not documented. The simulator refuses both with an error page (401 for the key, 400
for the ``back_url``) and never redirects to an address it could not verify.
"""

from __future__ import annotations

import re
from pathlib import Path

import jwt
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from . import pages, tds
from .accounts import PUBLIC_PREFIX, account_of, secret_key_of
from .errors import ApiError
from .store import SimulatorState

STATIC_DIR = Path(__file__).with_name("static")
_STATIC_TYPES = {
    "pay.js": "application/javascript; charset=utf-8",
    "card-frame.js": "application/javascript; charset=utf-8",
    "tds-result.js": "application/javascript; charset=utf-8",
    "card-frame.html": "text/html; charset=utf-8",
    "sim.css": "text/css; charset=utf-8",
}
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")
_MODES = ("dialog", "iframe", "redirect")
# The card frame runs only our script; it may be embedded by any merchant page.
_FRAME_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'"


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    media_type = _STATIC_TYPES.get(name)
    if media_type is None:
        return Response("Not Found", status_code=404, media_type="text/plain")
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if name == "card-frame.html":
        headers["Content-Security-Policy"] = _FRAME_CSP
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=headers)


def decode_back_url(value: str, public_key: str) -> str | None:
    """The return URL inside ``back_url``, or None if PAY.JP would not accept it.

    ``back_url`` is a compact JWS whose payload is ``{"url": ...}``, signed HS256 with the secret
    key of the account that ``public_key`` belongs to (pay.jp/docs/charge-tds). A token signed
    with another key, an unsigned ``alg: none`` token, another algorithm, a plain URL or a
    payload without an http(s) ``url`` all give None.
    """
    account = _public_account(public_key)
    if account is None:
        return None
    try:
        payload = jwt.decode(value, secret_key_of(account), algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    url = payload.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://", url):
        return None
    return url


def _public_account(public_key: str) -> str | None:
    """The test account of a ``pk_test_`` key; None for anything else."""
    return account_of(public_key) if public_key.startswith(PUBLIC_PREFIX) else None


def _state(request: Request) -> SimulatorState:
    state: SimulatorState = request.app.state.simulator
    return state


def _bad_public_key() -> Response:
    return pages.error_page("公開鍵が正しくありません。", "Invalid or missing publickey.", 401)


def _not_waiting() -> Response:
    return pages.error_page("3Dセキュアの対象ではありません。", "Not waiting for 3-D Secure.", 400)


async def _open_challenge(request: Request, resource_id: str, account: str, fields: dict[str, str]) -> Response:
    """Start the challenge of ``resource_id`` for ``account`` and show its page (``fields`` ride in its form)."""
    try:
        await run_in_threadpool(tds.start_challenge, _state(request), resource_id, account)
    except ApiError:
        return _not_waiting()
    return pages.challenge_page(resource_id, f"/_sim/tds/{resource_id}/answer", fields)


async def tds_start(request: Request) -> Response:
    """``GET /v1/tds/{id}/start``: the redirect-type 3-D Secure entry point (HTML)."""
    resource_id = request.path_params["resource_id"]
    public_key = request.query_params.get("publickey", "")
    account = _public_account(public_key)
    if account is None:
        return _bad_public_key()
    back_url = request.query_params.get("back_url", "")
    if decode_back_url(back_url, public_key) is None:
        return pages.error_page(
            "戻り先 (back_url) が正しくありません。",
            "back_url must be a JWS (HS256, signed with this account's secret key) whose payload has a url.",
            400,
        )
    fields = {"mode": "redirect", "back_url": back_url, "publickey": public_key}
    return await _open_challenge(request, resource_id, account, fields)


async def tds_challenge(request: Request) -> Response:
    """The challenge page pay.js opens in a sub-window or iframe."""
    resource_id = request.path_params["resource_id"]
    mode = request.query_params.get("mode", "dialog")
    origin = request.query_params.get("origin", "")
    if mode not in ("dialog", "iframe") or not _ORIGIN.match(origin):
        return pages.error_page("リクエストが正しくありません。", "Bad mode or origin.", 400)
    public_key = request.query_params.get("publickey", "")
    account = _public_account(public_key)
    if account is None:
        return _bad_public_key()
    fields = {"mode": mode, "origin": origin, "publickey": public_key}
    return await _open_challenge(request, resource_id, account, fields)


async def tds_answer(request: Request) -> Response:
    """The cardholder pressed 認証する or 認証しない."""
    resource_id = request.path_params["resource_id"]
    form = await request.form()
    mode = str(form.get("mode", ""))
    result = str(form.get("result", ""))
    # The challenge pages carry the public key that opened them; the redirect flow needs it to
    # check back_url again. Without it (dialog / iframe) the answer is not scoped to an account.
    public_key = str(form.get("publickey", ""))
    account = _public_account(public_key) if public_key else None
    if mode not in _MODES or result not in ("verified", "failed") or (public_key and account is None):
        return pages.error_page("リクエストが正しくありません。", "Bad request.", 400)
    target: str | None = None
    if mode == "redirect":
        # Checked before the result is stored: a forged form changes nothing.
        target = decode_back_url(str(form.get("back_url", "")), public_key)
        if target is None:
            return pages.error_page("戻り先が正しくありません。", "Bad back_url.", 400)
    try:
        await run_in_threadpool(tds.record_result, _state(request), resource_id, result == "verified", account)
    except ApiError:
        return _not_waiting()
    if target is not None:
        return RedirectResponse(target, status_code=303)
    origin = str(form.get("origin", ""))
    if not _ORIGIN.match(origin):
        return pages.error_page("リクエストが正しくありません。", "Bad origin.", 400)
    return pages.challenge_done_page(resource_id, result, mode, origin)


ROUTES = [
    Route("/payjs/v2/{name}", static_file, methods=["GET"]),
    Route("/v1/tds/{resource_id}/start", tds_start, methods=["GET"]),
    Route("/_sim/tds/{resource_id}/challenge", tds_challenge, methods=["GET"]),
    Route("/_sim/tds/{resource_id}/answer", tds_answer, methods=["POST"]),
]
