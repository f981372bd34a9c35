"""領収書: the HTML page, the issue / reissue form and the PDF (Japanese font embedded).

GET never changes anything; the first POST fixes the addressee, later POSTs reissue (再発行).
What a receipt says and how it is printed is ``desktop.services.receipts``'s.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desktop.domain.errors import ValidationError
from desktop.services.checkout.security import same_origin
from desktop.services.checkout.state import checkout_of, forbidden_page, form_fields, language, too_many_page
from desktop.services.checkout.texts import translator
from desktop.services.receipts import NotPaidError, UnknownLinkError


def _token(request: Request) -> str:
    return str(request.path_params["token"])


async def receipt_page(request: Request, error: str = "") -> Response:
    """GET /pay/{token}/receipt: the addressee form before the first issue, then the receipt."""
    checkout = checkout_of(request)
    token = _token(request)
    try:
        data = await checkout.runner.db(checkout.services.receipts.load, token)
    except UnknownLinkError:
        return await checkout.unknown_link(request)
    except NotPaidError:
        return RedirectResponse(f"/pay/{token}", status_code=303)
    clinic = {"name": data.clinic_name, "phone": data.clinic_phone}
    if checkout.services.recorder is not None:
        await checkout.runner.db(checkout.services.recorder.receipt_served, data.request_id)
    return checkout.render(request, "receipt.html", 400 if error else 200, r=data, token=token, clinic=clinic,
                           error=error, csrf=checkout.csrf.token("receipt", token))


async def receipt_issue(request: Request) -> Response:
    """POST /pay/{token}/receipt: issue (with the addressee) or reissue."""
    checkout = checkout_of(request)
    form = await form_fields(request)
    token = _token(request)
    if not same_origin(request.headers) or not checkout.csrf.verify("receipt", token, form.get("csrf", "")):
        return forbidden_page(request)
    if not checkout.allow(request):
        return too_many_page(request)
    try:
        await checkout.runner.db(checkout.services.receipts.issue, token, form.get("addressee", ""))
    except UnknownLinkError:
        return await checkout.unknown_link(request)
    except ValidationError as exc:
        return await receipt_page(request, error=exc.message(language(request)))
    except NotPaidError:
        pass  # the receipt page sends the patient on to the link's own page
    return RedirectResponse(f"/pay/{token}/receipt", status_code=303)


async def receipt_pdf(request: Request) -> Response:
    """GET /pay/{token}/receipt.pdf: the issued receipt as PDF (only after it was issued)."""
    checkout = checkout_of(request)
    receipts = checkout.services.receipts
    try:
        data = await checkout.runner.db(receipts.load, _token(request))
    except UnknownLinkError:
        return await checkout.unknown_link(request)
    except NotPaidError:
        data = None
    if data is None or data.issued_count == 0:
        return RedirectResponse(f"/pay/{_token(request)}/receipt", status_code=303)
    pdf = await checkout.runner.db(receipts.render_pdf, data, language(request))
    name = f"receipt-{data.number}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


ROUTES = [
    Route("/pay/{token}/receipt", receipt_page, methods=["GET"]),
    Route("/pay/{token}/receipt", receipt_issue, methods=["POST"]),
    Route("/pay/{token}/receipt.pdf", receipt_pdf, methods=["GET"]),
]
