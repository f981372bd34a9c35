"""What a browser loads from the simulator: the pay.js stand-in, the card iframe and 3DS pages."""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from . import pages, tds
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


def decode_back_url(value: str) -> str | None:
    """The return URL inside ``back_url``, a JWS (HS256, payload ``{"url": ...}``).

    The simulator accepts any sk_test_ key, so it cannot check the signature; it checks the
    shape, so that code which passes a plain URL fails here as it would on PAY.JP.
    """
    parts = value.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError):
        return None
    url = payload.get("url") if isinstance(payload, dict) else None
    if not isinstance(url, str) or not re.match(r"^https?://", url):
        return None
    return url


def _state(request: Request) -> SimulatorState:
    state: SimulatorState = request.app.state.simulator
    return state


async def tds_start(request: Request) -> Response:
    """``GET /v1/tds/{id}/start``: the redirect-type 3-D Secure entry point (HTML)."""
    resource_id = request.path_params["resource_id"]
    public_key = request.query_params.get("publickey", "")
    if not public_key.startswith("pk_test_"):
        return pages.error_page("公開鍵が正しくありません。", "Invalid or missing publickey.", 401)
    back_url = request.query_params.get("back_url", "")
    if decode_back_url(back_url) is None:
        return pages.error_page(
            "戻り先 (back_url) が正しくありません。", "back_url must be a JWS whose payload has a url.", 400
        )
    try:
        await run_in_threadpool(tds.start_challenge, _state(request), resource_id)
    except ApiError:
        return pages.error_page("3Dセキュアの対象ではありません。", "Not waiting for 3-D Secure.", 400)
    return pages.challenge_page(
        resource_id,
        f"/_sim/tds/{resource_id}/answer",
        {"mode": "redirect", "back_url": back_url},
    )


async def tds_challenge(request: Request) -> Response:
    """The challenge page pay.js opens in a sub-window or iframe."""
    resource_id = request.path_params["resource_id"]
    mode = request.query_params.get("mode", "dialog")
    origin = request.query_params.get("origin", "")
    if mode not in ("dialog", "iframe") or not _ORIGIN.match(origin):
        return pages.error_page("リクエストが正しくありません。", "Bad mode or origin.", 400)
    if not request.query_params.get("publickey", "").startswith("pk_test_"):
        return pages.error_page("公開鍵が正しくありません。", "Invalid or missing publickey.", 401)
    try:
        await run_in_threadpool(tds.start_challenge, _state(request), resource_id)
    except ApiError:
        return pages.error_page("3Dセキュアの対象ではありません。", "Not waiting for 3-D Secure.", 400)
    return pages.challenge_page(resource_id, f"/_sim/tds/{resource_id}/answer", {"mode": mode, "origin": origin})


async def tds_answer(request: Request) -> Response:
    """The cardholder pressed 認証する or 認証しない."""
    resource_id = request.path_params["resource_id"]
    form = await request.form()
    mode = str(form.get("mode", ""))
    result = str(form.get("result", ""))
    if mode not in _MODES or result not in ("verified", "failed"):
        return pages.error_page("リクエストが正しくありません。", "Bad request.", 400)
    try:
        await run_in_threadpool(tds.record_result, _state(request), resource_id, result == "verified")
    except ApiError:
        return pages.error_page("3Dセキュアの対象ではありません。", "Not waiting for 3-D Secure.", 400)
    if mode == "redirect":
        target = decode_back_url(str(form.get("back_url", "")))
        if target is None:
            return pages.error_page("戻り先が正しくありません。", "Bad back_url.", 400)
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
