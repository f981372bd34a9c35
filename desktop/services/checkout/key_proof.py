"""``/keys/prove/<id>``: the page where the 管理者 tokenises their own card with the live public key.

GET serves the page (payjp.js allowed by the CSP on this response only, as on the pay page);
POST takes the token id payjp.js made (CSRF, same origin, rate-limited) and hands it to
``KeyProofService.receive``. Nothing is charged; the app reads the token back and deletes it.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desktop.services.checkout.security import origin_of, same_origin
from desktop.services.checkout.state import checkout_of, not_found_page


async def proof_page(request: Request) -> Response:
    checkout = checkout_of(request)
    proofs = checkout.services.key_proofs
    proof_id = str(request.path_params["proof_id"])
    page = None if proofs is None else await checkout.runner.db(proofs.page, proof_id)
    if page is None:
        return await checkout.unknown_link(request)
    request.state.payjp_origins = (origin_of(page.script_url), page.api_origin)
    action = f"/keys/prove/{proof_id}"
    return checkout.render(request, "key_proof.html", proof=page, clinic=None, action=action,
                           csrf=checkout.csrf.token("key_proof", proof_id))


async def proof_submit(request: Request) -> Response:
    checkout = checkout_of(request)
    proofs = checkout.services.key_proofs
    proof_id = str(request.path_params["proof_id"])
    if (proofs is None or not same_origin(request.headers)
            or not checkout.csrf.verify("key_proof", proof_id, request.headers.get("x-csrf-token"))):
        return JSONResponse({"result": "error"}, status_code=403)
    if not checkout.allow(request):
        return JSONResponse({"result": "error"}, status_code=429)
    try:
        body = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"result": "error"}, status_code=400)
    token = str(body.get("card_token", "")) if isinstance(body, dict) else ""
    if not await checkout.runner.db(proofs.receive, proof_id, token):
        return await not_found_page(request)
    return JSONResponse({"result": "ok"})


ROUTES = [
    Route("/keys/prove/{proof_id}", proof_page, methods=["GET"]),
    Route("/keys/prove/{proof_id}", proof_submit, methods=["POST"]),
]
