"""決済管理: history, filters, CSV, the row menu (three dots / right click) and 返金する."""

from __future__ import annotations

import csv
import io
import pathlib
import re
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu
from sqlalchemy import select

from desktop.storage.orm import BillingRequest

from desktop.ui.dialogs.refund_dialog import WARNING, RefundDialog
from desktop.ui.pages.billing_page import ACTIONS_COLUMN, BillingPage

from .test_roles import switch_staff
from .conftest import pay_link, payment_links, run, texts, wait_for, wait_idle


def _paid_requests(qtbot: Any, app: Any, amounts: list[int]) -> None:
    """Send requests for the demo post-payment reservations and let the patients pay."""
    s = app.session
    rows = app.ctx.runner
    reservations = run(qtbot, rows.db(app.ctx.queries.reservations, s.clinic.id, None))
    ids = [r.id for r in reservations if "一般診療" in r.menu_name or "自費診療" in r.menu_name]
    for rid, amount in zip(ids, amounts):
        detail = run(qtbot, rows.db(app.ctx.queries.reservation, rid))
        if not detail.patient.email:
            continue
        run(qtbot, rows.payments(app.ctx.billing.request_payment, rid, s.actor, amount, "taxable"))
        pay_link(qtbot, app, payment_links(app)[0])


def _page(qtbot: Any, app: Any) -> BillingPage:
    page = app.window.show_page("決済管理")
    assert isinstance(page, BillingPage)
    page.apply_filter()
    wait_idle(qtbot)
    return page


def _capture_menus(monkeypatch: pytest.MonkeyPatch) -> list[QMenu]:
    menus: list[QMenu] = []
    monkeypatch.setattr(QMenu, "popup", lambda self, *a: menus.append(self))
    return menus


def _action(menu: QMenu, text: str) -> Any:
    return next(a for a in menu.actions() if a.text() == text)


def test_right_click_refund_full_amount(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _paid_requests(qtbot, clinic_app, [1200])
    page = _page(qtbot, clinic_app)
    assert page.model.rowCount() == 1
    assert texts(page.view, 7) == ["決済済み"]
    assert texts(page.view, ACTIONS_COLUMN) == ["⋯"]
    menus = _capture_menus(monkeypatch)
    rect = page.view.visualRect(page.model.index(0, 2))
    page.view.customContextMenuRequested.emit(rect.center())  # right click on the row
    assert len(menus) == 1
    seen: dict[str, Any] = {}

    def ask(cls: Any, parent: Any, row: Any) -> Any:
        dialog = cls(row, parent)
        qtbot.addWidget(dialog)
        seen.update(patient=dialog.patient_label.text(), amount=dialog.amount_label.text(),
                    warning=dialog.warning_label.text(), button=dialog.refund_button.text())
        qtbot.keyClicks(dialog.reason_edit, "double booking")
        qtbot.mouseClick(dialog.refund_button, Qt.MouseButton.LeftButton)
        return dialog.result_value

    monkeypatch.setattr(RefundDialog, "ask", classmethod(ask))
    _action(menus[0], "返金する").trigger()
    assert seen["patient"].endswith(" 様") and seen["amount"] == "¥1,200"
    assert seen["warning"] == WARNING == "返金処理を実行すると元に戻すことができません。必ず患者名をご確認ください。"
    assert seen["button"] == "返金する"
    wait_for(qtbot, lambda: texts(page.view, 7) == ["返金済み"], timeout=15)
    assert texts(page.view, 9) == ["¥1,200"]
    assert texts(page.view, 8)[0] != ""
    assert texts(page.view, ACTIONS_COLUMN) == [""]


def test_three_dot_button_partial_refund(qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _paid_requests(qtbot, clinic_app, [3000])
    page = _page(qtbot, clinic_app)
    menus = _capture_menus(monkeypatch)
    rect = page.view.visualRect(page.model.index(0, ACTIONS_COLUMN))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(menus) == 1

    def ask(cls: Any, parent: Any, row: Any) -> Any:
        dialog = cls(row, parent)
        qtbot.addWidget(dialog)
        dialog.mode.buttons["partial"].click()
        dialog.amount_edit.clear()
        qtbot.keyClicks(dialog.amount_edit, "5000")
        qtbot.mouseClick(dialog.refund_button, Qt.MouseButton.LeftButton)
        assert "¥3,000" in dialog.amount_error.text()  # more than what is left: shown next to the field
        dialog.amount_edit.clear()
        qtbot.keyClicks(dialog.amount_edit, "1000")
        qtbot.mouseClick(dialog.refund_button, Qt.MouseButton.LeftButton)
        return dialog.result_value

    monkeypatch.setattr(RefundDialog, "ask", classmethod(ask))
    _action(menus[0], "返金する").trigger()
    wait_for(qtbot, lambda: texts(page.view, 7) == ["一部返金済み"], timeout=15)
    assert texts(page.view, 9) == ["¥1,000"]
    assert texts(page.view, ACTIONS_COLUMN) == ["⋯"]  # the rest can still be refunded


def test_filters_count_and_csv_export(qtbot: Any, clinic_app: Any, tmp_path: pathlib.Path) -> None:
    _paid_requests(qtbot, clinic_app, [1200, 2400, 3600])
    page = _page(qtbot, clinic_app)
    total = page.model.rowCount()
    assert total >= 2
    assert page.count_label.text() == f"{total:,} 件"
    requested = texts(page.view, 0)
    assert requested == sorted(requested, reverse=True)  # newest first
    name = texts(page.view, 2)[0]
    page.patient_edit.setText(name.split(" ")[0])
    qtbot.mouseClick(page.search_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot)
    assert set(texts(page.view, 2)) == {name}
    page.state_combo.setCurrentIndex(page.state_combo.findText("返金済み"))
    page.apply_filter()
    wait_idle(qtbot)
    assert page.model.rowCount() == 0
    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot)
    assert page.model.rowCount() == total
    out = tmp_path / "history.csv"
    page.export_csv(out)
    wait_idle(qtbot)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the Japanese
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("請求ID,請求日時,決済日時,患者名")
    assert len([x for x in lines if x]) == total + 1


def test_receptionist_sees_refund_greyed_with_the_reason(
    qtbot: Any, clinic_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _paid_requests(qtbot, clinic_app, [1200])
    switch_staff(qtbot, clinic_app, "受付", "2222")  # 担当スタッフ with the receptionist's PIN
    page = _page(qtbot, clinic_app)
    menus = _capture_menus(monkeypatch)
    rect = page.view.visualRect(page.model.index(0, 2))
    page.view.customContextMenuRequested.emit(rect.center())
    refund = _action(menus[0], "返金する（管理者のみ）")
    assert not refund.isEnabled()
    assert texts(page.view, 7) == ["決済済み"]


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _csv(path: pathlib.Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_matches_payjp_statement_in_both_languages(qtbot: Any, clinic_app: Any, tmp_path: pathlib.Path) -> None:
    _paid_requests(qtbot, clinic_app, [1200, 2400])
    with clinic_app.ctx.db.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(BillingRequest).where(BillingRequest.paid_at.isnot(None)))
        paid = {r.amount: r for r in rows}
    refunded = paid[2400]
    run(qtbot, clinic_app.ctx.runner.payments(clinic_app.ctx.billing.refund, refunded.id, clinic_app.session.actor,
                                              500, "診察料の誤り"))
    run(qtbot, clinic_app.ctx.runner.payments(clinic_app.ctx.billing.refund, refunded.id, clinic_app.session.actor,
                                              300, "薬の返品"))
    page = _page(qtbot, clinic_app)
    page.export_csv(tmp_path / "ja.csv")
    wait_idle(qtbot)
    rows = _csv(tmp_path / "ja.csv")
    old = ["請求ID", "請求日時", "決済日時", "患者名", "メニュー", "予約ID", "請求金額", "課税対象", "請求スタッフ", "伝達事項",
           "状態", "返金額", "返金日時"]
    assert rows[0] == [*old, "PAY.JP課金ID", "カードブランド", "カード下4桁", "返金理由"]  # new columns at the end
    by_id = {int(r[0]): r for r in rows[1:]}
    for request in paid.values():
        line = by_id[request.id]
        assert line[13].startswith("ch_") and line[13] == request.charge_id  # the id on PAY.JP's statement
        assert line[14:16] == ["Visa", "4242"]
        assert ISO_TIME.fullmatch(line[1]) and ISO_TIME.fullmatch(line[2])  # as the 日次締め CSV writes them
        assert line[7] == "課税"
    assert by_id[refunded.id][16] == "診察料の誤り / 薬の返品" and by_id[refunded.id][11] == "800"
    assert ISO_TIME.fullmatch(by_id[refunded.id][12])
    assert by_id[paid[1200].id][16] == ""

    from .test_english import _english  # (it imports this module)

    _english(qtbot, clinic_app)
    page = _page(qtbot, clinic_app)
    page.export_csv(tmp_path / "en.csv")
    wait_idle(qtbot)
    rows = _csv(tmp_path / "en.csv")
    assert rows[0][13:] == ["PAY.JP charge ID", "Card brand", "Card last 4", "Refund reason"]
    line = {int(r[0]): r for r in rows[1:]}[refunded.id]
    assert line[7] == "Taxable" and line[10] == "Partly refunded"  # the words on the screen
    assert line[13] == refunded.charge_id and line[14:16] == ["Visa", "4242"]
    assert line[16] == "診察料の誤り / 薬の返品"  # as staff typed them
