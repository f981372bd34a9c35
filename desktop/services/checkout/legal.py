"""特定商取引法に基づく表記, プライバシーポリシー, 利用規約 — built from the clinic's details.

Their URLs are stable (PAY.JP's tenant application asks for them):
``/clinic/tokushoho``, ``/clinic/privacy``, ``/clinic/terms``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desktop.services.checkout.state import checkout_of, not_found_page

PAGES = {"tokushoho": "tokushoho", "privacy": "privacy", "terms": "terms"}


async def legal_page(request: Request) -> Response:
    kind = PAGES.get(str(request.path_params["page"]))
    if kind is None:
        return await not_found_page(request)
    checkout = checkout_of(request)
    clinic = await checkout.clinic(None)
    if clinic is None:
        return await not_found_page(request)
    response = checkout.render(request, "legal.html", kind=kind, clinic=clinic)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


ROUTES = [Route("/clinic/{page}", legal_page, methods=["GET"])]
