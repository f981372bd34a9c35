"""English UI: no Japanese left in the labels, buttons, headers and hints of any screen or dialog
(the clinic's own data — patient, staff, clinic and menu names, messages — stays as entered)."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTabWidget,
    QWidget,
)
from sqlalchemy import select

from desktop.domain.errors import ValidationError
from desktop.services.billing import DEFAULT_MESSAGE
from desktop.services.demo_mailbox import DemoMailbox
from desktop.storage.orm import BillingRequest, Clinic, Menu, Patient, Reservation, Staff
from desktop.ui import i18n, messages
from desktop.ui.dialogs.confirm_dialog import ConfirmDialog
from desktop.ui.dialogs.patient_dialog import PatientDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
from desktop.ui.dialogs.refund_dialog import RefundDialog
from desktop.ui.dialogs.reservation_dialog import ReservationDialog
from desktop.ui.dialogs.tenant_register_dialog import TenantRegisterDialog

from .conftest import run, wait_for, wait_idle
from .test_billing_page import _paid_requests

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def data_strings(app: Any) -> list[str]:
    """What the clinic entered: allowed to stay Japanese."""
    out: list[str] = [DEFAULT_MESSAGE, "日本語"]  # a language is named in itself in the language menu
    with app.ctx.db.uow(readonly=True) as uow:
        s = uow.session
        for c in s.scalars(select(Clinic)):  # (the audit log shows what was entered, before and after)
            out += [c.name, c.representative, c.address]
        out += [x.name for x in s.scalars(select(Staff))]
        for p in s.scalars(select(Patient)):
            out += [p.full_name, p.family_name, p.given_name, p.family_name_kana, p.given_name_kana, p.address,
                    p.sex, f"{p.family_name_kana} {p.given_name_kana}"]
        for m in s.scalars(select(Menu)):
            out += [m.name, m.note, m.confirmation_message]
        for r in s.scalars(select(Reservation)):
            out += [r.message, *[str(a) for a in (r.attachments or [])]] if hasattr(r, "attachments") else [r.message]
        out += [b.message for b in s.scalars(select(BillingRequest))]
    # mail sent to patients is in the patient's language (the demo mailbox shows it as sent)
    out += [m.subject for m in DemoMailbox(app.ctx.data_dir / "mailbox").list_messages()]
    return sorted({x for x in out if x}, key=len, reverse=True)


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for w in [root, *root.findChildren(QWidget)]:
        name = type(w).__name__
        if isinstance(w, QLabel) and not w.isHidden():
            found.append((name, w.text()))
        if isinstance(w, QAbstractButton):
            found += [(name, w.text()), (name + ".tooltip", w.toolTip())]
        if isinstance(w, QGroupBox):
            found.append((name, w.title()))
        if isinstance(w, QTabWidget):
            found += [(name + ".tab", w.tabText(i)) for i in range(w.count())]
        if isinstance(w, QMessageBox):
            found += [(name + ".text", w.text()), (name + ".informative", w.informativeText())]
        if isinstance(w, QLineEdit):
            found += [(name + ".placeholder", w.placeholderText()), (name + ".tooltip", w.toolTip())]
        if isinstance(w, QComboBox):
            found += [(name + ".item", w.itemText(i)) for i in range(w.count())]
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            root_index = w.rootIndex()
            try:
                cols = m.columnCount(root_index)
            except TypeError:  # list models keep columnCount private
                cols = 1
            rows = min(m.rowCount(root_index), 30)
            found += [(name + ".header", str(m.headerData(c, Qt.Orientation.Horizontal) or "")) for c in range(cols)]
            for r in range(rows):
                for c in range(cols):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        found.append((name + ".cell", str(m.index(r, c, root_index).data(role) or "")))
    if root.isWindow():
        found.append(("title", root.windowTitle()))
    return found


def japanese_left(root: QWidget, data: list[str]) -> list[tuple[str, str]]:
    bad = []
    for where, text in visible_texts(root):
        rest = text
        for d in data:
            rest = rest.replace(d, "")
        if JAPANESE.search(rest):
            bad.append((where, text))
    return bad


def _english(qtbot: Any, app: Any) -> Any:
    w = app.window
    w.lang_combo.setCurrentIndex(1)
    w.lang_combo.activated.emit(1)
    wait_for(qtbot, lambda: app.window is not w)
    wait_idle(qtbot)
    assert i18n.language() == "en"
    return app.window


def test_every_page_in_english(qtbot: Any, clinic_app: Any) -> None:
    _paid_requests(qtbot, clinic_app, [1200, 2400])
    w = _english(qtbot, clinic_app)
    data = data_strings(clinic_app)
    problems: dict[str, list[tuple[str, str]]] = {}
    for key in w.pages:
        page = w.show_page(key)
        reload = getattr(page, "apply_filter", None) or getattr(page, "reload", None)
        if callable(reload):
            reload()
        wait_idle(qtbot)
        if key == "予約管理":
            wait_for(qtbot, lambda: page.detail.detail is not None)  # type: ignore[attr-defined]
        bad = japanese_left(page, data)
        if bad:
            problems[key] = bad
    bad = japanese_left(w, data)
    if bad:
        problems["window"] = bad
    shown = [("message", text) for _, text in messages.bridge().history]
    bad = [x for x in shown if _japanese_in(x[1], data)]
    if bad:
        problems["messages"] = bad
    assert not problems, problems


def _japanese_in(text: str, data: list[str]) -> bool:
    for d in data:
        text = text.replace(d, "")
    return bool(JAPANESE.search(text))


def test_dialogs_and_validation_in_english(qtbot: Any, clinic_app: Any) -> None:
    _paid_requests(qtbot, clinic_app, [1200])
    _english(qtbot, clinic_app)
    data = data_strings(clinic_app)
    s = clinic_app.session
    rows = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.reservations, s.clinic.id, None))
    detail = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.reservation, next(
        r.id for r in rows if "一般診療" in r.menu_name)))
    dialog = PaymentRequestDialog(detail)
    qtbot.addWidget(dialog)
    dialog.amount_edit.setText("1")
    dialog.confirm_button.click()  # a validation message next to the field
    assert "at least" in dialog.amount_error.text()
    assert not japanese_left(dialog, data)
    dialog.amount_edit.setText("1200")
    dialog.confirm_button.click()
    assert dialog.stack.currentIndex() == 1
    assert not japanese_left(dialog, data)

    history = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.history.for_reservation, detail.id))
    paid = next(h for h in run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.history.page, s.clinic.id,
                                                                 __import__("desktop.services.history", fromlist=["x"])
                                                                 .HistoryFilter(), 0, 10)) if h.paid)
    refund = RefundDialog(paid)
    qtbot.addWidget(refund)
    refund.mode.buttons["partial"].click()
    refund.amount_edit.setText("99999")
    refund.refund_button.click()
    assert refund.amount_error.text().startswith("The refund is more")
    assert not japanese_left(refund, data), japanese_left(refund, data)
    assert history is not None

    patients = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.patients, s.clinic.id))
    menus = run(qtbot, clinic_app.ctx.runner.db(clinic_app.ctx.queries.menus, s.clinic.id))
    new = ReservationDialog(patients, menus, detail.starts_at.date())
    qtbot.addWidget(new)
    new.patient_combo.setEditText("nobody")
    new.ok_button.click()
    assert new.error.text() == "The patient is required."
    assert not japanese_left(new, data), japanese_left(new, data)


def test_field_labels_of_validation_errors_have_english() -> None:
    for label in ("メニュー名", "料金（0〜9,999,999円の整数）", "決済種別（1つ以上選択）", "クリニック名", "宛名"):
        text = ValidationError("field_required", field="x", label=label).message("en")
        assert not JAPANESE.search(text), text
    assert ValidationError("field_required", label="メニュー名").message("ja") == "メニュー名を入力してください。"
    assert ValidationError("field_required", label="X", label_en="The X").message("en") == "The X is required."


def test_standard_dialogs_and_error_states_in_english(qtbot: Any, clinic_app: Any, monkeypatch: Any) -> None:
    w = _english(qtbot, clinic_app)
    data = data_strings(clinic_app)
    asked: list[list[tuple[str, str]]] = []

    def fake_exec(box: QMessageBox) -> int:  # the question as staff would see it, answered "no"
        asked.append(visible_texts(box))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    menus = w.show_page("メニュー設定")
    wait_idle(qtbot)
    menus.list.setCurrentRow(0)  # type: ignore[attr-defined]
    menus._on_delete_clicked()  # type: ignore[attr-defined]
    assert len(asked) == 1 and ("QPushButton", "Cancel") in asked[0]
    assert [x for x in asked[0] if _japanese_in(x[1], data)] == []

    menus.new_menu()  # type: ignore[attr-defined]
    menus.price_edit.setText("abc")  # type: ignore[attr-defined]
    menus.save()  # type: ignore[attr-defined]
    wait_idle(qtbot)
    wait_for(qtbot, lambda: menus.errors["price"].isVisible())  # type: ignore[attr-defined]
    assert menus.errors["price"].text() == "Enter a price from ¥0 to ¥9,999,999."  # type: ignore[attr-defined]
    assert not japanese_left(menus, data), japanese_left(menus, data)

    patient = PatientDialog(clinic_app.session)
    qtbot.addWidget(patient)
    assert patient.windowTitle() == "New patient"
    patient.save_button.click()  # nothing typed: the required fields say so
    wait_idle(qtbot)
    assert not japanese_left(patient, data), japanese_left(patient, data)

    tenant = TenantRegisterDialog(w)
    qtbot.addWidget(tenant)
    assert tenant.windowTitle() == "PAY.JP tenant registration"
    assert not japanese_left(tenant, data), japanese_left(tenant, data)

    settings = w.show_page("決済会社設定")
    settings.show_connection()  # type: ignore[attr-defined]
    wait_idle(qtbot)
    assert not japanese_left(settings, data), japanese_left(settings, data)

    standard = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                | QDialogButtonBox.StandardButton.Yes | QDialogButtonBox.StandardButton.No)
    qtbot.addWidget(standard)
    files = QFileDialog(w, "Export CSV")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(files)
    assert not japanese_left(standard, data) and not japanese_left(files, data)
    assert not [t for _, t in messages.bridge().history if _japanese_in(t, data)]


def test_standard_dialogs_in_japanese(qtbot: Any, clinic_app: Any, monkeypatch: Any) -> None:
    asked: list[list[tuple[str, str]]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(visible_texts(box)) or 0)
    assert not ConfirmDialog.ask(clinic_app.window, "削除", "削除しますか？", "削除")
    assert ("QPushButton", "キャンセル") in asked[0]
    standard = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Yes)
    qtbot.addWidget(standard)
    assert standard.button(QDialogButtonBox.StandardButton.Cancel).text() == "キャンセル"
    files = QFileDialog(clinic_app.window, "CSV出力")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    files.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(files)
    assert {"保存(&S)", "キャンセル"} <= {b.text() for b in files.findChildren(QAbstractButton)}


def test_the_timeline_details_read_in_english(qtbot: Any, clinic_app: Any) -> None:
    """経過 in English: an amount, who and why on one line, with no Japanese separator between them."""
    import datetime as dt

    from desktop.services.timeline import TimelineEntry
    from desktop.ui.dialogs.timeline_dialog import TimelineDialog

    at = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.timezone.utc)
    entries = [TimelineEntry(at, "payment_failed", code="card_declined", amount=2200, staff="院長 桜井")]
    i18n.set_language("en")
    try:
        dialog = TimelineDialog(entries, clinic_app.window)
        qtbot.addWidget(dialog)
        detail = dialog.table.item(0, 2).text()
        assert detail.startswith("¥2,200 · 院長 桜井 · ") and "・" not in detail
    finally:
        i18n.set_language("ja")
