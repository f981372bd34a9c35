"""``/_sim/...``: the admin API (JSON, loopback only) and the tenant application pages."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import pages, tds, tenants
from .errors import ApiError
from .faults import FaultKind
from .store import SimulatorState

_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


def _state(request: Request) -> SimulatorState:
    state: SimulatorState = request.app.state.simulator
    return state


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "type": "client_error", "message": message}}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    body = json.loads(raw)
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def _admin(handler: Any) -> Any:
    """Wrap an admin handler: loopback clients only, JSON errors for bad input."""

    async def wrapped(request: Request) -> Response:
        client = request.client.host if request.client else ""
        if client not in _LOOPBACK:
            return _bad("The simulator admin API is only available from loopback.", 403)
        try:
            body = await _json_body(request)
            result: Response = await handler(request, body)
            return result
        except (ValueError, TypeError, KeyError) as exc:
            return _bad(f"Bad admin request: {exc}")
        except ApiError as error:
            return JSONResponse(error.to_body(), status_code=error.status)

    return wrapped


async def reset(request: Request, body: dict[str, Any]) -> Response:
    await run_in_threadpool(_state(request).reset)
    return JSONResponse({"reset": True})


async def webhook(request: Request, body: dict[str, Any]) -> Response:
    url = body.get("url")
    if url is not None and not isinstance(url, str):
        raise ValueError("url must be a string or null")
    await run_in_threadpool(_state(request).configure_webhook, url, str(body.get("token", "")))
    return JSONResponse({"url": url, "token_set": bool(body.get("token"))})


async def add_fault(request: Request, body: dict[str, Any]) -> Response:
    faults = _state(request).faults
    kind = FaultKind(str(body["kind"]))
    method = body.get("method")
    prefix = body.get("path_prefix")
    count = body.get("count")
    if kind is FaultKind.LATENCY:
        rule = faults.add_latency(float(body["seconds"]), method=method, path_prefix=prefix, count=count)
    elif kind is FaultKind.DROP:
        rule = faults.drop_next(int(count or 1), method=method, path_prefix=prefix)
    else:
        rule = faults.fail_next(int(count or 1), status=int(kind.value), method=method, path_prefix=prefix)
    return JSONResponse(rule.to_json())


async def list_faults(request: Request, body: dict[str, Any]) -> Response:
    return JSONResponse({"rules": [rule.to_json() for rule in _state(request).faults.rules()]})


async def clear_faults(request: Request, body: dict[str, Any]) -> Response:
    _state(request).faults.clear()
    return JSONResponse({"rules": []})


async def set_created(request: Request, body: dict[str, Any]) -> Response:
    charge = await run_in_threadpool(
        _state(request).set_charge_created, request.path_params["charge_id"], int(body["created"])
    )
    return JSONResponse(charge)


async def advance_time(request: Request, body: dict[str, Any]) -> Response:
    state = _state(request)
    state.advance_time(float(body["seconds"]))
    return JSONResponse({"now": state.now()})


async def review(request: Request, body: dict[str, Any]) -> Response:
    brands = body.get("brands")
    if brands is not None and not (isinstance(brands, list) and all(isinstance(b, str) for b in brands)):
        raise ValueError("brands must be a list of strings")
    tenant = await run_in_threadpool(
        tenants.set_review, _state(request), request.path_params["tenant_id"], str(body["status"]), brands
    )
    return JSONResponse(tenant)


async def tds_result(request: Request, body: dict[str, Any]) -> Response:
    """Complete a 3-D Secure challenge without a browser (tests, scripted demos)."""
    kind = await run_in_threadpool(
        tds.record_result, _state(request), request.path_params["resource_id"], bool(body.get("authenticated", True))
    )
    return JSONResponse({"resource_id": request.path_params["resource_id"], "object": kind})


# -- tenant application pages (demo users click through these) ---------------------------


async def application_form(request: Request) -> Response:
    key = request.path_params["key"]
    state = _state(request)
    tenant_id = await run_in_threadpool(tenants.application_tenant, state, key)
    if tenant_id is None:
        return pages.error_page("この申請URLは無効か期限切れです。", "This application URL is invalid or expired.", 404)
    tenant = state.snapshot("tenants", tenant_id) or {}
    if request.method == "POST":
        await run_in_threadpool(tenants.set_review, state, tenant_id, "in_review", None)
        return RedirectResponse(f"/_sim/tenant-application/{key}/review", status_code=303)
    return pages.application_form_page(str(tenant.get("name", "")), f"/_sim/tenant-application/{key}")


async def application_review(request: Request) -> Response:
    key = request.path_params["key"]
    state = _state(request)
    entry = state.snapshot("application_urls", key)
    tenant = state.snapshot("tenants", str(entry["tenant"])) if entry else None
    if entry is None or tenant is None:
        return pages.error_page("この申請URLは無効です。", "This application URL is invalid.", 404)
    if request.method == "POST":
        form = await request.form()
        status = str(form.get("status", ""))
        if status not in ("passed", "declined"):
            return pages.error_page("リクエストが正しくありません。", "Bad status.", 400)
        tenant = await run_in_threadpool(tenants.set_review, state, tenant["id"], status, None)
    action = f"/_sim/tenant-application/{key}/review"
    return pages.review_page(str(tenant["name"]), list(tenant["reviewed_brands"]), action)


ROUTES = [
    Route("/_sim/reset", _admin(reset), methods=["POST"]),
    Route("/_sim/webhook", _admin(webhook), methods=["POST"]),
    Route("/_sim/faults", _admin(add_fault), methods=["POST"]),
    Route("/_sim/faults", _admin(list_faults), methods=["GET"]),
    Route("/_sim/faults", _admin(clear_faults), methods=["DELETE"]),
    Route("/_sim/charges/{charge_id}/created", _admin(set_created), methods=["POST"]),
    Route("/_sim/time", _admin(advance_time), methods=["POST"]),
    Route("/_sim/tenants/{tenant_id}/review", _admin(review), methods=["POST"]),
    Route("/_sim/tds/{resource_id}/result", _admin(tds_result), methods=["POST"]),
    Route("/_sim/tenant-application/{key}", application_form, methods=["GET", "POST"]),
    Route("/_sim/tenant-application/{key}/review", application_review, methods=["GET", "POST"]),
]
