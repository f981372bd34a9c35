"""Billing history (決済管理): filtered, paged reads of billing requests and CSV export.

The table may hold a million rows, so nothing here loads them all:

* rows come back one page at a time, ordered newest first (``requested_at``, ``id``) over
  the ``(clinic_id, requested_at)`` index; a page past the middle is read backwards from the
  oldest row, so the end of the list is as quick to show as the start;
* the patient-name filter is a *prefix* match on 姓, 名 or フリガナ, each written as a range
  (``name >= q AND name < q + U+FFFF``) over its own ``(clinic_id, …)`` index, on SQLite and PostgreSQL;
* the UI polls ``change_token`` (two index look-ups) to learn that a row changed — a patient
  paying on the checkout page, another PC refunding — and only then re-reads its pages.

The methods block: the UI calls them through ``runner.db``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from typing import Any, Iterable, Sequence

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from desktop.domain import labels
from desktop.domain.billing import PAID_STATES, REFUNDABLE_STATES, AttemptStatus, BillingState, RefundStatus, RequestKind
from desktop.domain.billing import TaxCategory
from desktop.domain.formatting import JST
from desktop.domain.names import normalize_name, to_katakana
from desktop.domain.clinic import MailStatus
from desktop.domain.staff import Actor, Permission
from desktop.services import audit
from desktop.services.authz import authorize
from desktop.services.billing.common import stored_error
from desktop.storage.orm import BillingRequest, OutboxMail, PaymentAttempt, Refund
from desktop.storage.unit_of_work import Database
from desktop.services.excel_csv import ExcelWriter

_PREFIX_END = "\uffff"


@dataclasses.dataclass(frozen=True)
class HistoryFilter:
    """The filters of 決済管理 (all optional). Dates are JST calendar days, both inclusive."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    states: frozenset[BillingState] = frozenset()
    patient: str = ""
    staff_id: int | None = None
    request_id: int | None = None  # one request only (opened from 操作履歴)


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    """One billing request as the history tables show it."""

    id: int
    reservation_id: int
    requested_at: dt.datetime
    paid_at: dt.datetime | None
    amount: int
    staff_name: str
    message: str
    state: BillingState
    patient_name: str
    menu_name: str
    refunded_amount: int
    last_refunded_at: dt.datetime | None
    kind: RequestKind
    tax_category: TaxCategory
    mail_refused: bool = False  # a mail of this request was refused by the recipient's server
    # カード拒否: while the request waits for payment (未決済) and the patient's newest card attempt
    # failed, when it failed (aware UTC) and why, as a message code and its JSON parameters
    declined_at: dt.datetime | None = None
    decline_code: str = ""
    decline_params: str | None = None

    def decline_reason(self, lang: str = "ja") -> str:
        """Why the newest card attempt failed, our own text for its code in ``lang`` ("" when none did)."""
        if self.declined_at is None:
            return ""
        return stored_error(self.decline_code or "unexpected", self.decline_params).message(lang)

    @property
    def refundable(self) -> bool:
        return self.state in REFUNDABLE_STATES and self.refunded_amount < self.amount

    @property
    def remaining(self) -> int:
        return self.amount - self.refunded_amount

    @property
    def cancellable(self) -> bool:
        return self.state is BillingState.REQUESTED

    @property
    def paid(self) -> bool:
        return self.state in PAID_STATES


_COLUMNS = (
    BillingRequest.id, BillingRequest.reservation_id, BillingRequest.requested_at, BillingRequest.paid_at,
    BillingRequest.amount, BillingRequest.staff_name, BillingRequest.message, BillingRequest.state,
    BillingRequest.patient_name, BillingRequest.menu_name, BillingRequest.refunded_amount,
    BillingRequest.last_refunded_at, BillingRequest.kind, BillingRequest.tax_category,
    # A mail of this request the recipient's server refused (e.g. a legacy carrier address):
    # FAILED outbox rows are few, so this EXISTS is answered from ix_outbox_mail_due.
    exists().where(OutboxMail.status == MailStatus.FAILED, OutboxMail.billing_request_id == BillingRequest.id)
    .correlate(BillingRequest).label("mail_refused"),
)


def _row(values: Sequence[Any]) -> HistoryRow:
    row = HistoryRow(*values[:-1])  # _COLUMNS in field order, mail_refused last
    return dataclasses.replace(row, mail_refused=True) if values[-1] else row


def _with_declines(session: Session, rows: list[HistoryRow]) -> list[HistoryRow]:
    """``rows`` with カード拒否 filled in for each unpaid one whose newest card attempt failed (one
    look-up over ``ix_payment_attempt_request`` for the unpaid rows only)."""
    unpaid = [r.id for r in rows if r.state is BillingState.REQUESTED]
    if not unpaid:
        return rows
    newest: dict[int, PaymentAttempt] = {}
    for attempt in session.scalars(select(PaymentAttempt).where(PaymentAttempt.billing_request_id.in_(unpaid))
                                   .order_by(PaymentAttempt.started_at, PaymentAttempt.id)):
        newest[attempt.billing_request_id] = attempt
    out: list[HistoryRow] = []
    for r in rows:
        a = newest.get(r.id)
        if a is not None and a.status is AttemptStatus.FAILED:
            r = dataclasses.replace(r, declined_at=a.finished_at or a.started_at,
                                    decline_code=a.error_code or a.failure_code or "", decline_params=a.error_params)
        out.append(r)
    return out


def _jst_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), JST).astimezone(dt.timezone.utc)


def _where(clinic_id: int, f: HistoryFilter) -> list[Any]:
    clauses: list[Any] = [BillingRequest.clinic_id == clinic_id]
    if f.date_from is not None:
        clauses.append(BillingRequest.requested_at >= _jst_day_start(f.date_from))
    if f.date_to is not None:
        clauses.append(BillingRequest.requested_at < _jst_day_start(f.date_to + dt.timedelta(days=1)))
    if f.states:
        clauses.append(BillingRequest.state.in_(sorted(f.states, key=lambda s: s.value)))
    name = normalize_name(f.patient)
    if name:
        # 姓 (名), 名, or フリガナ typed in hiragana or katakana: each a prefix range over its own index.
        kana = to_katakana(name)
        clauses.append(or_(
            and_(BillingRequest.patient_name >= name, BillingRequest.patient_name < name + _PREFIX_END),
            and_(BillingRequest.patient_given >= name, BillingRequest.patient_given < name + _PREFIX_END),
            and_(BillingRequest.patient_kana >= kana, BillingRequest.patient_kana < kana + _PREFIX_END),
        ))
    if f.staff_id is not None:
        clauses.append(BillingRequest.staff_id == f.staff_id)
    if f.request_id is not None:
        clauses.append(BillingRequest.id == f.request_id)
    return clauses


def _ordered(stmt: Select[*tuple[Any, ...]], newest_first: bool) -> Select[*tuple[Any, ...]]:
    if newest_first:
        return stmt.order_by(BillingRequest.requested_at.desc(), BillingRequest.id.desc())
    return stmt.order_by(BillingRequest.requested_at.asc(), BillingRequest.id.asc())


class HistoryService:
    """Reads of the billing history for 決済管理 and the reservation detail."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def count(self, clinic_id: int, f: HistoryFilter = HistoryFilter()) -> int:
        with self._db.uow(readonly=True) as uow:
            return int(uow.session.scalar(select(func.count()).select_from(BillingRequest)
                                          .where(*_where(clinic_id, f))) or 0)

    def page(self, clinic_id: int, f: HistoryFilter, offset: int, limit: int, *,
             total: int | None = None) -> list[HistoryRow]:
        """Rows ``offset`` … ``offset + limit - 1`` of the newest-first list.

        With ``total`` known, a page in the older half is read from the oldest end, so no query
        skips more than half the rows.
        """
        if limit <= 0 or offset < 0:
            return []
        stmt = select(*_COLUMNS).where(*_where(clinic_id, f))
        with self._db.uow(readonly=True) as uow:
            if total is not None and offset > total // 2:
                end = min(total, offset + limit)
                start_from_oldest = total - end
                count = end - offset
                if count <= 0:
                    return []
                rows = uow.session.execute(_ordered(stmt, False).offset(start_from_oldest).limit(count)).all()
                return _with_declines(uow.session, [_row(r) for r in reversed(rows)])
            rows = uow.session.execute(_ordered(stmt, True).offset(offset).limit(limit)).all()
            return _with_declines(uow.session, [_row(r) for r in rows])

    def get(self, request_id: int) -> HistoryRow | None:
        with self._db.uow(readonly=True) as uow:
            found = uow.session.execute(select(*_COLUMNS).where(BillingRequest.id == request_id)).first()
            return _with_declines(uow.session, [_row(found)])[0] if found is not None else None

    def for_reservation(self, reservation_id: int) -> list[HistoryRow]:
        with self._db.uow(readonly=True) as uow:
            rows = uow.session.execute(
                _ordered(select(*_COLUMNS).where(BillingRequest.reservation_id == reservation_id), True)
            ).all()
            return _with_declines(uow.session, [_row(r) for r in rows])

    def change_token(self, clinic_id: int) -> tuple[Any, ...]:
        """Changes whenever a request is added or changed (two index look-ups, no scan)."""
        with self._db.uow(readonly=True) as uow:
            s = uow.session
            return (s.scalar(select(func.max(BillingRequest.id))),
                    s.scalar(select(func.max(BillingRequest.updated_at))))

    def staff_names(self, clinic_id: int) -> list[tuple[int, str]]:
        from desktop.storage.orm import Staff

        with self._db.uow(readonly=True) as uow:
            rows = uow.session.execute(select(Staff.id, Staff.name).where(Staff.clinic_id == clinic_id)
                                       .order_by(Staff.id)).all()
            return [(int(i), str(n)) for i, n in rows]

    def export_csv(self, actor: Actor, clinic_id: int, f: HistoryFilter, path: pathlib.Path, *,
                   headers: Sequence[str], state_labels: dict[BillingState, str], lang: str = "ja") -> int:
        """Write the filtered rows to ``path`` as CSV that Excel opens (UTF-8 with BOM, CRLF).

        The columns are ``csv_fields``'s (``headers`` names them, in the UI language ``lang``);
        times are JST written as the 日次締め CSV writes them (2026-12-01 14:05); amounts whole yen.
        経理 or 管理者 only; one ``history_exported`` audit event (the filter and the row count).

        Raises:
            PermissionDeniedError: a 受付 account; nothing is written.
        """
        with self._db.uow(readonly=True) as uow:
            authorize(uow.session, actor, Permission.HISTORY, clinic_id=clinic_id)
        written = 0
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", encoding="utf-8-sig", newline="") as out:
            writer = ExcelWriter(out)
            writer.writerow(headers)
            with self._db.uow(readonly=True) as uow:
                reasons = _refund_reasons(uow.session, clinic_id, f)
                result = uow.session.execute(
                    _ordered(select(*_COLUMNS, *_PAYJP_COLUMNS).where(*_where(clinic_id, f)), True)
                    .execution_options(yield_per=2000)
                )
                for values in result:
                    row = _row(values[:len(_COLUMNS)])
                    charge_id, brand, last4 = values[len(_COLUMNS):]
                    payment = CsvPayment(charge_id, brand, last4, tuple(reasons.get(row.id, ())))
                    writer.writerow(csv_fields(row, state_labels, lang, payment))
                    written += 1
        tmp.replace(path)
        with self._db.uow() as uow:
            audit.record(uow.session, clinic_id=clinic_id, actor="staff", staff_id=actor.staff_id,
                         action="history_exported", entity_type="clinic", entity_id=clinic_id,
                         after={"rows": written, "date_from": f.date_from, "date_to": f.date_to,
                                "states": sorted(x.value for x in f.states), "patient": f.patient,
                                "staff_id": f.staff_id})
            uow.commit()
        return written


# PAY.JP's side of a request, for matching the CSV against PAY.JP's statement
_PAYJP_COLUMNS = (BillingRequest.charge_id, BillingRequest.card_brand, BillingRequest.card_last4)


@dataclasses.dataclass(frozen=True)
class CsvPayment:
    """The CSV's columns after 返金日時: PAY.JP's charge id (``ch_…``), the card's brand as PAY.JP
    names it (``Visa``) and last 4 digits, and the reasons of the request's refunds, oldest first."""

    charge_id: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    refund_reasons: tuple[str, ...] = ()


def _refund_reasons(s: Any, clinic_id: int, f: HistoryFilter) -> dict[int, list[str]]:
    """The reasons of the refunds made (succeeded) for the requests ``f`` matches, by request id.

    Refunds are few next to requests, so they are read at once rather than per row.
    """
    rows = s.execute(
        select(Refund.billing_request_id, Refund.reason)
        .join(BillingRequest, BillingRequest.id == Refund.billing_request_id)
        .where(*_where(clinic_id, f), Refund.status == RefundStatus.SUCCEEDED, Refund.reason != "")
        .order_by(Refund.created_at, Refund.id)
    )
    found: dict[int, list[str]] = {}
    for request_id, reason in rows:
        found.setdefault(int(request_id), []).append(str(reason))
    return found


def _csv_time(value: dt.datetime | None) -> str:
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M") if value else ""


def csv_fields(row: HistoryRow, state_labels: dict[BillingState, str], lang: str = "ja",
               payment: CsvPayment = CsvPayment()) -> Iterable[object]:
    """One CSV line: 請求ID, 請求日時, 決済日時, 患者名, メニュー, 予約ID, 請求金額, 課税対象, 請求スタッフ,
    伝達事項, 状態, 返金額, 返金日時, then PAY.JP課金ID, カードブランド, カード下4桁, 返金理由 (several
    joined by 「 / 」). 課税対象 and 状態 are the screen's words in ``lang``."""
    return (
        row.id, _csv_time(row.requested_at), _csv_time(row.paid_at), row.patient_name, row.menu_name,
        row.reservation_id, row.amount, labels.label(row.tax_category, lang), row.staff_name,
        row.message, state_labels[row.state], row.refunded_amount or "", _csv_time(row.last_refunded_at),
        payment.charge_id or "", payment.card_brand or "", payment.card_last4 or "",
        " / ".join(payment.refund_reasons),
    )
