"""PAY.JP v1 through the official ``payjp`` SDK, with errors people can read.

The SDK is blocking (``requests``); callers run it off the UI thread (see
``services.runner``). Keys and ``api_base`` are passed per gateway, never through the
SDK's globals, so the demo simulator, test mode and live mode can coexist in one process.

PAY.JP v1 has no idempotency key. What makes money calls safe to retry is elsewhere:
card tokens are single use, every attempt carries our attempt id in the charge's
metadata, and a lost answer is resolved with ``find_charge_by_metadata`` — never by
charging again. This module's part is to say *which* of the three outcomes happened:
done, refused (``PaymentError`` / ``UserError``), or unknown (``OutcomeUnknownError``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import time
from typing import Any, Callable, Mapping

import payjp
import requests
from payjp import api_requestor, error as payjp_error, http_client, resource

from desktop.domain.errors import OutcomeUnknownError, PaymentError, ServiceUnavailableError, StateError
from desktop.domain.errors import TenantRequiredError, UserError

log = logging.getLogger(__name__)


class _NoSdkBodies(logging.Filter):
    """Drops the payjp SDK's DEBUG records: they print whole API answers (cardholder name,
    e-mail, description) whatever level the app or a user sets. Its INFO line (method, URL,
    status) stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


_SDK_LOG_FILTER = _NoSdkBodies()
if not any(isinstance(f, _NoSdkBodies) for f in logging.getLogger("payjp").filters):
    logging.getLogger("payjp").addFilter(_SDK_LOG_FILTER)

LIVE_API_BASE = "https://api.pay.jp"
LIVE_SCRIPT_URL = "https://js.pay.jp/v2/pay.js"
METADATA_ATTEMPT_KEY = "clinicpay_attempt"
METADATA_REQUEST_KEY = "clinicpay_request"

# PAY.JP error codes that are about the card; shown to the patient in their words.
_CARD_CODES = {
    "card_declined": "card_declined",
    "expired_card": "expired_card",
    "incorrect_card_data": "incorrect_card_data",
    "invalid_number": "incorrect_card_data",
    "invalid_expiration_date": "incorrect_card_data",
    "invalid_expiry_month": "incorrect_card_data",
    "invalid_expiry_year": "incorrect_card_data",
    "invalid_cvc": "invalid_cvc",
    "incorrect_cvc": "invalid_cvc",
    "processing_error": "processing_error",
    "unacceptable_brand": "unacceptable_brand",
    "card_flagged": "card_flagged",
    "token_already_used": "token_already_used",
    "unverified_token": "three_d_secure_incomplete",
    "three_d_secure_incompleted": "three_d_secure_incomplete",
    "three_d_secure_failed": "three_d_secure_failed",
    "not_in_three_d_secure_flow": "three_d_secure_failed",
    "three_d_secure_expired": "three_d_secure_expired",
    "invalid_card_name": "invalid_card_name",
    "missing_card": "saved_card_missing",
    "doesnt_have_card": "saved_card_missing",
}


@dataclasses.dataclass(frozen=True)
class PayjpConfig:
    """Where and how to reach PAY.JP (or the simulator)."""

    api_base: str
    secret_key: str
    public_key: str = ""
    script_url: str = LIVE_SCRIPT_URL
    timeout: float = 30.0
    max_retries_429: int = 4
    retry_initial_delay: float = 0.5
    retry_max_delay: float = 8.0

    def __repr__(self) -> str:  # never print the secret key
        return f"PayjpConfig(api_base={self.api_base!r}, public_key={self.public_key!r})"


@dataclasses.dataclass(frozen=True)
class SavedCardInfo:
    """What PAY.JP returned about a saved card: ids, brand, last 4 and expiry (nothing else)."""

    customer_id: str
    card_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclasses.dataclass(frozen=True)
class ChargeInfo:
    """The fields of a PAY.JP charge that ClinicPay uses."""

    id: str
    amount: int
    paid: bool
    captured: bool
    refunded: bool
    amount_refunded: int
    created: int
    card_brand: str | None
    card_last4: str | None
    three_d_secure_status: str | None
    failure_code: str | None
    failure_message: str | None
    tenant: str | None
    metadata: Mapping[str, str]
    fee_rate: str | None = None  # PAY.JP's fee, a percentage string ("3.00"); may be absent
    total_platform_fee: int | None = None  # whole yen the platform keeps of this charge; Platform only

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ChargeInfo":
        card = data.get("card") or {}
        return cls(
            id=str(data["id"]),
            amount=int(data["amount"]),
            paid=bool(data.get("paid")),
            captured=bool(data.get("captured")),
            refunded=bool(data.get("refunded")),
            amount_refunded=int(data.get("amount_refunded") or 0),
            created=int(data.get("created") or 0),
            card_brand=card.get("brand"),
            card_last4=card.get("last4"),
            three_d_secure_status=data.get("three_d_secure_status"),
            failure_code=data.get("failure_code"),
            failure_message=data.get("failure_message"),
            tenant=data.get("tenant"),
            metadata=dict(data.get("metadata") or {}),
            fee_rate=None if data.get("fee_rate") is None else str(data["fee_rate"]),
            total_platform_fee=None if data.get("total_platform_fee") is None else int(data["total_platform_fee"]),
        )

    @property
    def awaiting_three_d_secure(self) -> bool:
        return not self.paid and self.three_d_secure_status == "unverified"


class _NotSentError(payjp_error.APIConnectionError):
    """The request never left this PC (connection refused / DNS): safe to say nothing happened."""


class _TimeoutHTTPClient(http_client.HTTPClient):
    """The SDK's requests client with our own timeout (the SDK hard-codes 80 s)."""

    name = "requests"

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._session = requests.Session()

    def request(
        self, method: str, url: str, headers: Mapping[str, str], post_data: str | None = None
    ) -> tuple[bytes, int]:
        try:
            result = self._session.request(
                method, url, headers=dict(headers), data=post_data, timeout=self._timeout
            )
            return result.content, result.status_code
        except requests.exceptions.ConnectTimeout as exc:
            raise _NotSentError(f"connect timeout: {type(exc).__name__}") from exc
        except requests.exceptions.ConnectionError as exc:
            if _is_refused(exc):
                raise _NotSentError(f"not connected: {type(exc).__name__}") from exc
            raise payjp_error.APIConnectionError(f"connection lost: {type(exc).__name__}") from exc
        except requests.exceptions.RequestException as exc:
            raise payjp_error.APIConnectionError(f"request failed: {type(exc).__name__}") from exc


def _is_refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return True
        name = type(seen).__name__
        if name in ("NewConnectionError", "NameResolutionError"):
            return True
        if seen.args and isinstance(seen.args[0], BaseException) and seen.args[0] is not seen:
            seen = seen.args[0]
            continue
        seen = seen.__cause__ or seen.__context__
    return False


class Tenant(
    resource.CreateableAPIResource,
    resource.ListableAPIResource,
    resource.UpdateableAPIResource,
    resource.DeletableAPIResource,
):
    """PAY.JP Platform tenant (Marketplace type) — the SDK 1.6.1 has no such resource."""

    @classmethod
    def class_name(cls) -> str:
        return "tenant"


class PayjpGateway:
    """Every PAY.JP call ClinicPay makes. Blocking: call it from a worker thread.

    A gateway may be bound to one clinic's PAY.JP Platform tenant. Its money calls (charge,
    charge look-up and list, refund, 3-D Secure finish) then belong to that tenant: a new charge
    and a charge list carry ``tenant=<id>``; a look-up refuses a charge of another tenant. PAY.JP's
    refund and ``tds_finish`` take no ``tenant`` parameter: the charge they act on already
    carries it. With ``require_tenant`` (テスト and 本番) a money call without a bound tenant
    raises ``TenantRequiredError`` before anything is sent.

    Args:
        config: api_base and keys.
        tenant: the clinic's PAY.JP tenant id, or None.
        require_tenant: refuse money calls when ``tenant`` is None.
        sleep: how to wait between 429 retries (tests pass a fake).
    """

    def __init__(
        self,
        config: PayjpConfig,
        *,
        tenant: str | None = None,
        require_tenant: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.tenant = tenant or None
        self.require_tenant = require_tenant
        self._sleep = sleep
        self._client = _TimeoutHTTPClient(config.timeout)

    def _money_tenant(self, tenant: str | None = None) -> str | None:
        """The tenant a money call belongs to; raises ``TenantRequiredError`` when one is required.

        ``tenant`` (an explicit argument of the call) must agree with the bound tenant.
        """
        if tenant and self.tenant and tenant != self.tenant:
            raise TenantRequiredError("tenant_mismatch")
        chosen = self.tenant or tenant or None
        if chosen is None and self.require_tenant:
            raise TenantRequiredError()
        return chosen

    def _own_charge(self, info: "ChargeInfo") -> "ChargeInfo":
        """``info`` if it belongs to the bound tenant (or carries none); else ``tenant_mismatch``."""
        if self.tenant and info.tenant and info.tenant != self.tenant:
            raise TenantRequiredError("tenant_mismatch")
        return info

    # --- plumbing ----------------------------------------------------------------------

    def _requestor(self) -> api_requestor.APIRequestor:
        return api_requestor.APIRequestor(
            key=self.config.secret_key, client=self._client, api_base=self.config.api_base
        )

    def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        moves_money: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """One API call with 429 back-off; PAY.JP errors become ClinicPay errors."""
        if not self.config.secret_key:
            raise ServiceUnavailableError("secret_key_missing")
        for attempt in range(self.config.max_retries_429 + 1):
            try:
                body, _key = self._requestor().request(method, path, dict(params or {}), dict(headers or {}) or None)
                return resource.convert_to_payjp_object(body, self.config.secret_key, None)
            except payjp_error.APIError as exc:
                status = exc.http_status or 0
                if status == 429 and attempt < self.config.max_retries_429:
                    # A 429 is an answer: PAY.JP did nothing, so retrying cannot double anything.
                    self._sleep(self._backoff(attempt))
                    continue
                raise self._translate(exc, moves_money) from None
            except payjp_error.PayjpException as exc:
                raise self._translate(exc, moves_money) from None
        raise ServiceUnavailableError("payjp_busy")  # pragma: no cover - loop always returns/raises

    def _answered(self, method: str, path: str, no_such: Callable[[UserError], bool]) -> bool:
        """True once PAY.JP carried out ``method path`` (a call that moves no money); False when
        it answered that the object is not there, as ``no_such`` tells from the error.

        Raises:
            UserError: any other error of ``_call`` (e.g. ``ServiceUnavailableError``).
        """
        try:
            self._call(method, path)
        except UserError as exc:
            if no_such(exc):
                return False
            raise
        return True

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with equal jitter."""
        wait: float = min(self.config.retry_max_delay, self.config.retry_initial_delay * 2.0**attempt)
        return wait / 2 + random.uniform(0, wait / 2)

    @staticmethod
    def _translate(exc: payjp_error.PayjpException, moves_money: bool) -> UserError:
        body: dict[str, Any] = exc.json_body if isinstance(exc.json_body, dict) else {}
        raw_err = body.get("error")
        err: dict[str, Any] = raw_err if isinstance(raw_err, dict) else {}
        code = str(err.get("code") or "")
        status = exc.http_status or 0
        log.info("PAY.JP answered %s %s", status or "-", code or type(exc).__name__)
        if isinstance(exc, _NotSentError):
            return ServiceUnavailableError("payjp_unavailable")
        if isinstance(exc, payjp_error.APIConnectionError):
            return OutcomeUnknownError() if moves_money else ServiceUnavailableError("payjp_unavailable")
        if isinstance(exc, payjp_error.AuthenticationError):
            return ServiceUnavailableError("payjp_auth")
        if code == "invalid_id" and err.get("param") == "customer":
            # the saved card's customer is gone at PAY.JP (deleted there): no saved card any more
            return PaymentError("saved_card_missing", payjp_code=code)
        if code in _CARD_CODES or isinstance(exc, payjp_error.CardError):
            return PaymentError(_CARD_CODES.get(code, "card_declined"), payjp_code=code or "card_declined")
        if code == "refund_limit_exceeded":
            return StateError("refund_limit_exceeded")
        if status == 429:
            return ServiceUnavailableError("payjp_busy")
        if status >= 500 or isinstance(exc, payjp_error.APIError):
            # A 5xx after a money call may still have been carried out: find out, don't assume.
            return OutcomeUnknownError() if moves_money else ServiceUnavailableError("payjp_unavailable")
        return UserError("payjp_rejected", reason=code or str(status))

    # --- charges -----------------------------------------------------------------------

    def create_charge(
        self,
        *,
        amount: int,
        attempt_id: str,
        request_id: int,
        card: str | None = None,
        customer: str | None = None,
        tenant: str | None = None,
        description: str | None = None,
        three_d_secure: bool = False,
    ) -> ChargeInfo:
        """Charge ``amount`` whole yen (card token or saved customer card) for the bound tenant.

        Raises:
            TenantRequiredError: no tenant where one is required (nothing sent).
            PaymentError: the card or PAY.JP refused; OutcomeUnknownError: the answer was lost.
        """
        tenant = self._money_tenant(tenant)
        params: dict[str, Any] = {
            "amount": amount,
            "currency": "jpy",
            "metadata": {METADATA_ATTEMPT_KEY: attempt_id, METADATA_REQUEST_KEY: str(request_id)},
        }
        if card:
            params["card"] = card
        if customer:
            params["customer"] = customer
        if tenant:
            params["tenant"] = tenant
        if description:
            params["description"] = description[:255]
        if three_d_secure:
            params["three_d_secure"] = "true"
        return ChargeInfo.from_json(self._call("post", "/v1/charges", params, moves_money=True))

    def retrieve_charge(self, charge_id: str) -> ChargeInfo:
        """Look a charge up by id; refuses (``TenantRequiredError``) a charge of another tenant."""
        self._money_tenant()
        return self._own_charge(ChargeInfo.from_json(self._call("get", f"/v1/charges/{charge_id}")))

    def find_charge_by_attempt(
        self, attempt_id: str, *, since: int, tenant: str | None = None
    ) -> ChargeInfo | None:
        """The charge carrying ``attempt_id`` in its metadata, created at or after ``since`` (unix s).

        Lists only the bound tenant's charges (``tenant=`` on the list call).
        """
        tenant = self._money_tenant(tenant)
        offset = 0
        while True:
            params: dict[str, Any] = {"since": since, "limit": 100, "offset": offset}
            if tenant:
                params["tenant"] = tenant
            page = self._call("get", "/v1/charges", params)
            data = list(page.get("data") or [])
            for item in data:
                if (item.get("metadata") or {}).get(METADATA_ATTEMPT_KEY) == attempt_id:
                    return ChargeInfo.from_json(item)
            if not page.get("has_more") or not data:
                return None
            offset += len(data)

    def list_charges(self, *, since: int, until: int, offset: int, limit: int = 100) -> tuple[list[ChargeInfo], bool]:
        """One page of the bound tenant's charges created in [``since``, ``until``] (unix s, UTC).

        ``GET /v1/charges?tenant=…&since=…&until=…&offset=…&limit=…`` (PAYJP-REFERENCE §1.2: newest
        first, ``limit`` 1–100). A 429 is waited out with back-off (``PayjpConfig.max_retries_429``).

        Returns:
            The page's charges and whether more follow (``has_more``).

        Raises:
            TenantRequiredError: no tenant where one is required (nothing sent).
            ServiceUnavailableError: PAY.JP unreachable or still busy (``payjp_busy``) after the retries.
        """
        tenant = self._money_tenant()
        params: dict[str, Any] = {"since": since, "until": until, "offset": offset, "limit": limit}
        if tenant:
            params["tenant"] = tenant
        page = self._call("get", "/v1/charges", params)
        data = [self._own_charge(ChargeInfo.from_json(item)) for item in list(page.get("data") or [])]
        return data, bool(page.get("has_more")) and bool(data)

    def refund_charge(self, charge_id: str, *, amount: int, reason: str) -> ChargeInfo:
        """Refund ``amount`` whole yen of a charge; ``reason`` is cut to 255 characters.

        Raises ``TenantRequiredError`` (nothing sent) without a tenant where one is required.
        """
        self._money_tenant()
        params: dict[str, Any] = {"amount": amount}
        if reason:
            params["refund_reason"] = reason[:255]
        return ChargeInfo.from_json(
            self._call("post", f"/v1/charges/{charge_id}/refund", params, moves_money=True)
        )

    def finish_three_d_secure(self, charge_id: str) -> ChargeInfo:
        """``tds_finish``: authorize a charge whose 3-D Secure is done (a money call)."""
        self._money_tenant()
        return ChargeInfo.from_json(
            self._call("post", f"/v1/charges/{charge_id}/tds_finish", {}, moves_money=True)
        )

    # --- customers (saved cards for 自動決済) ------------------------------------------

    def create_customer(self, *, card_token: str, email: str | None, patient_id: int) -> str:
        """A PAY.JP customer with the card of ``card_token`` as its default card; returns its id."""
        return self.save_card(card_token=card_token, email=email, patient_id=patient_id).customer_id

    def finish_token_three_d_secure(self, token_id: str) -> str | None:
        """``POST /v1/tokens/{id}/tds_finish`` after the cardholder's token 3-D Secure.

        Returns the card's ``three_d_secure_status`` (``verified`` / ``attempted`` / ``failed``…).
        Source: PAY.JP, トークン作成時の3Dセキュア (https://pay.jp/docs/token-tds).

        Raises:
            PaymentError: the token is not in a 3-D Secure flow or its authentication is not done.
            ServiceUnavailableError: PAY.JP unreachable (nothing saved; the patient may retry).
        """
        token = self._call("post", f"/v1/tokens/{token_id}/tds_finish", {})
        card = token.get("card") or {}
        status = card.get("three_d_secure_status")
        return str(status) if status is not None else None

    def save_card(self, *, card_token: str, email: str | None, patient_id: int,
                  clinic_id: int | None = None, tenant: str | None = None) -> SavedCardInfo:
        """Register the card of ``card_token`` at PAY.JP as a new customer's default card.

        Customers belong to the platform account: ``POST /v1/customers`` takes no ``tenant``
        (PAY.JP API reference, 顧客を作成); the clinic's tenant is named on every charge of the
        card instead (``tenant=`` on ``POST /v1/charges``, PAY.JP Platform docs). The clinic and
        tenant are kept in the customer's metadata so the platform's records say whose it is.

        Raises:
            PaymentError: PAY.JP refused the token (used, 3-D Secure not finished, declined).
            ServiceUnavailableError: PAY.JP unreachable.
        """
        metadata = {"clinicpay_patient": str(patient_id)}
        if clinic_id is not None:
            metadata["clinicpay_clinic"] = str(clinic_id)
        if tenant:
            metadata["clinicpay_tenant"] = tenant
        params: dict[str, Any] = {"card": card_token, "metadata": metadata}
        if email:
            params["email"] = email
        cus = self._call("post", "/v1/customers", params)
        default = cus.get("default_card")
        card = next((c for c in (cus.get("cards") or {}).get("data") or [] if c.get("id") == default), None) or {}
        return SavedCardInfo(
            customer_id=str(cus["id"]),
            card_id=str(default or ""),
            brand=str(card.get("brand") or ""),
            last4=str(card.get("last4") or ""),
            exp_month=int(card.get("exp_month") or 0),
            exp_year=int(card.get("exp_year") or 0),
        )

    def delete_customer(self, customer_id: str) -> bool:
        """``DELETE /v1/customers/{id}`` (its cards go with it). False when PAY.JP has no such customer.

        Raises ``ServiceUnavailableError`` when PAY.JP is unreachable (nothing known to be deleted).
        """
        return self._answered("delete", f"/v1/customers/{customer_id}", _no_such_customer)

    def customer_default_card(self, customer_id: str) -> tuple[str | None, str | None] | None:
        """(brand, last4) of the customer's default card, or None if it has none."""
        cus = self._call("get", f"/v1/customers/{customer_id}")
        default = cus.get("default_card")
        if not default:
            return None
        for card in (cus.get("cards") or {}).get("data") or []:
            if card.get("id") == default:
                return card.get("brand"), card.get("last4")
        return None, None

    # --- Platform tenants --------------------------------------------------------------

    def create_tenant(self, *, tenant_id: str | None, name: str, platform_fee_rate: str, metadata: Mapping[str, str]) -> Tenant:
        params: dict[str, Any] = {"name": name, "platform_fee_rate": platform_fee_rate, "metadata": dict(metadata)}
        if tenant_id:
            params["id"] = tenant_id
        obj = self._call("post", Tenant.class_url(), params)
        tenant: Tenant = Tenant.construct_from(dict(obj), self.config.secret_key)
        return tenant

    def update_tenant(self, tenant_id: str, *, platform_fee_rate: str) -> Tenant:
        """Change the tenant's ``platform_fee_rate`` (a percentage string, ≤ 2 decimals, 0–95).

        Source: PAY.JP API reference, テナントを更新 (``POST /v1/tenants/{id}``).
        """
        obj = self._call("post", f"{Tenant.class_url()}/{tenant_id}", {"platform_fee_rate": platform_fee_rate})
        tenant: Tenant = Tenant.construct_from(dict(obj), self.config.secret_key)
        return tenant

    def prove_key_pair(self, public_key: str) -> bool:
        """Whether ``public_key`` belongs to the same PAY.JP account as this gateway's secret key.

        A token is made with the public key (``POST /v1/tokens``, as payjp.js does in the
        patient's browser) and read back with the secret key (``GET /v1/tokens/{id}``): PAY.JP
        objects exist only for the account that made them, so another account's secret key gets
        "No such token" (404). Sources: PAY.JP API reference, トークンを作成 / トークン情報を取得;
        the account scoping of test keys as PAY.JP's test mode shows it.

        The token carries PAY.JP's documented test card (4242 4242 4242 4242), so the proof runs
        in test mode; with live keys PAY.JP refuses a test card, and ``PaymentError`` is raised
        (the pair then cannot be proven without a real card). Nothing is charged either way.

        Returns False for keys of two accounts. Raises ``ServiceUnavailableError("payjp_auth")``
        when PAY.JP refuses the public key itself, ``ServiceUnavailableError`` when unreachable.
        """
        year = dt.date.today().year + 5
        card = {"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": str(year),
                "card[cvc]": "123"}
        try:
            body, _key = api_requestor.APIRequestor(key=public_key, client=self._client,
                                                    api_base=self.config.api_base).request("post", "/v1/tokens", card)
        except payjp_error.PayjpException as exc:
            raise self._translate(exc, False) from None
        return self.token_exists(str(body.get("id") or ""))

    def token_exists(self, token_id: str) -> bool:
        """Whether this secret key's account made ``token_id`` (``GET /v1/tokens/{id}``).

        PAY.JP objects exist only for the account that made them: another account's key gets
        "No such token" (False). Raises ``ServiceUnavailableError`` when PAY.JP cannot be asked.
        """
        return self._answered("get", f"/v1/tokens/{token_id}", lambda exc: exc.code == "payjp_rejected")

    def retrieve_tenant(self, tenant_id: str) -> Tenant:
        obj = self._call("get", f"{Tenant.class_url()}/{tenant_id}")
        tenant: Tenant = Tenant.construct_from(dict(obj), self.config.secret_key)
        return tenant

    def create_application_url(self, tenant_id: str) -> tuple[str, int]:
        """A one-time URL (valid 5 minutes) of PAY.JP's review application form."""
        obj = self._call("post", f"{Tenant.class_url()}/{tenant_id}/application_urls", {})
        return str(obj["url"]), int(obj.get("expires") or 0)


def _no_such_customer(exc: UserError) -> bool:
    """PAY.JP's answer that a customer is not there (already deleted, or never made)."""
    if isinstance(exc, PaymentError):
        return exc.payjp_code == "invalid_id"
    return exc.code == "payjp_rejected" and exc.params.get("reason") in ("invalid_id", "404")


__all__ = [
    "ChargeInfo",
    "LIVE_API_BASE",
    "PayjpConfig",
    "PayjpGateway",
    "SavedCardInfo",
    "Tenant",
    "payjp",
]

