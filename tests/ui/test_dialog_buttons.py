"""One order of buttons in every dialog, as a receptionist clicks by position: the row at the foot
is right-aligned, the main action first, キャンセル (閉じる, あとで続ける) right-most; Enter still
presses each dialog's own default button and Esc still leaves it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialog, QPushButton

from desktop.services.go_live import Condition, ConditionResult, GoLiveReport
from desktop.ui.dialogs.approvals_dialog import ApprovalsDialog
from desktop.ui.dialogs.go_live_dialog import GoLiveDialog
from desktop.ui.dialogs.live_check_dialog import LiveCheckDialog
from desktop.ui.dialogs.patient_dialog import PatientDialog
from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
from desktop.ui.dialogs.refund_dialog import RefundDialog
from desktop.ui.dialogs.reservation_dialog import ReservationDialog
from desktop.ui.dialogs.sign_in_dialog import SignInDialog
from desktop.ui.dialogs.tenant_register_dialog import TenantRegisterDialog
from desktop.ui.setup.wizard import SetupWizard

from .conftest import run, wait_for, wait_idle
from .test_billing_page import _paid_requests
from .test_english import _english
from .test_keyboard import _request_detail, activate
from .test_staff_ui import refund_needing_approval


@dataclass
class Case:
    """A dialog as the app opens it, and the names of its buttons (attributes of the dialog)."""

    name: str
    build: Callable[[], QDialog]
    main: str  # the main action: left of the way out
    leave: str  # キャンセル / 閉じる / あとで続ける: right-most
    default: str  # what Enter presses, as before the row was reordered


def _cases(qtbot: Any, app: Any) -> list[Case]:
    s, w, ctx = app.session, app.window, app.ctx
    _paid_requests(qtbot, app, [1200])
    billing = w.show_page("決済管理")
    billing.apply_filter()
    wait_for(qtbot, lambda: billing.model.rowCount() == 1)
    paid = billing.model.row_at(0)
    detail = _request_detail(qtbot, app)
    patients = run(qtbot, ctx.runner.db(ctx.queries.patients, s.clinic.id))
    menus = run(qtbot, ctx.runner.db(ctx.queries.menus, s.clinic.id))
    staff = run(qtbot, s.actions.staff_accounts(s.clinic.id))
    ready = GoLiveReport(tuple(ConditionResult(c) for c in Condition))
    return [
        Case("テナント登録", lambda: TenantRegisterDialog(w), "register_button", "cancel_button", "register_button"),
        Case("本番モードへの切り替え", lambda: GoLiveDialog(ready, w), "switch_button", "cancel_button",
             "cancel_button"),
        Case("予約の登録", lambda: ReservationDialog(patients, menus, detail.starts_at.date(), w, session=s),
             "ok_button", "cancel_button", "ok_button"),
        Case("返金する", lambda: RefundDialog(paid, w), "refund_button", "cancel_button", "cancel_button"),
        Case("患者情報", lambda: PatientDialog(s, detail.patient, w), "save_button", "cancel_button", "save_button"),
        Case("後決済請求", lambda: PaymentRequestDialog(detail, w), "confirm_button", "cancel_button",
             "confirm_button"),
        Case("担当スタッフの切り替え", lambda: SignInDialog(s.actions, s.clinic.name, staff, purpose="switch", parent=w),
             "ok_button", "cancel_button", "ok_button"),
        Case("2人目の管理者の承認", lambda: SignInDialog(s.actions, s.clinic.name, staff, purpose="approve", parent=w),
             "ok_button", "cancel_button", "ok_button"),
        Case("承認待ち", lambda: ApprovalsDialog(s, w), "approve_button", "close_button", "close_button"),
        Case("接続チェック", lambda: LiveCheckDialog(s, s.actions, w), "finish_button", "close_button", "start_button"),
        Case("クリニックの設定", lambda: SetupWizard(s, parent=w), "next_button", "later_button", "next_button"),
    ]


def _left(button: QPushButton, dialog: QDialog) -> int:
    return button.mapTo(dialog, QPoint(0, 0)).x()


def _row_of(leave: QPushButton, dialog: QDialog) -> list[QPushButton]:
    """The visible buttons on the same line as ``leave`` (their middles within its height), left to right."""
    top = leave.mapTo(dialog, QPoint(0, 0)).y()
    row = [b for b in dialog.findChildren(QPushButton) if b.isVisible()
           and top <= b.mapTo(dialog, QPoint(0, b.height() // 2)).y() <= top + leave.height()]
    return sorted(row, key=lambda b: _left(b, dialog))


def _check(qtbot: Any, case: Case) -> str:
    """Assert ``case``'s row (see the test); returns its name once every check held."""
    dialog = case.build()
    qtbot.addWidget(dialog)
    activate(qtbot, dialog)
    wait_idle(qtbot)
    main, leave, default = (getattr(dialog, n) for n in (case.main, case.leave, case.default))
    row = _row_of(leave, dialog)
    texts = [b.text() for b in row]
    assert row[-1] is leave, f"{case.name}: {leave.text()} is not right-most in {texts}"
    assert main in row and _left(main, dialog) < _left(leave, dialog), f"{case.name}: {texts}"
    right_gap = dialog.width() - (_left(leave, dialog) + leave.width())
    assert 0 <= right_gap <= 30, f"{case.name}: the row is not right-aligned ({right_gap} px to the edge)"
    defaults = [b.text() for b in dialog.findChildren(QPushButton) if b.isDefault()]
    assert defaults == [default.text()], f"{case.name}: Enter presses {defaults}"
    with qtbot.waitSignal(dialog.rejected, timeout=3000):
        focus = QApplication.focusWidget()
        qtbot.keyClick(focus if focus is not None else dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible(), case.name
    return case.name


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_dialog_ends_with_its_main_action_then_cancel_on_the_right(qtbot: Any, clinic_app: Any,
                                                                        lang: str) -> None:
    if lang == "en":
        _english(qtbot, clinic_app)
    checked = [_check(qtbot, case) for case in _cases(qtbot, clinic_app)]
    # every dialog with a way out was built and held every check, in turn
    assert checked == ["テナント登録", "本番モードへの切り替え", "予約の登録", "返金する", "患者情報", "後決済請求",
                       "担当スタッフの切り替え", "2人目の管理者の承認", "承認待ち", "接続チェック", "クリニックの設定"], checked


def test_the_rows_read_as_the_specification_lists_them(qtbot: Any, clinic_app: Any) -> None:
    w = clinic_app.window
    tenant = TenantRegisterDialog(w)
    qtbot.addWidget(tenant)
    activate(qtbot, tenant)
    assert [b.text() for b in _row_of(tenant.cancel_button, tenant)] == ["テナントを登録する", "キャンセル"]
    wizard = SetupWizard(clinic_app.session, parent=w)
    qtbot.addWidget(wizard)
    activate(qtbot, wizard)
    wait_idle(qtbot)
    assert [b.text() for b in _row_of(wizard.later_button, wizard)] == ["戻る", "保存して次へ", "あとで続ける"]
    wizard.close()


def test_the_second_managers_row_of_a_refund_reads_the_same_way(qtbot: Any, clinic_app: Any) -> None:
    """返金する above 承認して返金する, キャンセル above 承認待ちにする: the main action first in both rows."""
    from desktop.domain.clinic import StaffRole

    s = clinic_app.session
    run(qtbot, s.actions.add_staff(s.actor, "副院長 山本", StaffRole.MANAGER, "fukuincho-2026", "4444"))
    _page, dialog = refund_needing_approval(qtbot, clinic_app, [1200])
    activate(qtbot, dialog)
    assert [b.text() for b in _row_of(dialog.wait_button, dialog)] == ["承認して返金する", "承認待ちにする"]
    assert [b.text() for b in _row_of(dialog.cancel_button, dialog)] == ["返金する", "キャンセル"]
    assert _left(dialog.wait_button, dialog) + dialog.wait_button.width() == (
        _left(dialog.cancel_button, dialog) + dialog.cancel_button.width())  # one right edge
    dialog.reject()
