"""操作履歴 (the audit log on screen): filtered reads of the append-only audit trail and its CSV.

Readable by 経理 and 管理者 only. Rows come back newest first over the ``(clinic_id, at)`` index;
each names the staff member (their current name), what was done (a label in the reader's
language), the record it concerns (and its patient, when there is one) and the values before
and after as stored (secrets only ever as "changed").
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import pathlib
from enum import Enum
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import PaymentMode, ReviewStatus
from desktop.domain.formatting import JST
from desktop.domain.labels import label as enum_label
from desktop.domain.names import normalize_name, to_katakana
from desktop.domain.staff import Actor, Permission
from desktop.i18n import N_, NP_, gettext, pgettext_pair
from desktop.services.authz import authorize
from desktop.storage.orm import AuditEvent, BillingRequest, Patient, Reservation, Staff
from desktop.storage.unit_of_work import Database

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
    "card_saved": N_("カード保存"),
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
}
_ENUM_FIELDS: dict[str, type[Enum]] = {
    "review_status": ReviewStatus, "state": BillingState, "tax_category": TaxCategory, "payment_mode": PaymentMode,
}


def field_label(key: str, lang: str = "ja") -> str:
    """The name of a stored field in ``lang`` (the key itself when unknown)."""
    text = FIELD_LABELS.get(key)
    return gettext(lang, text) if text else key


def _value(key: str, value: Any, lang: str) -> str:
    kind = _ENUM_FIELDS.get(key)
    if kind is not None and isinstance(value, str):
        try:
            return enum_label(kind(value), lang)
        except (ValueError, KeyError):
            pass
    if isinstance(value, bool):
        return pgettext_pair(lang, NP_("flag", "あり") if value else NP_("flag", "なし"))
    return json.dumps(value, ensure_ascii=False)


def change_summary(before: dict[str, Any] | None, after: dict[str, Any] | None, lang: str = "ja") -> str:
    """What an event changed, short, in ``lang``: 「審査状況: 依頼受付済み → 承認、…」 — each field by its name,
    values of known kinds by their label (a secret is stored, and shown, only as "changed")."""
    before, after = before or {}, after or {}
    parts = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if key in before and key in after and b != a:
            parts.append(f"{field_label(key, lang)}: {_value(key, b, lang)} → {_value(key, a, lang)}")
        elif key in after:
            parts.append(f"{field_label(key, lang)}: {_value(key, a, lang)}")
    return ("、" if lang == "ja" else ", ").join(parts)


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

    def export_csv(self, actor: Actor, clinic_id: int, f: AuditFilter, path: pathlib.Path, *,
                   lang: str = "ja") -> int:
        """Write every event matching ``f`` to ``path`` as CSV for Excel (UTF-8 with BOM, CRLF), oldest first.

        Times in JST. One ``audit_exported`` audit event. Returns the number of rows.

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
                writer = csv.writer(out, lineterminator="\r\n")
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
                gettext(lang, ACTOR_LABELS.get(r.actor, r.actor)), action_label(r.action, lang), r.entity_type,
                r.entity_id, r.patient_name,
                json.dumps(r.before, ensure_ascii=False, sort_keys=True) if r.before is not None else "",
                json.dumps(r.after, ensure_ascii=False, sort_keys=True) if r.after is not None else "",
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
        return [
            AuditRow(e.id, e.at, e.actor, e.staff_id, names.get(e.staff_id, "") if e.staff_id is not None else "",
                     e.action, e.entity_type, e.entity_id, patient_of.get((e.entity_type, e.entity_id), ""),
                     _load(e.before), _load(e.after))
            for e in events
        ]
