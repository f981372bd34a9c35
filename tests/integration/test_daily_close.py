"""日次締め: a seeded day with partial and full refunds, both tax kinds and two staff gives the
figures worked out by hand; a closed day never changes; PDF and CSV for the accountant."""

from __future__ import annotations

import csv
import datetime as dt
import pathlib

import pytest
from sqlalchemy import update

from desktop.domain.errors import StateError
from desktop.domain.staff import PermissionDeniedError
from desktop.services.daily_close import DailyCloseService, StaffFigures, render_pdf, write_csv
from desktop.services.directory import DirectoryService
from desktop.storage.orm import PaymentAttempt
from tests.integration.conftest import Desk

DAY = dt.date(2026, 11, 2)  # the fixed clock stands at 18:30 JST on this day


def _visit(desk: Desk, n: int) -> int:
    f = desk.front
    return DirectoryService(desk.db).create_reservation(
        f.staff, f.clinic_id, patient_id=f.patient_id, menu_id=f.menu_id,
        starts_at=dt.datetime(2026, 11, 2, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=n))


def _paid(desk: Desk, n: int, actor: object, amount: int, tax: str) -> int:
    request_id = desk.billing.request_payment(_visit(desk, n), actor, amount, tax).request_id  # type: ignore[arg-type]
    desk.deliver()
    desk.billing.pay_with_token(desk.link_from_last_mail(), desk.token())
    return request_id


def _seed_day(desk: Desk) -> dict[str, int]:
    f = desk.front
    desk.clock.now = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone.utc)  # 18:30 JST
    ids = {
        "a": _paid(desk, 1, f.staff, 5500, "taxable"),
        "b": _paid(desk, 2, f.manager, 3300, "non_taxable"),
        "c": _paid(desk, 3, f.staff, 11000, "taxable"),
        "d": _paid(desk, 4, f.manager, 2200, "taxable"),
    }
    desk.billing.refund(ids["c"], f.manager, 1100, "一部返金")
    desk.billing.refund(ids["d"], f.manager, None, "全額返金")
    desk.billing.request_payment(_visit(desk, 5), f.staff, 1200, "taxable")  # sent, not paid
    return ids


def test_the_days_figures_are_those_worked_out_by_hand(desk: Desk) -> None:
    f = desk.front
    _seed_day(desk)
    figures = DailyCloseService(desk.db, desk.clock).figures(f.clinic_id, DAY)
    assert figures.requests_sent == 5
    assert (figures.payments, figures.payment_amount) == (4, 5500 + 3300 + 11000 + 2200)
    assert (figures.refunds, figures.refund_amount) == (2, 1100 + 2200)
    assert figures.net == 22000 - 3300
    assert (figures.taxable_payment_amount, figures.taxable_refund_amount, figures.taxable_net) == (18700, 3300, 15400)
    # 消費税 per payment and refund, 10 % included, rounded down: 500 + 1000 + 200 − (100 + 200)
    assert figures.tax == 1400
    assert (figures.non_taxable_payment_amount, figures.non_taxable_refund_amount, figures.non_taxable_net) == (
        3300, 0, 3300)
    assert set(figures.by_staff) == {
        StaffFigures(f.manager.name, payments=2, payment_amount=5500, refunds=2, refund_amount=3300),
        StaffFigures(f.staff.name, payments=2, payment_amount=16500, refunds=0, refund_amount=0)}
    # the platform fee as PAY.JP reported it on each charge (1.00 %): 55 + 33 + 110 + 22
    assert (figures.platform_fee, figures.platform_fee_estimated) == (220, False)
    # PAY.JP's fee as reported on each charge (fee_rate 3.00 %): 165 + 99 + 330 + 66
    assert (figures.payjp_fee, figures.payjp_fee_estimated) == (660, False)
    # a charge recorded without its fees (paid before they were kept): estimated, and marked so
    with desk.db.uow() as uow:
        uow.session.execute(update(PaymentAttempt).where(PaymentAttempt.amount == 3300)
                            .values(payjp_fee_rate=None, platform_fee=None))
        uow.commit()
    estimated = DailyCloseService(desk.db, desk.clock).figures(f.clinic_id, DAY)
    assert (estimated.payjp_fee, estimated.payjp_fee_estimated) == (660, True)
    assert (estimated.platform_fee, estimated.platform_fee_estimated) == (220, True)
    assert not figures.closed
    # the day before and after hold nothing
    assert DailyCloseService(desk.db, desk.clock).figures(f.clinic_id, DAY - dt.timedelta(days=1)).payments == 0


def test_a_closed_day_never_changes_and_a_later_refund_shows_on_its_own_day(desk: Desk) -> None:
    f = desk.front
    ids = _seed_day(desk)
    service = DailyCloseService(desk.db, desk.clock)
    with pytest.raises(StateError) as early:
        service.close_day(f.accountant, f.clinic_id, DAY)
    assert early.value.code == "day_not_over"
    desk.clock.advance(hours=6)  # 00:30 JST the next day
    with pytest.raises(PermissionDeniedError):
        service.close_day(f.staff, f.clinic_id, DAY)
    closed = service.close_day(f.accountant, f.clinic_id, DAY)
    assert closed.closed and closed.closed_by == f.accountant.name and closed.net == 18700
    with pytest.raises(StateError) as twice:
        service.close_day(f.manager, f.clinic_id, DAY)
    assert twice.value.code == "day_already_closed"

    desk.billing.refund(ids["c"], f.manager, None, "残額返金")  # 9,900 on the next day
    again = service.figures(f.clinic_id, DAY)
    assert (again.refund_amount, again.net, again.tax, again.closed_at) == (3300, 18700, 1400, closed.closed_at)
    next_day = service.figures(f.clinic_id, DAY + dt.timedelta(days=1))
    assert (next_day.payments, next_day.refunds, next_day.refund_amount, next_day.net) == (0, 1, 9900, -9900)
    assert next_day.tax == -900 and not next_day.closed
    assert service.closed_days(f.clinic_id) == [DAY]


def test_csv_opens_in_excel_and_the_pdf_uses_the_japanese_font(desk: Desk, tmp_path: pathlib.Path) -> None:
    f = desk.front
    _seed_day(desk)
    figures = DailyCloseService(desk.db, desk.clock).figures(f.clinic_id, DAY)
    path = tmp_path / "日次締め.csv"
    write_csv(figures, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert ["決済", "4", "22000"] in rows and ["返金", "2", "-3300"] in rows and ["差引（決済−返金）", "", "18700"] in rows
    assert ["うち消費税（10%）", "", "1400"] in rows
    assert ["PAY.JP手数料", "", "660"] in rows
    english = tmp_path / "close.csv"
    write_csv(figures, english, "en")
    text = english.read_text(encoding="utf-8-sig")
    assert "Payments,4,22000" in text
    pdf = render_pdf(figures, "やまだ内科クリニック")
    assert pdf.startswith(b"%PDF") and b"BIZUDPGothic" in pdf
