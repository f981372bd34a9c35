"""Every table model of desktop/ui/models under pytest-qt's model tester, with real data.

The C++ ``QAbstractItemModelTester`` reports through Qt warnings (made to fail here); the
Python tester of pytest-qt asserts directly. The history model is the lazy one: it is
checked on a thousand requests, before and after pages arrive, and across a reload.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import insert

from desktop.domain.billing import OPEN_STATES, BillingState, RequestKind, TaxCategory
from desktop.services.history import HistoryFilter
from desktop.storage.orm import BillingRequest, Reservation
from desktop.ui.models.history_model import PAGE_SIZE, RequestListModel
from desktop.ui.pages.billing_page import BillingPage
from desktop.ui.pages.reservations_page import ReservationsPage

from .conftest import run, wait_for, wait_idle

STATES = [BillingState.PAID, BillingState.REQUESTED, BillingState.PARTIALLY_REFUNDED, BillingState.REFUNDED,
          BillingState.CANCELLED, BillingState.EXPIRED]


def seed_history(app: Any, rows: int) -> None:
    """``rows`` billing requests straight into the database (as the benchmark does)."""
    ctx, clinic = app.ctx, app.session.clinic
    with ctx.db.uow(readonly=True) as uow:
        res = uow.session.query(Reservation).first()
        reservation_id, patient_id = res.id, res.patient_id
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    values = []
    for i in range(rows):
        at = start + dt.timedelta(minutes=i)
        state = STATES[i % len(STATES)]
        if state in OPEN_STATES and i >= len(STATES):
            state = BillingState.CANCELLED  # one visit holds at most one open request (index 0010)
        values.append(dict(
            clinic_id=clinic.id, reservation_id=reservation_id, patient_id=patient_id, staff_id=1,
            kind=RequestKind.POST_PAYMENT, amount=1000 + i, tax_category=TaxCategory.TAXABLE, message=f"m{i}",
            state=state, patient_name=("山田 花子", "佐藤 太郎", "鈴木 一郎")[i % 3], staff_name="受付 佐々木",
            menu_name="一般診療 (後決済)", requested_at=at,
            paid_at=at if state in (BillingState.PAID, BillingState.REFUNDED, BillingState.PARTIALLY_REFUNDED) else None,
            refunded_amount=500 if state is BillingState.PARTIALLY_REFUNDED else 0, updated_at=at))
    with ctx.db.engine.begin() as conn:
        conn.execute(insert(BillingRequest), values)


@pytest.fixture
def no_model_warnings(qtlog: Any) -> Any:
    yield
    bad = [r.message for r in qtlog.records if "modeltest" in r.message.lower() or "FAIL" in r.message]
    assert not bad, bad


def _all_roles(model: Any) -> None:
    """Ask every role of every visible cell (what a view and a screen reader do)."""
    roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.TextAlignmentRole,
             Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.FontRole]
    for r in range(min(model.rowCount(), 50)):
        for c in range(model.columnCount()):
            for role in roles:
                model.data(model.index(r, c), role)
    for c in range(model.columnCount()):
        assert model.headerData(c, Qt.Orientation.Horizontal)
    assert model.headerData(model.columnCount(), Qt.Orientation.Horizontal) is None
    assert model.index(model.rowCount(), 0).isValid() is False
    assert model.rowCount(model.index(0, 0)) == 0


def test_history_model_lazy_paging(qtbot: Any, clinic_app: Any, qtmodeltester: Any, no_model_warnings: Any) -> None:
    seed_history(clinic_app, 1000)
    page = clinic_app.window.show_page("決済管理")
    assert isinstance(page, BillingPage)
    model = page.model
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.loaded, timeout=10000):
        page.apply_filter()
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 1000
    assert model.is_loaded(0) and not model.is_loaded(999)
    assert model.index(999, 0).data() == "…"  # not loaded yet: a placeholder, the page is asked for
    wait_for(qtbot, lambda: model.is_loaded(999))
    assert model.index(999, 2).data() == "山田 花子"
    page.view.scrollToBottom()
    wait_idle(qtbot)
    _all_roles(model)
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.reload(HistoryFilter(patient="佐藤"))
    assert model.rowCount() == 333
    for r in (0, PAGE_SIZE, 332):
        model.row_at(r)  # asks for the pages
    wait_for(qtbot, lambda: all(model.is_loaded(r) for r in (0, PAGE_SIZE, 332)))
    assert {model.index(r, 2).data() for r in (0, PAGE_SIZE, 332)} == {"佐藤 太郎"}
    _all_roles(model)
    model.refresh()
    wait_idle(qtbot)
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.reload(HistoryFilter(patient="該当なし"))
    assert model.rowCount() == 0


def test_request_list_model(qtbot: Any, clinic_app: Any, qtmodeltester: Any, no_model_warnings: Any) -> None:
    seed_history(clinic_app, 30)
    s = clinic_app.session
    with clinic_app.ctx.db.uow(readonly=True) as uow:
        reservation_id = uow.session.query(Reservation).first().id
    rows = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.history.for_reservation, reservation_id))
    model = RequestListModel()
    qtmodeltester.check(model)
    qtmodeltester.check(model, force_py=True)
    model.set_rows(rows)
    assert model.rowCount() == 30
    _all_roles(model)
    model.set_rows([])
    assert model.rowCount() == 0


def test_reservation_model(qtbot: Any, clinic_app: Any, qtmodeltester: Any, no_model_warnings: Any) -> None:
    page = clinic_app.window.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.model, force_py=True)
    _all_roles(page.model)
    page.reload()
    wait_idle(qtbot)
    page.search_edit.setText("山田")
    wait_idle(qtbot)
    assert page.model.rowCount() >= 1
    _all_roles(page.model)
    assert page.model.data(QModelIndex()) is None
