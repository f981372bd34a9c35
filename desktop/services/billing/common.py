"""What the billing services share: their results, link status, the link issuer, failure codes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from typing import Callable

from desktop.domain.billing import BillingState, RequestKind, TaxCategory
from desktop.domain.clinic import PaymentMode, ReviewStatus
from desktop.domain.errors import PaymentError, UserError
from desktop.domain.money import Yen
from desktop.services import links
from desktop.services.payjp_gateway import PayjpGateway
from desktop.storage.orm import BillingRequest, Clinic

Clock = Callable[[], dt.datetime]
GatewayFor = Callable[[Clinic], PayjpGateway]

DEFAULT_MESSAGE = "金額が確定しましたので、メール内のリンクから決済をお願い致します"
PRE_PAYMENT_MESSAGE = "ご予約の料金を事前にお支払いください。メール内のリンクから決済をお願い致します"
# the defaults when 自動決済 charges the saved card at once (no link is mailed)
AUTO_CHARGE_MESSAGE = "金額が確定しましたので、ご登録のクレジットカードで決済いたします"
PRE_PAYMENT_AUTO_CHARGE_MESSAGE = "ご予約の料金を、ご登録のクレジットカードで事前に決済いたします"
_DEFAULT_MESSAGES = {
    (RequestKind.POST_PAYMENT, False): DEFAULT_MESSAGE,
    (RequestKind.POST_PAYMENT, True): AUTO_CHARGE_MESSAGE,
    (RequestKind.PRE_PAYMENT, False): PRE_PAYMENT_MESSAGE,
    (RequestKind.PRE_PAYMENT, True): PRE_PAYMENT_AUTO_CHARGE_MESSAGE,
}
THREE_D_SECURE_TIMEOUT = dt.timedelta(minutes=30)
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8470"

KNOWN_CARD_CODES = frozenset(
    {
        "card_declined",
        "expired_card",
        "incorrect_card_data",
        "invalid_cvc",
        "processing_error",
        "unacceptable_brand",
        "card_flagged",
    }
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class LinkStatus(enum.StrEnum):
    """What a payment link leads to, as the checkout page shows it."""

    PAYABLE = "payable"
    PROCESSING = "processing"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class LinkView:
    """What the checkout page shows for a link (opening a link changes nothing).

    Amounts are whole yen; datetimes are UTC.
    """

    status: LinkStatus
    request_id: int | None = None
    clinic_name: str = ""
    clinic_phone: str = ""
    clinic_id: int | None = None
    patient_name: str = ""
    patient_email: str = ""
    patient_language: str = "ja"
    menu_name: str = ""
    reservation_starts_at: dt.datetime | None = None
    amount: int = 0
    tax_category: TaxCategory = TaxCategory.TAXABLE
    message: str = ""
    expires_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    refunded_amount: int = 0
    card_brand: str | None = None
    card_last4: str | None = None
    tenant_id: str | None = None
    public_key: str = ""
    pending_charge_id: str | None = None  # a charge waiting for the cardholder's 3-D Secure
    # that charge's 3-D Secure window (``THREE_D_SECURE_TIMEOUT`` from the attempt) has passed:
    # PAY.JP will not finish it; nothing was charged
    three_d_secure_timed_out: bool = False
    # why the newest attempt failed (a ``UserError`` code) while the link is payable again
    last_error: str | None = None


@dataclasses.dataclass(frozen=True)
class PaymentOutcome:
    """Result of a payment attempt that PAY.JP answered (declines raise ``PaymentError``)."""

    request_id: int
    attempt_id: str
    state: BillingState
    charge_id: str | None = None
    requires_three_d_secure: bool = False


@dataclasses.dataclass(frozen=True)
class RequestOutcome:
    """A request sent: its state now, and whether 自動決済 charged the saved card (or why not)."""

    request_id: int
    state: BillingState
    auto_charged: bool = False
    auto_charge_error: UserError | None = None
    link_token: str | None = dataclasses.field(default=None, repr=False)  # only when asked (接続チェック)


@dataclasses.dataclass(frozen=True)
class RefundOutcome:
    """A refund that went through (or waits for approval): this refund's and the request's refunded total (whole yen)."""

    request_id: int
    refund_id: str
    amount: Yen
    refunded_total: Yen
    state: BillingState
    # set when the refund waits for a second 管理者 (承認待ち): the approval's id; nothing refunded yet
    approval_id: str | None = None


def payment_block(clinic: Clinic, *, simulated: bool | None = None) -> str | None:
    """Why card payment for menus is off now, as a ``MESSAGES`` code for the desk; None when usable.

    - ``payment_company_unusable``: no payment company chosen (決済会社設定 › 利用する決済会社).
    - ``tenant_not_registered``: テスト / 本番 without a PAY.JP tenant (テナント登録 first: every
      charge must be the clinic's, not the platform's own sale).
    - ``tenant_not_approved``: 本番 while the tenant's 審査 is not 承認.

    デモ needs neither (the simulator charges nothing real); ``simulated`` (default: the clinic is in
    デモ) says the clinic's calls go to the simulator whatever its mode says (the トレーニング database).
    """
    if clinic.payment_company != "PAYJP":
        return "payment_company_unusable"
    if simulated if simulated is not None else clinic.payment_mode is PaymentMode.DEMO:
        return None
    if not clinic.payjp_tenant_id:
        return "tenant_not_registered"
    if clinic.payment_mode is PaymentMode.LIVE and clinic.review_status is not ReviewStatus.APPROVED:
        return "tenant_not_approved"
    return None


def simulated(gateway_for: object, clinic: Clinic) -> bool:
    """Whether ``gateway_for`` sends ``clinic``'s calls to the simulator (``GatewayProvider.simulated``);
    a source without that question is taken at the clinic's mode."""
    probe = getattr(gateway_for, "simulated", None)
    return bool(probe(clinic)) if callable(probe) else clinic.payment_mode is PaymentMode.DEMO


def payment_usable(clinic: Clinic) -> bool:
    """Whether card payments may be taken now (``payment_block`` finds no reason against)."""
    return payment_block(clinic) is None


def public_base_url(clinic: Clinic) -> str:
    """Where the clinic's checkout page is reached (links in mail point there)."""
    return clinic.public_base_url or DEFAULT_PUBLIC_BASE_URL


def issue_link(req: BillingRequest, clinic: Clinic, now: dt.datetime) -> str:
    """Give ``req`` a fresh payment link valid for the clinic's expiry days; returns the raw token.

    Only the token's hash is stored; the raw token goes into the mail and nowhere else.
    """
    raw, digest = links.new_link_token()
    days = clinic.link_expiry_days
    if not links.MIN_EXPIRY_DAYS <= days <= links.MAX_EXPIRY_DAYS:
        days = links.DEFAULT_EXPIRY_DAYS
    req.link_token_hash = digest
    req.link_expires_at = now + dt.timedelta(days=days)
    return raw


def message_for(text: str, *, kind: RequestKind, charge_now: bool) -> str:
    """The 伝達事項 to send: ``text``, unless it is one of the default messages, which is then the
    default that says how the patient pays (``charge_now``: 自動決済 charges the saved card, no link
    is mailed; otherwise the mail's link). A message staff wrote is never changed.
    """
    if text not in _DEFAULT_MESSAGES.values():
        return text
    return _DEFAULT_MESSAGES[kind, charge_now]


def error_params(error: UserError) -> str | None:
    """An error's parameters as stored next to its code (JSON), or None without any."""
    if not error.params:
        return None
    return json.dumps(error.params, ensure_ascii=False, sort_keys=True, default=str)


def stored_error(code: str, params: str | None) -> UserError:
    """Rebuild an error stored as code and JSON parameters, to render it in the reader's language."""
    values = json.loads(params) if params else {}
    try:
        return PaymentError(code, **values)
    except KeyError:
        return UserError("unexpected")
