"""操作履歴 (the audit log on screen): filtered reads of the append-only audit trail and its CSV.

Readable by 経理 and 管理者 only. Rows come back newest first over the ``(clinic_id, at)`` index;
each names the staff member (their current name), what was done (a label in the reader's
language), the record it concerns (and its patient, when there is one) and the values before
and after as stored (secrets only ever as "changed"), with the current names of the staff,
patients, menus and reservations the event refers to by id.

The stored events are never rewritten: ``row_summary`` / ``values_summary`` / ``target_text`` put
them in words when read — codes by their label, whole yen as ¥1,200, UTC times in JST, flags as
あり/なし, ids by name, internal ids (payment attempts, refunds, approvals) left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import re
from enum import Enum
from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import CareType, PaymentMode, PaymentTiming, ReservationStatus, ReviewStatus, StaffRole
from desktop.domain.errors import MESSAGES, message_for_code
from desktop.domain.formatting import JST, format_jst_date, format_jst_datetime, format_yen
from desktop.domain.labels import label as enum_label
from desktop.domain.labels import sex_label
from desktop.domain.live_check import Step
from desktop.domain.names import normalize_name, to_katakana
from desktop.domain.saved_cards import card_label
from desktop.domain.staff import Actor, Permission
from desktop.i18n import N_, NP_, gettext, pgettext_pair
from desktop.services.authz import authorize
from desktop.storage.orm import AuditEvent, BillingRequest, Menu, Patient, Reservation, Staff
from desktop.storage.unit_of_work import Database
from desktop.services.excel_csv import ExcelWriter

ACTION_LABELS: dict[str, str] = {
    "request_created": N_("請求"),
    "request_cancelled": N_("請求取消"),
    "request_replaced": N_("再請求"),
    "request_expired": N_("期限切れ"),
    "payment_started": N_("決済開始"),
    "payment_succeeded": N_("決済完了"),
    "payment_failed": N_("決済失敗"),
    "duplicate_charge": N_("二重決済の検出"),
    "refund_started": N_("返金開始"),
    "refund_succeeded": N_("返金完了"),
    "refund_failed": N_("返金失敗"),
    "refund_observed": N_("返金（PAY.JP管理画面）"),
    "refund_approval_requested": N_("返金の承認依頼"),
    "refund_approval_withdrawn": N_("返金の承認依頼取り下げ"),
    "receipt_issued": N_("領収書発行"),
    "reminder_sent": N_("リマインダー送信"),
    "card_saved": N_("カード登録"),
    "card_removed": N_("カード削除"),
    "patient_created": N_("患者登録"),
    "patient_updated": N_("患者情報の変更"),
    "reservation_created": N_("予約登録"),
    "reservation_status_changed": N_("予約状態の変更"),
    "menu_created": N_("メニュー追加"),
    "menu_updated": N_("メニュー変更"),
    "menu_deleted": N_("メニュー削除"),
    "menu_archived": N_("メニューの使用停止"),
    "clinic_created": N_("クリニック登録"),
    "clinic_updated": N_("設定変更"),
    "tenant_registered": N_("テナント登録"),
    "review_status_changed": N_("審査状況の更新"),
    "platform_fee_rate_changed": N_("プラットフォーム手数料率の変更"),
    "setup_finished": N_("初期設定の完了"),
    "staff_created": N_("スタッフ追加"),
    "staff_renamed": N_("スタッフ名の変更"),
    "staff_role_changed": N_("権限の変更"),
    "staff_enabled": N_("スタッフの有効化"),
    "staff_disabled": N_("スタッフの無効化"),
    "staff_password_reset": N_("パスワード再設定"),
    "staff_pin_set": N_("PIN設定"),
    "staff_pin_cleared": N_("PIN削除"),
    "signed_in": N_("サインイン"),
    "switched": N_("担当スタッフ切替"),
    "unlocked": N_("ロック解除"),
    "approved_by": N_("承認者の確認"),
    "signed_out": N_("サインアウト"),
    "screen_locked": N_("画面ロック"),
    "sign_in_failed": N_("サインイン失敗"),
    "history_exported": N_("決済履歴のCSV出力"),
    "audit_exported": N_("操作履歴のCSV出力"),
    "live_check_started": N_("接続チェック開始"),
    "live_check_finished": N_("接続チェック結果"),
    "key_proof_opened": N_("本番用キーの確認ページ作成"),
    "payjp_reconciled": N_("PAY.JPとの照合"),
    "difference_checked": N_("PAY.JPとの相違の確認"),
    "day_closed": N_("日次締め"),
}

ACTOR_LABELS: dict[str, str] = {
    "staff": N_("スタッフ"),
    "patient": N_("患者"),
    "payjp": N_("PAY.JP"),
    "system": N_("システム"),
}

CSV_HEADERS: tuple[str, ...] = (
    N_("日時"), N_("スタッフ"), N_("操作者"), N_("操作"), N_("対象"), N_("対象ID"), N_("患者名"), N_("変更前"), N_("変更後"),
)


# What 操作履歴's 内容 column calls a changed field (the stored key itself when not listed).
FIELD_LABELS: dict[str, str] = {
    "name": N_("名前"), "postal_code": N_("郵便番号"), "address": N_("住所"), "phone": N_("電話番号"),
    "email": N_("Eメール"), "representative": N_("代表者名"), "registration_number": N_("登録番号"),
    "public_base_url": N_("決済ページの公開URL"), "link_expiry_days": N_("決済リンクの有効期限（日）"),
    "payment_mode": N_("モード"), "payjp_public_key": N_("公開キー"), "payjp_tenant_id": N_("テナントID"),
    "care_type": N_("診療種別"), "review_status": N_("審査状況"), "payment_company": N_("利用する決済会社"),
    "auto_charge": N_("自動決済"), "auto_charge_cap": N_("自動決済の上限額"), "smtp_host": N_("SMTPサーバー"),
    "smtp_port": N_("SMTPポート"), "smtp_security": N_("SMTPの暗号化"), "smtp_username": N_("SMTPユーザー名"),
    "platform_fee_rate": N_("プラットフォーム手数料率"), "test_mail_accepted_at": N_("テストメールの到着"),
    "refund_approval_threshold": N_("承認が必要な返金額"), "auto_lock_minutes": N_("自動ロックまでの時間（分）"),
    "reminder_enabled": N_("リマインダー"), "reminder_days_before": N_("リマインダー（期限の何日前）"),
    "family_name": N_("姓"), "given_name": N_("名"), "family_name_kana": N_("セイ"), "given_name_kana": N_("メイ"),
    "sex": N_("性別"), "language": N_("言語"), "price": N_("料金"), "tax_category": N_("課税区分"),
    "card_payment": N_("クレジットカード決済"), "lump_sum": N_("一括払いのみ"), "payment_timing": N_("決済タイミング"),
    "attachment_required": N_("添付ファイル必須"), "note": N_("備考"), "confirmation_message": N_("確認メッセージ"),
    "receipt_purpose": N_("但し書き"), "archived": N_("使用停止"), "role": N_("権限"), "active": N_("有効"),
    "pin": N_("PIN"), "password": N_("パスワード"), "state": N_("状態"), "status": N_("状態"), "amount": N_("金額"),
    "refund_amount": N_("返金額"), "refunded_amount": N_("返金済みの額"), "reason": N_("理由"),
    "message": N_("伝達事項"), "starts_at": N_("予約日時"),
    # the request and its payment
    "charge_id": N_("PAY.JPの決済ID"), "duplicate_charge_id": N_("二重決済のPAY.JP決済ID"),
    "charge": N_("PAY.JPの決済ID"), "additional": N_("追加請求"), "replaced_by": N_("置き換えた請求"),
    "method": N_("方法"), "failure_code": N_("失敗の理由"), "requested_by": N_("依頼した管理者"),
    "approved_by": N_("承認した管理者"), "source": N_("把握した経路"), "manual": N_("送信"),
    "receipt_issued_count": N_("それまでの領収書の発行回数"),
    # reservations and patients
    "patient_id": N_("患者"), "menu_id": N_("メニュー"), "card": N_("カード"), "expiry": N_("有効期限"),
    "consent_version": N_("カード登録の同意文（版）"), "saved_card": N_("登録済みカード"),
    # settings, secrets kept in the keyring, the checks
    "payjp_secret_key": N_("シークレットキー"), "smtp_password": N_("SMTPパスワード"),
    "webhook_token": N_("Webhookのトークン"), "public_key": N_("公開キー"), "finished_at": N_("完了日時"),
    "first": N_("初回のパスワード設定"), "billing_request_id": N_("テスト決済の請求"), "passed": N_("結果"),
    "failed": N_("できなかった項目"),
    # PAY.JP reconciliation and the day's close
    "charges": N_("照合した決済"), "refunds_applied": N_("記録した返金"), "open_differences": N_("未確認の相違"),
    "finished": N_("最後まで照合"), "kind": N_("相違の種類"), "resolved_at": N_("確認日時"),
    "payment_amount": N_("決済額"), "net": N_("差引額"),
    # CSV exports: the filters used
    "rows": N_("出力件数"), "date_from": N_("期間（開始）"), "date_to": N_("期間（終了）"),
    "staff_id": N_("スタッフ"), "states": N_("決済状況"), "actions": N_("操作"), "patient": N_("患者名"),
}
_ENUM_FIELDS: dict[str, type[Enum]] = {
    "review_status": ReviewStatus, "state": BillingState, "tax_category": TaxCategory, "payment_mode": PaymentMode,
    "status": ReservationStatus, "payment_timing": PaymentTiming, "care_type": CareType,
}
# whole yen
_MONEY_FIELDS = frozenset({
    "amount", "refunded_amount", "refund_amount", "price", "auto_charge_cap", "refund_approval_threshold",
    "payment_amount", "net",
})
# UTC instants, stored as ISO text
_TIME_FIELDS = frozenset({"starts_at", "finished_at", "resolved_at", "test_mail_accepted_at"})
_DATE_FIELDS = frozenset({"date_from", "date_to"})
_COUNT_FIELDS = frozenset({"rows", "charges", "refunds_applied", "open_differences", "receipt_issued_count"})
_STAFF_FIELDS = frozenset({"staff_id", "requested_by", "approved_by"})
_CHARGE_FIELDS = frozenset({"charge_id", "duplicate_charge_id", "charge"})
_REQUEST_FIELDS = frozenset({"replaced_by", "billing_request_id"})
# internal ids that say nothing to a person (the event's 対象 already names the record)
_HIDDEN_FIELDS = frozenset({"attempt", "refund", "approval", "consent_request", "payjp_customer_id"})
# settings kept in the keyring: stored, and shown, only as "changed"
_SECRET_FIELDS = frozenset({"password", "payjp_secret_key", "smtp_password", "webhook_token"})
# the codes some fields hold, by field
_CODE_LABELS: dict[str, dict[str, str]] = {
    "payment_company": {"payjp": "PAY.JP"},
    "method": {"card_token": N_("決済ページでカード入力"), "saved_card": N_("登録済みカード"),
               "pin": N_("PIN"), "password": N_("パスワード")},
    "source": {"webhook": N_("PAY.JPからの通知"), "reconciliation": N_("PAY.JPとの照合")},
    "smtp_security": {"starttls": "STARTTLS", "ssl": "SSL", "none": N_("暗号化なし")},
    "language": {"ja": N_("日本語"), "en": N_("英語")},
    "kind": {"unknown_charge": N_("ClinicPayの記録にない決済"), "paid_not_recorded": N_("記録されていない決済"),
             "duplicate_charge": N_("二重決済"), "amount_mismatch": N_("金額の相違"),
             "refund_mismatch": N_("返金額の相違"), "not_paid_at_payjp": N_("PAY.JPで未決済")},
}
# 理由 of these actions is a code; of the others (a refund's, typed by staff) free text
_REASON_CODES: dict[str, str] = {
    "wrong_secret": N_("パスワードまたはPINの誤り"), "account_locked": N_("ロック中"),
    "account_disabled": N_("無効なスタッフ"), "declined": N_("カード会社が保存を認めなかった"),
    "patient_request": N_("患者様の依頼で削除"), "missing_at_payjp": N_("PAY.JPにカードがない"),
}
# values that are codes, keys, addresses or numbers from elsewhere: shown as they are, unquoted
_VERBATIM_FIELDS = frozenset({
    "charge_id", "duplicate_charge_id", "charge", "payjp_tenant_id", "payjp_public_key", "public_key", "expiry",
    "consent_version", "email", "phone", "postal_code", "registration_number", "public_base_url", "smtp_host",
    "smtp_port", "smtp_username", "payment_company", "link_expiry_days", "auto_lock_minutes", "reminder_days_before", "failure_code",
})
_CODED_REASONS = frozenset({"sign_in_failed", "card_removed"})
_FLAG_WORDS: dict[str, tuple[str, str]] = {  # field: (word for True, word for False)
    "passed": (N_("合格"), N_("不合格")), "manual": (N_("手動"), N_("自動")),
}
_CHANGED = NP_("secret", "変更")
_CLEARED = NP_("secret", "削除")
_NOT_SET = NP_("value", "なし")
_ANY = NP_("filter", "指定なし")
_PERCENT = N_("{rate}%")
_COUNT = N_("{n:,} 件")
_REQUEST = N_("請求 {id}")
_SEPARATOR = NP_("list separator", "、")


@dataclasses.dataclass(frozen=True)
class AuditRefs:
    """What the ids inside events stand for, read at display time (the log keeps the ids).

    ``staff``/``patients``/``menus``: current names by id. Unknown ids render as 「(削除済み)」.
    ``reservations``: when each reservation starts (aware UTC), for the 対象 column.
    """

    staff: Mapping[int, str] = dataclasses.field(default_factory=dict)
    patients: Mapping[int, str] = dataclasses.field(default_factory=dict)
    menus: Mapping[int, str] = dataclasses.field(default_factory=dict)
    reservations: Mapping[int, dt.datetime] = dataclasses.field(default_factory=dict)


_NO_REFS = AuditRefs()
_GONE = N_("（削除済み）")


def field_label(key: str, lang: str = "ja") -> str:
    """The name of a stored field in ``lang`` (the key itself when unknown)."""
    text = FIELD_LABELS.get(key)
    return gettext(lang, text) if text else key


def _named(ids: Mapping[int, str], value: Any, lang: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return _plain(value, lang)
    return ids.get(value) or gettext(lang, _GONE)


def _plain(value: Any, lang: str) -> str:
    if value is None or value == "" or value == []:
        return pgettext_pair(lang, _NOT_SET)
    if isinstance(value, bool):
        return pgettext_pair(lang, NP_("flag", "あり") if value else NP_("flag", "なし"))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # free text, quoted
    if isinstance(value, list):
        return pgettext_pair(lang, _SEPARATOR).join(_plain(v, lang) for v in value)
    return json.dumps(value, ensure_ascii=False)


def value_text(key: str, value: Any, lang: str = "ja", *, action: str = "", refs: AuditRefs = _NO_REFS) -> str:
    """One stored value of field ``key`` as a person reads it in ``lang``.

    Codes by their label, whole yen as ``¥1,200``, UTC instants in JST (``2026年11月30日 (月) 10:00``),
    flags as あり/なし, ids of staff, patients and menus by their current name, secrets as 変更;
    free text in quotes. ``action`` tells codes from free text where a field holds either (理由).
    """
    if key in _SECRET_FIELDS or (key == "pin" and isinstance(value, str)):
        if value == "changed":
            return pgettext_pair(lang, _CHANGED)
        if value == "cleared":
            return pgettext_pair(lang, _CLEARED)
    if key == "pin" and isinstance(value, bool):
        return _plain(value, lang)
    kind = _ENUM_FIELDS.get(key)
    if kind is not None and isinstance(value, str):
        try:
            text = enum_label(kind(value), lang)
        except (ValueError, KeyError):
            pass
        else:  # the mode's English label is written for inside a sentence ("switch to test mode")
            return text[:1].upper() + text[1:]
    if key in _FLAG_WORDS and isinstance(value, bool):
        return gettext(lang, _FLAG_WORDS[key][0 if value else 1])
    if key in _MONEY_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return format_yen(value)
    if key in _TIME_FIELDS and isinstance(value, str) and value:
        shown = _jst(value, lang)
        if shown is not None:
            return shown
    if key in _DATE_FIELDS:
        if value is None:
            return pgettext_pair(lang, _ANY)
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return format_jst_date(dt.datetime.combine(day, dt.time(12), JST), lang)
    if key in _COUNT_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return gettext(lang, _COUNT).format(n=value)
    if key in _STAFF_FIELDS:
        return pgettext_pair(lang, _ANY) if value is None else _named(refs.staff, value, lang)
    if key == "patient_id":
        return _named(refs.patients, value, lang)
    if key == "menu_id":
        return _named(refs.menus, value, lang)
    if key in _REQUEST_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return gettext(lang, _REQUEST).format(id=value)
    if key == "role" and isinstance(value, str):
        try:
            return enum_label(StaffRole(value), lang)
        except ValueError:
            pass
    if key == "sex" and isinstance(value, str) and value:
        return sex_label(value, lang)
    if key == "platform_fee_rate" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return gettext(lang, _PERCENT).format(rate=value)
    if key == "failure_code" and isinstance(value, str) and value:
        if value not in MESSAGES:
            return value  # PAY.JP's own code, as its documentation names it
        # the first sentence of what the patient was told (the rest says what to do)
        try:
            message = message_for_code(value, "en" if lang == "en" else "ja")
        except (KeyError, IndexError):  # a message that needs details the event does not keep
            return value
        return re.split(r"(?<=[。.])\s*", message, maxsplit=1)[0].rstrip("。.")
    if key == "reason" and action in _CODED_REASONS and value in _REASON_CODES:
        return gettext(lang, _REASON_CODES[value])
    codes = _CODE_LABELS.get(key)
    if codes is not None and isinstance(value, str) and value in codes:
        return gettext(lang, codes[value])
    if key == "failed" and isinstance(value, list):
        return pgettext_pair(lang, _SEPARATOR).join(_step(v, lang) for v in value) or pgettext_pair(lang, _NOT_SET)
    if key == "states" and isinstance(value, list):
        if not value:
            return pgettext_pair(lang, _ANY)
        return pgettext_pair(lang, _SEPARATOR).join(value_text("state", v, lang) for v in value)
    if key == "actions" and isinstance(value, list):
        if not value:
            return pgettext_pair(lang, _ANY)
        return pgettext_pair(lang, _SEPARATOR).join(action_label(str(v), lang) for v in value)
    if key == "patient" and value == "":
        return pgettext_pair(lang, _ANY)
    if key in _VERBATIM_FIELDS and isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
        return str(value)
    return _plain(value, lang)


def _jst(value: str, lang: str) -> str | None:
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if at.tzinfo is None:  # stored as UTC
        at = at.replace(tzinfo=dt.timezone.utc)
    return format_jst_datetime(at, "en" if lang == "en" else "ja")


def _step(code: Any, lang: str) -> str:
    try:
        return Step(str(code)).label(lang)
    except ValueError:
        return _plain(code, lang)


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The stored fields as shown: a saved card's brand and last 4 digits as one 「VISA •••• 4242」."""
    shown = {k: v for k, v in values.items() if k not in _HIDDEN_FIELDS}
    if "brand" in shown or "last4" in shown:
        shown["card"] = card_label(str(shown.pop("brand", "") or ""), str(shown.pop("last4", "") or ""))
    return shown


def _part(key: str, value: Any, lang: str, action: str, refs: AuditRefs) -> str:
    if key == "card" and isinstance(value, str):
        return f"{field_label(key, lang)}: {value}"
    return f"{field_label(key, lang)}: {value_text(key, value, lang, action=action, refs=refs)}"


def _join(parts: list[str], lang: str) -> str:
    return ("、" if lang == "ja" else ", ").join(parts)


def change_summary(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, lang: str = "ja", *,
                   action: str = "", refs: AuditRefs = _NO_REFS) -> str:
    """What an event changed, short, in ``lang``: 「審査状況: 依頼受付済み → 承認、…」 — each field by its name,
    values as ``value_text`` shows them (a secret is stored, and shown, only as "changed"); internal ids
    (payment attempts, refunds, approvals) are left out. An event with only a ``before`` (a deleted menu),
    or a field only before (a removed card), shows what was removed. Changed fields come first, then
    the unchanged ones an event keeps for context."""
    if not after and before:  # a deletion: what was removed
        return values_summary(before, lang, action=action, refs=refs)
    b_all, a_all = _fields(before or {}), _fields(after or {})
    changes: list[str] = []
    context: list[str] = []  # what changed comes first (the cell is cut short on screen), then the rest
    for key in sorted(set(b_all) | set(a_all)):
        b, a = b_all.get(key), a_all.get(key)
        if key in b_all and key in a_all and b != a:
            if key in _SECRET_FIELDS and not b:  # a secret has no "before" worth showing
                changes.append(_part(key, a, lang, action, refs))
            else:
                changes.append(f"{field_label(key, lang)}: {value_text(key, b, lang, action=action, refs=refs)} → "
                               f"{value_text(key, a, lang, action=action, refs=refs)}")
        elif key in a_all:
            if key not in b_all and (a is None or a == ""):  # set empty at creation: nothing to say
                continue
            if key in _CHARGE_FIELDS and a is None or key == "refunded_amount" and a == 0:  # not charged, not refunded
                continue
            (context if key in b_all else changes).append(_part(key, a, lang, action, refs))
        elif key not in a_all:  # what was removed (a saved card)
            changes.append(_part(key, b, lang, action, refs))
    return _join(changes + context, lang)


def values_summary(values: Mapping[str, Any] | None, lang: str = "ja", *, action: str = "",
                   refs: AuditRefs = _NO_REFS) -> str:
    """Every field of one side of an event (the CSV's 変更前 / 変更後), as ``change_summary`` shows values."""
    shown = _fields(values or {})
    return _join([_part(k, shown[k], lang, action, refs) for k in sorted(shown)], lang)


def row_summary(row: AuditRow, lang: str = "ja") -> str:
    """操作履歴's 内容 of ``row`` in ``lang`` (``change_summary`` with the row's action and names)."""
    return change_summary(row.before, row.after, lang, action=row.action, refs=row.refs)


def action_label(action: str, lang: str = "ja") -> str:
    """The name of an audited action in ``lang`` (the code itself when unknown)."""
    text = ACTION_LABELS.get(action)
    return gettext(lang, text) if text else action


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    """The filters of 操作履歴 (all optional). Days are JST calendar days, both inclusive.

    ``patient`` is a prefix of the patient's 姓, 名 or フリガナ; ``actions`` a set of action codes.
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    staff_id: int | None = None
    actions: frozenset[str] = frozenset()
    patient: str = ""


@dataclasses.dataclass(frozen=True)
class AuditRow:
    """One audit event as the screen shows it (``at`` aware UTC; ``before``/``after`` as stored)."""

    id: int
    at: dt.datetime
    actor: str  # staff / patient / payjp / system
    staff_id: int | None
    staff_name: str
    action: str
    entity_type: str  # billing_request / patient / reservation / menu / clinic / staff
    entity_id: str
    patient_name: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    refs: AuditRefs = _NO_REFS  # names of the staff, patients and menus the values refer to


# What each kind of record is called (操作履歴's 対象, the CSV's 対象 column).
ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "billing_request": NP_("record", "請求"), "patient": NP_("record", "患者"), "reservation": NP_("record", "予約"),
    "menu": NP_("record", "メニュー"), "clinic": NP_("record", "クリニック"), "staff": NP_("record", "スタッフ"),
    "live_check": NP_("record", "接続チェック"), "daily_close": NP_("record", "日次締め"),
    "reconciliation_difference": NP_("record", "PAY.JPとの相違"),
}


def entity_label(entity_type: str, lang: str = "ja") -> str:
    """The name of a kind of record in ``lang`` (the code itself when unknown)."""
    marked = ENTITY_LABELS.get(entity_type)
    return pgettext_pair(lang, marked) if marked else entity_type


def target_text(row: AuditRow, lang: str = "ja") -> str:
    """操作履歴's 対象: the kind of record and what a person knows it by — a reservation by when it starts
    (JST, 「予約 12/02 10:00」), a staff member or menu by its name, the clinic by its kind alone (「クリニック」),
    anything else by its number (「請求 12」)."""
    label = entity_label(row.entity_type, lang)
    if row.entity_type == "clinic":  # a database holds one clinic: its number says nothing
        return label
    key = int(row.entity_id) if row.entity_id.isdigit() else None
    if key is not None:
        if row.entity_type == "reservation" and key in row.refs.reservations:
            return f"{label} {row.refs.reservations[key].astimezone(JST):%m/%d %H:%M}"
        names = {"staff": row.refs.staff, "menu": row.refs.menus}.get(row.entity_type, {})
        if key in names:
            return f"{label} {names[key]}"
    return f"{label} {row.entity_id}"


def _load(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    value = json.loads(text)
    return value if isinstance(value, dict) else {"value": value}


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), JST).astimezone(dt.timezone.utc)


class AuditLogService:
    """Reads the audit trail for the 操作履歴 screen and writes its CSV.

    Args:
        db: the database.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def events(self, actor: Actor, clinic_id: int, f: AuditFilter, *, limit: int = 500) -> list[AuditRow]:
        """The newest events of the clinic matching ``f``, at most ``limit``.

        Raises:
            PermissionDeniedError: a 受付 account (経理 and 管理者 may read the log).
        """
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            authorize(s, actor, Permission.HISTORY, clinic_id=clinic_id)
            stmt = self._select(s, clinic_id, f).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
            return self._rows(s, list(s.scalars(stmt).all()))

    def latest_id(self) -> int:
        """The id of the newest audit event (0 without any): it changes whenever anything is recorded, on
        any PC (one primary-key look-up; 操作履歴 reads its list again when it does)."""
        with self._db.uow(readonly=True) as uow:
            return int(uow.session.scalar(select(func.max(AuditEvent.id))) or 0)

    def export_csv(self, actor: Actor, clinic_id: int, f: AuditFilter, path: pathlib.Path, *,
                   lang: str = "ja") -> int:
        """Write every event matching ``f`` to ``path`` as CSV for Excel (UTF-8 with BOM, CRLF), oldest first.

        Columns ``CSV_HEADERS`` in ``lang``: times in JST, 対象 by the record's name and 対象ID its number,
        変更前 / 変更後 each side in the words of 操作履歴's 内容 (``values_summary``). One ``audit_exported``
        audit event. Returns the number of rows.

        Raises:
            PermissionDeniedError: a 受付 account; nothing is written.
        """
        written = 0
        tmp = path.with_name(path.name + ".part")
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            authorize(s, actor, Permission.HISTORY, clinic_id=clinic_id)
            stmt = self._select(s, clinic_id, f).order_by(AuditEvent.at, AuditEvent.id)
            with tmp.open("w", encoding="utf-8-sig", newline="") as out:
                writer = ExcelWriter(out)
                writer.writerow([gettext(lang, h) for h in CSV_HEADERS])
                batch: list[AuditEvent] = []
                for event in s.scalars(stmt.execution_options(yield_per=1000)):
                    batch.append(event)
                    if len(batch) >= 1000:
                        written += self._write(writer, self._rows(s, batch), lang)
                        batch = []
                written += self._write(writer, self._rows(s, batch), lang)
        tmp.replace(path)
        from desktop.services import audit

        with self._db.uow() as uow:
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="audit_exported", entity_type="clinic", entity_id=clinic_id,
                         after={"rows": written, "date_from": f.date_from, "date_to": f.date_to,
                                "staff_id": f.staff_id, "actions": sorted(f.actions), "patient": f.patient})
            uow.commit()
        return written

    @staticmethod
    def _write(writer: Any, rows: list[AuditRow], lang: str) -> int:
        for r in rows:
            writer.writerow([
                r.at.astimezone(JST).strftime("%Y/%m/%d %H:%M:%S"), r.staff_name,
                gettext(lang, ACTOR_LABELS.get(r.actor, r.actor)), action_label(r.action, lang),
                target_text(r, lang), r.entity_id, r.patient_name,
                values_summary(r.before, lang, action=r.action, refs=r.refs),
                values_summary(r.after, lang, action=r.action, refs=r.refs),
            ])
        return len(rows)

    @staticmethod
    def _select(s: Session, clinic_id: int, f: AuditFilter) -> Any:
        stmt = select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
        if f.date_from is not None:
            stmt = stmt.where(AuditEvent.at >= _day_start(f.date_from))
        if f.date_to is not None:
            stmt = stmt.where(AuditEvent.at < _day_start(f.date_to + dt.timedelta(days=1)))
        if f.staff_id is not None:
            stmt = stmt.where(AuditEvent.staff_id == f.staff_id)
        if f.actions:
            stmt = stmt.where(AuditEvent.action.in_(sorted(f.actions)))
        query = normalize_name(f.patient or "").replace(" ", "")
        if query:
            kana = to_katakana(query)
            match = (Patient.clinic_id == clinic_id) & or_(
                Patient.family_name.startswith(query), Patient.given_name.startswith(query),
                Patient.family_name_kana.startswith(kana), Patient.given_name_kana.startswith(kana),
                Patient.family_name_kana.startswith(query), Patient.given_name_kana.startswith(query))
            patients = select(Patient.id).where(match)
            patient_keys = select(cast(Patient.id, String)).where(match)
            requests = select(cast(BillingRequest.id, String)).where(BillingRequest.patient_id.in_(patients))
            reservations = select(cast(Reservation.id, String)).where(Reservation.patient_id.in_(patients))
            stmt = stmt.where(or_(
                (AuditEvent.entity_type == "patient") & AuditEvent.entity_id.in_(patient_keys),
                (AuditEvent.entity_type == "billing_request") & AuditEvent.entity_id.in_(requests),
                (AuditEvent.entity_type == "reservation") & AuditEvent.entity_id.in_(reservations),
            ))
        return stmt

    @staticmethod
    def _rows(s: Session, events: list[AuditEvent]) -> list[AuditRow]:
        if not events:
            return []
        staff_ids = {e.staff_id for e in events if e.staff_id is not None}
        names: dict[int, str] = {}
        if staff_ids:
            names = {int(i): str(n) for i, n in s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))}

        def ids(kind: str) -> set[int]:
            return {int(e.entity_id) for e in events if e.entity_type == kind and e.entity_id.isdigit()}

        patient_of: dict[tuple[str, str], str] = {}
        if pids := ids("patient"):
            for p in s.scalars(select(Patient).where(Patient.id.in_(pids))):
                patient_of[("patient", str(p.id))] = p.full_name
        if rids := ids("billing_request"):
            for rid, name in s.execute(select(BillingRequest.id, BillingRequest.patient_name)
                                       .where(BillingRequest.id.in_(rids))):
                patient_of[("billing_request", str(rid))] = name
        if vids := ids("reservation"):
            for vid, fam, giv in s.execute(select(Reservation.id, Patient.family_name, Patient.given_name)
                                           .join(Patient, Patient.id == Reservation.patient_id)
                                           .where(Reservation.id.in_(vids))):
                patient_of[("reservation", str(vid))] = f"{fam} {giv}".strip()
        loaded = [(e, _load(e.before), _load(e.after)) for e in events]
        refs = AuditLogService._refs(s, [v for _e, b, a in loaded for v in (b, a) if v is not None], names,
                                     {kind: ids(kind) for kind in ("staff", "menu", "reservation")})
        return [
            AuditRow(e.id, e.at, e.actor, e.staff_id, names.get(e.staff_id, "") if e.staff_id is not None else "",
                     e.action, e.entity_type, e.entity_id, patient_of.get((e.entity_type, e.entity_id), ""),
                     before, after, refs)
            for e, before, after in loaded
        ]

    @staticmethod
    def _refs(s: Session, values: list[dict[str, Any]], staff: dict[int, str],
              targets: dict[str, set[int]]) -> AuditRefs:
        """The current names of the staff, patients and menus that ``values`` refer to by id, and of the
        staff, menus and reservations (their start) that events concern (``targets`` by entity type)."""
        def ids(keys: frozenset[str]) -> set[int]:
            return {v[k] for v in values for k in keys if isinstance(v.get(k), int) and not isinstance(v[k], bool)}

        staff_ids = (ids(_STAFF_FIELDS) | targets["staff"]) - set(staff)
        names = dict(staff)
        if staff_ids:
            names.update({int(i): str(n) for i, n in s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))})
        patients: dict[int, str] = {}
        if pids := ids(frozenset({"patient_id"})):
            patients = {p.id: p.full_name for p in s.scalars(select(Patient).where(Patient.id.in_(pids)))}
        menus: dict[int, str] = {}
        if mids := ids(frozenset({"menu_id"})) | targets["menu"]:
            menus = {int(i): str(n) for i, n in s.execute(select(Menu.id, Menu.name).where(Menu.id.in_(mids)))}
        starts: dict[int, dt.datetime] = {}
        if vids := targets["reservation"]:
            for i, at in s.execute(select(Reservation.id, Reservation.starts_at).where(Reservation.id.in_(vids))):
                starts[int(i)] = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
        return AuditRefs(names, patients, menus, starts)
