"""Sign-in, lockout, auto-lock, スタッフ管理, the second approver and 操作履歴, on the real app (デモ)."""

from __future__ import annotations

import csv
import pathlib
from typing import Any

from PySide6.QtCore import Qt

from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.ui.dialogs.refund_dialog import RefundDialog
from desktop.ui.main_window import Cover

from .conftest import run, sign_in, texts, wait_for, wait_idle
from .test_billing_page import _paid_requests
from .test_english import _english

MANAGER, RECEPTION, ACCOUNTING = DEMO_ACCOUNTS


def _sign_out(qtbot: Any, app: Any) -> Any:
    app.window.sign_out_button.click()
    wait_for(qtbot, lambda: app.window is None and app.sign_in_dialog is not None)
    wait_idle(qtbot)
    return app.sign_in_dialog


def _try(qtbot: Any, dialog: Any, name: str, secret: str, *, pin: bool = False) -> str:
    combo = dialog.staff_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if combo.itemText(i).startswith(name)))
    dialog.pin_check.setChecked(pin)
    dialog.secret_edit.setText(secret)
    before = dialog.secret_error.text()
    dialog.secret_error.clear_error()
    dialog.ok_button.click()
    wait_for(qtbot, lambda: not dialog.secret_error.isHidden())
    wait_idle(qtbot)
    del before
    return str(dialog.secret_error.text())


def test_sign_in_shows_the_training_accounts_and_locks_after_five_wrong_tries(qtbot: Any, clinic_app: Any) -> None:
    dialog = _sign_out(qtbot, clinic_app)
    assert dialog.demo_label is not None
    for account in DEMO_ACCOUNTS:  # トレーニング: each role's password and PIN are shown
        assert account.password in dialog.demo_label.text() and account.name in dialog.demo_label.text()
    for left in (4, 3, 2, 1):
        assert f"あと{left}回" in _try(qtbot, dialog, RECEPTION.name, "wrong-password")
    assert "ロックされています" in _try(qtbot, dialog, RECEPTION.name, "wrong-password")
    assert "ロックされています" in _try(qtbot, dialog, RECEPTION.name, RECEPTION.password)  # locked: refused
    assert clinic_app.window is None  # nothing of the app is shown
    sign_in(qtbot, clinic_app, ACCOUNTING.name, ACCOUNTING.pin, pin=True)
    assert "経理 田村（経理）" in clinic_app.window.windowTitle()
    page = clinic_app.window.show_page("操作履歴")
    wait_for(qtbot, lambda: page.table.rowCount() > 0)
    page.action_combo.setCurrentIndex(page.action_combo.findData("サインイン・ロック"))
    page.reload()
    wait_idle(qtbot)
    actions = texts(page.table, 2)
    assert actions.count("サインイン失敗") == 6 and "サインアウト" in actions and "サインイン" in actions


def _texts(widget: Any) -> list[str]:
    from PySide6.QtWidgets import QLabel

    return [label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget)]


def test_locking_with_the_button_says_so_not_that_nothing_was_done(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    qtbot.mouseClick(w.lock_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: w.locked and w.lock_dialog is not None and w.lock_dialog.isVisible())
    texts = _texts(w.lock_dialog)
    assert any(t.startswith("画面をロックしました。") for t in texts)
    assert not any("一定時間操作がなかった" in t for t in texts)
    w.lock_dialog.secret_edit.setText(MANAGER.password)
    w.lock_dialog.ok_button.click()
    wait_for(qtbot, lambda: not w.locked)


def test_auto_lock_hides_data_and_unlocking_keeps_the_dialog(qtbot: Any, clinic_app: Any) -> None:
    _paid_requests(qtbot, clinic_app, [1200])
    w = clinic_app.window
    page = w.show_page("決済管理")
    page.apply_filter()
    wait_for(qtbot, lambda: page.model.rowCount() == 1)
    dialog = RefundDialog(page.model.row_at(0), page)
    qtbot.addWidget(dialog)
    dialog.reason_edit.setText("二重予約")
    dialog.show()
    w.idle_timer.setInterval(300)  # as if the clinic's 10 minutes had passed without input
    w.idle_timer.start()
    wait_for(qtbot, lambda: w.locked and w.lock_dialog is not None and w.lock_dialog.isVisible())
    covers = [c for c in w.findChildren(Cover) + dialog.findChildren(Cover)
              if c.isVisible() and c.parentWidget() in (w, dialog)]
    assert {c.parentWidget() for c in covers} == {w, dialog}  # no patient name visible anywhere
    assert all(c.geometry() == c.parentWidget().rect() for c in covers)
    lock = w.lock_dialog
    assert any("一定時間操作がなかったため" in t for t in _texts(lock))
    lock.secret_edit.setText(MANAGER.password)
    lock.ok_button.click()
    wait_for(qtbot, lambda: not w.locked)
    assert dialog.isVisible() and dialog.reason_edit.text() == "二重予約"  # as it was
    assert not [c for c in dialog.findChildren(Cover) if c.isVisible()]
    w.idle_timer.setInterval(60_000)
    wait_idle(qtbot)


def test_someone_else_unlocking_closes_the_dialog_unseen(qtbot: Any, clinic_app: Any) -> None:
    _paid_requests(qtbot, clinic_app, [1200])
    w = clinic_app.window
    page = w.show_page("決済管理")
    page.apply_filter()
    wait_for(qtbot, lambda: page.model.rowCount() == 1)
    dialog = RefundDialog(page.model.row_at(0), page)
    qtbot.addWidget(dialog)
    dialog.show()
    w.lock_button.click()
    wait_for(qtbot, lambda: w.lock_dialog is not None and w.lock_dialog.isVisible())
    lock = w.lock_dialog
    combo = lock.staff_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if combo.itemText(i).startswith(RECEPTION.name)))
    lock.pin_check.setChecked(True)
    lock.secret_edit.setText(RECEPTION.pin)
    lock.ok_button.click()
    wait_for(qtbot, lambda: clinic_app.window is not w)
    assert not dialog.isVisible()  # closed without being shown to the other person
    assert "受付 佐々木（受付）" in clinic_app.window.windowTitle()
    wait_idle(qtbot)


def test_staff_management_refuses_bad_input_next_to_the_field(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    page = w.show_page("スタッフ管理")
    wait_for(qtbot, lambda: page.table.rowCount() == 3)
    # how long a wrong password or PIN locks an account (the clinic's setting, 5 minutes by default)
    assert "5回続けて間違えると" in page.lockout_label.text() and "5分間" in page.lockout_label.text()
    page.new_name.setText("受付 佐々木")
    page.new_password.setText("password123")
    page.add_button.click()
    wait_for(qtbot, lambda: not page.add_errors["name"].isHidden())
    assert "すでに登録" in page.add_errors["name"].text()
    page.new_name.setText("受付 鈴木")
    page.add_button.click()
    wait_for(qtbot, lambda: not page.add_errors["password"].isHidden())
    assert "10文字以上" in page.add_errors["password"].text()
    page.new_password.setText("suzuki-uketsuke-1")
    page.new_pin.setText("12")
    page.add_button.click()
    wait_for(qtbot, lambda: not page.add_errors["pin"].isHidden())
    assert "4〜8桁" in page.add_errors["pin"].text()
    assert page.table.rowCount() == 3  # nothing added
    page.new_pin.setText("5555")
    page.add_button.click()
    wait_for(qtbot, lambda: page.table.rowCount() == 4)
    page.select(next(a.id for a in page.accounts if a.name == MANAGER.name))
    page.active_button.click()  # the only 管理者
    wait_for(qtbot, lambda: not page.edit_errors["active"].isHidden())
    assert "有効な管理者が他にいない" in page.edit_errors["active"].text()
    wait_idle(qtbot)


def test_staff_form_messages_never_grow_the_window_past_the_screen(qtbot: Any, clinic_app: Any) -> None:
    """Two messages at once under スタッフを追加 (1366×768): the window keeps its size and each message
    is shown whole (the column scrolls)."""
    w = clinic_app.window
    w.resize(1366, 768)
    page = w.show_page("スタッフ管理")
    wait_for(qtbot, lambda: page.table.rowCount() == 3)
    size = w.size()
    page.new_name.setText("受付 鈴木")
    page.new_password.setText("password12")
    page.new_pin.setText("12")
    page.add_button.click()
    wait_for(qtbot, lambda: not page.add_errors["password"].isHidden() and not page.add_errors["pin"].isHidden())
    wait_idle(qtbot)
    qtbot.wait(50)
    assert w.size() == size
    for field in ("password", "pin"):
        label = page.add_errors[field]
        assert label.height() >= label.heightForWidth(label.width()), field  # no line cut off


def refund_needing_approval(qtbot: Any, app: Any, amounts: list[int]) -> tuple[Any, RefundDialog]:
    """決済管理 with ``amounts`` (whole yen) paid, refunds above ¥1,000 needing a second 管理者, and
    返金する of the first row pressed: the dialog shows its approval part."""
    s = app.session
    staff_page = app.window.show_page("スタッフ管理")
    staff_page.threshold_edit.setText("1000")
    staff_page.security_button.click()
    wait_for(qtbot, lambda: s.clinic.refund_approval_threshold == 1000)
    _paid_requests(qtbot, app, amounts)
    page = app.window.show_page("決済管理")
    page.apply_filter()
    wait_for(qtbot, lambda: page.model.rowCount() == len(amounts))
    dialog = RefundDialog(page.model.row_at(0), page)
    qtbot.addWidget(dialog)
    dialog.reason_edit.setText("診療取消")
    dialog.show()
    dialog.refund_button.click()
    wait_for(qtbot, lambda: dialog.approval_box.isVisible())
    return page, dialog


def test_second_approver_in_the_refund_dialog(qtbot: Any, clinic_app: Any) -> None:
    app = clinic_app
    s = app.session
    second = run(qtbot, s.actions.add_staff(s.actor, "副院長 山本", MANAGER_ROLE(), "fukuincho-2026", "4444"))
    assert second
    page, dialog = refund_needing_approval(qtbot, app, [1200, 1500])
    wait_for(qtbot, lambda: dialog.approver_combo.count() == 1)
    assert dialog.approval_box.isVisible() and not dialog.refund_button.isEnabled()
    assert dialog.approver_combo.itemText(0) == "副院長 山本"  # never oneself
    dialog.approver_pin.setChecked(True)
    dialog.approver_secret.setText("0000")
    dialog.approve_button.click()
    assert not dialog.reason_edit.isEnabled() and not dialog.mode.isEnabled()  # what is approved is fixed meanwhile
    wait_for(qtbot, lambda: not dialog.approver_error.isHidden())
    assert dialog.reason_edit.isEnabled() and dialog.mode.isEnabled()
    assert dialog.isVisible() and "正しくありません" in dialog.approver_error.text()
    dialog.approver_secret.setText("4444")
    dialog.approve_button.click()
    wait_for(qtbot, lambda: dialog.result_value is not None)
    values = dialog.result_value
    assert values.approver is not None and values.approver.staff_id == second
    page.run_refund(page.model.row_at(0), values)
    wait_for(qtbot, lambda: "返金済み" in texts(page.view, 7), timeout=15)
    # the other one waits (承認待ち) and is approved from the list by the second 管理者 signing there
    row = next(page.model.row_at(i) for i in range(2) if page.model.row_at(i).refundable)
    waiting = RefundDialog(row, page)
    qtbot.addWidget(waiting)
    waiting.show()
    waiting.refund_button.click()
    wait_for(qtbot, lambda: waiting.approval_box.isVisible())
    waiting.wait_button.click()
    page.run_refund(row, waiting.result_value)
    wait_for(qtbot, lambda: "承認待ち（1件）" == page.approvals_button.text())
    page.show_approvals()
    approvals = page.approvals_dialog
    wait_for(qtbot, lambda: approvals.table.rowCount() == 1)
    approvals.approve_button.click()  # asked by the signed-in 管理者: another one must sign
    wait_for(qtbot, lambda: approvals.approver_dialog is not None and approvals.approver_dialog.isVisible())
    signer = approvals.approver_dialog
    signer.pin_check.setChecked(True)
    signer.secret_edit.setText("4444")
    signer.ok_button.click()
    wait_for(qtbot, lambda: approvals.table.rowCount() == 0, timeout=15)
    wait_for(qtbot, lambda: texts(page.view, 7).count("返金済み") == 2, timeout=15)
    approvals.close()
    wait_idle(qtbot)


def test_withdrawing_a_refund_waiting_for_approval_is_asked_first(qtbot: Any, clinic_app: Any,
                                                                    monkeypatch: Any) -> None:
    """取り下げ asks with the patient and the amount; キャンセル there keeps the request waiting. Enter in
    承認待ち closes the list: it never withdraws or approves."""
    from desktop.ui.dialogs.confirm_dialog import ConfirmDialog

    page, waiting = refund_needing_approval(qtbot, clinic_app, [1500])
    waiting.wait_button.click()
    page.run_refund(page.model.row_at(0), waiting.result_value)
    wait_for(qtbot, lambda: "承認待ち（1件）" == page.approvals_button.text())
    page.show_approvals()
    approvals = page.approvals_dialog
    wait_for(qtbot, lambda: approvals.table.rowCount() == 1)
    assert approvals.close_button.isDefault() and not approvals.withdraw_button.isDefault()

    asked: list[str] = []
    answer = [False]
    monkeypatch.setattr(ConfirmDialog, "ask",
                        classmethod(lambda cls, parent, title, text, ok, **_k: asked.append(text) or answer[0]))
    approvals.withdraw_button.click()
    assert len(asked) == 1 and "様の返金（¥1,500）の依頼を取り下げますか" in asked[0]
    wait_idle(qtbot)
    approvals.reload()
    wait_idle(qtbot)
    assert approvals.table.rowCount() == 1  # キャンセル: still waiting
    answer[0] = True
    approvals.withdraw_button.click()
    wait_for(qtbot, lambda: approvals.table.rowCount() == 0, timeout=15)
    wait_for(qtbot, lambda: "承認待ち（1件）" != page.approvals_button.text())
    assert "返金済み" not in texts(page.view, 7)
    approvals.close()
    wait_idle(qtbot)


def MANAGER_ROLE() -> Any:  # noqa: N802
    from desktop.domain.clinic import StaffRole

    return StaffRole.MANAGER


def test_audit_log_filters_csv_and_opens_the_request(qtbot: Any, clinic_app: Any, tmp_path: pathlib.Path) -> None:
    _paid_requests(qtbot, clinic_app, [1200, 2400])
    w = clinic_app.window
    page = w.show_page("操作履歴")
    page.reload()
    wait_for(qtbot, lambda: page.table.rowCount() > 10)
    page.patient_edit.setText("山田")
    page.action_combo.setCurrentIndex(page.action_combo.findData("請求・決済"))
    page.reload()
    wait_idle(qtbot)
    patients = set(texts(page.table, 4))
    assert patients and all(p.startswith("山田") for p in patients)
    assert set(texts(page.table, 2)) <= {"請求", "決済開始", "決済完了"}
    page.staff_combo.setCurrentIndex(page.staff_combo.findData(clinic_app.session.staff_id))
    page.reload()
    wait_idle(qtbot)
    assert set(texts(page.table, 1)) == {"院長 桜井"} and set(texts(page.table, 2)) == {"請求"}
    out = tmp_path / "audit.csv"
    page.export_csv(out)
    wait_for(qtbot, lambda: out.exists())
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it as Japanese
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:4] == ["日時", "スタッフ", "操作者", "操作"] and len(rows) == 1 + page.table.rowCount()
    assert all(r[3] == "請求" for r in rows[1:])
    page.open_row(0)  # opens the request in 決済管理
    billing = w.pages["決済管理"]
    assert w.current_page() is billing and billing.only_label.isVisibleTo(billing)
    wait_for(qtbot, lambda: billing.model.rowCount() == 1)
    wait_idle(qtbot)


def test_both_refused_security_settings_are_shown_at_once(qtbot: Any, clinic_app: Any) -> None:
    s = clinic_app.session
    staff_page = clinic_app.window.show_page("スタッフ管理")
    staff_page.threshold_edit.setText("たくさん")
    staff_page.auto_lock_edit.setText("0")
    staff_page.security_button.click()
    wait_for(qtbot, lambda: staff_page.security_errors["auto_lock_minutes"].isVisible())
    wait_idle(qtbot)
    assert staff_page.security_errors["refund_approval_threshold"].isVisible()
    assert s.clinic.auto_lock_minutes != 0


def test_a_long_security_message_in_english_is_not_cut_off(qtbot: Any, clinic_app: Any) -> None:
    from desktop.ui import i18n

    _english(qtbot, clinic_app)
    try:
        staff_page = clinic_app.window.show_page("スタッフ管理")
        staff_page.threshold_edit.setText("-5")
        staff_page.auto_lock_edit.setText("abc")
        staff_page.security_button.click()
        label = staff_page.security_errors["refund_approval_threshold"]
        wait_for(qtbot, label.isVisible)
        wait_idle(qtbot)
        assert label.text().startswith("Enter the refund amount")
        qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()), timeout=5000)  # every line shown
    finally:
        i18n.set_language("ja")


def _audit_filters_fit(page: Any, too_long: str) -> None:
    """Every entry of both filters has the whole text in its box, but ``too_long``, shortened with its
    tooltip whole; the row stays on the page."""
    combo, actions = page.staff_combo, page.action_combo
    metrics = combo.fontMetrics()
    items = [combo.itemText(i) for i in range(combo.count())]
    longest = max((t for t in items if t != too_long), key=metrics.horizontalAdvance)
    assert metrics.horizontalAdvance(longest) <= combo.text_width()
    assert max(metrics.horizontalAdvance(actions.itemText(i)) for i in range(actions.count())) <= actions.text_width()
    assert page.csv_button.isVisible() and page.csv_button.geometry().right() <= page.width()
    combo.setCurrentIndex(combo.findText(too_long))
    assert metrics.horizontalAdvance(too_long) > combo.text_width() and combo.toolTip() == too_long
    combo.setCurrentIndex(combo.findText(longest))
    assert combo.toolTip() == ""


def test_audit_staff_filter_shows_each_name_with_its_role_whole(qtbot: Any, clinic_app: Any) -> None:
    from desktop.domain.clinic import StaffRole
    from desktop.ui import i18n

    ctx, actor = clinic_app.ctx, clinic_app.session.actor
    run(qtbot, ctx.runner.db(ctx.staff.add_staff, actor, "事務長 佐々木 真由美", StaffRole.ACCOUNTANT, "keiri-pass-2026"))
    very_long = "受付 " + "長谷川" * 12
    run(qtbot, ctx.runner.db(ctx.staff.add_staff, actor, very_long, StaffRole.STAFF, "uketsuke-pass-2026"))
    page = clinic_app.window.show_page("操作履歴")  # the staff added since are listed
    wait_for(qtbot, lambda: page.staff_combo.findText(f"{very_long}（受付）") >= 0)
    wait_idle(qtbot)
    assert "事務長 佐々木 真由美（経理）" in [page.staff_combo.itemText(i) for i in range(page.staff_combo.count())]
    _audit_filters_fit(page, f"{very_long}（受付）")
    _english(qtbot, clinic_app)
    try:
        page = clinic_app.window.show_page("操作履歴")
        wait_for(qtbot, lambda: page.staff_combo.findText(f"{very_long} (Reception)") >= 0)
        wait_idle(qtbot)
        items = [page.staff_combo.itemText(i) for i in range(page.staff_combo.count())]
        assert "事務長 佐々木 真由美 (Accounting)" in items and "院長 桜井 (Manager)" in items
        _audit_filters_fit(page, f"{very_long} (Reception)")
    finally:
        i18n.set_language("ja")
