"""The payment page and its two JSON endpoints (pay, finish 3-D Secure), the thank-you page.

Opening a link changes nothing (mail scanners open links first). Only the POST from the
pay button starts a payment; the billing service's conditional UPDATE makes a second
submit, a reload or a second tab answer "already processing" instead of charging again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from desktop.domain.billing import TaxCategory, included_tax
from desktop.domain.errors import MESSAGES, OutcomeUnknownError, PaymentError, StateError, UserError
from desktop.services.billing import LinkStatus, LinkView, PaymentOutcome
from desktop.services.checkout.app import Checkout, ClinicPage, checkout_of, language, not_found_page
from desktop.services.checkout.security import origin_of, same_origin
from desktop.services.checkout.texts import translator

log = logging.getLogger(__name__)

# PAY.JP error codes the browser may meet while creating a token, shown in the page's language.
CARD_ERROR_CODES = ("card_declined", "expired_card", "incorrect_card_data", "invalid_cvc", "processing_error",
                    "unacceptable_brand", "card_flagged", "invalid_card_name", "three_d_secure_failed")


def _token(request: Request) -> str:
    return str(request.path_params["token"])


def _too_many(request: Request) -> Response:
    return checkout_of(request).render(request, "status.html", 429, kind="too_many", clinic=None, token="")


def _allow_payjp(request: Request, clinic: ClinicPage | None) -> None:
    if clinic is not None and clinic.script_url:
        request.state.payjp_origins = (origin_of(clinic.script_url), clinic.api_origin)


async def _open(request: Request) -> tuple[Checkout, LinkView]:
    checkout = checkout_of(request)
    return checkout, await checkout.open_link(_token(request))


def summary(view: LinkView) -> dict[str, Any]:
    return {
        "amount": view.amount,
        "tax": included_tax(view.amount, view.tax_category),
        "taxable": view.tax_category is TaxCategory.TAXABLE,
    }


async def pay_page(request: Request) -> Response:
    """GET /pay/{token}: the form for a payable link, otherwise a page saying why not."""
    checkout = checkout_of(request)
    if not checkout.allow(request):
        return _too_many(request)
    checkout, view = await _open(request)
    if view.status == LinkStatus.UNKNOWN:
        return await not_found_page(request)
    clinic = await checkout.clinic(view.clinic_id)
    token = _token(request)
    lang = language(request)
    common: dict[str, Any] = {"view": view, "clinic": clinic, "token": token, **summary(view)}
    if view.status == LinkStatus.PAYABLE:
        if clinic is None or not clinic.script_url:
            return checkout.render(request, "status.html", 503, kind="unavailable", **common)
        _allow_payjp(request, clinic)
        messages = {code: UserError(code).message(lang) for code in CARD_ERROR_CODES if code in MESSAGES}
        return checkout.render(
            request, "pay.html", cache_for=token, **common, csrf=checkout.csrf.token("pay", token),
            card_messages=json.dumps(messages, ensure_ascii=False),
        )
    if view.status == LinkStatus.PROCESSING and view.pending_charge_id and clinic is not None and clinic.script_url:
        _allow_payjp(request, clinic)
        return checkout.render(request, "status.html", kind="processing", csrf=checkout.csrf.token("pay", token),
                               **common)
    return checkout.render(request, "status.html", kind=view.status, **common)


def _json(result: str, status: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"result": result, **extra}, status_code=status)


def _guard(request: Request, checkout: Checkout, csrf: str | None) -> JSONResponse | None:
    lang = language(request)
    if not same_origin(request.headers) or not checkout.csrf.verify("pay", _token(request), csrf):
        return _json("error", 403, message=translator(lang)("err_expired_page"))
    if not checkout.allow(request):
        return _json("error", 429, message=translator(lang)("too_many_body"))
    return None


def _outcome_json(request: Request, outcome: PaymentOutcome) -> JSONResponse:
    token = _token(request)
    if outcome.requires_three_d_secure and outcome.charge_id:
        return _json("three_d_secure", charge_id=outcome.charge_id)
    return _json("paid", redirect=f"/pay/{token}/thanks")


def _error_json(request: Request, exc: UserError) -> JSONResponse:
    lang = language(request)
    token = _token(request)
    if isinstance(exc, StateError):
        if exc.code == "link_unknown":
            return _json("error", 404, message=exc.message(lang))
        # paid / cancelled / expired / already processing (second tab): show the link's page
        return _json("reload", 409, redirect=f"/pay/{token}")
    if isinstance(exc, OutcomeUnknownError):
        return _json("reload", 202, redirect=f"/pay/{token}")
    status = 402 if isinstance(exc, PaymentError) else 503
    return _json("error", status, message=exc.message(lang), field=exc.field)


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


async def pay_submit(request: Request) -> Response:
    """POST /pay/{token}: charge the card token (charge 3-D Secure on the actual amount)."""
    checkout = checkout_of(request)
    denied = _guard(request, checkout, request.headers.get("x-csrf-token"))
    if denied is not None:
        return denied
    body = await _body(request)
    card_token = body.get("card_token")
    if not isinstance(card_token, str):
        card_token = ""
    try:
        outcome = await checkout.ctx.runner.payments(
            checkout.ctx.billing.pay_with_token, _token(request), card_token, three_d_secure=True)
    except UserError as exc:
        return _error_json(request, exc)
    except Exception:
        log.exception("payment failed unexpectedly")
        return _error_json(request, UserError("unexpected"))
    finally:
        checkout.links.drop(_token(request))
    return _outcome_json(request, outcome)


async def tds_finish(request: Request) -> Response:
    """POST /pay/{token}/three-d-secure: the cardholder closed PAY.JP's dialog; finish the charge."""
    checkout = checkout_of(request)
    denied = _guard(request, checkout, request.headers.get("x-csrf-token"))
    if denied is not None:
        return denied
    try:
        outcome = await checkout.ctx.runner.payments(checkout.ctx.billing.finish_three_d_secure, _token(request))
    except UserError as exc:
        return _error_json(request, exc)
    except Exception:
        log.exception("3-D Secure finish failed unexpectedly")
        return _error_json(request, UserError("unexpected"))
    finally:
        checkout.links.drop(_token(request))
    return _outcome_json(request, outcome)


async def thanks_page(request: Request) -> Response:
    """GET /pay/{token}/thanks: after success; any other state goes back to the link's page."""
    checkout = checkout_of(request)
    if not checkout.allow(request):
        return _too_many(request)
    checkout, view = await _open(request)
    if view.status == LinkStatus.UNKNOWN:
        return await not_found_page(request)
    if view.status != LinkStatus.PAID:
        return RedirectResponse(f"/pay/{_token(request)}", status_code=303)
    clinic = await checkout.clinic(view.clinic_id)
    return checkout.render(request, "thanks.html", view=view, clinic=clinic, token=_token(request), **summary(view))


ROUTES = [
    Route("/pay/{token}", pay_page, methods=["GET"]),
    Route("/pay/{token}", pay_submit, methods=["POST"]),
    Route("/pay/{token}/three-d-secure", tds_finish, methods=["POST"]),
    Route("/pay/{token}/thanks", thanks_page, methods=["GET"]),
]
