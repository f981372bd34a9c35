"""One payable link per visit, at the desk: a second 後決済請求 asks to replace the unpaid one,
a paid visit asks to confirm a 追加請求, and キャンセル of the reservation cancels its unpaid link."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.domain.clinic import ReservationStatus
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog

from .conftest import pay_link, payment_links, texts, wait_for, wait_idle
from .test_reservations_page import _fill_request, _page, _select


def _asked(monkeypatch: pytest.MonkeyPatch, answer: bool) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []

    def ask(cls: type[ConfirmDialog], parent: Any, title: str, text: str, ok_text: str, **_k: Any) -> bool:
        seen.append((title, text))
        return answer

    monkeypatch.setattr(ConfirmDialog, "ask", classmethod(ask))
    return seen


def test_a_second_request_asks_to_replace_the_unpaid_one(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "一般診療")
    d = page.detail
    seen: dict[str, Any] = {}
    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "2,000", seen))
    qtbot.mouseClick(d.request_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: d.history_model.rowCount() == 1)

    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "3000", seen))
    declined = _asked(monkeypatch, False)
    qtbot.mouseClick(d.request_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: bool(declined))
    assert declined[0][0] == "未決済の請求があります"
    assert "未決済の請求（¥2,000）" in declined[0][1] and "（¥3,000）に置き換えますか" in declined[0][1]
    wait_idle(qtbot)
    assert texts(d.history_view, 5) == ["未決済"] and texts(d.history_view, 2) == ["¥2,000"]

    accepted = _asked(monkeypatch, True)
    qtbot.mouseClick(d.request_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: d.history_model.rowCount() == 2)
    assert accepted and texts(d.history_view, 5) == ["未決済", "取消済み"]
    assert texts(d.history_view, 2) == ["¥3,000", "¥2,000"]


def test_a_paid_visit_asks_to_confirm_an_additional_request(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "一般診療")
    d = page.detail
    seen: dict[str, Any] = {}
    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "1200", seen))
    qtbot.mouseClick(d.request_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: d.history_model.rowCount() == 1)
    pay_link(qtbot, clinic_app, payment_links(clinic_app)[0])
    wait_for(qtbot, lambda: texts(d.history_view, 5) == ["決済済み"], timeout=10)

    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "800", seen))
    asked = _asked(monkeypatch, True)
    qtbot.mouseClick(d.request_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: d.history_model.rowCount() == 2)
    assert asked[0][0] == "追加請求" and "決済済みです（¥1,200）" in asked[0][1] and "（¥800）" in asked[0][1]
    assert texts(d.history_view, 5) == ["未決済", "決済済み"]


def test_cancelling_the_reservation_cancels_its_unpaid_request(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "一般診療")
    d = page.detail
    seen: dict[str, Any] = {}
    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "2,000", seen))
    qtbot.mouseClick(d.request_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: d.history_model.rowCount() == 1)
    asked = _asked(monkeypatch, True)
    d.status_combo.setCurrentIndex(d.status_combo.findData(ReservationStatus.CANCELLED.value))
    d.status_combo.activated.emit(d.status_combo.currentIndex())
    wait_for(qtbot, lambda: texts(d.history_view, 5) == ["取消済み"], timeout=10)
    assert asked and asked[0][0] == "予約をキャンセル"
    assert d.detail is not None and d.detail.status is ReservationStatus.CANCELLED
    assert not d.request_button.isEnabled()


def test_the_timeline_of_a_request_shows_its_mail(
        qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(clinic_app)
    wait_for(qtbot, lambda: page.model.rowCount() >= 5)
    _select(qtbot, page, "一般診療")
    d = page.detail
    seen: dict[str, Any] = {}
    monkeypatch.setattr(PaymentRequestDialog, "ask", _fill_request(qtbot, "2,000", seen))
    qtbot.mouseClick(d.request_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: d.history_model.rowCount() == 1)
    payment_links(clinic_app)  # the outbox sends the mail
    d.history_view.selectRow(0)
    d.show_timeline()
    wait_for(qtbot, lambda: getattr(d, "timeline_dialog", None) is not None)
    table = d.timeline_dialog.table
    steps = [table.item(r, 1).text() for r in range(table.rowCount())]
    assert steps[:3] == ["請求", "メール送信待ち: 請求メール", "メール送信済み（メールサーバーが受け付け）: 請求メール"]
    assert "¥2,000" in table.item(0, 2).text()
    d.timeline_dialog.reject()
