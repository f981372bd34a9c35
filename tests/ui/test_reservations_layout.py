"""予約管理's list gets the room a receptionist needs: ~6 reservations at 1366×768 and ~4 at 1280×720 (a
1920×1080 screen at 150 %: QT_SCALE_FACTOR scales every logical pixel alike, so the logical 1280×720 window
holds the same rows), in proportion to the window; the divider staff move stays where they put it while the
app runs (a new language or 担当スタッフ rebuilds the window)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt

from desktop.ui.pages.reservations_page import ReservationsPage

from .conftest import wait_for, wait_idle
from .test_english import _english
from .test_roles import switch_staff


def _page(app: Any, size: tuple[int, int]) -> ReservationsPage:
    app.window.resize(*size)
    page = app.window.show_page("予約管理")
    assert isinstance(page, ReservationsPage)
    return page


def _rows_in_view(page: ReservationsPage) -> float:
    view = page.view
    return view.viewport().height() / view.verticalHeader().defaultSectionSize()


def _share(page: ReservationsPage) -> float:
    sizes = page.splitter.sizes()
    return sizes[0] / sum(sizes)


def test_the_list_shows_six_rows_at_1366_and_four_at_150_percent(qtbot: Any, clinic_app: Any) -> None:
    page = _page(clinic_app, (1366, 768))
    wait_for(qtbot, lambda: page.model.rowCount() >= 5 and page.detail.detail is not None)
    wait_for(qtbot, lambda: _rows_in_view(page) >= 6)
    page = _page(clinic_app, (1280, 720))
    wait_for(qtbot, lambda: _rows_in_view(page) >= 4)
    page = _page(clinic_app, (1366, 1000))  # a taller screen: the list grows with it
    wait_for(qtbot, lambda: _rows_in_view(page) >= 10)
    detail = page.detail
    assert detail.height() >= detail.minimumSizeHint().height()  # the detail is never squeezed
    assert not detail.history_view.visibleRegion().isEmpty()


def test_the_divider_stays_where_staff_put_it(qtbot: Any, clinic_app: Any) -> None:
    page = _page(clinic_app, (1366, 900))
    wait_for(qtbot, lambda: page.model.rowCount() >= 5 and page.detail.detail is not None)
    wait_idle(qtbot)
    handle = page.splitter.handle(1)
    start = QPoint(handle.width() // 2, handle.height() // 2)
    before = page.splitter.sizes()[0]
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(handle, start + QPoint(0, -60))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start + QPoint(0, -60))
    wait_for(qtbot, lambda: page.splitter.sizes()[0] < before - 30)
    share = _share(page)
    assert share < 0.45

    w = _english(qtbot, clinic_app)  # the window is rebuilt
    page = _page(clinic_app, (1366, 900))
    wait_for(qtbot, lambda: abs(_share(page) - share) < 0.01)
    switch_staff(qtbot, clinic_app, "受付", "2222")  # another staff member at the same PC
    page = _page(clinic_app, (1366, 900))
    wait_for(qtbot, lambda: abs(_share(page) - share) < 0.01)
    assert w is not clinic_app.window
