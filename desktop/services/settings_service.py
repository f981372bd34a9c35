"""決済会社設定 and the connection settings: read, validate, save, and test (PAY.JP key, SMTP).

Secrets (PAY.JP secret keys, the webhook token, the SMTP password) go to this PC's OS keyring
through ``SecretStore`` and never into the database nor the log. Every validation error is a
``SettingsError`` naming its field, so the screen shows it next to that field. Validation runs
before anything is written: a refused save changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any, Callable
from urllib.parse import urlsplit

from desktop.domain.clinic import CareType, PaymentMode, ReviewStatus
from desktop.domain.errors import FieldChecks, NotFoundError, ServiceUnavailableError, UserError, ValidationError
from desktop.i18n import N_, NP_
from desktop.domain.text import nfkc, normalize_digits
from desktop.domain.validation import registration_number_valid, validate_email
from desktop.domain.staff import Actor, Permission
from desktop.services import audit
from desktop.services.authz import authorize
from desktop.services.secrets import WEBHOOK_TOKEN_SECRET
from desktop.services.directory import UNCHANGED, ClinicUpdate, DirectoryService, require_text
from desktop.services.mail_types import MailError
from desktop.services.payjp_gateway import LIVE_API_BASE, PayjpConfig, PayjpGateway
from desktop.services.payment_setup import GatewayProvider
from desktop.services.secrets import SMTP_PASSWORD, SecretStore, payjp_secret_name
from desktop.services.smtp_transport import SmtpSettings, SmtpTransport
from desktop.services.tenants import TenantService
from desktop.storage.repositories import load_clinic
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

PAYMENT_COMPANY = "PAYJP"
WEBHOOK_PATH = "/webhooks/payjp"
LEGAL_PATHS = {"tokushoho": "/clinic/tokushoho", "privacy": "/clinic/privacy", "terms": "/clinic/terms"}
SMTP_SECURITIES = ("starttls", "ssl", "none")
# A key that cannot exist: PAY.JP answers 404 to a valid key and 401 to a wrong one.
PROBE_CHARGE_ID = "ch_clinicpay_connection_check"

SETTINGS_MESSAGES: dict[str, str] = {
    "public_key_prefix": N_("{mode}の公開キーは「{prefix}」で始まります。"),
    "secret_key_prefix": N_("{mode}のシークレットキーは「{prefix}」で始まります。"),
    "secret_key_required": N_("{mode}にするには、この端末にシークレットキーを登録してください。"),
    "public_key_required": N_("{mode}にするには公開キーを入力してください。"),
    "key_invalid_chars": N_("キーに使えない文字が含まれています（半角英数字と「_」のみ）。"),
    "payjp_key_wrong": N_("シークレットキーが正しくありません（PAY.JPが認証を拒否しました）。"),
    "payjp_key_missing": N_("この端末にはシークレットキーが登録されていません。"),
    "url_invalid": N_("URLは https:// で始まる形式で入力してください（例: https://pay.example-clinic.jp）。"),
    "url_has_path": N_("パスや「?」を含まない、ドメインまでのURLを入力してください。"),
    "expiry_days_invalid": N_("決済リンクの有効期限は1〜30日で設定してください。"),
    "reminder_link_too_short": N_("決済リンクの有効期限が1日のため、リマインダーは送れません。リマインダーをオフにするか、有効期限を2日以上にしてください。"),
    "reminder_days_invalid": N_("リマインダーは有効期限の1〜{max}日前で設定してください（決済リンクの有効期限より短い日数）。"),
    "postal_code_invalid": N_("郵便番号は「123-4567」の形式で入力してください。"),
    "phone_invalid": N_("電話番号は数字とハイフンで入力してください（例: 03-1234-5678）。"),
    "registration_number_invalid": N_("登録番号は「T」と13桁の数字で入力してください（例: T9234567890123）。"),
    "registration_number_check_digit": N_("登録番号の検査用数字（「T」の次の1桁）が合いません。番号を確かめてください。"),
    "training_demo_only": N_("トレーニング中は、デモ（シミュレーター）以外の支払いモードにできません。"),
    "training_no_smtp": N_("トレーニング中はテストメールを送信しません（メールは「メールボックス（デモ）」に届きます）。"),
    "email_invalid": N_("メールアドレスの形式が正しくありません。"),
    "smtp_host_invalid": N_("SMTPサーバー名が正しくありません。"),
    "smtp_port_invalid": N_("ポート番号は1〜65535の数字で入力してください。"),
    "smtp_security_invalid": N_("暗号化方式を選択してください。"),
    "smtp_not_configured": N_("SMTPサーバーを設定して保存してから送信してください。"),
    "clinic_email_missing": N_("テストメールの宛先となるクリニックのメールアドレスを登録してください。"),
    "smtp_failed": "{reason}",
    "not_approved": N_("PAY.JPの審査が承認されるまで、本番モードでは決済会社を選択できません。"),
    "webhook_token_invalid": N_("Webhookトークンは空白を含まない半角文字で入力してください。"),
    "live_switch_guarded": N_("本番モードへの切り替えと本番モードからの切り替えは、確認画面で確認してから行います。"),
}
# Field labels of the settings screens (translated with the "field" context).
_LABELS = (NP_("field", "代表者名"), NP_("field", "ユーザー名"))

KEY_PREFIX = {PaymentMode.TEST: ("pk_test_", "sk_test_"), PaymentMode.LIVE: ("pk_live_", "sk_live_")}

_KEY_CHARS = re.compile(r"^[A-Za-z0-9_]+$")
_POSTAL = re.compile(r"^\d{3}-?\d{4}$")
_PHONE = re.compile(r"^\+?[0-9][0-9\-]{8,15}$")
_REG_NO = re.compile(r"^T\d{13}$")
_HOST = re.compile(r"^[A-Za-z0-9.\-]{1,253}$")


class SettingsError(ValidationError):
    """Input the settings screens refuse; ``field`` names the input it belongs to.

    ``message(lang)`` renders ``SETTINGS_MESSAGES[code]`` in ``lang`` (as ``UserError`` does).
    """

    messages = SETTINGS_MESSAGES


def _text(value: str | None) -> str:
    return nfkc(value or "").strip()


def _whole_number(raw: int | str, low: int, high: int, error: ValidationError, *, ignore: str = "",
                  blank: str = "") -> int:
    """``raw`` as typed (full-width digits too, the characters of ``ignore`` dropped, an empty entry
    read as ``blank``) as a whole number from ``low`` to ``high``.

    Raises:
        ValidationError: ``error``, when it is not a whole number or out of that range.
    """
    try:
        value = int(_text(str(raw)).translate(dict.fromkeys(map(ord, ignore))) or blank)
    except ValueError:
        raise error from None
    if not low <= value <= high:
        raise error
    return value


def masked_secret(secret: str | None) -> str:
    """A stored secret as the screens may show it: its prefix and last 4 characters only.

    ``"sk_live_0a1b…1234"`` → ``"sk_live_••••1234"``; a token without a known prefix shows
    ``"••••1234"``. A secret shorter than 16 characters after its prefix (a password a person
    chose) shows nothing (``""``): 4 of its characters would say too much.
    """
    if not secret:
        return ""
    prefix = next((p for p in ("sk_live_", "sk_test_") if secret.startswith(p)), "")
    if len(secret) - len(prefix) < 16:
        return ""
    return prefix + "••••" + secret[-4:]


def base_url_join(base: str, path: str) -> str:
    return base.rstrip("/") + path if base else ""


@dataclasses.dataclass(frozen=True)
class ContractView:
    """What the 契約情報 block shows."""

    mode: PaymentMode
    tenant_registered: bool
    review_status: ReviewStatus
    care_type: CareType | None
    review_checked_at: dt.datetime | None
    payment_company: str | None
    auto_charge: bool
    tokushoho_url: str
    privacy_url: str
    terms_url: str
    platform_fee_rate: str = "1.00"  # percent kept by the PAY.JP Platform account
    auto_charge_cap: int = 100_000  # whole yen: 自動決済 charges a saved card up to this; above, a link

    @property
    def approved(self) -> bool:
        return self.review_status is ReviewStatus.APPROVED

    @property
    def company_selectable(self) -> bool:
        """利用する決済会社 / 自動決済 may be chosen: after 承認, or at any time outside 本番モード."""
        return self.approved or self.mode is not PaymentMode.LIVE


@dataclasses.dataclass(frozen=True)
class ConnectionView:
    """What the connection settings show. Secrets appear only as 'stored on this PC or not'."""

    mode: PaymentMode
    public_key: str
    secret_stored: dict[PaymentMode, bool]
    webhook_token_stored: bool
    smtp_password_stored: bool
    public_base_url: str
    webhook_url: str
    link_expiry_days: int
    reminder_enabled: bool
    reminder_days_before: int
    name: str
    postal_code: str
    address: str
    phone: str
    email: str
    representative: str
    registration_number: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    secret_hints: dict[PaymentMode, str] = dataclasses.field(default_factory=dict)  # masked_secret() per mode
    webhook_token_hint: str = ""
    smtp_password_hint: str = ""
    test_mail_accepted_at: dt.datetime | None = None  # UTC

    def missing_secrets(self) -> list[str]:
        """Codes of the secrets this PC lacks for the current settings."""
        missing = []
        if self.mode is not PaymentMode.DEMO and not self.secret_stored.get(self.mode):
            missing.append("payjp_secret")
        if self.mode is not PaymentMode.DEMO and not self.webhook_token_stored:
            missing.append("webhook_token")
        if self.smtp_host and self.smtp_username and not self.smtp_password_stored:
            missing.append("smtp_password")
        return missing


@dataclasses.dataclass(frozen=True)
class SettingsService:
    """Validation, saving and the connection tests behind the settings screens.

    Args:
        db: the database.
        secrets: this PC's keyring.
        gateways: builds the PAY.JP gateway for the clinic's mode (the simulator in デモ).
        directory: saves clinic columns (with the audit record).
        tenants: テナント登録 and 審査状況.
        clock: now, in UTC.
        training: the demo (トレーニング) workspace: デモ mode only, and no test mail sent.
    """

    db: Database
    secrets: SecretStore
    gateways: GatewayProvider
    directory: DirectoryService
    tenants: TenantService
    _: dataclasses.KW_ONLY
    clock: Callable[[], dt.datetime]
    training: bool = False

    def _clinic(self, clinic_id: int) -> Clinic:
        return load_clinic(self.db, clinic_id)

    # -- read --------------------------------------------------------------------------------

    def contract(self, clinic_id: int) -> ContractView:
        c = self._clinic(clinic_id)
        base = c.public_base_url
        return ContractView(
            mode=c.payment_mode, tenant_registered=bool(c.payjp_tenant_id), review_status=c.review_status,
            care_type=c.care_type, review_checked_at=c.review_checked_at, payment_company=c.payment_company,
            auto_charge=bool(c.auto_charge), auto_charge_cap=int(c.auto_charge_cap), tokushoho_url=base_url_join(base, LEGAL_PATHS["tokushoho"]),
            privacy_url=base_url_join(base, LEGAL_PATHS["privacy"]), terms_url=base_url_join(base, LEGAL_PATHS["terms"]),
            platform_fee_rate=c.platform_fee_rate,
        )

    def connection(self, clinic_id: int) -> ConnectionView:
        c = self._clinic(clinic_id)
        keys = {m: self.secrets.get(payjp_secret_name(m.value)) for m in (PaymentMode.TEST, PaymentMode.LIVE)}
        stored = {m: bool(k) for m, k in keys.items()}
        stored[PaymentMode.DEMO] = True
        webhook_token, smtp_password = self.secrets.get(WEBHOOK_TOKEN_SECRET), self.secrets.get(SMTP_PASSWORD)
        return ConnectionView(
            mode=c.payment_mode, public_key=c.payjp_public_key, secret_stored=stored,
            webhook_token_stored=bool(webhook_token), smtp_password_stored=bool(smtp_password),
            public_base_url=c.public_base_url, webhook_url=base_url_join(c.public_base_url, WEBHOOK_PATH),
            link_expiry_days=c.link_expiry_days, reminder_enabled=c.reminder_enabled,
            reminder_days_before=c.reminder_days_before, name=c.name, postal_code=c.postal_code, address=c.address,
            phone=c.phone, email=c.email, representative=c.representative,
            registration_number=c.registration_number or "", smtp_host=c.smtp_host, smtp_port=c.smtp_port,
            smtp_security=c.smtp_security, smtp_username=c.smtp_username,
            secret_hints={m: masked_secret(k) for m, k in keys.items()},
            webhook_token_hint=masked_secret(webhook_token), smtp_password_hint=masked_secret(smtp_password),
            test_mail_accepted_at=c.test_mail_accepted_at,
        )

    # -- 決済会社 -------------------------------------------------------------------------------

    def _authorize(self, actor: Actor, clinic_id: int | None = None) -> None:
        """Refuse (``PermissionDeniedError``) before anything is stored unless ``actor`` is a 管理者."""
        with self.db.uow(readonly=True) as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)

    def set_payment_company(self, actor: Actor, clinic_id: int, company: str | None,
                            auto_charge: bool) -> ContractView:
        """利用する決済会社 (PAYJP or none) and 自動決済 (管理者 only)."""
        self._authorize(actor, clinic_id)
        if company not in (None, PAYMENT_COMPANY):
            raise ValueError(f"unknown payment company {company!r}")
        view = self.contract(clinic_id)
        if company and not view.company_selectable:
            raise SettingsError("not_approved", field="payment_company")
        self.directory.update_clinic(actor, clinic_id,
                                      ClinicUpdate(payment_company=company, auto_charge=bool(auto_charge)))
        return self.contract(clinic_id)

    def set_auto_charge_cap(self, actor: Actor, clinic_id: int, cap: int | str) -> ContractView:
        """自動決済の上限額 (管理者 only): a request above ``cap`` whole yen (tax included) is sent by link.

        ``cap`` may be typed with commas or full-width digits. Raises ``ValidationError``
        (``auto_charge_cap_invalid``, field ``auto_charge_cap``) outside PAY.JP's 50–9,999,999 yen.
        """
        self._authorize(actor, clinic_id)
        value = _whole_number(cap, 50, 9_999_999, ValidationError("auto_charge_cap_invalid", field="auto_charge_cap"),
                              ignore=",¥円")
        self.directory.update_clinic(actor, clinic_id, ClinicUpdate(auto_charge_cap=value))
        return self.contract(clinic_id)

    # -- PAY.JP keys -------------------------------------------------------------------------

    def validate_payjp(self, mode: PaymentMode, public_key: str, secret_key: str | None) -> tuple[str, str | None]:
        """Check the keys for ``mode``; an empty ``secret_key`` keeps the one stored on this PC.

        Raises:
            SettingsError: one key refused; ``FormErrors`` when both are (each names its field).
        """
        public_key = _text(public_key)
        secret = _text(secret_key) or None
        if mode is PaymentMode.DEMO:
            if public_key and not _KEY_CHARS.fullmatch(public_key):
                raise SettingsError("key_invalid_chars", field="public_key")
            return public_key, None
        pk_prefix, sk_prefix = KEY_PREFIX[mode]
        checks = FieldChecks()
        if not public_key:
            checks.refuse(SettingsError("public_key_required", field="public_key", mode=mode))
        elif not public_key.startswith(pk_prefix):
            checks.refuse(SettingsError("public_key_prefix", field="public_key", mode=mode, prefix=pk_prefix))
        elif not _KEY_CHARS.fullmatch(public_key):
            checks.refuse(SettingsError("key_invalid_chars", field="public_key"))
        if secret is None:
            if not self.secrets.get(payjp_secret_name(mode.value)):
                checks.refuse(SettingsError("secret_key_required", field="secret_key", mode=mode))
        elif not secret.startswith(sk_prefix):
            checks.refuse(SettingsError("secret_key_prefix", field="secret_key", mode=mode, prefix=sk_prefix))
        elif not _KEY_CHARS.fullmatch(secret):
            checks.refuse(SettingsError("key_invalid_chars", field="secret_key"))
        checks.raise_any()
        return public_key, secret

    def save_payjp(self, actor: Actor, clinic_id: int, mode: PaymentMode, public_key: str,
                   secret_key: str | None, *, guarded: bool = False) -> None:
        """支払いモードと APIキー (管理者 only): the public key in the database, the secret key in the keyring only.

        Entering or leaving 本番 takes ``guarded`` (``GoLiveService`` checked the conditions and
        the user confirmed); otherwise ``SettingsError("live_switch_guarded")`` and nothing is saved.
        One audit event: the mode and public key before and after, the secret key only as "changed".
        """
        self._authorize(actor, clinic_id)
        if self.training and mode is not PaymentMode.DEMO:
            raise SettingsError("training_demo_only", field="payment_mode")
        public_key, secret = self.validate_payjp(mode, public_key, secret_key)
        current = self._clinic(clinic_id).payment_mode
        if not guarded and PaymentMode.LIVE in (mode, current):
            raise SettingsError("live_switch_guarded", field="payment_mode")
        if secret is not None:
            self.secrets.set(payjp_secret_name(mode.value), secret)
            log.info("PAY.JP %s secret key stored in the keyring", mode.value)
        keep_key = mode is PaymentMode.DEMO and not public_key
        self.directory.update_clinic(actor, clinic_id,
                                      ClinicUpdate(payment_mode=mode,
                                                   payjp_public_key=UNCHANGED if keep_key else public_key),
                                      secret_fields=("payjp_secret_key",) if secret is not None else ())

    def test_connection(self, actor: Actor, clinic_id: int, mode: PaymentMode, secret_key: str | None = None) -> None:
        """接続テスト (管理者 only): one harmless authenticated call (a charge that cannot exist). Blocking.

        Changes nothing, so it writes no audit event.

        Raises ``SettingsError("payjp_key_wrong")`` when PAY.JP refuses the key; other failures
        (unreachable, busy) as the gateway raises them.
        """
        self._authorize(actor, clinic_id)
        clinic = self._clinic(clinic_id)
        if mode is PaymentMode.DEMO:
            clinic.payment_mode = PaymentMode.DEMO
            gateway = self.gateways(clinic)
        else:
            _pk, sk_prefix = KEY_PREFIX[mode]
            secret = _text(secret_key) or self.secrets.get(payjp_secret_name(mode.value)) or ""
            if not secret:
                raise SettingsError("payjp_key_missing", field="secret_key")
            if not secret.startswith(sk_prefix):
                raise SettingsError("secret_key_prefix", field="secret_key", mode=mode, prefix=sk_prefix)
            base = str(getattr(self.gateways, "_live_api_base", LIVE_API_BASE))
            gateway = PayjpGateway(PayjpConfig(api_base=base, secret_key=secret, timeout=15.0, max_retries_429=1))
        try:
            gateway.retrieve_charge(PROBE_CHARGE_ID)
        except ServiceUnavailableError as exc:
            if exc.code == "payjp_auth":
                raise SettingsError("payjp_key_wrong", field="secret_key") from None
            raise
        except UserError as exc:
            if exc.code != "payjp_rejected":
                raise
            # 404 (no such charge): PAY.JP accepted the key.

    # -- webhook, checkout page, clinic details ---------------------------------------------

    def save_webhook_token(self, actor: Actor, token: str) -> None:
        """The PAY.JP webhook token, in the keyring only (管理者 only); audited as "changed"."""
        self._authorize(actor)
        token = (token or "").strip()
        if not token or not token.isascii() or any(c.isspace() for c in token):
            raise SettingsError("webhook_token_invalid", field="webhook_token")
        self.secrets.set(WEBHOOK_TOKEN_SECRET, token)
        with self.db.uow() as uow:
            audit.record(uow.session, clinic_id=actor.clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="clinic_updated", entity_type="clinic", entity_id=actor.clinic_id,
                         before={"webhook_token": ""}, after={"webhook_token": "changed"})
            uow.commit()

    def save_checkout(self, actor: Actor, clinic_id: int, public_base_url: str, link_expiry_days: int | str,
                      reminder_enabled: bool | None = None, reminder_days_before: int | str | None = None) -> None:
        """決済ページの公開URL (what goes into e-mails), the link expiry and the reminder (管理者 only).

        Args:
            link_expiry_days: whole days a payment link works (1–30).
            reminder_enabled: send the automatic reminder (None: unchanged).
            reminder_days_before: whole days before expiry the reminder goes (1 to expiry − 1;
                None: unchanged). Checked only while reminders are on.

        Raises:
            SettingsError: ``url_invalid`` / ``url_has_path`` (field ``public_base_url``),
                ``expiry_days_invalid`` (``link_expiry_days``), ``reminder_days_invalid`` or
                ``reminder_link_too_short`` (``reminder_days_before``); ``FormErrors`` when several of
                them are refused; nothing is saved then.
        """
        self._authorize(actor, clinic_id)
        checks = FieldChecks()  # the URL and the expiry at once; the reminder against a valid expiry
        url = _text(public_base_url).rstrip("/")
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "localhost")
        if parts.scheme not in ("https", "http") or not parts.hostname or (parts.scheme == "http" and not local):
            checks.refuse(SettingsError("url_invalid", field="public_base_url"))
        elif parts.path or parts.query or parts.fragment:
            checks.refuse(SettingsError("url_has_path", field="public_base_url"))
        days = checks.value(lambda: _whole_number(link_expiry_days, 1, 30,
                                                  SettingsError("expiry_days_invalid", field="link_expiry_days")))
        enabled = self._clinic(clinic_id).reminder_enabled if reminder_enabled is None else bool(reminder_enabled)
        before: int | None = None
        if reminder_days_before is not None and days is not None:  # the reminder is checked against the expiry
            if enabled and days < 2:
                checks.refuse(SettingsError("reminder_link_too_short", field="reminder_days_before"))
            else:
                invalid = SettingsError("reminder_days_invalid", field="reminder_days_before", max=days - 1)
                try:
                    before = _whole_number(reminder_days_before, 1, days - 1 if enabled else 29, invalid)
                except SettingsError as exc:
                    if enabled:
                        checks.refuse(exc)
                    # switched off: a number that cannot be kept is left as it was
        checks.raise_any()
        assert days is not None
        update = ClinicUpdate(public_base_url=url, link_expiry_days=days)
        if reminder_enabled is not None:
            update = dataclasses.replace(update, reminder_enabled=enabled)
        if before is not None:
            update = dataclasses.replace(update, reminder_days_before=before)
        self.directory.update_clinic(actor, clinic_id, update)

    def save_clinic_details(self, actor: Actor, clinic_id: int, *, name: str, postal_code: str, address: str, phone: str,
                            email: str, representative: str, registration_number: str) -> None:
        """The clinic as receipts and the legal pages show it (管理者 only).

        Raises:
            PermissionDeniedError: not a 管理者.
            ValidationError: one bad field; ``FormErrors`` when several are (each names its field).
        """
        self._authorize(actor, clinic_id)
        checks = FieldChecks()
        values: dict[str, Any] = {
            "name": checks.value(lambda: require_text(name, field="name", label="クリニック名", max_len=200)),
        }
        postal = normalize_digits(postal_code)
        if postal and not _POSTAL.fullmatch(postal):
            checks.refuse(SettingsError("postal_code_invalid", field="postal_code"))
        if len(postal) == 7:
            postal = postal[:3] + "-" + postal[3:]
        values["postal_code"] = postal
        values["address"] = checks.value(lambda: require_text(address, field="address", label="住所", max_len=300))
        phone_text = normalize_digits(phone)
        if not _PHONE.fullmatch(phone_text):
            checks.refuse(SettingsError("phone_invalid", field="phone"))
        values["phone"] = phone_text
        try:
            values["email"] = validate_email(_text(email))
        except ValidationError:
            checks.refuse(SettingsError("email_invalid", field="email"))
        values["representative"] = checks.value(lambda: require_text(representative, field="representative",
                                                                     label="代表者名", max_len=100))
        reg = _text(registration_number).upper()
        if reg and not _REG_NO.fullmatch(reg):
            checks.refuse(SettingsError("registration_number_invalid", field="registration_number"))
        elif reg and not registration_number_valid(reg):
            checks.refuse(SettingsError("registration_number_check_digit", field="registration_number"))
        values["registration_number"] = reg or None
        checks.raise_any()
        self.directory.update_clinic(actor, clinic_id, ClinicUpdate(**values))

    # -- SMTP ---------------------------------------------------------------------------------

    def save_smtp(self, actor: Actor, clinic_id: int, *, host: str, port: int | str, security: str, username: str,
                  password: str | None) -> None:
        """SMTP server settings (管理者 only); the password (when given) goes to the keyring only.

        A change of server, port, security, user or password forgets the last accepted テストメール
        (it no longer proves these settings: the setup checklist and the 本番 switch ask for a new one).

        Raises:
            SettingsError / ValidationError: one field refused; ``FormErrors`` when several are.
        """
        self._authorize(actor, clinic_id)
        checks = FieldChecks()  # every refused field at once
        host = _text(host)
        if host and not _HOST.fullmatch(host):
            checks.refuse(SettingsError("smtp_host_invalid", field="smtp_host"))
        port_no = checks.value(lambda: _whole_number(port, 1, 65535,
                                                     SettingsError("smtp_port_invalid", field="smtp_port")))
        if security not in SMTP_SECURITIES:
            checks.refuse(SettingsError("smtp_security_invalid", field="smtp_security"))
        user = (username or "").strip()
        if len(user) > 200:
            checks.refuse(ValidationError("field_too_long", field="smtp_username", label="ユーザー名", max=200))
        checks.raise_any()
        assert port_no is not None
        c = self._clinic(clinic_id)
        changed = bool(password) or (c.smtp_host, c.smtp_port, c.smtp_security, c.smtp_username or "") != (
            host, port_no, security, user)
        if password:
            self.secrets.set(SMTP_PASSWORD, password)
        self.directory.update_clinic(actor, clinic_id,
                                      ClinicUpdate(smtp_host=host, smtp_port=port_no, smtp_security=security,
                                                   smtp_username=user,
                                                   test_mail_accepted_at=None if changed else UNCHANGED),
                                      secret_fields=("smtp_password",) if password else ())

    def save_security(self, actor: Actor, clinic_id: int, *, refund_approval_threshold: int | str,
                      auto_lock_minutes: int | str) -> None:
        """セキュリティ (管理者 only): refunds above ``refund_approval_threshold`` whole yen need a second
        管理者 (0 = never); the screen locks after ``auto_lock_minutes`` (1–120) without input.

        Raises: ``ValidationError`` (``approval_threshold_invalid`` / ``auto_lock_invalid``; ``FormErrors``
        when both are refused), PermissionDeniedError.
        """
        self._authorize(actor, clinic_id)
        checks = FieldChecks()  # both refused at once
        threshold = checks.value(lambda: _whole_number(
            refund_approval_threshold, 0, 9_999_999,
            ValidationError("approval_threshold_invalid", field="refund_approval_threshold"), ignore=",", blank="0"))
        minutes = checks.value(lambda: _whole_number(
            auto_lock_minutes, 1, 120, ValidationError("auto_lock_invalid", field="auto_lock_minutes")))
        checks.raise_any()
        assert threshold is not None and minutes is not None
        self.directory.update_clinic(actor, clinic_id, ClinicUpdate(refund_approval_threshold=threshold,
                                                                     auto_lock_minutes=minutes))

    def send_test_mail(self, actor: Actor, clinic_id: int, *, ssl_context: ssl.SSLContext | None = None,
                       timeout: float = 15.0) -> str:
        """テストメール送信: one mail to the clinic's own address through its SMTP server. Blocking.

        Returns the address it was sent to. 管理者 only; changes nothing, so it writes no audit event.
        """
        self._authorize(actor, clinic_id)
        if self.training:
            raise SettingsError("training_no_smtp", field="smtp_test")
        c = self._clinic(clinic_id)
        if not c.smtp_host:
            raise SettingsError("smtp_not_configured", field="smtp_test")
        if not c.email:
            raise SettingsError("clinic_email_missing", field="smtp_test")
        settings = SmtpSettings(host=c.smtp_host, port=c.smtp_port, security=c.smtp_security,  # type: ignore[arg-type]
                                username=c.smtp_username or None, password=self.secrets.get(SMTP_PASSWORD),
                                timeout=timeout, from_address=c.email)
        message = EmailMessage()
        message["From"] = formataddr((c.name, c.email))
        message["To"] = c.email
        message["Subject"] = "【クリニック決済】テストメール"
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=c.email.rsplit("@", 1)[-1])
        now = self.clock().astimezone(dt.timezone(dt.timedelta(hours=9)))
        message.set_content(
            f"{c.name} 様\n\nクリニック決済のメール設定のテストです。\n"
            f"このメールが届いていれば、患者様への請求メールも送信できます。\n\n"
            f"送信日時: {now:%Y/%m/%d %H:%M}\nSMTPサーバー: {c.smtp_host}:{c.smtp_port}\n"
        )
        try:
            SmtpTransport(settings, ssl_context=ssl_context).send(message)
        except MailError as exc:
            log.info("test mail failed: %s [%s]", exc.failure.value, exc.smtp_code)  # not the reply text: it may repeat the address
            raise SettingsError("smtp_failed", field="smtp_test", reason=exc) from None
        # the server accepted it: the switch to 本番 asks for this within 30 days
        self.directory.update_clinic(actor, clinic_id, ClinicUpdate(test_mail_accepted_at=self.clock()))
        return c.email
