"""Find clipped text in a widget tree: buttons, labels and table headers narrower than their text,
and widgets that stick out of their window.

Used by ``test_scaling.py`` in-process (1366×768) and as a script in a subprocess with
``QT_SCALE_FACTOR=1.5`` (which must be set before QApplication exists):

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 python -m tests.ui.layout_check [--shots DIR]

prints one JSON line ``{"problems": [...], "screens": [...]}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import sys
import tempfile
from typing import Any

import shiboken6
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableView,
    QToolButton,
    QWidget,
)


def _shown(w: QWidget) -> bool:
    return w.isVisible() and w.width() > 0 and w.height() > 0


def _inside_scroll_area(w: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and not isinstance(p, QTableView):
            return True
        p = p.parentWidget()
    return False


def _name(w: QWidget) -> str:
    text = ""
    if isinstance(w, (QAbstractButton, QLabel)):
        text = w.text().replace("\n", " ")[:40]
    return f"{type(w).__name__}({text!r})"


def layout_problems(root: QWidget) -> list[str]:
    """What a person would see cut off in ``root`` as it is laid out now."""
    problems: list[str] = []
    window = root.window()
    win_rect = QRect(QPoint(0, 0), window.size())
    for w in [root, *root.findChildren(QWidget)]:
        if not _shown(w):
            continue
        if isinstance(w, (QPushButton, QRadioButton, QCheckBox, QToolButton)) and w.text():
            need = w.sizeHint().width()
            if isinstance(w, QToolButton):
                need = w.fontMetrics().horizontalAdvance(w.text())
            if w.width() < need:
                problems.append(f"{_name(w)} is {w.width()} px wide, its text needs {need}")
        elif isinstance(w, QLabel) and w.text() and not w.pixmap().isNull() is False:
            if w.wordWrap():
                need_h = w.heightForWidth(w.width())
                if need_h > w.height() + 1:
                    problems.append(f"{_name(w)} is {w.height()} px high, its wrapped text needs {need_h}")
            elif w.textFormat() != Qt.TextFormat.RichText:
                fm = w.fontMetrics()
                need = max(fm.horizontalAdvance(line) for line in w.text().split("\n")) + 2 * w.margin()
                if w.width() + 1 < need and "…" not in w.text():
                    problems.append(f"{_name(w)} is {w.width()} px wide, its text needs {need}")
        if isinstance(w, QTableView) and w.model() is not None:
            header: QHeaderView = w.horizontalHeader()
            fm = header.fontMetrics()
            for c in range(header.count()):
                if header.isSectionHidden(c):
                    continue
                text = str(w.model().headerData(c, Qt.Orientation.Horizontal) or "")
                need = max(header.sectionSizeFromContents(c).width() - 4, fm.horizontalAdvance(text))  # Qt's own measure
                if header.sectionSize(c) < need:
                    problems.append(f"header {text!r} is {header.sectionSize(c)} px wide, needs {need}")
        if w is not window and not _inside_scroll_area(w):
            r = QRect(w.mapTo(window, QPoint(0, 0)), w.size())
            if not win_rect.contains(r) and not isinstance(w.parentWidget(), QAbstractScrollArea):
                problems.append(f"{_name(w)} at {r.getRect()} sticks out of the {win_rect.width()}×"
                                f"{win_rect.height()} window")
    return problems


OVERLAYS = {"messageBanner", "lockCover"}  # float over the page on purpose


def overlaps(root: QWidget) -> list[str]:
    """Visible sibling widgets in ``root`` that cover each other (buttons over a text field …)."""
    problems: list[str] = []
    for parent in [root, *root.findChildren(QWidget)]:
        if not _shown(parent) or isinstance(parent, (QAbstractScrollArea, QComboBox, QAbstractSpinBox)):
            continue
        kids = [w for w in parent.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                if _shown(w) and not w.isWindow() and w.objectName() not in OVERLAYS]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                if a.geometry().intersects(b.geometry()):
                    problems.append(f"{_name(a)} at {a.geometry().getRect()} overlaps {_name(b)} at "
                                    f"{b.geometry().getRect()}")
    return problems


async def _screens(shots: pathlib.Path | None, width: int, height: int, lang: str) -> dict[str, list[str]]:
    from desktop.app import ClinicPayApp
    from desktop.bootstrap import prepare_context
    from desktop.config import LocalSettings
    from desktop.services.history import HistoryFilter
    from desktop.services.secrets import MemorySecretStore
    from desktop.ui import async_ops
    from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
    from desktop.ui.dialogs.refund_dialog import RefundDialog
    from desktop.ui.dialogs.reservation_dialog import ReservationDialog

    ctx = prepare_context(pathlib.Path(tempfile.mkdtemp()), LocalSettings(checkout_port=0, simulator_port=0, language=lang),
                          secrets=MemorySecretStore())
    app = ClinicPayApp(ctx, checkout_port=0)
    await app.start(show=True)
    from desktop.services.demo_accounts import DEMO_ACCOUNTS

    found: dict[str, list[str]] = {}

    async def idle(extra: float = 0.2) -> None:
        while async_ops.pending():
            await asyncio.sleep(0.02)
        await asyncio.sleep(extra)

    def check(name: str, widget: QWidget, shot: str | None = None) -> None:
        found[name] = layout_problems(widget) + overlaps(widget)
        if shots is not None and shot:
            widget.grab().save(str(shots / f"{shot}.png"))

    async def signed_in(what: str) -> None:
        """Wait for the window the sign-in opens; a refused sign-in ends the check with its message."""
        dialog = app.sign_in_dialog
        for _ in range(600):
            if app.window is not None:
                return
            if dialog is not None and shiboken6.isValid(dialog) and dialog.secret_error.isVisible():
                raise SystemExit(f"{what} refused: {dialog.secret_error.text()}")
            await asyncio.sleep(0.05)
        raise SystemExit(f"{what}: no window after 30 s")

    # サインイン as the demo's 院長 (the トレーニング accounts are published on this screen)
    sign_in = app.sign_in_dialog
    assert sign_in is not None, "no サインイン dialog at start"
    await idle()
    check("サインイン", sign_in)
    sign_in.secret_edit.setText("")
    sign_in.submit()  # nothing typed: the message under the field
    await idle()
    check("サインイン（入力チェック）", sign_in)
    manager = DEMO_ACCOUNTS[0]
    sign_in.staff_combo.setCurrentIndex(sign_in.staff_combo.findData(manager.name, Qt.ItemDataRole.UserRole + 1))
    sign_in.pin_check.setChecked(False)
    sign_in.secret_edit.setText(manager.password)
    sign_in.submit()
    await signed_in("サインイン")
    w, s = app.window, app.session
    assert w is not None and s is not None
    w.resize(width, height)

    # a paid request, so the refund dialog has a real row
    rows = await ctx.runner.db(ctx.queries.reservations, s.clinic.id, None)
    detail = None
    for r in rows:
        d = await ctx.runner.db(ctx.queries.reservation, r.id)
        if d is not None and d.can_request_post_payment and d.patient.email:
            detail = d
            break
    assert detail is not None
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.services.demo_mailbox import DemoMailbox, extract_content
    from desktop.simulator.testing import make_test_token

    await ctx.runner.payments(ctx.billing.request_payment, detail.id, s.actor, 12800, "taxable")
    await ctx.runner.mail(ctx.outbox.send_due)
    box = DemoMailbox(ctx.data_dir / "mailbox")
    link = next(x for x in (extract_content(box.get(m.key)).first_link for m in box.list_messages()) if x)
    assert app.simulator is not None
    base = app.simulator.base_url
    await ctx.runner.payments(lambda: ctx.billing.pay_with_token(link.rsplit("/pay/", 1)[1],
                                                                 make_test_token(base, DEMO_SECRET_KEY)))

    for key in list(w.pages):
        page = w.show_page(key)
        for name in ("apply_filter", "reload"):
            fn = getattr(page, name, None)
            if callable(fn):
                fn()
                break
        await idle()
        w.nav.setVisible(key == "予約管理")
        await idle(0.1)
        check(key, w, "ui-main-150" if key == "予約管理" else None)
        if key == "決済管理" and shots is not None:
            w.grab().save(str(shots / "ui-billing-150.png"))
    w.nav.hide()

    dialog = PaymentRequestDialog(detail, w)
    dialog.show()
    await idle()
    check("後決済請求", dialog)
    dialog._on_confirm_clicked()
    await idle()
    check("後決済請求 確認", dialog)
    dialog.close()
    dialog = PaymentRequestDialog(detail, w)
    dialog.show()
    dialog.amount_edit.setText("12,800.5")
    dialog.message_edit.setPlainText("あ" * 2001)
    dialog._on_confirm_clicked()  # both messages at once
    await idle()
    check("後決済請求（入力チェック）", dialog)
    dialog.close()
    paid = next(h for h in await ctx.runner.db(ctx.history.page, s.clinic.id, HistoryFilter(), 0, 20) if h.refundable)
    refund = RefundDialog(paid, w)
    refund.show()
    await idle()
    check("返金する", refund, "ui-refund-150")
    refund.reason_edit.setText("あ" * 300)
    refund.mode.buttons["partial"].setChecked(True)
    refund.amount_edit.setText("99999999")
    refund._on_refund_clicked()  # 返金理由 and 返金額 wrong together
    await idle()
    check("返金する（入力チェック）", refund)
    refund.close()
    patients = await ctx.runner.db(ctx.queries.patients, s.clinic.id)
    menus = await ctx.runner.db(ctx.queries.menus, s.clinic.id)
    rd = ReservationDialog(patients, menus, detail.starts_at.date(), w, session=s)
    rd.show()
    await idle()
    check("予約の登録", rd)
    rd.patient_combo.setEditText("nobody")
    rd.time_edit.setEditText("25:00")
    rd._on_ok_clicked()  # 患者 and 時刻 wrong together
    await idle()
    check("予約の登録（入力チェック）", rd)
    rd.close()
    menu_page = w.show_page("メニュー設定")
    await idle()
    from desktop.ui.pages.menu_page import MenuPage

    assert isinstance(menu_page, MenuPage)
    menu_page.name_edit.clear()
    menu_page.price_edit.setText("abc")
    menu_page.lump_sum.setChecked(False)
    menu_page.save()
    await idle()
    check("メニュー設定（入力チェック）", w)
    menu_page.reload()
    await idle()
    from desktop.ui.dialogs.patient_dialog import PatientDialog

    from desktop.domain.clinic import ReviewStatus
    from desktop.services.go_live import Condition, ConditionResult, GoLiveError, GoLiveReport
    from desktop.ui.dialogs.go_live_dialog import GoLiveDialog

    go_live = GoLiveDialog(GoLiveReport(tuple(
        ConditionResult(c, GoLiveError("tenant_not_approved_yet", status=ReviewStatus.IN_REVIEW)
                        if c is Condition.TENANT else None) for c in Condition)), w)
    go_live.show()
    await idle()
    check("本番モードへの切り替え", go_live)
    go_live.close()

    editor = PatientDialog.open_for(w, s, detail.patient)
    editor.edits["family_name_kana"].setText("Yamada")
    editor.edits["phone"].setText("090-abcd")
    editor.edits["email"].setText("hanako..yamada@docomo.ne.jp")
    editor._on_save_clicked()  # three messages under their fields
    await idle()
    check("患者情報の編集", editor)
    editor.reject()
    from desktop.ui.dialogs.about_dialog import AboutDialog
    from desktop.ui.dialogs.approvals_dialog import ApprovalsDialog
    from desktop.ui.dialogs.live_check_dialog import LiveCheckDialog
    from desktop.ui.dialogs.tenant_register_dialog import TenantRegisterDialog
    from desktop.ui.dialogs.timeline_dialog import TimelineDialog

    timeline = TimelineDialog(await s.actions.timeline(paid.id), w)
    live = LiveCheckDialog(s, s.actions, w)
    for name, other in (("テナント登録", TenantRegisterDialog(w)), ("このアプリについて", AboutDialog(w)),
                        ("経過", timeline), ("承認待ち", ApprovalsDialog(s, w)), ("接続チェック", live)):
        other.show()
        await idle()
        check(name, other)
        if other is live:
            live.email.setText("not-an-address")
            live.start()  # refused (デモ, or the address): the message under the field
            await idle()
            check("接続チェック（入力チェック）", live)
        other.close()
    from desktop.ui.setup.first_run_dialog import FirstRunDialog

    first = FirstRunDialog(w)
    first.show()
    await idle()
    check("初回起動", first)
    first.accept()
    # the clinic's setup: every step of the wizard, then the checklist on 決済会社設定
    await app.switch_workspace("clinic")
    # the blank clinic: nobody has a password yet, so its 管理者 sets the first one
    first_password = app.sign_in_dialog
    assert first_password is not None and first_password.first_password, "no 最初のパスワードの設定 dialog"
    # the offscreen screen is 800×800 device pixels (533 logical at 150 %), smaller than the 1280×720
    # one checked here, and Qt keeps a dialog inside it: give the dialog the size it asks for
    first_password.resize(first_password.sizeHint())
    await idle()
    check("最初のパスワードの設定", first_password)
    assert first_password.confirm_edit is not None
    first_password.secret_edit.setText("Sakurai-clinic-2026")
    first_password.confirm_edit.setText("Sakurai-clinic-2025")
    first_password.submit()  # the two entries differ: the message under 確認
    await idle()
    check("最初のパスワードの設定（入力チェック）", first_password)
    first_password.confirm_edit.setText("Sakurai-clinic-2026")
    first_password.submit()
    await signed_in("最初のパスワードの設定")
    while app.window is None or app.window.setup_wizard is None:
        await asyncio.sleep(0.05)
    win = app.window
    win.resize(width, height)
    wizard = win.setup_wizard
    await idle()
    for i in range(len(wizard.steps)):
        wizard.go(i)
        await idle()
        check(f"設定 {wizard.steps[i].step.value}", wizard)
    wizard.go(0)
    await idle()
    step = wizard.current()
    for key, value in {"name": "やまだ内科クリニック", "email": "info@yamada..clinic", "phone": "03-abcd",
                       "registration_number": "T9876543210123"}.items():
        if key in getattr(step, "fields", {}):
            step.fields[key].setText(value)
    wizard.next_button.click()  # refused values: the messages under their fields
    await idle()
    check(f"設定 {wizard.steps[0].step.value}（入力チェック）", wizard)
    wizard.close()
    win.show_page("決済会社設定")
    await idle(0.4)
    check("決済会社設定（チェックリスト）", win)
    await app.stop()
    app.ctx.close()
    return found


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--shots", type=pathlib.Path)
    p.add_argument("--size", default="1280x720", help="window size in logical pixels")
    p.add_argument("--lang", default="ja")
    args = p.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import logging

    import qasync
    from PySide6.QtWidgets import QApplication

    logging.disable(logging.WARNING)
    from desktop.app import _configure_qt_app
    from desktop.ui import i18n

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    _configure_qt_app([])
    i18n.set_language(args.lang)
    width, height = (int(x) for x in args.size.split("x"))
    found = qasync.run(_screens(args.shots, width, height, args.lang))
    ratio = app.primaryScreen().devicePixelRatio() if app.primaryScreen() else 1.0
    print(json.dumps({"device_pixel_ratio": ratio, "screens": sorted(found), "problems": {k: v for k, v in found.items() if v}},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
