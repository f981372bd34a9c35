"""``POST /webhooks/payjp``: verify the token, parse the event, hand it to ``PayjpEventService``.

What an event does (applied once per event id, only as a hint to look PAY.JP up) is the
service's business; this handler only maps its answer and errors to HTTP. An unsigned or
malformed call changes nothing.
"""

from __future__ import annotations

import hmac
import json
import logging
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desktop.services.checkout.state import checkout_of

log = logging.getLogger(__name__)

_EVENT_ID = re.compile(r"^evnt_[A-Za-z0-9_]{1,60}$")


async def payjp_webhook(request: Request) -> Response:
    checkout = checkout_of(request)
    if checkout.events is None:
        return JSONResponse({"error": "not served here"}, status_code=503)
    expected = await checkout.runner.db(checkout.webhook_token)
    given = request.headers.get("x-payjp-webhook-token", "")
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        if checkout.services.recorder is not None and checkout.allow_report(request):
            await checkout.runner.db(checkout.services.recorder.webhook_refused)
        return JSONResponse({"error": "unauthorized"}, status_code=401)
    try:
        event = json.loads(await request.body())
    except ValueError:
        return JSONResponse({"error": "bad json"}, status_code=400)
    if (not isinstance(event, dict) or event.get("object") != "event" or not isinstance(event.get("type"), str)
            or not _EVENT_ID.match(str(event.get("id", "")))):
        return JSONResponse({"error": "not an event"}, status_code=400)
    try:
        result = await checkout.runner.payments(checkout.events.handle, event)
    except Exception:
        log.exception("webhook %s could not be applied", event["id"])
        return JSONResponse({"error": "retry later"}, status_code=503)  # PAY.JP retries
    checkout.links.drop()  # an event may have changed any link's state
    if checkout.services.recorder is not None:
        await checkout.runner.db(checkout.services.recorder.webhook_received, event)
    log.info("webhook %s (%s): %s", event["id"], event["type"], result.value)
    return JSONResponse({"received": True, "result": result.value})


ROUTES = [Route("/webhooks/payjp", payjp_webhook, methods=["POST"])]
