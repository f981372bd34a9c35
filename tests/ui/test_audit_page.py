"""操作履歴 stays current: what is recorded while another page is shown is there when the page is shown
again, and what is recorded while it is shown (here, on another PC, by a patient) appears by itself, with
the filters, the chosen event and the place in the list kept; reads never pile up."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from desktop.domain.clinic import ReservationStatus
from desktop.storage.orm import Reservation
from desktop.ui.pages.audit_page import AuditPage

from .conftest import pay_link, payment_links, run, texts, wait_for, wait_idle


def _reservations(app: Any) -> list[int]:
    with app.ctx.db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(Reservation.id).order_by(Reservation.id)))


def _status_changes(qtbot: Any, app: Any, n: int) -> None:
    """``n`` audited changes of a reservation's 予約ステータス (as another PC would make them)."""
    actions, actor = app.ctx.actions, app.window.session.actor
    rid = _reservations(app)[0]
    for i in range(n):
        status = ReservationStatus.VISITED if i % 2 == 0 else ReservationStatus.RESERVED
        run(qtbot, actions.set_reservation_status(actor, rid, status))


def _request(qtbot: Any, app: Any, amount: int) -> int:
    ctx, actor = app.ctx, app.window.session.actor
    rid = _reservations(app)[-1]
    return int(run(qtbot, ctx.runner.payments(ctx.billing.request_payment, rid, actor, amount, "taxable",
                                              additional=True)).request_id)


def test_events_recorded_on_other_pages_are_there_when_the_page_is_shown_again(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    page = w.show_page("操作履歴")
    assert isinstance(page, AuditPage)
    wait_for(qtbot, lambda: page.table.rowCount() > 0)
    before = page.table.rowCount()
    w.show_page("予約管理")
    _request(qtbot, clinic_app, 1800)  # a request made at the desk
    w.show_page("操作履歴")  # no 検索 pressed
    wait_for(qtbot, lambda: page.table.rowCount() == before + 1)
    assert texts(page.table, 2)[0] == "請求" and "¥1,800" in texts(page.table, 5)[0]
    assert page.count_label.text() == f"{before + 1:,} 件"


def test_events_appear_while_shown_keeping_filters_choice_and_place(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    _status_changes(qtbot, clinic_app, 40)  # more events than the page shows at once
    page = w.show_page("操作履歴")
    assert isinstance(page, AuditPage)
    page.action_combo.setCurrentIndex(page.action_combo.findData("予約・患者"))
    page.reload()
    wait_for(qtbot, lambda: page.table.rowCount() >= 40 and set(texts(page.table, 2)) <= {"予約状態の変更", "予約登録",
                                                                                           "患者登録", "患者情報の変更"})
    wait_idle(qtbot)
    n = page.table.rowCount()
    page.table.selectRow(12)
    page.table.verticalScrollBar().setValue(10)  # scrolled down, reading the 11th event and below
    top_id, chosen_id = page.rows[page.table.rowAt(0)].id, page.rows[12].id

    _request(qtbot, clinic_app, 2500)  # not matching the filter: the list stays as it is
    _status_changes(qtbot, clinic_app, 2)  # matching: they appear by themselves, on top
    wait_for(qtbot, lambda: page.table.rowCount() == n + 2, timeout=15)
    assert page.action_combo.currentData() == "予約・患者"
    assert "請求" not in texts(page.table, 2)
    assert page.rows[page.table.rowAt(0)].id == top_id  # the same events in view
    [chosen] = page.table.selectionModel().selectedRows()
    assert page.rows[chosen.row()].id == chosen_id

    page.table.verticalScrollBar().setValue(0)  # at the top: new events come into view
    _status_changes(qtbot, clinic_app, 1)
    wait_for(qtbot, lambda: page.table.rowCount() == n + 3, timeout=15)
    assert page.table.verticalScrollBar().value() == 0 and page.table.rowAt(0) == 0


def test_a_patient_paying_appears_while_shown(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    _request(qtbot, clinic_app, 3300)
    page = w.show_page("操作履歴")
    assert isinstance(page, AuditPage)
    wait_for(qtbot, lambda: page.table.rowCount() > 0 and texts(page.table, 2)[0] == "請求")
    pay_link(qtbot, clinic_app, payment_links(clinic_app)[0])  # on the patient's phone
    wait_for(qtbot, lambda: "決済完了" in texts(page.table, 2), timeout=15)


def test_reads_do_not_pile_up_and_the_newest_filter_wins(qtbot: Any, clinic_app: Any, monkeypatch: Any) -> None:
    w = clinic_app.window
    page = w.show_page("操作履歴")
    assert isinstance(page, AuditPage)
    wait_for(qtbot, lambda: page.table.rowCount() > 0)
    wait_idle(qtbot)
    actions = w.session.actions
    real = actions.audit_events
    asked: list[Any] = []

    async def slow(actor: Any, clinic_id: int, f: Any, **kw: Any) -> Any:
        asked.append(f)
        rows = await real(actor, clinic_id, f, **kw)
        await asyncio.sleep(0.3)  # a slow database: the next asks come while this read runs
        return rows

    monkeypatch.setattr(actions, "audit_events", slow)
    for _ in range(5):
        w.session.events.billing_changed.emit()  # a burst of changes
    page.action_combo.setCurrentIndex(page.action_combo.findData("サインイン・ロック"))
    page.reload()
    wait_idle(qtbot)
    assert len(asked) == 2  # the read under way, then one with the newest filter
    assert asked[-1].actions and "signed_in" in asked[-1].actions
    assert set(texts(page.table, 2)) <= {"サインイン", "担当スタッフ切替", "ロック解除", "承認者の確認", "サインアウト", "画面ロック",
                                         "サインイン失敗"}
