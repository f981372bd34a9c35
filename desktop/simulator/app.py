"""Assembles the simulator's Starlette application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import admin, api, browser
from .errors import unrecognized_url
from .middleware import FaultMiddleware, install_log_filter
from .store import SimulatorState


async def _not_found(request: Request, exc: Exception) -> Response:
    error = unrecognized_url(request.method, request.url.path)
    return JSONResponse(error.to_body(), status_code=404)


def create_app(state: SimulatorState) -> Starlette:
    """Build the ASGI app serving ``/v1`` (API), ``/payjs`` (browser pieces) and ``/_sim`` (admin)."""
    install_log_filter()
    routes = [
        *browser.ROUTES,
        *admin.ROUTES,
        Route("/v1/{rest:path}", api.handle, methods=["GET", "POST", "DELETE", "OPTIONS", "PUT", "PATCH"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_found})
    app.state.simulator = state
    app.add_middleware(FaultMiddleware, faults=state.faults)
    return app
