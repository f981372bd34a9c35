"""The payment page, its pay endpoint, the 3-D Secure return page and the thank-you page.

Opening a link changes nothing (mail scanners open links first). Only the POST from the
pay button starts a payment; the billing service's conditional UPDATE makes a second
submit, a reload or a second tab answer "already processing" instead of charging again.

Charge 3-D Secure uses PAY.JP's redirect workflow (``three_d_secure.py``): the pay POST
answers with PAY.JP's start URL and the page navigates there (top level, no pop-up);
PAY.JP sends the cardholder back to ``GET /pay/{token}/3ds-return``. That GET changes
nothing either: it shows a page whose form (CSRF token, sent by our script at once, or by
the patient's tap without script) POSTs back, and only that POST calls ``tds_finish``.

PAY.JP's 3-D Secure flow ends 30 minutes after the charge (``THREE_D_SECURE_TIMEOUT``). A
patient back later, or opening the link again, is told so (本人認証の時間切れ: nothing was
charged) above a fresh card form; each page names its state exactly (``page_state``).
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from desktop.domain.billing import TaxCategory, included_tax
from desktop.domain.errors import MESSAGES, OutcomeUnknownError, PaymentError, StateError, UserError
from desktop.domain.formatting import Language
from desktop.domain.saved_cards import CONSENT_VERSION, consent_text
from desktop.services.billing import LinkStatus, LinkView, PaymentOutcome
from desktop.services.checkout.security import origin_of, same_origin
from desktop.services.checkout.state import Checkout, checkout_of, forbidden_page, form_fields, language, too_many_page
from desktop.services.checkout.texts import translator
from desktop.services.checkout.three_d_secure import return_path
from desktop.services.links import looks_like_token
from desktop.services.clinic_pages import ClinicPage

log = logging.getLogger(__name__)

# PAY.JP error codes the browser may meet while creating a token, shown in the page's language.
CARD_ERROR_CODES = ("card_declined", "expired_card", "incorrect_card_data", "invalid_cvc", "processing_error",
                    "unacceptable_brand", "card_flagged", "invalid_card_name", "three_d_secure_failed")
# Errors the 3-D Secure return can bring back to the pay page as ``?error=<code>``: only
# message codes without placeholders, so the page prints our own text, never the URL's.
RETURN_ERROR_CODES = frozenset(code for code, pattern in MESSAGES.items() if "{" not in pattern)
# Reasons meant for the clinic's staff; a patient is told only that card payment is unavailable.
STAFF_ONLY_CODES = frozenset({"tenant_required", "tenant_not_registered", "tenant_not_approved",
                              "payment_company_unusable", "secret_key_missing", "payjp_auth"})


def _token(request: Request) -> str:
    return str(request.path_params["token"])


async def _note_page(request: Request, checkout: Checkout, view: LinkView, clinic: ClinicPage) -> None:
    """For an open 接続チェック: note the scheme the page was served with, and in テストモード let
    the policy for PAY.JP's origins run report-only (so a needed origin is reported, not blocked)."""
    recorder = checkout.services.recorder
    if recorder is None or view.request_id is None or not clinic.public_key.startswith("pk_test_"):
        return
    if not await checkout.runner.db(recorder.checking, view.request_id):
        return
    await checkout.runner.db(recorder.page_served, view.request_id, request.url.scheme)
    request.state.csp_report_only_payjp = True


def _allow_payjp(request: Request, clinic: ClinicPage | None) -> None:
    if clinic is not None and clinic.script_url:
        request.state.payjp_origins = (origin_of(clinic.script_url), clinic.api_origin)


async def _open(request: Request) -> tuple[Checkout, LinkView]:
    checkout = checkout_of(request)
    return checkout, await checkout.open_link(_token(request))


async def _known_link(request: Request) -> tuple[Checkout, LinkView] | Response:
    """The link, or the page for an unknown one (404; 429 once the client guessed too often).

    Only unknown links count against the client: a valid link always opens, however many
    guesses came from the same address (a clinic's Wi-Fi, a carrier's NAT).
    """
    checkout = checkout_of(request)
    if checkout.guessing(request) and not looks_like_token(_token(request)):
        return too_many_page(request)  # no database look-up for junk from a throttled client
    checkout, view = await _open(request)
    if view.status == LinkStatus.UNKNOWN:
        return await checkout.unknown_link(request)
    return checkout, view


def page_state(view: LinkView) -> str:
    """The state a link's page names: its ``LinkStatus`` value, or more exactly ``"refunded"``
    (paid, then refunded in full), ``"partially_refunded"`` (part of it refunded) or
    ``"timed_out"`` (3-D Secure not finished within PAY.JP's 30 minutes; nothing charged)."""
    if view.status == LinkStatus.PAID and view.refunded_amount > 0:
        return "refunded" if view.refunded_amount >= view.amount else "partially_refunded"
    if view.status == LinkStatus.PROCESSING and view.three_d_secure_timed_out:
        return "timed_out"
    return str(view.status)


def summary(view: LinkView) -> dict[str, Any]:
    return {
        "amount": view.amount,
        "tax": included_tax(view.amount, view.tax_category),
        "taxable": view.tax_category is TaxCategory.TAXABLE,
    }


async def pay_page(request: Request) -> Response:
    """GET /pay/{token}: the form for a payable link, otherwise a page saying why not."""
    found = await _known_link(request)
    if isinstance(found, Response):
        return found
    checkout, view = found
    clinic = await checkout.clinic(view.clinic_id)
    token = _token(request)
    lang = language(request)
    common: dict[str, Any] = {"view": view, "clinic": clinic, "token": token, **summary(view)}
    if view.status == LinkStatus.PAYABLE:
        if clinic is None or not clinic.script_url:
            return checkout.render(request, "status.html", 503, kind="unavailable", **common)
        _allow_payjp(request, clinic)
        await _note_page(request, checkout, view, clinic)
        messages = {code: UserError(code).message(lang) for code in CARD_ERROR_CODES if code in MESSAGES}
        code = request.query_params.get("error", "")
        if code in STAFF_ONLY_CODES:
            code = "card_payment_unavailable"
        # Back after PAY.JP's 3-D Secure window (or opening the link again after it): say so above
        # the form, with what to do, instead of a bare form.
        timed_out = code == "three_d_secure_expired" or (not code and view.last_error == "three_d_secure_expired")
        error = UserError(code).message(lang) if code in RETURN_ERROR_CODES and not timed_out else ""
        uncached = error or code or getattr(request.state, "csp_report_only_payjp", False)
        return checkout.render(
            request, "pay.html", cache_for=None if uncached else token, **common, csrf=checkout.csrf.token("pay", token),
            card_messages=json.dumps(messages, ensure_ascii=False), error=error, timed_out=timed_out,
            consent_version=CONSENT_VERSION, consent_text=consent_text(CONSENT_VERSION, view.clinic_name, lang),
        )
    if view.status == LinkStatus.PROCESSING and view.three_d_secure_timed_out:
        # PAY.JP's 3-D Secure window has passed: no way back to its page. Its button posts to
        # the return endpoint, which looks the charge up and makes the link payable again.
        return checkout.render(request, "status.html", kind="timed_out", **common,
                               action=_with_lang(return_path(token), lang), csrf=checkout.csrf.token("tds", token))
    if view.status == LinkStatus.PROCESSING and view.pending_charge_id and view.clinic_id is not None:
        # 3-D Secure was started and not finished (the patient came back from PAY.JP's page,
        # reloaded, or opened a second tab): offer to go through PAY.JP's page again.
        tds = await checkout.tds_redirect(view.clinic_id)
        if tds is not None:
            return checkout.render(request, "status.html", kind="processing", **common,
                                   tds_url=tds.start_url(view.pending_charge_id, token, lang))
    return checkout.render(request, "status.html", kind=page_state(view), **common)


def _json(result: str, status: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"result": result, **extra}, status_code=status)


def _guard(request: Request, checkout: Checkout, csrf: str | None) -> JSONResponse | None:
    lang = language(request)
    if not same_origin(request.headers) or not checkout.csrf.verify("pay", _token(request), csrf):
        return _json("error", 403, message=translator(lang)("err_expired_page"))
    if not checkout.allow(request):
        return _json("error", 429, message=translator(lang)("too_many_body"))
    return None


async def _outcome_json(request: Request, checkout: Checkout, outcome: PaymentOutcome) -> JSONResponse:
    token = _token(request)
    if outcome.requires_three_d_secure and outcome.charge_id:
        view = await checkout.open_link(token)
        tds = await checkout.tds_redirect(view.clinic_id) if view.clinic_id is not None else None
        if tds is None:  # keys gone since the charge: the link's page says what to do
            return _json("reload", 202, redirect=f"/pay/{token}")
        return _json("three_d_secure", charge_id=outcome.charge_id,
                     redirect=tds.start_url(outcome.charge_id, token, language(request)))
    return _json("paid", redirect=f"/pay/{token}/thanks")


def _error_json(request: Request, exc: UserError) -> JSONResponse:
    lang = language(request)
    token = _token(request)
    if exc.code in STAFF_ONLY_CODES:
        exc = PaymentError("card_payment_unavailable")
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


async def _charge_json(request: Request, checkout: Checkout, charge: Callable[[], PaymentOutcome],
                       what: str) -> JSONResponse:
    """Run ``charge`` in the payments pool and answer the page's script with its outcome as JSON."""
    try:
        outcome = await checkout.runner.payments(charge)
    except UserError as exc:
        return _error_json(request, exc)
    except Exception:
        log.exception("%s failed unexpectedly", what)
        return _error_json(request, UserError("unexpected"))
    finally:
        checkout.links.drop(_token(request))
    return await _outcome_json(request, checkout, outcome)


async def pay_submit(request: Request) -> Response:
    """POST /pay/{token}: charge the card token (charge 3-D Secure on the actual amount).

    With ``save_card`` (the patient ticked 「このカードを次回以降のお支払いに利用する」, agreeing
    to the consent text of ``consent_version``) the token was made with token 3-D Secure: the
    card is saved for 自動決済 and then charged (``SavedCardService.pay_and_save``).
    """
    checkout = checkout_of(request)
    denied = _guard(request, checkout, request.headers.get("x-csrf-token"))
    if denied is not None:
        return denied
    body = await _body(request)
    card_token = body.get("card_token")
    if not isinstance(card_token, str):
        card_token = ""
    if body.get("save_card") is True:
        version = body.get("consent_version")
        charge = functools.partial(checkout.services.payments.pay_and_save, _token(request), card_token,
                                   consent_version=version if isinstance(version, str) else "")
    else:
        charge = functools.partial(checkout.services.payments.pay_with_token, _token(request), card_token,
                                   three_d_secure=True)
    return await _charge_json(request, checkout, charge, "payment")


async def tds_finish(request: Request) -> Response:
    """POST /pay/{token}/three-d-secure: finish the charge after PAY.JP's dialog (JSON).

    Pages now use the redirect (``tds_return_*``); this stays for a page loaded before that.
    """
    checkout = checkout_of(request)
    denied = _guard(request, checkout, request.headers.get("x-csrf-token"))
    if denied is not None:
        return denied
    finish = functools.partial(checkout.services.payments.finish_three_d_secure, _token(request))
    return await _charge_json(request, checkout, finish, "3-D Secure finish")


def _with_lang(path: str, lang: Language, query: dict[str, str] | None = None) -> str:
    return path + "?" + urlencode({**(query or {}), "lang": lang})


async def tds_return_page(request: Request) -> Response:
    """GET /pay/{token}/3ds-return: PAY.JP sent the cardholder back; changes nothing.

    While the charge waits, the page posts itself back (our script, or the patient's tap
    without script) with a CSRF token; any other state goes to the link's own page.
    """
    found = await _known_link(request)
    if isinstance(found, Response):
        return found
    checkout, view = found
    token, lang = _token(request), language(request)
    if view.status == LinkStatus.PAID:
        return RedirectResponse(_with_lang(f"/pay/{token}/thanks", lang), status_code=303)
    if view.status == LinkStatus.PAYABLE and view.last_error == "three_d_secure_expired":
        # PAY.JP's window passed while the patient was away and reconciliation has settled the
        # attempt: the form again, saying why.
        return RedirectResponse(_with_lang(f"/pay/{token}", lang, {"error": view.last_error}), status_code=303)
    if view.status != LinkStatus.PROCESSING or not view.pending_charge_id:
        return RedirectResponse(_with_lang(f"/pay/{token}", lang), status_code=303)
    clinic = await checkout.clinic(view.clinic_id)
    return checkout.render(request, "tds_return.html", view=view, clinic=clinic, token=token,
                           action=_with_lang(return_path(token), lang), csrf=checkout.csrf.token("tds", token))


async def tds_return_submit(request: Request) -> Response:
    """POST /pay/{token}/3ds-return: finish the charge (tds_finish), then thanks or the reason why not."""
    checkout = checkout_of(request)
    token, lang = _token(request), language(request)
    form = await form_fields(request)
    if not same_origin(request.headers) or not checkout.csrf.verify("tds", token, form.get("csrf")):
        return forbidden_page(request)
    if not checkout.allow(request):
        return too_many_page(request)
    query: dict[str, str] = {}
    try:
        await checkout.runner.payments(checkout.services.payments.finish_three_d_secure, token)
    except StateError as exc:
        if exc.code == "link_unknown":
            return await checkout.unknown_link(request)
    except OutcomeUnknownError:
        pass  # the link's page says "processing" until reconciliation knows
    except UserError as exc:  # declined, 3-D Secure failed, PAY.JP unreachable: the patient may retry
        code = "card_payment_unavailable" if exc.code in STAFF_ONLY_CODES else exc.code
        query["error"] = code if code in RETURN_ERROR_CODES else "unexpected"
    except Exception:
        log.exception("3-D Secure finish failed unexpectedly")
        query["error"] = "unexpected"
    else:
        return RedirectResponse(_with_lang(f"/pay/{token}/thanks", lang), status_code=303)
    finally:
        checkout.links.drop(token)
    return RedirectResponse(_with_lang(f"/pay/{token}", lang, query), status_code=303)


async def thanks_page(request: Request) -> Response:
    """GET /pay/{token}/thanks: after success; any other state goes back to the link's page."""
    found = await _known_link(request)
    if isinstance(found, Response):
        return found
    checkout, view = found
    if view.status != LinkStatus.PAID or view.refunded_amount:  # refunded since: the link's page says so
        return RedirectResponse(f"/pay/{_token(request)}", status_code=303)
    clinic = await checkout.clinic(view.clinic_id)
    return checkout.render(request, "thanks.html", view=view, clinic=clinic, token=_token(request), **summary(view))


ROUTES = [
    Route("/pay/{token}", pay_page, methods=["GET"]),
    Route("/pay/{token}", pay_submit, methods=["POST"]),
    Route("/pay/{token}/three-d-secure", tds_finish, methods=["POST"]),
    Route("/pay/{token}/3ds-return", tds_return_page, methods=["GET"]),
    Route("/pay/{token}/3ds-return", tds_return_submit, methods=["POST"]),
    Route("/pay/{token}/thanks", thanks_page, methods=["GET"]),
]
