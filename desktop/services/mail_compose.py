"""Patient e-mails (SCREENS.md §6): payment request, receipt, refund and cancellation notices.

The composer only renders: it returns an ``EmailMessage`` (plain text first, HTML alternative,
UTF-8) and never sends. Templates live in ``resources/templates/mail/`` as ``<kind>.txt.j2``
and ``<kind>.html.j2``, one per mail for every language: their texts go through the gettext
catalogs (Jinja2's i18n extension) in the patient's language. HTML templates autoescape, so
names and messages typed by patients or staff cannot inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from desktop.domain.billing import TaxCategory
from desktop.domain.formatting import Language, check_language, format_jst_datetime, format_tax_category, format_yen
from desktop.domain.formatting import to_jst
from desktop.domain.validation import is_legacy_carrier_address, smtp_address
from desktop.i18n import N_, NP_, gettext, install_jinja, pgettext_pair
from desktop.paths import resource_path
from desktop.services.mail_types import MailFailure, MailTransport, PermanentMailError

__all__ = [
    "CancellationNotice",
    "CardRemovedNotice",
    "Clinic",
    "Envelope",
    "MailComposer",
    "MailTransport",
    "Patient",
    "PatientMail",
    "PaymentRequest",
    "Receipt",
    "RefundNotice",
    "Reservation",
    "Sex",
    "mail_kind",
    "new_message_id",
]


class Sex(StrEnum):
    """性別, valued as stored on the patient record (男性 / 女性 / その他)."""

    MALE = "男性"
    FEMALE = "女性"
    OTHER = "その他"

    @classmethod
    def parse(cls, value: str | None) -> Sex | None:
        """The stored text ("男性", or "male" etc.) as a ``Sex``; empty or unknown gives None."""
        text = (value or "").strip()
        for member in cls:
            if text in (member.value, member.name.lower()):
                return member
        return None


@dataclass(frozen=True)
class Clinic:
    """The sender. ``email`` becomes Reply-To; phone and address go in the signature."""

    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Patient:
    """The recipient, with the details listed under 予約情報."""

    name: str
    email: str
    sex: Sex | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Reservation:
    """予約名 (the menu), the appointment time (aware, stored in UTC) and attachment names."""

    menu_name: str
    starts_at: datetime
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class _AboutReservation:
    """What every patient mail starts with: sender, recipient and the reservation it is about."""

    clinic: Clinic
    patient: Patient
    reservation: Reservation


@dataclass(frozen=True)
class PaymentRequest(_AboutReservation):
    """お支払いのお願い: the personal payment link for a billing request."""

    amount_yen: int
    tax_category: TaxCategory
    message: str
    payment_url: str
    link_expires_at: datetime


@dataclass(frozen=True)
class PaymentReminder(_AboutReservation):
    """お支払いのお願い（リマインダー）: the unpaid request's link again, before it expires.

    ``payment_url`` is a link of its own (the first mail's link keeps working);
    ``link_expires_at`` aware.
    """

    amount_yen: int
    tax_category: TaxCategory
    payment_url: str
    link_expires_at: datetime


@dataclass(frozen=True)
class Receipt(_AboutReservation):
    """領収のお知らせ: sent after a successful charge. Only the brand and last 4 digits."""

    amount_yen: int
    tax_category: TaxCategory
    paid_at: datetime
    card_brand: str
    card_last4: str
    receipt_url: str | None = None
    # the 伝達事項, when this is the patient's first mail about the request (自動決済 sent no link)
    message: str | None = None


@dataclass(frozen=True)
class RefundNotice(_AboutReservation):
    """返金のお知らせ: ``remaining_yen`` is what stays charged after this refund."""

    refunded_yen: int
    remaining_yen: int
    refunded_at: datetime


@dataclass(frozen=True)
class CancellationNotice(_AboutReservation):
    """請求取消のお知らせ: staff cancelled an unpaid request; its link no longer works."""

    amount_yen: int
    cancelled_at: datetime
    message: str = ""


@dataclass(frozen=True)
class CardRemovedNotice:
    """カード登録削除のお知らせ: the card the patient saved for 自動決済 was removed at their request.

    ``card`` is 「VISA •••• 4242」 (brand and last 4 only); ``removed_at`` aware.
    """

    clinic: Clinic
    patient: Patient
    card: str
    removed_at: datetime


PatientMail: TypeAlias = PaymentRequest | PaymentReminder | Receipt | RefundNotice | CancellationNotice | CardRemovedNotice


@dataclass(frozen=True)
class Envelope:
    """Header values the caller owns.

    Args:
        from_address: the sending mailbox (SMTP settings); the display name is the clinic's.
        message_id: from ``new_message_id()``, stored with the outbox row so that a retried
            send carries the same Message-ID.
        date: when the mail was composed (aware).
    """

    from_address: str
    message_id: str
    date: datetime


def new_message_id(domain: str = "clinicpay.invalid") -> str:
    """A fresh ``<...@domain>`` Message-ID. Pass the sender's domain where known."""
    return make_msgid(domain=domain)


_SUBJECTS: dict[type[Any], str] = {
    PaymentRequest: N_("【{clinic}】お支払いのお願い"),
    PaymentReminder: N_("【{clinic}】お支払い期限が近づいています"),
    Receipt: N_("【{clinic}】領収のお知らせ"),
    RefundNotice: N_("【{clinic}】返金のお知らせ"),
    CancellationNotice: N_("【{clinic}】請求取消のお知らせ"),
    CardRemovedNotice: N_("【{clinic}】カード登録削除のお知らせ"),
}

_TEMPLATE_NAMES: dict[type[Any], str] = {
    PaymentRequest: "payment_request",
    PaymentReminder: "reminder",
    Receipt: "receipt",
    RefundNotice: "refund_notice",
    CancellationNotice: "cancellation_notice",
    CardRemovedNotice: "card_removed",
}

# The outbox's ``kind`` column values.
_KINDS: dict[type[Any], str] = {
    PaymentRequest: "payment_request",
    PaymentReminder: "reminder",
    Receipt: "receipt",
    RefundNotice: "refund",
    CancellationNotice: "cancel",
    CardRemovedNotice: "card_removed",
}


def mail_kind(mail: PatientMail) -> str:
    """The outbox ``kind`` of a mail: payment_request / reminder / receipt / refund / cancel / card_removed."""
    return _KINDS[type(mail)]

_SEX_LABELS: dict[Sex | None, str] = {
    Sex.MALE: N_("男性"), Sex.FEMALE: N_("女性"), Sex.OTHER: N_("その他"), None: N_("未登録"),
}
_NOT_PROVIDED = N_("未登録")
_NO_ATTACHMENTS = N_("なし")
# TRANSLATORS: between the names of attached files.
_LIST_SEPARATOR = NP_("list separator", "、")

# Header values: no line breaks or other control characters (header injection, folding bugs).
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")
_LAST4 = re.compile(r"[0-9]{4}")
_LOCAL_PART = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}")
_DOMAIN = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def _header_text(value: str) -> str:
    return _CONTROL_CHARS.sub(" ", value).strip()


def _nl2br(value: object) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in str(value).splitlines())


def _web_link(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"patient links must be http(s) URLs, got {url!r}")
    return url


def _address(display_name: str, addr_spec: str) -> Address:
    """A validated ASCII address; an internationalized domain is converted to punycode.

    Local parts with consecutive or trailing dots are accepted: old Japanese carrier
    addresses (docomo, au) have them, and they are still in use.
    """
    username, at, domain = addr_spec.strip().rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    if not at or not _LOCAL_PART.fullmatch(username) or not _DOMAIN.fullmatch(domain):
        raise PermanentMailError(MailFailure.INVALID_ADDRESS, detail=repr(addr_spec))
    return Address(display_name=_header_text(display_name), username=username, domain=domain)


def _recipient(display_name: str, addr_spec: str) -> Address | str:
    """The To header: a legacy carrier address gets its local part quoted (RFC 5322 3.4.1),
    ``山田 花子 <"taro..yamada"@docomo.ne.jp>``, which ``Address`` would leave bare."""
    address = _address(display_name, addr_spec)
    if not is_legacy_carrier_address(address.addr_spec):
        return address
    quoted = smtp_address(address.addr_spec)
    if not address.display_name:
        return quoted
    named = str(Address(display_name=address.display_name, username="x", domain="example.invalid"))
    return named.removesuffix("<x@example.invalid>") + f"<{quoted}>"


class MailComposer:
    """Renders patient mails into ``EmailMessage`` objects ready for a ``MailTransport``.

    Args:
        templates_dir: folder with the mail templates; defaults to the bundled
            ``resources/templates/mail`` (works from source and when frozen).
    """

    def __init__(self, templates_dir: Path | None = None) -> None:
        directory = templates_dir or resource_path("templates", "mail")
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",),
                                                default_for_string=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        install_jinja(self._env)
        self._env.filters["nl2br"] = _nl2br
        self._contexts: Mapping[type[Any], Callable[[Any, Language], dict[str, Any]]] = {
            PaymentRequest: self._payment_request_context,
            PaymentReminder: self._reminder_context,
            Receipt: self._receipt_context,
            RefundNotice: self._refund_context,
            CancellationNotice: self._cancellation_context,
            CardRemovedNotice: self._card_removed_context,
        }

    def compose(self, mail: PatientMail, envelope: Envelope,
                language: str = "ja") -> EmailMessage:
        """Render ``mail`` for its patient in ``language`` ("ja" default, or "en").

        Raises:
            PermanentMailError: the patient's or the sender's address is malformed.
            ValueError: unsupported language, naive datetime, or a non-http(s) link.
        """
        lang = check_language(language)
        kind = type(mail)
        context = self._contexts[kind](mail, lang)
        context.update(self._common_context(mail, lang))
        name = _TEMPLATE_NAMES[kind]
        # A ``<kind>.<lang>.*.j2`` file, where present, replaces the shared template for that language.
        text = self._env.select_template([f"{name}.{lang}.txt.j2", f"{name}.txt.j2"]).render(context)
        html = self._env.select_template([f"{name}.{lang}.html.j2", f"{name}.html.j2"]).render(context)

        message = EmailMessage(policy=policy.SMTP)
        message["Subject"] = gettext(lang, _SUBJECTS[kind]).format(clinic=_header_text(mail.clinic.name))
        message["From"] = _address(mail.clinic.name, envelope.from_address)
        message["To"] = _recipient(mail.patient.name, mail.patient.email)
        if mail.clinic.email:
            message["Reply-To"] = _address(mail.clinic.name, mail.clinic.email)
        message["Date"] = format_datetime(to_jst(envelope.date))
        message["Message-ID"] = _message_id(envelope.message_id)
        # Base64 keeps UTF-8 Japanese 7-bit clean for servers without 8BITMIME.
        message.set_content(text, subtype="plain", charset="utf-8", cte="base64")
        message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
        # After add_alternative: making the multipart moves Content-* headers into the parts.
        message["Content-Language"] = lang
        return message

    def _common_context(self, mail: PatientMail, lang: Language) -> dict[str, Any]:
        clinic, patient = mail.clinic, mail.patient
        not_provided = gettext(lang, _NOT_PROVIDED)
        common: dict[str, Any] = {
            "lang": lang,
            "clinic_name": clinic.name,
            "clinic_email": clinic.email,
            "clinic_phone": clinic.phone,
            "clinic_address": clinic.address,
            "patient_name": patient.name,
            "patient_email": patient.email,
            "patient_sex": gettext(lang, _SEX_LABELS[patient.sex]),
            "patient_phone": patient.phone or not_provided,
            "patient_address": patient.address or not_provided,
        }
        if isinstance(mail, CardRemovedNotice):
            return common  # about the patient's card, not a reservation
        reservation = mail.reservation
        return {
            **common,
            "menu_name": reservation.menu_name,
            "starts_at": format_jst_datetime(reservation.starts_at, lang),
            "attachments": (pgettext_pair(lang, _LIST_SEPARATOR).join(reservation.attachments)
                            or gettext(lang, _NO_ATTACHMENTS)),
        }

    @staticmethod
    def _payment_request_context(mail: PaymentRequest, lang: Language) -> dict[str, Any]:
        return {
            "amount": format_yen(mail.amount_yen),
            "tax_category": format_tax_category(mail.tax_category, lang),
            "message": mail.message,
            "payment_url": _web_link(mail.payment_url),
            "link_expires_at": format_jst_datetime(mail.link_expires_at, lang),
        }

    @staticmethod
    def _reminder_context(mail: PaymentReminder, lang: Language) -> dict[str, Any]:
        return {
            "amount": format_yen(mail.amount_yen),
            "tax_category": format_tax_category(mail.tax_category, lang),
            "payment_url": _web_link(mail.payment_url),
            "link_expires_at": format_jst_datetime(mail.link_expires_at, lang),
        }

    @staticmethod
    def _receipt_context(mail: Receipt, lang: Language) -> dict[str, Any]:
        if not _LAST4.fullmatch(mail.card_last4):
            raise ValueError("card_last4 must be exactly the last four digits")
        return {
            "amount": format_yen(mail.amount_yen),
            "tax_category": format_tax_category(mail.tax_category, lang),
            "paid_at": format_jst_datetime(mail.paid_at, lang),
            "card": f"{mail.card_brand} **** {mail.card_last4}",
            "receipt_url": _web_link(mail.receipt_url) if mail.receipt_url else None,
            "message": mail.message or None,
        }

    @staticmethod
    def _refund_context(mail: RefundNotice, lang: Language) -> dict[str, Any]:
        return {
            "refunded": format_yen(mail.refunded_yen),
            "remaining": format_yen(mail.remaining_yen),
            "refunded_at": format_jst_datetime(mail.refunded_at, lang),
        }

    @staticmethod
    def _card_removed_context(mail: CardRemovedNotice, lang: Language) -> dict[str, Any]:
        return {"card": mail.card, "removed_at": format_jst_datetime(mail.removed_at, lang)}

    @staticmethod
    def _cancellation_context(mail: CancellationNotice, lang: Language) -> dict[str, Any]:
        return {
            "amount": format_yen(mail.amount_yen),
            "cancelled_at": format_jst_datetime(mail.cancelled_at, lang),
            "message": mail.message,
        }


def _message_id(value: str) -> str:
    value = _header_text(value)
    if not value.startswith("<"):
        value = f"<{value}>"
    if not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", value):
        raise ValueError(f"malformed Message-ID: {value!r}")
    return value
