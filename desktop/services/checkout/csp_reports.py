"""``POST /csp-report``: browsers' CSP violation reports, reduced and counted (no personal data).

Accepts ``application/csp-report`` (``report-uri``) and ``application/reports+json``
(``report-to``). Each report is reduced to directive, blocked origin and page route
(``desktop.domain.live_check.reduce_csp_report``) before anything is kept; a client over the
rate limit is answered 204 as well and nothing is counted, so a flood fills nothing.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desktop.domain.live_check import reduce_csp_report
from desktop.services.checkout.security import CSP_REPORT_PATH
from desktop.services.checkout.state import checkout_of


async def csp_report(request: Request) -> Response:
    checkout = checkout_of(request)
    if not checkout.allow_report(request):
        return Response(status_code=204)
    try:
        payload = json.loads(await request.body())
    except ValueError:
        return Response(status_code=400)
    violations = reduce_csp_report(payload)
    if violations and checkout.services.recorder is not None:
        await checkout.runner.db(checkout.services.recorder.csp_reported, violations)
    return Response(status_code=204)


ROUTES = [Route(CSP_REPORT_PATH, csp_report, methods=["POST"])]
