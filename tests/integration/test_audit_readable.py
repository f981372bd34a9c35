"""操作履歴's 内容 and its CSV read in words, in both languages, for every field the services store.

A realistic run on the デモ clinic (every staff write of the services, with payments, a refund, a saved
card, the reconciliation and the day's close) fills the audit trail; then every event, as the screen
and the CSV show it, is checked for what a clinic manager or an accountant must never have to decode:
a field's stored key, a code, an ISO timestamp, an amount without ¥, True/False/None, an id of a staff
member, patient or menu, or (in English) Japanese that is not the clinic's own data.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import pathlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from desktop.domain.billing import BillingState, TaxCategory
from desktop.domain.clinic import CareType, PaymentMode, PaymentTiming, ReservationStatus, ReviewStatus, StaffRole
from desktop.domain.formatting import JST, format_jst_datetime, format_yen
from desktop.services.audit_log import (
    ACTION_LABELS,
    FIELD_LABELS,
    AuditFilter,
    AuditRow,
    action_label,
    field_label,
    row_summary,
    target_text,
)
from desktop.domain.errors import UserError
from desktop.services.checkout.app import checkout_services_from_context
from desktop.services.payment_setup import DEMO_SECRET_KEY
from desktop.simulator.testing import make_test_token
from desktop.storage.orm import AuditEvent, Menu, Patient, Reservation
from tests.integration.test_roles_enforced import CASES, Env, demo_clinic

# ids that say nothing to a person: left out of 内容 (the event's 対象 names the record)
HIDDEN = {"attempt", "refund", "approval", "consent_request", "payjp_customer_id"}
# a saved card's brand and last 4 digits are shown together as 「VISA •••• 4242」
CARD = {"brand", "last4"}
MONEY = {"amount", "refunded_amount", "refund_amount", "price", "auto_charge_cap", "refund_approval_threshold",
         "payment_amount", "net"}
CODES = {m.value for kind in (BillingState, TaxCategory, CareType, PaymentMode, PaymentTiming, ReservationStatus,
                              ReviewStatus, StaffRole) for m in kind} | set(ACTION_LABELS)
ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2})?")
PY_VALUES = re.compile(r"\b(True|False|None|null|true|false)\b")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    yield from demo_clinic(tmp_path_factory.mktemp("audit"))


@pytest.fixture(scope="module")
def rows(env: Env) -> list[AuditRow]:
    """Every event of a day at the clinic: each staff write once (by a role that may), then a wrong sign-in."""
    for name in sorted(CASES):
        case = CASES[name]
        env.prepared = case.prepare(env)  # type: ignore[attr-defined]
        actor = next(env.actors[r] for r in (StaffRole.MANAGER, StaffRole.STAFF, StaffRole.ACCOUNTANT)
                     if r not in case.refuse)
        try:
            case.call(env, actor)
        except Exception as exc:  # the few the demo clinic refuses after the role check (see CASES)
            assert case.raises is not None and isinstance(exc, case.raises), (name, exc)
    staff = env.actors[StaffRole.STAFF]
    with pytest.raises(Exception):
        env.ctx.staff.sign_in(staff.staff_id, "not-the-password")
    # the patient: a card the charge declines, then one that pays, then the receipt
    raw = env._raw_link(env.open_request())
    with pytest.raises(UserError):
        env.ctx.billing.pay_with_token(raw, make_test_token(env.sim_base, DEMO_SECRET_KEY, "4000000000080319"))
    env.ctx.billing.pay_with_token(raw, make_test_token(env.sim_base, DEMO_SECRET_KEY))
    checkout_services_from_context(env.ctx).receipts.issue(raw, "山田 花子")
    return env.ctx.actions._audit.events(env.actors[StaffRole.MANAGER], env.clinic_id, AuditFilter(), limit=100_000)


def _data(row: AuditRow, env: Env) -> list[str]:
    """The clinic's own words in ``row``: the stored text values and the names its ids stand for."""
    words = [v for side in (row.before or {}, row.after or {}) for v in side.values() if isinstance(v, str) and v]
    words += [*row.refs.staff.values(), *row.refs.patients.values(), *row.refs.menus.values()]
    return sorted(set(words), key=len, reverse=True)


def _problems(text: str, row: AuditRow, lang: str, env: Env, values: dict[str, Any] | None = None) -> list[str]:
    """What in ``text`` (``row`` shown in ``lang``; ``values`` the side shown, both sides by default) a person
    could not read."""
    found = []
    values = {**(row.before or {}), **(row.after or {})} if values is None else values
    # what is left once the clinic's own words are taken out must be the app's words
    rest = text
    for word in _data(row, env):
        rest = rest.replace(word, "")
    for key in values:
        if re.search(rf"(^|、|, ){re.escape(key)}: ", text):
            found.append(f"raw key {key!r}")
    for code in CODES:
        if re.search(rf"(: |→ |\"){re.escape(code)}(\"|$|[、,]| →)", text):
            found.append(f"raw code {code!r}")
    if m := SNAKE.search(rest):
        found.append(f"code-like {m.group(0)!r}")
    if m := ISO.search(rest):
        found.append(f"ISO date {m.group(0)!r}")
    if m := PY_VALUES.search(rest):
        found.append(f"program value {m.group(0)!r}")
    for key in MONEY & set(values):  # shown in yen (or left out: nothing refunded yet)
        label = re.escape(field_label(key, lang))
        for m in re.finditer(rf"(?:^|、|, ){label}: (.*?)(?=、|, |$)", text):
            if not re.fullmatch(r"-?¥[\d,]+( → -?¥[\d,]+)?", m.group(1)):
                found.append(f"{key} not in yen: {m.group(1)!r}")
    if lang == "en" and (m := JAPANESE.search(rest)):
        found.append(f"Japanese {m.group(0)!r}")
    return found


def test_every_stored_field_has_a_name_or_is_left_out(rows: list[AuditRow]) -> None:
    keys = {k for r in rows for side in (r.before or {}, r.after or {}) for k in side}
    assert len(keys) > 40, sorted(keys)  # the run reached the billing, staff, settings and export events
    assert keys - set(FIELD_LABELS) - HIDDEN - CARD == set()
    actions = {r.action for r in rows}
    assert actions - set(ACTION_LABELS) == set()
    assert {"payment_succeeded", "payment_failed", "receipt_issued", "refund_started", "reservation_created",
            "staff_created", "clinic_updated", "menu_created", "sign_in_failed", "audit_exported"} <= actions


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_contents_read_in_words(rows: list[AuditRow], env: Env, lang: str) -> None:
    problems = {}
    for row in rows:
        text = row_summary(row, lang)
        if found := _problems(text, row, lang, env):
            problems[f"{row.action} {text}"] = found
        assert action_label(row.action, lang) != row.action
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_ids_read_as_what_they_stand_for(rows: list[AuditRow], env: Env) -> None:
    created = next(r for r in rows if r.action == "reservation_created")
    after = created.after or {}
    with env.ctx.db.uow(readonly=True) as uow:
        patient = uow.session.get(Patient, after["patient_id"])
        menu = uow.session.get(Menu, after["menu_id"])
        res = uow.session.get(Reservation, int(created.entity_id))
        assert patient is not None and menu is not None and res is not None
        names, menu_name, starts = patient.full_name, menu.name, res.starts_at
    starts = starts if starts.tzinfo else starts.replace(tzinfo=dt.timezone.utc)
    ja, en = row_summary(created, "ja"), row_summary(created, "en")
    assert f"患者: {names}" in ja and f"メニュー: {menu_name}" in ja and "状態: 予約" in ja
    assert f"予約日時: {format_jst_datetime(starts, 'ja')}" in ja
    assert f"Patient: {names}" in en and f"Menu: {menu_name}" in en and "Status: Reserved" in en
    assert "(JST)" in en
    assert target_text(created, "ja") == f"予約 {starts.astimezone(JST):%m/%d %H:%M}"
    assert target_text(created, "en").startswith("Reservation ")
    renamed = next(r for r in rows if r.action == "staff_renamed")
    assert target_text(renamed, "ja") == f"スタッフ {(renamed.after or {})['name']}"
    request = next(r for r in rows if r.entity_type == "billing_request")
    assert target_text(request, "en") == f"Request {request.entity_id}"
    changed = next(r for r in rows if r.action == "reservation_status_changed")
    new = ReservationStatus((changed.after or {})["status"])
    words = {ReservationStatus.RESERVED: "予約", ReservationStatus.VISITED: "来院済み",
             ReservationStatus.CANCELLED: "キャンセル"}
    assert f"→ {words[new]}" in row_summary(changed, "ja") or f"状態: {words[new]}" in row_summary(changed, "ja")

    paid = next(r for r in rows if r.action == "payment_succeeded")
    charge = (paid.after or {})["charge_id"]
    amount = (paid.after or {})["amount"]
    assert f"PAY.JPの決済ID: なし → {charge}" in row_summary(paid, "ja")
    assert f"金額: {format_yen(amount)}" in row_summary(paid, "ja")
    assert f"PAY.JP charge ID: not set → {charge}" in row_summary(paid, "en")
    assert "att_" not in row_summary(paid, "ja")  # the payment attempt's id says nothing to a person

    settings = next(r for r in rows if r.entity_type == "clinic")
    assert target_text(settings, "ja") == "クリニック" and target_text(settings, "en") == "Clinic"

    secret = next(r for r in rows if r.action == "staff_password_reset")
    assert row_summary(secret, "ja") == "パスワード: 変更" and row_summary(secret, "en") == "Password: Changed"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_csv_keeps_its_columns_with_the_same_words(rows: list[AuditRow], env: Env, lang: str,
                                                   tmp_path: pathlib.Path) -> None:
    out = tmp_path / "audit.csv"
    manager = env.actors[StaffRole.MANAGER]
    written = env.ctx.actions._audit.export_csv(manager, env.clinic_id, AuditFilter(), out, lang=lang)
    table = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(table) == 1 + written and len(table[0]) == 9
    assert table[0][7:] == (["変更前", "変更後"] if lang == "ja" else ["Before", "After"])
    with env.ctx.db.uow(readonly=True) as uow:
        ids = [e.id for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.clinic_id == env.clinic_id)
                                                 .order_by(AuditEvent.at, AuditEvent.id))]
    by_id = {r.id: r for r in rows}
    problems = {}
    for event_id, line in zip(ids, table[1:]):
        row = by_id.get(event_id)
        if row is None:  # the export's own event, written after the rows were read
            continue
        assert line[3] == action_label(row.action, lang)
        assert line[4] == target_text(row, lang), line[4]  # 対象 as on screen: 「スタッフ 看護師 中村」, not 「スタッフ,4」
        assert not SNAKE.search(line[4]), line[4]
        for text, side in zip(line[7:], (row.before, row.after)):
            if found := _problems(text, row, lang, env, dict(side or {})):
                problems[f"{row.action} {text}"] = found
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_a_menu_change_of_every_field_is_in_the_log(env: Env, rows: list[AuditRow]) -> None:
    from desktop.services.directory import MenuInput

    manager = env.actors[StaffRole.MANAGER]
    menu_id = env.ctx.directory.save_menu(manager, env.clinic_id, MenuInput(name="健康診断", price=5500))
    env.ctx.directory.save_menu(manager, env.clinic_id, MenuInput(
        name="健康診断", price=5500, receipt_purpose="健診代として", note="空腹で来院",
        attachment_required=True, confirmation_message="問診票を持参してください"), menu_id)
    changed = env.ctx.actions._audit.events(manager, env.clinic_id, AuditFilter(actions=frozenset({"menu_updated"})),
                                             limit=1)[0]
    ja = row_summary(changed, "ja")
    for words in ('但し書き: なし → "健診代として"', '備考: なし → "空腹で来院"',
                  '確認メッセージ: なし → "問診票を持参してください"'):
        assert words in ja, ja
    assert ja.index("但し書き") < ja.index("名前"), ja  # what changed first, the unchanged name after
    assert "添付ファイル必須: なし → あり" in ja, ja
