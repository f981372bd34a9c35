"""PAY.JP error objects and the exception that carries them out of an operation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(eq=False)
class ApiError(Exception):
    """An error answered to the client as ``{"error": {...}}`` with a matching HTTP status.

    Operations raise it; the HTTP layer turns it into the JSON body PAY.JP sends. ``status`` is
    the HTTP status, ``type`` PAY.JP's error type (``client_error``, ``card_error``, ...).
    """

    status: int
    type: str
    message: str
    code: str | None = None
    param: str | None = None
    charge: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "status": self.status,
            "type": self.type,
            "message": self.message,
        }
        if self.code is not None:
            error["code"] = self.code
        # PAY.JP sends param even when it is null; the SDK reads it with .get().
        error["param"] = self.param
        if self.charge is not None:
            error["charge"] = self.charge
        return {"error": error}


def invalid(code: str, message: str, param: str | None = None) -> ApiError:
    """A 400 ``client_error``: bad parameter or an operation the object's state forbids."""
    return ApiError(400, "client_error", message, code=code, param=param)


def missing(param: str) -> ApiError:
    return invalid("missing_param", f"'{param}' is required.", param)


def not_found(kind: str, object_id: str, param: str | None = None) -> ApiError:
    """Unknown id: 404 on retrieve, 400 when the id arrived as a parameter of another call."""
    message = f"No such {kind}: {object_id}"
    if param is not None:
        return invalid("invalid_id", message, param)
    return ApiError(404, "client_error", message, code="invalid_id")


def card_error(code: str, message: str, param: str | None = None, charge: str | None = None) -> ApiError:
    return ApiError(402, "card_error", message, code=code, param=param, charge=charge)


def auth_error(code: str, message: str) -> ApiError:
    return ApiError(401, "auth_error", message, code=code)


def unrecognized_url(method: str, path: str) -> ApiError:
    return ApiError(404, "client_error", f"Unrecognized request URL: {method} {path}")


def method_not_allowed(method: str, path: str) -> ApiError:
    return ApiError(405, "not_allowed_method_error", f"Not allowed method: {method} {path}", code="not_allowed_method")


def server_error() -> ApiError:
    return ApiError(500, "server_error", "An unexpected error occurred.", code="payjp_wrong")


def over_capacity() -> ApiError:
    return ApiError(429, "client_error", "The service is over capacity. Please try again later.", code="over_capacity")
