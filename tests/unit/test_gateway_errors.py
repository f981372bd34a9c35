"""How PAY.JP's answers become errors people can read (no network: errors built as the SDK builds them)."""

from __future__ import annotations

import json

import pytest
from payjp import error as payjp_error

from desktop.domain.errors import OutcomeUnknownError, PaymentError, ServiceUnavailableError, StateError, UserError
from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway


def _sdk_error(status: int, code: str, kind: type[payjp_error.PayjpException] = payjp_error.InvalidRequestError,
               ) -> payjp_error.PayjpException:
    body = {"error": {"status": status, "type": "client_error", "code": code, "message": "x"}}
    raw = json.dumps(body)
    if kind is payjp_error.CardError:
        return payjp_error.CardError("x", "card", code, raw, status, body)
    if kind is payjp_error.InvalidRequestError:
        return payjp_error.InvalidRequestError("x", None, raw, status, body)
    return kind("x", raw, status, body)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("status", "code", "kind", "expected_type", "expected_code"),
    [
        (402, "card_declined", payjp_error.CardError, PaymentError, "card_declined"),
        (402, "expired_card", payjp_error.CardError, PaymentError, "expired_card"),
        (402, "incorrect_cvc", payjp_error.CardError, PaymentError, "invalid_cvc"),
        (402, "processing_error", payjp_error.CardError, PaymentError, "processing_error"),
        (400, "token_already_used", payjp_error.InvalidRequestError, PaymentError, "token_already_used"),
        (400, "invalid_card_name", payjp_error.InvalidRequestError, PaymentError, "invalid_card_name"),
        (400, "three_d_secure_failed", payjp_error.InvalidRequestError, PaymentError, "three_d_secure_failed"),
        (400, "refund_limit_exceeded", payjp_error.InvalidRequestError, StateError, "refund_limit_exceeded"),
        (400, "already_refunded", payjp_error.InvalidRequestError, UserError, "payjp_rejected"),
        (401, "invalid_api_key", payjp_error.AuthenticationError, ServiceUnavailableError, "payjp_auth"),
        (429, "over_capacity", payjp_error.APIError, ServiceUnavailableError, "payjp_busy"),
    ],
)
def test_payjp_codes_become_clear_errors(status: int, code: str, kind: type[payjp_error.PayjpException],
                                         expected_type: type[UserError], expected_code: str) -> None:
    err = PayjpGateway._translate(_sdk_error(status, code, kind), moves_money=True)
    assert isinstance(err, expected_type) and err.code == expected_code
    assert err.message("ja") and err.message("en") and err.message("ja") != err.message("en")


def test_a_server_error_after_a_money_call_is_unknown_not_failed() -> None:
    err = _sdk_error(500, "payjp_wrong", payjp_error.APIError)
    assert isinstance(PayjpGateway._translate(err, moves_money=True), OutcomeUnknownError)
    assert isinstance(PayjpGateway._translate(err, moves_money=False), ServiceUnavailableError)
    lost = payjp_error.APIConnectionError("connection lost")
    assert isinstance(PayjpGateway._translate(lost, moves_money=True), OutcomeUnknownError)


def test_rate_limit_backoff_grows_with_jitter_and_is_capped() -> None:
    gateway = PayjpGateway(PayjpConfig(api_base="http://127.0.0.1:9", secret_key="sk_test_x",
                                       retry_initial_delay=0.5, retry_max_delay=8.0))
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 8.0)]:
        delays = [gateway._backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
