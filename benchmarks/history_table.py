"""決済管理 on a million billing requests: open, filter by patient name, scroll to the end.

    QT_QPA_PLATFORM=offscreen python benchmarks/history_table.py [--rows 1000000] [--keep DIR]

Prints one JSON line: first_rows_ms, filter_ms, scroll_end_ms (the screen, measured until the
rows are in the model and painted), sql_ms / sql_filter_ms / sql_end_ms (the bare SQL for the
same rows in the same run), peak_rss_mb, rows.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import pathlib
import random
import resource
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import insert, text  # noqa: E402

from desktop.config import LocalSettings  # noqa: E402
from desktop.domain.billing import BillingState, RequestKind, TaxCategory  # noqa: E402
from desktop.bootstrap import build_context  # noqa: E402
from desktop.domain.clinic import StaffRole  # noqa: E402
from desktop.services.demo import ensure_demo_data  # noqa: E402
from desktop.services.demo_accounts import DEMO_ACCOUNTS  # noqa: E402
from desktop.services.secrets import MemorySecretStore  # noqa: E402
from desktop.storage.orm import BillingRequest, Reservation  # noqa: E402

KANA = {"山田": "ヤマダ", "佐藤": "サトウ", "鈴木": "スズキ", "高橋": "タカハシ", "田中": "タナカ"}
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "佐々木",
          "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "山下",
          "中島", "石井", "小川", "前田", "岡田", "長谷川", "藤田", "後藤", "近藤", "村上", "遠藤", "青木", "坂本",
          "斉藤", "福田", "太田", "西村", "藤井", "金子", "岡本", "藤原", "中野", "三浦", "原田", "中川", "松田",
          "竹内", "小野", "田村", "中山", "和田", "石田", "森田", "上田", "原", "内田", "柴田", "酒井", "宮崎", "横山",
          "高木", "安藤", "宮本", "大野", "小島", "谷口", "今井", "工藤", "高田", "増田", "丸山", "杉山", "村田",
          "大塚", "新井", "小山", "平野", "藤本", "河野", "上野", "野口", "武田", "松井", "千葉", "岩崎", "菅原",
          "木下", "久保", "佐野", "野村", "松尾", "市川", "菊地"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健", "翔", "陽菜", "蓮", "結衣", "大輔", "優子", "直樹", "愛", "拓也",
         "真由美", "誠", "恵", "浩", "彩", "学"]
OPEN = (BillingState.REQUESTED, BillingState.PROCESSING)
STATES = [BillingState.PAID] * 6 + [BillingState.REQUESTED] * 2 + [BillingState.REFUNDED, BillingState.CANCELLED,
                                                                    BillingState.EXPIRED]


def seed(ctx, rows: int) -> str:  # type: ignore[no-untyped-def]
    ensure_demo_data(ctx)
    clinic = ctx.clinic()
    with ctx.db.uow(readonly=True) as uow:
        res = uow.session.query(Reservation).first()
        reservation_id, patient_id, menu_id = res.id, res.patient_id, res.menu_id
    rng = random.Random(7)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    batch = 50_000
    with ctx.db.engine.begin() as conn:
        for base in range(0, rows, batch):
            # a visit has at most one open request (migration 0010): each open one gets a visit of its own
            opened = [i for i in range(base, min(rows, base + batch)) if STATES[i % len(STATES)] in OPEN]
            visits = iter(conn.execute(insert(Reservation).returning(Reservation.id, sort_by_parameter_order=True), [
                dict(clinic_id=clinic.id, patient_id=patient_id, menu_id=menu_id, starts_at=start) for _ in opened
            ]).scalars().all() if opened else [])
            values = []
            for i in range(base, min(rows, base + batch)):
                at = start + dt.timedelta(seconds=i * 60 + rng.randrange(60))
                state = STATES[i % len(STATES)]
                paid = state in (BillingState.PAID, BillingState.REFUNDED)
                family, given = rng.choice(FAMILY), rng.choice(GIVEN)
                values.append(dict(
                    clinic_id=clinic.id, reservation_id=next(visits) if state in OPEN else reservation_id,
                    patient_id=patient_id, staff_id=1 + i % 2,
                    kind=RequestKind.POST_PAYMENT, amount=1000 + (i % 50) * 100, tax_category=TaxCategory.TAXABLE,
                    message="金額が確定しましたので、メール内のリンクから決済をお願い致します", state=state,
                    patient_name=f"{family} {given}", patient_given=given, patient_kana=KANA.get(family, ""),
                    staff_name="受付 佐々木",
                    menu_name="一般診療 (後決済)", requested_at=at, paid_at=at + dt.timedelta(hours=1) if paid else None,
                    refunded_amount=1000 if state is BillingState.REFUNDED else 0, updated_at=at,
                ))
            conn.execute(insert(BillingRequest), values)
        conn.execute(text("ANALYZE"))
    return "山田"


async def measure(ctx, name: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from desktop.ui import i18n
    from desktop.ui.pages.billing_page import BillingPage
    from desktop.ui.session import UiSession

    i18n.set_language("ja")
    clinic = ctx.queries.clinic_info()
    manager = next(a for a in DEMO_ACCOUNTS if a.role is StaffRole.MANAGER)  # 決済管理 is a 管理者's (or 経理's)
    staff_id = next(s.id for s in ctx.queries.staff(clinic.id) if s.name == manager.name)
    session = UiSession.create(ctx.actions, clinic, ctx.staff.sign_in(staff_id, manager.password))
    page = BillingPage(session)
    page.resize(1366, 700)
    page.show()
    model = page.model

    async def until(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        end = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > end:
                raise TimeoutError
            await asyncio.sleep(0.001)
        page.view.viewport().repaint()  # paint (no processEvents inside a coroutine)

    async def reload_and_wait() -> float:
        loaded: list[int] = []
        model.loaded.connect(loaded.append)
        t0 = time.perf_counter()
        page.apply_filter()
        await until(lambda: bool(loaded))
        page.view.viewport().repaint()
        elapsed = (time.perf_counter() - t0) * 1000
        model.loaded.disconnect(loaded.append)
        return elapsed

    await asyncio.sleep(0.2)  # staff list and the first automatic load settle
    first_rows_ms = await reload_and_wait()
    total = model.total

    t0 = time.perf_counter()
    page.view.scrollToBottom()
    page.view.viewport().repaint()  # asks for the last rows' page
    await until(lambda: model.is_loaded(total - 1))
    page.view.viewport().repaint()
    scroll_end_ms = (time.perf_counter() - t0) * 1000

    page.patient_edit.setText(name)
    filter_ms = await reload_and_wait()
    filtered = model.total

    cols = ("id, reservation_id, requested_at, paid_at, amount, staff_name, message, state, patient_name, "
            "menu_name, refunded_amount, last_refunded_at, kind, tax_category")
    with ctx.db.engine.connect() as conn:
        t0 = time.perf_counter()
        conn.execute(text(f"SELECT {cols} FROM billing_request WHERE clinic_id = :c "
                          "ORDER BY requested_at DESC, id DESC LIMIT 200"), {"c": session.clinic.id}).all()
        conn.execute(text("SELECT count(*) FROM billing_request WHERE clinic_id = :c"), {"c": session.clinic.id}).scalar()
        sql_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        # the same query as the app: 姓, 名 or フリガナ prefix (each over its own index)
        by_name = ("clinic_id = :c AND ((patient_name >= :a AND patient_name < :b) OR (patient_given >= :a "
                   "AND patient_given < :b) OR (patient_kana >= :k AND patient_kana < :kb))")
        params = {"c": session.clinic.id, "a": name, "b": name + "\uffff", "k": name, "kb": name + "\uffff"}
        conn.execute(text(f"SELECT {cols} FROM billing_request WHERE {by_name} "
                          "ORDER BY requested_at DESC, id DESC LIMIT 200"), params).all()
        conn.execute(text(f"SELECT count(*) FROM billing_request WHERE {by_name}"), params).scalar()
        sql_filter_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        conn.execute(text(f"SELECT {cols} FROM billing_request WHERE clinic_id = :c "
                          "ORDER BY requested_at ASC, id ASC LIMIT 200"), {"c": session.clinic.id}).all()
        sql_end_ms = (time.perf_counter() - t0) * 1000
    page.close()
    page.deleteLater()
    return dict(first_rows_ms=round(first_rows_ms, 1), filter_ms=round(filter_ms, 1),
                scroll_end_ms=round(scroll_end_ms, 1), sql_ms=round(sql_ms, 1), sql_filter_ms=round(sql_filter_ms, 1),
                sql_end_ms=round(sql_end_ms, 1), rows=total, filtered_rows=filtered)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--keep", help="reuse/keep the data directory here")
    args = p.parse_args()
    import logging

    logging.disable(logging.INFO)
    data_dir = pathlib.Path(args.keep) if args.keep else pathlib.Path(tempfile.mkdtemp(prefix="clinicpay-bench-"))
    ctx = build_context(data_dir, LocalSettings(), secrets=MemorySecretStore())
    t0 = time.perf_counter()
    if ctx.clinic() is None:
        seed(ctx, args.rows)
    seed_s = time.perf_counter() - t0

    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    result = qasync.run(measure(ctx, "山田"))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["seed_s"] = round(seed_s, 1)
    result["backend"] = "sqlite"
    print(json.dumps(result, ensure_ascii=False))
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
