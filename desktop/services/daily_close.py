"""日次締め (daily close): one day's figures in Japan time, closed by a 管理者 or 経理.

A day runs 00:00–24:00 JST. Its figures: requests sent; payments (count, whole yen) by when
they were paid; refunds by when PAY.JP carried them out (a later refund of that day's payment
shows on the day it is made); the net; split 課税 / 非課税 with the 消費税 contained in the
課税 part (per payment and per refund, 10 % included, 端数切り捨て, as on the receipts); by
staff (payments by the staff member who sent the request, refunds by the one who refunded —
"PAY.JP" for refunds made in PAY.JP's dashboard); PAY.JP's fee and the platform fee as PAY.JP
reported them on each charge (``fee_rate``, ``total_platform_fee``), estimated where it did not
and then marked so.

Closing stores the figures; a closed day shows what was closed, whatever happens later. A
day can be closed once it is over, when nothing of it is still in flight.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from desktop.domain.billing import AttemptStatus, BillingState, RefundStatus, TaxCategory, included_tax
from desktop.domain.errors import StateError
from desktop.domain.formatting import JST, format_yen
from desktop.domain.staff import Actor, Permission
from desktop.i18n import N_, gettext
from desktop.services.authz import authorize
from desktop.services.billing.common import Clock
from desktop.storage import audit as audit_log
from desktop.storage.orm import BillingRequest, Clinic, DailyClose, PaymentAttempt, Refund, Staff
from desktop.storage.unit_of_work import Database
from desktop.services.excel_csv import ExcelWriter

ESTIMATED_PAYJP_FEE_RATE = Decimal("3.00")
"""Percent used when a charge carries no ``fee_rate``: PAY.JP's standard rate for Visa and
Mastercard (https://pay.jp/#pricing); an estimate, marked as such wherever it is shown."""

OUTSIDE_STAFF = "PAY.JP"  # who made a refund learnt from PAY.JP (its dashboard)


@dataclasses.dataclass(frozen=True)
class StaffFigures:
    """One staff member's part of a day (whole yen)."""

    name: str
    payments: int = 0
    payment_amount: int = 0
    refunds: int = 0
    refund_amount: int = 0


@dataclasses.dataclass(frozen=True)
class DayFigures:
    """The figures of one day (JST), all amounts in whole yen.

    ``tax`` is the 消費税 contained in the 課税 net. ``payjp_fee_estimated`` /
    ``platform_fee_estimated``: some charge did not report its fee, so part of the figure is
    an estimate. ``closed_at`` (UTC) and ``closed_by`` are set once the day is closed.
    """

    day: dt.date
    requests_sent: int = 0
    payments: int = 0
    payment_amount: int = 0
    refunds: int = 0
    refund_amount: int = 0
    taxable_payment_amount: int = 0
    taxable_refund_amount: int = 0
    tax: int = 0
    non_taxable_payment_amount: int = 0
    non_taxable_refund_amount: int = 0
    payjp_fee: int = 0
    payjp_fee_estimated: bool = False
    platform_fee: int = 0
    platform_fee_estimated: bool = False
    by_staff: tuple[StaffFigures, ...] = ()
    closed_at: dt.datetime | None = None
    closed_by: str = ""

    @property
    def net(self) -> int:
        """Payments less refunds."""
        return self.payment_amount - self.refund_amount

    @property
    def taxable_net(self) -> int:
        return self.taxable_payment_amount - self.taxable_refund_amount

    @property
    def non_taxable_net(self) -> int:
        return self.non_taxable_payment_amount - self.non_taxable_refund_amount

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def to_json(self) -> str:
        """The stored form (without who closed it and when: those are columns)."""
        data = dataclasses.asdict(self)
        data["day"] = self.day.isoformat()
        data.pop("closed_at")
        data.pop("closed_by")
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, closed_at: dt.datetime, closed_by: str) -> "DayFigures":
        data: dict[str, Any] = json.loads(text)
        data["day"] = dt.date.fromisoformat(data["day"])
        data["by_staff"] = tuple(StaffFigures(**s) for s in data["by_staff"])
        return cls(**data, closed_at=closed_at, closed_by=closed_by)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where ``day`` (JST) begins and ends."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=JST)
    return start.astimezone(dt.timezone.utc), (start + dt.timedelta(days=1)).astimezone(dt.timezone.utc)


def _percent_of(amount: int, rate: Decimal) -> int:
    return int((Decimal(amount) * rate / 100).to_integral_value(rounding=ROUND_DOWN))


@dataclasses.dataclass(frozen=True)
class DailyCloseService:
    """Reads, closes and exports days.

    Args:
        db: the database.
        clock: current UTC time.
    """

    db: Database
    clock: Clock

    def figures(self, clinic_id: int, day: dt.date) -> DayFigures:
        """The day's figures: as closed if it is, else as the records stand now."""
        with self.db.uow(readonly=True) as uow:
            closed = uow.session.scalars(select(DailyClose).where(
                DailyClose.clinic_id == clinic_id, DailyClose.day == day)).first()
            if closed is not None:
                return DayFigures.from_json(closed.figures, closed_at=closed.closed_at, closed_by=closed.closed_by_name)
            return self._compute(uow.session, clinic_id, day)

    def closed_days(self, clinic_id: int, limit: int = 60) -> list[dt.date]:
        """Days already closed, newest first."""
        with self.db.uow(readonly=True) as uow:
            return list(uow.session.scalars(select(DailyClose.day).where(DailyClose.clinic_id == clinic_id)
                                            .order_by(DailyClose.day.desc()).limit(limit)).all())

    def close_day(self, actor: Actor, clinic_id: int, day: dt.date) -> DayFigures:
        """締める: store the day's figures for good (one audit event ``day_closed``).

        Raises:
            StateError: ``day_not_over`` (the day has not ended in Japan), ``day_already_closed``,
                ``day_has_pending`` (a payment or refund of the day still waits for PAY.JP's answer).
            PermissionDeniedError: only 管理者 and 経理 close days.
        """
        now = self.clock()
        if day >= now.astimezone(JST).date():
            raise StateError("day_not_over", day=day.isoformat())
        try:
            with self.db.uow() as uow:
                s = uow.session
                staff = authorize(s, actor, Permission.HISTORY, clinic_id=clinic_id)
                if s.scalar(select(func.count()).select_from(DailyClose).where(
                        DailyClose.clinic_id == clinic_id, DailyClose.day == day)):
                    raise StateError("day_already_closed", day=day.isoformat())
                if self._pending(s, clinic_id, day):
                    raise StateError("day_has_pending", day=day.isoformat())
                figures = self._compute(s, clinic_id, day)
                s.add(DailyClose(clinic_id=clinic_id, day=day, closed_at=now, closed_by=staff.id,
                                 closed_by_name=staff.name, figures=figures.to_json()))
                audit_log.record(s, clinic_id=clinic_id, actor="staff", staff_id=staff.id, action="day_closed",
                                 entity_type="daily_close", entity_id=day.isoformat(),
                                 after={"payment_amount": figures.payment_amount,
                                        "refund_amount": figures.refund_amount, "net": figures.net})
                s.flush()
                uow.commit()
        except IntegrityError:  # another PC closed it at the same moment
            raise StateError("day_already_closed", day=day.isoformat()) from None
        return dataclasses.replace(figures, closed_at=now, closed_by=staff.name)

    @staticmethod
    def _pending(s: Any, clinic_id: int, day: dt.date) -> bool:
        start, end = day_bounds(day)
        attempts = s.scalar(select(func.count()).select_from(PaymentAttempt)
                            .join(BillingRequest, BillingRequest.id == PaymentAttempt.billing_request_id)
                            .where(BillingRequest.clinic_id == clinic_id, PaymentAttempt.started_at < end,
                                   PaymentAttempt.status.in_([AttemptStatus.PENDING, AttemptStatus.UNKNOWN])))
        refunds = s.scalar(select(func.count()).select_from(Refund)
                           .join(BillingRequest, BillingRequest.id == Refund.billing_request_id)
                           .where(BillingRequest.clinic_id == clinic_id, Refund.created_at < end,
                                  Refund.status.in_([RefundStatus.PENDING, RefundStatus.UNKNOWN])))
        return bool(attempts or refunds)

    def _compute(self, s: Any, clinic_id: int, day: dt.date) -> DayFigures:
        start, end = day_bounds(day)
        clinic = s.get(Clinic, clinic_id)
        platform_rate = Decimal(clinic.platform_fee_rate if clinic is not None else "0")
        R = BillingRequest
        sent = s.scalar(select(func.count()).select_from(R).where(
            R.clinic_id == clinic_id, R.requested_at >= start, R.requested_at < end)) or 0
        staff: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        totals: dict[str, int] = defaultdict(int)
        fee_estimated = platform_estimated = False
        paid = s.execute(
            select(R, PaymentAttempt.payjp_fee_rate, PaymentAttempt.platform_fee)
            .outerjoin(PaymentAttempt, (PaymentAttempt.billing_request_id == R.id)
                       & (PaymentAttempt.status == AttemptStatus.SUCCEEDED) & (PaymentAttempt.charge_id == R.charge_id))
            .where(R.clinic_id == clinic_id, R.paid_at >= start, R.paid_at < end)
            .order_by(R.paid_at)).all()
        for req, fee_rate, platform_fee in paid:
            if req.state is BillingState.REQUESTED:  # not paid after all (a charge found failed)
                continue
            totals["payments"] += 1
            totals["payment_amount"] += req.amount
            if req.tax_category is TaxCategory.TAXABLE:
                totals["taxable_payment_amount"] += req.amount
                totals["tax"] += included_tax(req.amount, TaxCategory.TAXABLE)
            else:
                totals["non_taxable_payment_amount"] += req.amount
            if fee_rate is None:
                fee_estimated = True
                totals["payjp_fee"] += _percent_of(req.amount, ESTIMATED_PAYJP_FEE_RATE)
            else:
                totals["payjp_fee"] += _percent_of(req.amount, Decimal(fee_rate))
            if platform_fee is None:
                platform_estimated = True
                totals["platform_fee"] += _percent_of(req.amount, platform_rate)
            else:
                totals["platform_fee"] += int(platform_fee)
            person = staff[req.staff_name or OUTSIDE_STAFF]
            person["payments"] += 1
            person["payment_amount"] += req.amount
        refunds = s.execute(
            select(Refund.amount, R.tax_category, Staff.name)
            .join(R, R.id == Refund.billing_request_id)
            .outerjoin(Staff, Staff.id == Refund.staff_id)
            .where(R.clinic_id == clinic_id, Refund.status == RefundStatus.SUCCEEDED,
                   Refund.finished_at >= start, Refund.finished_at < end)).all()
        for amount, category, name in refunds:
            totals["refunds"] += 1
            totals["refund_amount"] += amount
            if category is TaxCategory.TAXABLE:
                totals["taxable_refund_amount"] += amount
                totals["tax"] -= included_tax(amount, TaxCategory.TAXABLE)
            else:
                totals["non_taxable_refund_amount"] += amount
            person = staff[name or OUTSIDE_STAFF]
            person["refunds"] += 1
            person["refund_amount"] += amount
        keys = ("payments", "payment_amount", "refunds", "refund_amount", "taxable_payment_amount",
                "taxable_refund_amount", "tax", "non_taxable_payment_amount", "non_taxable_refund_amount",
                "payjp_fee", "platform_fee")
        counts: dict[str, Any] = {k: totals[k] for k in keys}
        return DayFigures(
            day=day, requests_sent=int(sent), **counts,
            payjp_fee_estimated=fee_estimated, platform_fee_estimated=platform_estimated,
            by_staff=tuple(StaffFigures(name, **values) for name, values in sorted(staff.items())),
        )


# -- exports ---------------------------------------------------------------------------------------

LABELS: dict[str, str] = {
    "title": N_("日次締め"),
    "day": N_("対象日"),
    "status": N_("状態"),
    "closed": N_("締め済み（{at}・{name}）"),
    "open": N_("未締め（数字は変わることがあります）"),
    "requests_sent": N_("請求の送信"),
    "payments": N_("決済"),
    "refunds": N_("返金"),
    "net": N_("差引（決済−返金）"),
    "count": N_("件数"),
    "amount": N_("金額"),
    "taxable": N_("課税"),
    "tax": N_("うち消費税（10%）"),
    "non_taxable": N_("非課税"),
    "by_staff": N_("スタッフ別"),
    "staff": N_("スタッフ"),
    "payjp_fee": N_("PAY.JP手数料"),
    "platform_fee": N_("プラットフォーム手数料"),
    "estimated": N_("（推定を含む）"),
    "estimate_note": N_("推定：PAY.JPが手数料を報告していない決済は、標準料率（PAY.JP {rate}%・プラットフォーム設定の料率）で計算しています。"),
    "printed": N_("出力日時"),
}


def _t(lang: str) -> Callable[..., str]:
    def t(key: str, **params: Any) -> str:
        return gettext(lang, LABELS[key]).format(**params)
    return t


def report_rows(f: DayFigures, lang: str = "ja") -> list[list[str]]:
    """The day as rows of cells (label, count, amount in whole yen) — the CSV and the PDF table."""
    t = _t(lang)

    def est(flag: bool) -> str:
        return t("estimated") if flag else ""
    rows = [
        [t("day"), f.day.isoformat(), ""],
        [t("status"), t("closed", at=f.closed_at.astimezone(JST).strftime("%Y-%m-%d %H:%M"), name=f.closed_by)
         if f.closed_at else t("open"), ""],
        [t("requests_sent"), str(f.requests_sent), ""],
        [t("payments"), str(f.payments), str(f.payment_amount)],
        [t("refunds"), str(f.refunds), str(-f.refund_amount)],
        [t("net"), "", str(f.net)],
        [f"{t('taxable')} {t('payments')}", "", str(f.taxable_payment_amount)],
        [f"{t('taxable')} {t('refunds')}", "", str(-f.taxable_refund_amount)],
        [f"{t('taxable')} {t('net')}", "", str(f.taxable_net)],
        [t("tax"), "", str(f.tax)],
        [f"{t('non_taxable')} {t('payments')}", "", str(f.non_taxable_payment_amount)],
        [f"{t('non_taxable')} {t('refunds')}", "", str(-f.non_taxable_refund_amount)],
        [f"{t('non_taxable')} {t('net')}", "", str(f.non_taxable_net)],
        [t("payjp_fee") + est(f.payjp_fee_estimated), "", str(f.payjp_fee)],
        [t("platform_fee") + est(f.platform_fee_estimated), "", str(f.platform_fee)],
    ]
    for person in f.by_staff:
        rows.append([f"{t('by_staff')}: {person.name} {t('payments')}", str(person.payments), str(person.payment_amount)])
        rows.append([f"{t('by_staff')}: {person.name} {t('refunds')}", str(person.refunds), str(-person.refund_amount)])
    return rows


def write_csv(f: DayFigures, path: pathlib.Path, lang: str = "ja") -> None:
    """The day as CSV that Excel on Japanese Windows opens (UTF-8 with BOM, CRLF); amounts in whole yen."""
    t = _t(lang)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as out:
        writer = ExcelWriter(out)
        writer.writerow([t("title"), t("count"), t("amount")])
        writer.writerows(report_rows(f, lang))
    tmp.replace(path)


def render_pdf(f: DayFigures, clinic_name: str, lang: str = "ja", *, printed_at: dt.datetime | None = None) -> bytes:
    """The day as an A4 PDF with the bundled Japanese font (amounts as ¥1,234)."""
    from desktop.services.receipts import japanese_pdf

    t = _t(lang)
    pdf = japanese_pdf("A4", title=f"{t('title')} {f.day.isoformat()}", author=clinic_name, margin=15)
    width = pdf.epw
    pdf.set_font("jp", size=18)
    pdf.cell(width, 12, f"{t('title')}  {f.day.isoformat()}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("jp", size=10)
    pdf.cell(width, 6, clinic_name, new_x="LMARGIN", new_y="NEXT")
    if printed_at is not None:
        pdf.cell(width, 6, f"{t('printed')}: {printed_at.astimezone(JST).strftime('%Y-%m-%d %H:%M')}",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (width * 0.6, width * 0.15, width * 0.25)
    pdf.set_fill_color(230, 236, 242)
    for text, w in zip(("", t("count"), t("amount")), widths):
        pdf.cell(w, 8, text, border=1, align="C", fill=True)
    pdf.ln(8)
    for label, count, amount in report_rows(f, lang):
        shown = format_yen(int(amount)) if amount.lstrip("-").isdigit() else amount
        if label == t("status"):
            pdf.cell(widths[0], 7, label, border=1)
            pdf.cell(widths[1] + widths[2], 7, count, border=1)
        else:
            pdf.cell(widths[0], 7, label, border=1)
            pdf.cell(widths[1], 7, count, border=1, align="R")
            pdf.cell(widths[2], 7, shown, border=1, align="R")
        pdf.ln(7)
    if f.payjp_fee_estimated or f.platform_fee_estimated:
        pdf.ln(3)
        pdf.set_font("jp", size=8)
        pdf.multi_cell(width, 4.5, t("estimate_note", rate=ESTIMATED_PAYJP_FEE_RATE), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
