"""日次締め in the window: a past day's figures, 締める, and the CSV and PDF for the accountant."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.pages.daily_close_page import DailyClosePage

from .conftest import wait_for, wait_idle


def test_closing_yesterday_and_exporting_it(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: pathlib.Path) -> None:
    w = clinic_app.window
    page = w.show_page("日次締め")
    assert isinstance(page, DailyClosePage)
    wait_for(qtbot, lambda: page.figures is not None and page.table.rowCount() > 10)
    labels = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert "決済" in labels and "うち消費税（10%）" in labels and "差引（決済−返金）" in labels
    assert page.status_label.text().startswith("未締め")
    assert page.close_button.isEnabled()
    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(lambda cls, *a, **_k: True))
    page.close_button.click()
    wait_for(qtbot, lambda: page.figures is not None and page.figures.closed)
    assert page.status_label.text().startswith("締め済み") and not page.close_button.isEnabled()
    csv_path, pdf_path = tmp_path / "day.csv", tmp_path / "day.pdf"
    page.export_csv(csv_path)
    page.export_pdf(pdf_path)
    wait_idle(qtbot)  # both exports done (a file exists as soon as it is opened for writing)
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf") and pdf_path.read_bytes().startswith(b"%PDF")


def test_today_says_when_it_can_be_closed(qtbot: Any, clinic_app: Any) -> None:
    """Today cannot be closed yet (payments keep arriving until midnight): the page says so in words,
    not only in the disabled button's tooltip."""
    import datetime as dt

    from desktop.domain.formatting import JST

    w = clinic_app.window
    page = w.show_page("日次締め")
    wait_for(qtbot, lambda: page.figures is not None)
    page.day_edit.setDate(dt.datetime.now(JST).date())
    page.reload()
    wait_for(qtbot, lambda: page.figures is not None and page.figures.day == dt.datetime.now(JST).date())
    assert not page.close_button.isEnabled()
    assert "翌日から締められます" in page.status_label.text() and page.status_label.isVisible()
