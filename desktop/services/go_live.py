"""The guarded switch to 本番 (and back): what must hold before real cards are charged.

Each condition is a small function over injected probes, so it can be checked without Qt, a
keyring or the network:

- ``keys``: live keys of one PAY.JP account. The public key makes a token, the secret key reads
  it back (``PayjpGateway.prove_key_pair``); another account's secret key gets "No such token".
- ``tenant``: the clinic has its own PAY.JP tenant and its 審査 is 承認 (as last read from PAY.JP
  by 更新 or a ``tenant.updated`` webhook).
- ``public_url``: the checkout page's public base URL is https and answers from this PC.
- ``legal_pages``: 特定商取引法に基づく表記, プライバシーポリシー and 利用規約 answer 200 there
  (PAY.JP's review and card brands require them).
- ``test_mail``: the clinic's SMTP server accepted a テストメール within the last 30 days
  (``TEST_MAIL_MAX_AGE``), so patients' payment mails can go out.
- ``live_check``: a 接続チェック passed within the last 30 days (``LIVE_CHECK_MAX_AGE``): a テスト
  payment went through the public URL with the real payjp.js, tenant, webhook, receipt and refund.

``GoLiveService.check`` reports every condition (✓ or the reason); ``go_live`` runs them again
and switches only when all hold, after the user confirmed. ``leave_live`` goes back to テスト
(or デモ) after a confirmation too. Both write one audit event with the clinic's change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import logging
from collections.abc import Callable

import hashlib

import httpx

from desktop.domain.checks import CheckResult
from desktop.domain.clinic import PaymentMode, ReviewStatus
from desktop.domain.errors import NotFoundError, ServiceUnavailableError, UserError
from desktop.domain.live_check import LIVE_CHECK_MAX_AGE, LIVE_CHECK_MESSAGES
from desktop.i18n import LabelledEnum, N_
from desktop.domain.staff import Actor, Permission
from desktop.services.authz import authorize
from desktop.services.key_proof import KeyProofService
from desktop.services.secrets import SecretStore, payjp_secret_name
from desktop.services.settings_service import LEGAL_PATHS, SettingsError, SettingsService
from desktop.storage.repositories import load_clinic
from desktop.storage.orm import Clinic
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

TEST_MAIL_MAX_AGE = dt.timedelta(days=30)
KEY_PROOF_VALID = dt.timedelta(hours=1)  # a key-pair proof counts this long (on this PC)
URL_TIMEOUT = 10.0  # seconds per page

GO_LIVE_MESSAGES: dict[str, str] = {
    "keys_two_accounts": N_("公開キーとシークレットキーが別々のPAY.JPアカウントのものです。同じアカウントの本番用キーを入力してください。"),
    "keys_proof_needed": N_("本番用キーの組が同じPAY.JPアカウントのものか、まだ確認していません。「カードでキーを確認」で、ご自身のカードをトークン化してください（請求はされません）。"),
    "keys_proof_missing": N_("確認ページでのカード入力がまだ届いていません。ページでカードを入力してから、もう一度「確認する」を押してください。"),
    "keys_unproven": N_("公開キーとシークレットキーが同じアカウントのものか確認できませんでした（{reason}）。"),
    "tenant_missing": N_("このクリニックはPAY.JPのテナントに登録されていません。決済会社設定でテナント登録をしてください。"),
    "tenant_not_approved_yet": N_("PAY.JPの審査が「承認」になっていません（現在: {status}）。"),
    "url_missing": N_("決済ページの公開URLが設定されていません。"),
    "url_not_https": N_("決済ページの公開URLが https:// ではありません（{url}）。"),
    "url_unreachable": N_("決済ページの公開URLにこの端末から接続できません（{url}）。"),
    "legal_page_failed": N_("{page}のページが表示できません（{url}: {status}）。"),
    "test_mail_never": N_("テストメールがまだ送信されていません。接続設定の「テストメール送信」で確認してください。"),
    "test_mail_old": N_("最後にテストメールが届いたのは{days}日前です。30日以内に「テストメール送信」で確認してください。"),
    "live_check_never": LIVE_CHECK_MESSAGES["live_check_never"],
    "live_check_old": LIVE_CHECK_MESSAGES["live_check_old"],
    "not_confirmed": N_("切り替える前に、確認のチェックを入れてください。"),
}


class LegalPage(enum.Enum):
    """The legal pages the checkout server publishes; values are msgids (rendered in messages)."""

    tokushoho = N_("特定商取引法に基づく表記")
    privacy = N_("プライバシーポリシー")
    terms = N_("利用規約")


class GoLiveError(SettingsError):
    """A condition of the switch that does not hold (``GO_LIVE_MESSAGES``), or a field error."""

    messages = {**SettingsError.messages, **GO_LIVE_MESSAGES}


class Condition(LabelledEnum):
    """The conditions of 本番モード, in the order the dialog lists them."""

    KEYS = "keys", N_("本番用APIキー（同じPAY.JPアカウントの公開キーとシークレットキー）")
    TENANT = "tenant", N_("このクリニックのPAY.JPテナントが審査で「承認」")
    PUBLIC_URL = "public_url", N_("決済ページの公開URLが https で、この端末から接続できる")
    LEGAL_PAGES = "legal_pages", N_("特定商取引法に基づく表記・プライバシーポリシー・利用規約が表示できる")
    TEST_MAIL = "test_mail", N_("30日以内にテストメールが送信できた")
    LIVE_CHECK = "live_check", N_("30日以内に接続チェック（テストモードでの支払い・Webhook・返金）に合格した")


ConditionResult = CheckResult[Condition]
"""One condition: met, or the reason (an error to render in the reader's language)."""


@dataclasses.dataclass(frozen=True)
class GoLiveReport:
    """Every condition of 本番モード as checked just now."""

    results: tuple[ConditionResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def failed(self) -> list[ConditionResult]:
        return [r for r in self.results if not r.ok]


KeyPairProbe = Callable[[str, str], bool]
"""``(public_key, secret_key) -> same account?``; raises ``UserError`` when PAY.JP cannot tell."""


# -- the conditions ---------------------------------------------------------------------------

def check_keys(public_key: str, secret_key: str, prove: KeyPairProbe) -> UserError | None:
    """Live keys of one account: the pair proof through ``prove``."""
    try:
        same = prove(public_key, secret_key)
    except GoLiveError as exc:
        if exc.code == "keys_proof_needed":
            return exc
        return GoLiveError("keys_unproven", field="public_key", reason=exc)
    except ServiceUnavailableError as exc:
        if exc.code == "payjp_auth":
            return GoLiveError("payjp_key_wrong", field="secret_key")
        return GoLiveError("keys_unproven", field="public_key", reason=exc)
    except UserError as exc:
        return GoLiveError("keys_unproven", field="public_key", reason=exc)
    return None if same else GoLiveError("keys_two_accounts", field="public_key")


def check_tenant(clinic: Clinic) -> UserError | None:
    """The clinic's own tenant, approved."""
    if not clinic.payjp_tenant_id:
        return GoLiveError("tenant_missing")
    if clinic.review_status is not ReviewStatus.APPROVED:
        return GoLiveError("tenant_not_approved_yet", status=clinic.review_status)
    return None


def check_public_url(base_url: str, client: httpx.Client) -> UserError | None:
    """https, and this PC reaches the checkout server behind it (any HTTP answer counts)."""
    url = base_url.rstrip("/")
    if not url:
        return GoLiveError("url_missing", field="public_base_url")
    if httpx.URL(url).scheme != "https":
        return GoLiveError("url_not_https", field="public_base_url", url=url)
    try:
        client.get(url + LEGAL_PATHS["tokushoho"], timeout=URL_TIMEOUT)
    except httpx.HTTPError as exc:
        log.info("public URL check failed: %s", type(exc).__name__)
        return GoLiveError("url_unreachable", field="public_base_url", url=url)
    return None


def check_legal_pages(base_url: str, client: httpx.Client) -> UserError | None:
    """The three legal pages answer 200 (the first one that does not is the reason)."""
    url = base_url.rstrip("/")
    if not url or httpx.URL(url).scheme != "https":
        return GoLiveError("url_not_https", field="public_base_url", url=url or "—")
    for key, path in LEGAL_PATHS.items():
        try:
            status = str(client.get(url + path, timeout=URL_TIMEOUT).status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        if status != "200":
            return GoLiveError("legal_page_failed", page=LegalPage[key], url=url + path, status=status)
    return None


def check_test_mail(clinic: Clinic, now: dt.datetime) -> UserError | None:
    """A テストメール accepted by the SMTP server within ``TEST_MAIL_MAX_AGE``."""
    at = clinic.test_mail_accepted_at
    if at is None or not clinic.smtp_host:
        return GoLiveError("test_mail_never", field="smtp_test")
    if now - at > TEST_MAIL_MAX_AGE:
        return GoLiveError("test_mail_old", field="smtp_test", days=(now - at).days)
    return None


def check_live_check(passed_at: dt.datetime | None, now: dt.datetime) -> UserError | None:
    """A 接続チェック passed within ``LIVE_CHECK_MAX_AGE`` (``passed_at``: the last pass, UTC)."""
    if passed_at is None:
        return GoLiveError("live_check_never", field="live_check")
    if now - passed_at > LIVE_CHECK_MAX_AGE:
        return GoLiveError("live_check_old", field="live_check", days=(now - passed_at).days)
    return None


# -- the service ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class GoLiveService:
    """Check the conditions of 本番モード and switch modes, guarded.

    Args:
        db: the database.
        secrets: this PC's keyring (the live secret key, when not typed).
        settings: validates the keys as 接続設定 does and reads the clinic.
        prove_keys: the key-pair proof (default: ``PayjpGateway.prove_key_pair`` against PAY.JP).
        http: builds the HTTP client of the URL checks (closed after each check).
        clock: now, in UTC.
        live_check_passed: when the clinic last passed a 接続チェック (UTC, None: never), by
            clinic id (``LiveCheckService.last_pass``).
        key_proofs: the proof pages where the 管理者 tokenises their own card (live keys).
        token_exists: ``(secret_key, token_id) -> found?`` at PAY.JP (``PayjpGateway.token_exists``).
    """

    db: Database
    secrets: SecretStore
    settings: SettingsService
    _: dataclasses.KW_ONLY
    prove_keys: KeyPairProbe
    http: Callable[[], httpx.Client]
    clock: Callable[[], dt.datetime]
    live_check_passed: Callable[[int], dt.datetime | None]
    key_proofs: KeyProofService | None = None
    token_exists: Callable[[str, str], bool] | None = None
    # when a live key pair was last proven here (UTC), by (public key, fingerprint of the secret key)
    _proven: dict[tuple[str, str], dt.datetime] = dataclasses.field(default_factory=dict, init=False, repr=False)

    def _clinic(self, clinic_id: int) -> Clinic:
        return load_clinic(self.db, clinic_id)

    def _authorize(self, actor: Actor, clinic_id: int) -> None:
        """Refuse before any probe or confirmation when ``actor`` may not change the settings."""
        with self.db.uow(readonly=True) as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)

    def check(self, clinic_id: int, public_key: str, secret_key: str | None) -> GoLiveReport:
        """Every condition of 本番 with these live keys (``secret_key`` None: the stored one). Blocking.

        Raises ``SettingsError`` (with ``field``) when a key is malformed (a test key, a wrong
        prefix): that is input to correct next to the field, not a condition.
        """
        public, typed = self.settings.validate_payjp(PaymentMode.LIVE, public_key, secret_key)
        secret = typed or self.secrets.get(payjp_secret_name(PaymentMode.LIVE.value)) or ""
        clinic = self._clinic(clinic_id)
        with self.http() as client:
            url_reason = check_public_url(clinic.public_base_url, client)
            legal_reason = url_reason if url_reason is not None else check_legal_pages(clinic.public_base_url, client)
        proven = self._proven.get((public, _fingerprint(secret)))
        keys_reason = (None if proven is not None and self.clock() - proven <= KEY_PROOF_VALID
                       else check_keys(public, secret, self.prove_keys))
        return GoLiveReport((
            ConditionResult(Condition.KEYS, keys_reason),
            ConditionResult(Condition.TENANT, check_tenant(clinic)),
            ConditionResult(Condition.PUBLIC_URL, url_reason),
            ConditionResult(Condition.LEGAL_PAGES, legal_reason),
            ConditionResult(Condition.TEST_MAIL, check_test_mail(clinic, self.clock())),
            ConditionResult(Condition.LIVE_CHECK, check_live_check(self.live_check_passed(clinic_id), self.clock())),
        ))

    def prove_with_token(self, actor: Actor, clinic_id: int, secret_key: str | None) -> bool:
        """Read the proof page's token back with the live secret key (typed, or the stored one). Blocking.

        True: the public key of the proof and this secret key are one account (remembered for
        ``KEY_PROOF_VALID`` on this PC; the token id is deleted). False: two accounts. Raises
        ``GoLiveError("keys_proof_missing")`` while no token arrived, ``PermissionDeniedError``,
        ``ServiceUnavailableError`` when PAY.JP cannot be asked.
        """
        if self.key_proofs is None or self.token_exists is None:
            raise RuntimeError("no key proof was configured")
        with self.db.uow(readonly=True) as uow:
            authorize(uow.session, actor, Permission.SETTINGS, clinic_id=clinic_id)
        secret = (secret_key or "").strip() or self.secrets.get(payjp_secret_name(PaymentMode.LIVE.value)) or ""
        try:
            public, token_id = self.key_proofs.take(clinic_id)
        except NotFoundError:
            raise GoLiveError("keys_proof_missing", field="public_key") from None
        same = self.token_exists(secret, token_id)
        if same:
            self._proven[(public, _fingerprint(secret))] = self.clock()
        log.info("live key pair proof for clinic %s: %s", clinic_id, "one account" if same else "two accounts")
        return same

    def go_live(self, actor: Actor, clinic_id: int, public_key: str, secret_key: str | None, *,
                confirmed: bool) -> GoLiveReport:
        """Switch to 本番 after the user confirmed: the conditions are checked again first. Blocking.

        On success the secret key (when typed) is stored in the keyring, the public key and the
        mode in the database. Raises ``PermissionDeniedError`` (not an active 管理者; checked
        before anything else), ``GoLiveError("not_confirmed")``, ``SettingsError`` for a
        malformed key, or the first failed condition's ``GoLiveError``; nothing is saved then.
        """
        self._authorize(actor, clinic_id)
        if not confirmed:
            raise GoLiveError("not_confirmed", field="confirm")
        report = self.check(clinic_id, public_key, secret_key)
        failed = report.failed()
        if failed:
            reason = failed[0].reason
            assert reason is not None
            raise reason
        self.settings.save_payjp(actor, clinic_id, PaymentMode.LIVE, public_key, secret_key, guarded=True)
        log.info("clinic %s switched to live mode", clinic_id)
        return report

    def leave_live(self, actor: Actor, clinic_id: int, mode: PaymentMode, public_key: str,
                   secret_key: str | None, *, confirmed: bool) -> None:
        """Go from 本番 back to テスト or デモ after the user confirmed (keys checked as 接続設定 does).

        Raises ``PermissionDeniedError`` (not an active 管理者), ``GoLiveError("not_confirmed")``,
        ``SettingsError`` for a malformed key; nothing is saved then. One audit event (the clinic's change).
        """
        self._authorize(actor, clinic_id)
        if mode is PaymentMode.LIVE:
            raise ValueError("leave_live goes to test or demo mode")
        if not confirmed:
            raise GoLiveError("not_confirmed", field="confirm")
        self.settings.save_payjp(actor, clinic_id, mode, public_key, secret_key, guarded=True)


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def payjp_token_reader(api_base: Callable[[], str], timeout: float = 15.0) -> Callable[[str, str], bool]:
    """``(secret_key, token_id) -> found?`` at ``api_base()`` (``PayjpGateway.token_exists``)."""
    from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway

    def exists(secret_key: str, token_id: str) -> bool:
        gateway = PayjpGateway(PayjpConfig(api_base=api_base(), secret_key=secret_key, timeout=timeout,
                                           max_retries_429=1))
        return gateway.token_exists(token_id)

    return exists


def payjp_key_prober(api_base: Callable[[], str], timeout: float = 15.0) -> KeyPairProbe:
    """The key-pair proof with PAY.JP's test card: ``PayjpGateway.prove_key_pair`` against ``api_base()``.

    PAY.JP refuses its test card with live keys, so for live keys this raises
    ``GoLiveError("keys_proof_needed")``: the proof page (``KeyProofService``) proves them instead.
    """
    from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway

    def prove(public_key: str, secret_key: str) -> bool:
        if public_key.startswith("pk_live_"):
            raise GoLiveError("keys_proof_needed", field="public_key")
        gateway = PayjpGateway(PayjpConfig(api_base=api_base(), secret_key=secret_key, timeout=timeout,
                                           max_retries_429=1))
        return gateway.prove_key_pair(public_key)

    return prove


__all__ = [
    "Condition", "ConditionResult", "GO_LIVE_MESSAGES", "GoLiveError", "GoLiveReport",
    "GoLiveService", "KeyPairProbe", "LegalPage", "TEST_MAIL_MAX_AGE", "check_keys", "check_legal_pages",
    "check_live_check", "payjp_token_reader", "KEY_PROOF_VALID",
    "check_public_url", "check_tenant", "check_test_mail", "payjp_key_prober",
]
