"""接続チェック (live-path check): what a ¥50 テスト payment through the public URL must show.

A pure evaluation over what was observed while the check ran (``Observations``): each step is
✓ or a ``UserError`` whose text says the reason and what to do. The service
(``desktop.services.live_check``) gathers the observations; nothing here does I/O.

CSP reports are reduced here too (``reduce_csp_report``): only the directive, the blocked
origin (never a path, query or token) and the page's route are kept, so a report carries no
personal data. Sources: W3C CSP Level 3 §5 (violation reports: ``csp-report`` and the
Reporting API's ``csp-violation`` body), MDN "CSP violation reports".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from desktop.domain.checks import CheckResult
from desktop.domain.errors import MESSAGES, UserError
from desktop.i18n import LabelledEnum, N_

LIVE_CHECK_AMOUNT = 50  # whole yen: PAY.JP's smallest charge
LIVE_CHECK_MAX_AGE = dt.timedelta(days=30)

LIVE_CHECK_MESSAGES: dict[str, str] = {
    "live_check_page_not_opened": N_("決済ページがまだ公開URLから開かれていません。QRコードをスマートフォンで読み取り、ページを開いてください。"),
    "live_check_page_not_https": N_("決済ページが https ではなく {scheme} で開かれました。公開URLを https:// にし、リバースプロキシが X-Forwarded-Proto を渡しているか確認してください。"),
    "live_check_not_paid": N_("テストカードでの支払いが完了していません。PAY.JPのテストカード（4242 4242 4242 4242 など）で支払ってから「結果を確認」を押してください。"),
    "live_check_csp_blocked": N_("ブラウザのセキュリティポリシー（CSP）が {origin} を止めました（{directive}）。本番で支払いが失敗しないよう、{directive} に {origin} を追加する必要があります。この結果を開発元へお知らせください。"),
    "live_check_no_tenant": N_("この決済にクリニックのPAY.JPテナントが付いていません（決済のテナント: {found}）。決済会社設定でテナント登録を確認してください。"),
    "live_check_tenant_missing": N_("このクリニックはPAY.JPのテナントに登録されていません。決済会社設定でテナント登録をしてください。"),
    "live_check_charge_unknown": N_("PAY.JPで決済を確認できませんでした（{reason}）。しばらくしてから「結果を確認」を押してください。"),
    "live_check_webhook_token_wrong": N_("PAY.JPのWebhookは届きましたが、Webhookトークンが一致しません。PAY.JP管理画面のWebhookトークンを接続設定に入力し直してください。"),
    "live_check_webhook_missing": N_("PAY.JPのWebhookが公開URLに届いていません。PAY.JP管理画面のWebhook URLに {url} を登録し、テストモードで有効にしてください。"),
    "live_check_receipt_not_opened": N_("領収書ページがまだ開かれていません。支払い完了画面の「領収書」を開いてください。"),
    "live_check_refund_failed": N_("テスト決済を返金できませんでした（{reason}）。"),
    "live_check_test_mode_only": N_("接続チェックはテストモードでのみ実行できます。決済会社設定でテストモードにしてください。"),
    "live_check_email_missing": N_("テスト請求を送るメールアドレスを入力してください。"),
    "live_check_never": N_("接続チェックがまだ合格していません。テストモードの決済会社設定で「接続チェック」を行ってください。"),
    "live_check_old": N_("最後に接続チェックに合格したのは{days}日前です。30日以内にテストモードで「接続チェック」を行ってください。"),
}


class LiveCheckError(UserError):
    """A step of the 接続チェック that did not pass, or why the check cannot start."""

    messages = LIVE_CHECK_MESSAGES


class Step(LabelledEnum):
    """The steps of the check, in the order the checklist shows them."""

    PAGE_HTTPS = "page_https", N_("決済ページが公開URLから https で表示された")
    PAYJP_JS = "payjp_js", N_("PAY.JPのpayjp.jsが読み込まれ、CSPの違反なくカード情報をトークン化できた")
    TENANT = "tenant", N_("決済にこのクリニックのテナントが付いている")
    WEBHOOK = "webhook", N_("PAY.JPのWebhookが正しいトークンで公開URLに届いた")
    RECEIPT = "receipt", N_("領収書ページが開けた")
    REFUND = "refund", N_("テスト決済を返金できた")


@dataclasses.dataclass(frozen=True)
class CspViolation:
    """One reduced CSP report: the directive, the blocked origin (or keyword), the page's route."""

    directive: str
    blocked: str
    page: str
    report_only: bool = False


@dataclasses.dataclass(frozen=True)
class Observations:
    """What was seen while a check ran.

    Attributes:
        public_url: the clinic's public base URL (where the webhook must be registered).
        page_scheme: the scheme the pay page was served with (None: never opened).
        paid: the test request was paid with a card token made by the page's payjp.js.
        violations: CSP reports received from the checkout pages since the check started.
        clinic_tenant: the clinic's PAY.JP tenant id (None: none registered).
        charge_tenant: the tenant on the charge as PAY.JP returns it ("" none; None: not looked up).
        charge_error: why the charge could not be looked up (None: it was).
        webhook_ok: a PAY.JP event about the charge arrived with the right token.
        webhook_refused: a webhook call with a wrong token arrived while the check ran.
        receipt_opened: the receipt page of the test request was served.
        refund_error: None when the refund went through, else why not.
    """

    public_url: str
    page_scheme: str | None
    paid: bool
    violations: tuple[CspViolation, ...]
    clinic_tenant: str | None
    charge_tenant: str | None
    charge_error: UserError | None
    webhook_ok: bool
    webhook_refused: bool
    receipt_opened: bool
    refund_error: UserError | None


StepResult = CheckResult[Step]
"""One step: ✓ (``reason`` None) or the reason with what to do."""


def evaluate(obs: Observations) -> tuple[StepResult, ...]:
    """Every step of the check over ``obs``, in ``Step`` order."""
    return (
        StepResult(Step.PAGE_HTTPS, _page(obs)),
        StepResult(Step.PAYJP_JS, _payjp_js(obs)),
        StepResult(Step.TENANT, _tenant(obs)),
        StepResult(Step.WEBHOOK, _webhook(obs)),
        StepResult(Step.RECEIPT, None if obs.receipt_opened else LiveCheckError("live_check_receipt_not_opened")),
        StepResult(Step.REFUND, _refund(obs)),
    )


def _page(obs: Observations) -> UserError | None:
    if obs.page_scheme is None:
        return LiveCheckError("live_check_page_not_opened")
    if obs.page_scheme != "https":
        return LiveCheckError("live_check_page_not_https", scheme=obs.page_scheme)
    return None


def _payjp_js(obs: Observations) -> UserError | None:
    if obs.violations:
        first = obs.violations[0]
        return LiveCheckError("live_check_csp_blocked", directive=first.directive, origin=first.blocked)
    if not obs.paid:
        return LiveCheckError("live_check_not_paid")
    return None


def _tenant(obs: Observations) -> UserError | None:
    if not obs.clinic_tenant:
        return LiveCheckError("live_check_tenant_missing")
    if not obs.paid:
        return LiveCheckError("live_check_not_paid")
    if obs.charge_error is not None:
        return LiveCheckError("live_check_charge_unknown", reason=obs.charge_error)
    if obs.charge_tenant != obs.clinic_tenant:
        return LiveCheckError("live_check_no_tenant", found=obs.charge_tenant or "—")
    return None


def _webhook(obs: Observations) -> UserError | None:
    if obs.webhook_ok:
        return None
    if obs.webhook_refused:
        return LiveCheckError("live_check_webhook_token_wrong")
    return LiveCheckError("live_check_webhook_missing", url=obs.public_url.rstrip("/") + "/webhooks/payjp")


def _refund(obs: Observations) -> UserError | None:
    if not obs.paid:
        return LiveCheckError("live_check_not_paid")
    if not obs.receipt_opened:  # the ¥50 is refunded once the receipt was seen
        return LiveCheckError("live_check_receipt_not_opened")
    if obs.refund_error is not None:
        return LiveCheckError("live_check_refund_failed", reason=obs.refund_error)
    return None


# -- CSP reports --------------------------------------------------------------------------------

_KEYWORDS = frozenset({"inline", "eval", "data", "blob", "self", "wasm-eval", "trusted-types-policy"})
_DIRECTIVE = re.compile(r"^[a-z-]{3,40}$")
_PAY_ROUTE = re.compile(r"^/pay/[^/]+")


def _blocked_origin(value: str) -> str:
    value = value.strip()
    if value in _KEYWORDS:
        return value
    parts = urlsplit(value)
    if parts.scheme in ("http", "https", "wss", "ws") and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"[:200]
    return (parts.scheme or "unknown")[:20]


def _page_route(value: str) -> str:
    path = urlsplit(value.strip()).path or "/"
    return _PAY_ROUTE.sub("/pay/…", path)[:200]


def reduce_csp_report(payload: Any) -> list[CspViolation]:
    """The violations of one report body (``application/csp-report`` or ``application/reports+json``).

    Only the directive, the blocked origin and the page's route (link tokens replaced by ``…``)
    are kept. Malformed parts are skipped; returns at most 10 violations.
    """
    bodies: list[Mapping[str, Any]] = []
    if isinstance(payload, Mapping) and isinstance(payload.get("csp-report"), Mapping):
        bodies.append(payload["csp-report"])
    elif isinstance(payload, list):
        for item in payload[:10]:
            if isinstance(item, Mapping) and item.get("type") == "csp-violation" and isinstance(item.get("body"), Mapping):
                bodies.append(item["body"])
    out: list[CspViolation] = []
    for body in bodies:
        directive = str(body.get("effectiveDirective") or body.get("effective-directive")
                        or body.get("violated-directive") or "").split(" ")[0].strip()
        if not _DIRECTIVE.match(directive):
            continue
        blocked = str(body.get("blockedURL") or body.get("blocked-uri") or "")
        page = str(body.get("documentURL") or body.get("document-uri") or "")
        disposition = str(body.get("disposition") or "enforce")
        out.append(CspViolation(directive, _blocked_origin(blocked), _page_route(page), disposition == "report"))
    return out


__all__ = [
    "CspViolation", "LIVE_CHECK_AMOUNT", "LIVE_CHECK_MAX_AGE", "LIVE_CHECK_MESSAGES", "LiveCheckError",
    "Observations", "Step", "StepResult", "StoredError", "evaluate", "rebuild_error",
    "reduce_csp_report", "results_from_json", "results_to_json",
]


# -- storing results as codes and parameters ------------------------------------------------------

class StoredError(UserError):
    """A stored step reason (code and parameters), rebuilt for rendering."""

    messages = {**MESSAGES, **LIVE_CHECK_MESSAGES}


def _param_to_json(value: Any) -> Any:
    if isinstance(value, UserError):
        return {"__code__": value.code, "__params__": {k: _param_to_json(v) for k, v in value.params.items()}}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _param_from_json(value: Any) -> Any:
    if isinstance(value, dict) and "__code__" in value:
        return rebuild_error(str(value["__code__"]), value.get("__params__") or {})
    return value


def rebuild_error(code: str, params: Mapping[str, Any]) -> UserError:
    """A stored reason as an error to render (an unknown code renders the generic message)."""
    if code not in StoredError.messages:
        return StoredError("unexpected")
    return StoredError(code, **{k: _param_from_json(v) for k, v in params.items()})


def results_to_json(results: tuple[StepResult, ...]) -> list[dict[str, Any]]:
    """Results as JSON-able rows ``{"step", "code", "params"}`` (``code`` None for ✓)."""
    return [{"step": r.item.value, "code": r.reason.code if r.reason else None,
             "params": {k: _param_to_json(v) for k, v in r.reason.params.items()} if r.reason else {}}
            for r in results]


def results_from_json(rows: Any) -> tuple[StepResult, ...]:
    """The inverse of ``results_to_json``; rows of unknown steps are skipped."""
    out: list[StepResult] = []
    for row in rows if isinstance(rows, list) else []:
        try:
            step = Step(row["step"])
        except (KeyError, ValueError, TypeError):
            continue
        code = row.get("code")
        out.append(StepResult(step, rebuild_error(str(code), row.get("params") or {}) if code else None))
    return tuple(out)
