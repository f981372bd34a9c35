"""Capture docs/screenshots/ui-*.png from the real app on fresh demo data (offscreen).

    QT_QPA_PLATFORM=offscreen python docs/screenshots/capture.py            # all
    QT_QPA_PLATFORM=offscreen python docs/screenshots/capture.py patients   # ui-patient-*.png only
    QT_QPA_PLATFORM=offscreen python docs/screenshots/capture.py first-run [ja|en]   # ui-first-run*, ui-setup-*, ui-training*
    QT_SCALE_FACTOR=1.5 QT_QPA_PLATFORM=offscreen python docs/screenshots/capture.py first-run ja   # the same at 150 % (-150)
    QT_QPA_PLATFORM=offscreen:configfile=S python docs/screenshots/capture.py go-live    # ui-go-live*, ui-tenant-register-* (ja, en)
    QT_SCALE_FACTOR=1.5 QT_QPA_PLATFORM=offscreen:configfile=S python docs/screenshots/capture.py go-live  # …-150
    QT_QPA_PLATFORM=offscreen:configfile=S python docs/screenshots/capture.py live-check  # ui-live-check*.png: QR code, checklist (ja, en; QT_SCALE_FACTOR=1.5: -150)

For dialogs, S is a JSON file giving the offscreen screen the size of the clinic's PC (the default
800×600 screen would clamp them): {"screens": [{"name": "main", "x": 0, "y": 0, "width": 1366,
"height": 768, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
    QT_QPA_PLATFORM=offscreen python docs/screenshots/capture.py staff      # sign-in, lock, staff, approval, partial refund,
                                                                            # 請求を取り消す asked, audit log (all, one staff member's)

    QT_QPA_PLATFORM=offscreen:configfile=S python docs/screenshots/capture.py saved-cards  # saved card, 確認 step
    QT_QPA_PLATFORM=offscreen python docs/screenshots/capture.py books      # 日次締め (and its PDF), 要対応, 経過
    QT_QPA_PLATFORM=offscreen python docs/screenshots/capture.py starting [ja|en]  # ui-starting*.png: the 起動中 window, and サインイン before the database

    QT_QPA_PLATFORM=offscreen python docs/screenshots/capture.py reconciliation  # 要対応 after 照合 with PAY.JP
    QT_QPA_PLATFORM=offscreen:configfile=S python docs/screenshots/capture.py desk       # errors at once, ☰ over 決済管理, a message
    python docs/screenshots/capture.py checkout   # checkout-*.png: the patient's pages (headless Chromium, via tests/e2e)

``staff``, ``saved-cards``, ``books``, ``reconciliation`` and ``desk`` take ``CAPTURE_LANG=en`` (files end in ``-en``) and ``QT_SCALE_FACTOR=1.5`` (``-150``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"


async def capture_first_run(lang: str) -> None:
    """A fresh install: the first-run choice, the setup's steps (with a refused value), the checklist,
    and the トレーニング window."""
    from desktop.app import ClinicPayApp, prepare_context
    from desktop.config import LocalSettings
    from desktop.services.secrets import MemorySecretStore
    from desktop.ui import async_ops

    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    suffix = ("-en" if lang == "en" else "") + ("-150" if scale == "1.5" else "")
    size = (1280, 720) if scale == "1.5" else (1366, 768)
    ctx = prepare_context(pathlib.Path(tempfile.mkdtemp()),
                          LocalSettings(checkout_port=0, simulator_port=0, language=lang), secrets=MemorySecretStore())
    app = ClinicPayApp(ctx, checkout_port=0, ask_first_run=True)
    await app.start(show=True)
    app.window.resize(*size)

    async def idle(extra: float = 0.3) -> None:
        while async_ops.pending():
            await asyncio.sleep(0.02)
        await asyncio.sleep(extra)

    def grab(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        widget.grab().save(str(OUT / f"ui-{name}{suffix}.png"))
        print("saved", name + suffix)

    await idle()
    grab(app.first_run_dialog, "first-run")
    app.first_run_dialog.clinic_button.click()
    while app.window is None or app.window.setup_wizard is None:
        await asyncio.sleep(0.05)
    app.window.resize(*size)
    wizard = app.window.setup_wizard
    await idle()
    step = wizard.current()
    for key, value in {"name": "やまだ内科クリニック", "representative": "山田 太郎", "postal_code": "150-0001",
                       "address": "東京都渋谷区神宮前1-1-1", "phone": "03-1234-5678",
                       "email": "info@yamada-clinic.example.jp", "registration_number": "T9876543210123"}.items():
        step.fields[key].setText(value)
    wizard.next_button.click()
    await idle()
    grab(wizard, "setup-clinic-error")
    step.fields["registration_number"].setText("T8876543210123")
    wizard.next_button.click()
    await idle()
    mail = wizard.current()
    mail.smtp.host.setText("smtp.yamada-clinic.example.jp")
    mail.smtp.username.setText("info@yamada-clinic.example.jp")
    grab(wizard, "setup-mail")
    wizard.go(2)
    await idle()
    wizard.current().url.setText("https://pay.yamada-clinic.example.jp")
    wizard.next_button.click()
    await idle()
    grab(wizard, "setup-payjp-keys")
    wizard.go(4)
    await idle(0.6)
    grab(wizard, "setup-tenant")
    wizard.close()
    await idle()
    page = app.window.show_page("決済会社設定")
    page.reload()
    await idle(0.6)
    grab(app.window, "setup-checklist")
    await app.switch_workspace("demo")
    app.window.resize(*size)
    await idle(0.6)
    app.window.toggle_nav()
    await idle()
    grab(app.window, "training")
    await app.stop()
    app.ctx.close()


async def capture(only: str = "") -> None:
    from desktop.app import ClinicPayApp, prepare_context
    from desktop.config import LocalSettings
    from desktop.domain.billing import TaxCategory
    from desktop.services.demo_mailbox import DemoMailbox, extract_content
    from desktop.services.directory import ClinicUpdate
    from desktop.services.history import HistoryFilter
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.services.secrets import MemorySecretStore
    from desktop.simulator.testing import make_test_token
    from desktop.ui import async_ops
    from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog
    from desktop.ui.dialogs.refund_dialog import RefundDialog
    from desktop.ui.dialogs.reservation_dialog import ReservationDialog

    lang = os.environ.get("CAPTURE_LANG", "ja") if only in ("staff", "saved-cards", "books", "reconciliation", "desk") else "ja"
    ctx = prepare_context(pathlib.Path(tempfile.mkdtemp()),
                          LocalSettings(checkout_port=0, simulator_port=0, language=lang), secrets=MemorySecretStore())
    app = ClinicPayApp(ctx, checkout_port=0)
    await app.start(show=True)
    if only in ("staff", "saved-cards", "books", "reconciliation", "desk"):
        await {"staff": capture_staff, "saved-cards": capture_saved_cards, "books": capture_books,
               "reconciliation": capture_reconciliation, "desk": capture_desk}[only](app, lang)
        await app.stop()
        ctx.close()
        return
    await sign_in_demo(app)
    w, s = app.window, app.session
    w.resize(1366, 768)

    async def idle(extra: float = 0.3) -> None:
        while async_ops.pending():
            await asyncio.sleep(0.02)
        await asyncio.sleep(extra)

    def grab(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        widget.grab().save(str(OUT / f"ui-{name}.png"))
        print("saved", name)

    if only == "patients":
        await capture_patients(app, idle, grab)
        await app.stop()
        ctx.close()
        return
    if only in ("go-live", "help", "live-check"):
        await {"go-live": capture_go_live, "help": capture_help, "live-check": capture_live_check}[only](
            app, idle, grab)
        await app.stop()
        ctx.close()
        return

    # some history: three paid, one refunded, one waiting
    rows = await ctx.runner.db(ctx.queries.reservations, s.clinic.id, None)
    base = app.simulator.base_url
    amounts = [1200, 5500, 3300, 2200]
    targets = []
    for r in rows:
        d = await ctx.runner.db(ctx.queries.reservation, r.id)
        if d.can_request_post_payment and d.patient.email:
            targets.append(d)
    box = DemoMailbox(ctx.data_dir / "mailbox")
    for i, d in enumerate(targets[:4]):
        await ctx.runner.payments(ctx.billing.request_payment, d.id, s.actor, amounts[i], TaxCategory.TAXABLE)
        await ctx.runner.mail(ctx.outbox.send_due)
        if i < 3:
            mails = sorted(box.list_messages(), key=lambda m: m.date, reverse=True)
            link = extract_content(box.get(mails[0].key)).first_link

            def pay(link: str = link) -> None:
                ctx.billing.pay_with_token(link.rsplit("/pay/", 1)[1], make_test_token(base, DEMO_SECRET_KEY))

            await ctx.runner.payments(pay)
    hist = await ctx.runner.db(ctx.history.page, s.clinic.id, HistoryFilter(), 0, 10)
    paid = [h for h in hist if h.refundable]
    await ctx.runner.payments(ctx.billing.refund, paid[-1].id, s.actor, 500, "一部返金（検査不要）")

    page = w.show_page("予約管理")
    await idle()
    for i in range(page.model.rowCount()):
        if page.model.index(i, 5).data() == "決済済み":
            page.view.selectRow(i)
            break
    await idle()
    w.nav.show()
    await idle()
    grab(w, "reservations")
    w.nav.hide()
    detail = page.detail.detail
    dlg = PaymentRequestDialog(detail, w)
    dlg.amount_edit.setText("1200")
    dlg.show()
    await idle(0.2)
    grab(dlg, "payment-request")
    dlg._on_confirm_clicked()
    await idle(0.2)
    grab(dlg, "payment-request-confirm")
    dlg.close()
    rd = await new_reservation_dialog(app, detail)
    await idle(0.2)
    grab(rd, "new-reservation")
    rd.close()

    billing = w.show_page("決済管理")
    billing.apply_filter()
    await idle()
    grab(w, "billing-history")
    row = next(billing.model.row_at(i) for i in range(billing.model.rowCount())
               if billing.model.row_at(i) and billing.model.row_at(i).state.value == "paid")
    menu = billing.row_menu(row)
    rect = billing.view.visualRect(billing.model.index(0, 10))
    menu.popup(billing.view.viewport().mapToGlobal(rect.bottomLeft()))
    await idle(0.2)
    grab(menu, "billing-row-menu")
    menu.close()
    rf = RefundDialog(row, w)
    rf.reason_edit.setText("診療内容の変更のため")
    rf.show()
    await idle(0.2)
    grab(rf, "refund-confirm")
    rf.close()

    w.show_page("メニュー設定")
    await idle()
    grab(w, "menu-settings")
    w.show_page("メールボックス（デモ）")
    await idle()
    grab(w, "demo-mailbox")

    await capture_payment_settings(app, idle, grab)
    await capture_patients(app, idle, grab)
    await capture_help(app, idle, grab)
    await app.stop()
    ctx.close()


async def capture_payment_settings(app, idle, grab) -> None:  # type: ignore[no-untyped-def]
    """決済管理 › 決済会社設定: テナント登録 modal, 依頼受付済み, 承認 with PAYJP, 接続設定."""
    from desktop.domain.clinic import CareType, PaymentMode, ReviewStatus
    from desktop.simulator import tenants as sim_tenants
    from desktop.services.directory import ClinicUpdate
    from desktop.ui.dialogs.tenant_register_dialog import TenantRegisterDialog

    ctx, s, w = app.ctx, app.session, app.window
    await ctx.runner.db(ctx.directory.update_clinic, s.actor, s.clinic.id, ClinicUpdate(review_status=ReviewStatus.NOT_APPLIED,
                        payment_company=None, auto_charge=False))
    page = w.show_page("決済会社設定")
    page.reload()
    await idle()
    dialog = TenantRegisterDialog(w)
    dialog.show()
    await idle(0.2)
    grab(dialog, "tenant-register")
    dialog.close()
    service = ctx.settings_service
    await ctx.runner.payments(service.tenants.register, s.clinic.id, s.actor, CareType.WITH_INSURANCE)
    page.reload()
    await idle()
    grab(w, "payment-settings-applied")
    tenant_id = ctx.clinic().payjp_tenant_id
    await ctx.runner.payments(sim_tenants.set_review, app.simulator_state, tenant_id, "passed", None)
    page.contract.refresh_review()
    await idle()
    await ctx.runner.db(service.set_payment_company, s.actor, s.clinic.id, "PAYJP", True)
    page.reload()
    w.nav.show()  # 決済管理 › 決済会社設定 in the left column
    await idle()
    grab(w, "payment-settings")
    w.nav.hide()
    page.show_connection()
    await idle()
    grab(page.connection, "payment-settings-connection")
    conn = page.connection
    conn.mode.set_value(PaymentMode.TEST)
    conn.payjp.public_key.setText("pk_live_0123456789abcdef")
    conn.payjp.secret_key.setText("sk_test_0123456789abcdef")
    conn.save_payjp()
    await idle()
    grab(conn.payjp.public_key.parentWidget().parentWidget(), "payment-settings-key-error")


async def capture_go_live(app, idle, grab) -> None:  # type: ignore[no-untyped-def]
    """本番モードへの切り替え: every condition met (ticked), and one refused; PAY.JP テナント登録
    (ui-tenant-register-en, -150); in Japanese and English."""
    from desktop.domain.clinic import ReviewStatus
    from desktop.services.go_live import Condition, ConditionResult, GoLiveError, GoLiveReport
    from desktop.ui import i18n
    from desktop.ui.dialogs.go_live_dialog import GoLiveDialog
    from desktop.ui.dialogs.tenant_register_dialog import TenantRegisterDialog

    suffix = "-150" if os.environ.get("QT_SCALE_FACTOR", "1") not in ("", "1") else ""
    ready = GoLiveReport(tuple(ConditionResult(c) for c in Condition))
    refused = GoLiveReport(tuple(
        ConditionResult(c, GoLiveError("tenant_not_approved_yet", status=ReviewStatus.IN_REVIEW)
                        if c is Condition.TENANT else None) for c in Condition))
    for lang in ("ja", "en"):
        i18n.set_language(lang)
        tail = ("" if lang == "ja" else "-en") + suffix
        for report, name in ((ready, "go-live"), (refused, "go-live-refused")):
            dialog = GoLiveDialog(report, app.window)
            dialog.confirm.setChecked(report.ok)
            dialog.show()
            dialog.adjustSize()
            await idle(0.2)
            grab(dialog, name + tail)
            dialog.close()
        if tail:  # ui-tenant-register.png itself comes with 決済会社設定 (the run without a name)
            tenant = TenantRegisterDialog(app.window)
            tenant.show()
            await idle(0.2)
            grab(tenant, "tenant-register" + tail)
            tenant.close()
    i18n.set_language("ja")


async def capture_live_check(app, idle, grab) -> None:  # type: ignore[no-untyped-def]
    """接続チェック: the QR code of the ¥50 test request, and the checklist with one step refused
    (a CSP violation reported by the page), in Japanese and English."""
    import datetime as dt

    from desktop.domain.live_check import CspViolation, Observations, evaluate
    from desktop.services.live_check import LiveCheckResult, LiveCheckStarted
    from desktop.ui import i18n
    from desktop.ui.dialogs.live_check_dialog import LiveCheckDialog

    suffix = "-150" if os.environ.get("QT_SCALE_FACTOR", "1") not in ("", "1") else ""
    started = LiveCheckStarted(1, 1, "https://clinic.example.jp/pay/Qm9vT2tY3h7kLw2rVd8sZp4nJc6bHf1aUe5gTy0iMxE")
    obs = Observations(public_url="https://clinic.example.jp", page_scheme="https", paid=True,
                       violations=(CspViolation("frame-src", "https://checkout.pay.jp", "/pay/…", True),),
                       clinic_tenant="clinicpay-sakura", charge_tenant="clinicpay-sakura", charge_error=None,
                       webhook_ok=True, webhook_refused=False, receipt_opened=True, refund_error=None)
    now = dt.datetime.now(dt.timezone.utc)
    result = LiveCheckResult(1, now - dt.timedelta(minutes=4), now, evaluate(obs))
    for lang in ("ja", "en"):
        i18n.set_language(lang)
        tail = ("" if lang == "ja" else "-en") + suffix
        dialog = LiveCheckDialog(app.session, app.ctx.actions, app.window)
        dialog.email.setText("incho@clinic.example.jp")
        dialog.show()
        await idle(0.2)
        dialog.show_started(started)
        await idle(0.2)
        grab(dialog, "live-check-qr" + tail)
        dialog.show_result(result)
        await idle(0.2)
        grab(dialog, "live-check" + tail)
        dialog.close()
    i18n.set_language("ja")


async def capture_patients(app, idle, grab) -> None:  # type: ignore[no-untyped-def]
    """予約の登録 with 新規患者, 新規患者 (filled in), 患者情報の編集 with refused values next to their fields."""
    from desktop.ui.dialogs.patient_dialog import PatientDialog
    from desktop.ui.dialogs.reservation_dialog import ReservationDialog

    w, s = app.window, app.session
    page = w.show_page("予約管理")
    await idle()
    patients = await app.ctx.runner.db(app.ctx.queries.patients, s.clinic.id)
    menus = await app.ctx.runner.db(app.ctx.queries.menus, s.clinic.id)
    rd = ReservationDialog(patients, menus, page.day(), w, session=s)
    rd.show()
    await idle(0.2)
    grab(rd, "new-reservation")
    rd.close()
    new = PatientDialog.open_for(w, app.session)
    values = {"family_name": "新井", "given_name": "美穂", "family_name_kana": "アライ", "given_name_kana": "ミホ",
              "phone": "080-2222-3333", "email": "miho.arai@example.jp", "address": "東京都中野区中野4-1-1"}
    for key, text in values.items():
        new.edits[key].setText(text)
    new.sex_combo.setCurrentIndex(new.sex_combo.findData("女性"))
    await idle(0.2)
    grab(new, "patient-new")
    new.reject()
    for i in range(page.model.rowCount()):
        if page.model.index(i, 2).data() == "佐藤 太郎":
            page.view.selectRow(i)
            break
    await idle()
    page.detail.edit_patient()
    edit = page.detail.patient_dialog
    edit.edits["email"].setText("taro..sato@docomo.ne.jp")
    edit.edits["phone"].setText("080-3333-444x")
    edit._on_save_clicked()
    await idle(0.2)
    grab(edit, "patient-edit-error")
    edit.reject()
    await idle(0.1)


async def capture_help(app, idle, grab) -> None:  # type: ignore[no-untyped-def]
    """ヘルプ › このアプリについて and the crash dialog, in Japanese and English
    (run with QT_SCALE_FACTOR=1.5 for the 150 % shots: names end in -150)."""
    from desktop.ui import i18n
    from desktop.ui.crash import CrashDialog, describe
    from desktop.ui.dialogs.about_dialog import AboutDialog

    suffix = "-150" if os.environ.get("QT_SCALE_FACTOR") == "1.5" else ""
    try:
        raise RuntimeError("example: the mail server closed the connection")
    except RuntimeError as exc:
        details = describe((type(exc), exc, exc.__traceback__), "task outbox")
    log_file = pathlib.Path("C:/Users/reception/AppData/Local/ClinicPay/ClinicPay/Logs/clinicpay.log")
    for lang in ("ja", "en"):
        i18n.set_language(lang)
        tail = ("" if lang == "ja" else "-en") + suffix
        about = AboutDialog(app.window, log_file=log_file)
        about.show()
        await idle(0.2)
        grab(about, f"about{tail}")
        about.close()
        crash = CrashDialog(log_file, app.window)
        crash.add(details)
        crash.show()
        await idle(0.2)
        grab(crash, f"crash{tail}")
        crash.close()
    i18n.set_language("ja")


async def idle_ops(extra: float = 0.3) -> None:
    from desktop.ui import async_ops

    while async_ops.pending():
        await asyncio.sleep(0.02)
    await asyncio.sleep(extra)


async def sign_in_demo(app, account: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Sign in on the start screen with a demo account (0 = 院長)."""
    from desktop.services.demo_accounts import DEMO_ACCOUNTS

    a = DEMO_ACCOUNTS[account]
    dialog = app.sign_in_dialog
    combo = dialog.staff_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if combo.itemText(i).startswith(a.name)))
    dialog.secret_edit.setText(a.password)
    dialog.submit()
    while app.window is None:
        await asyncio.sleep(0.05)
    await idle_ops()


async def capture_staff(app, lang: str) -> None:  # type: ignore[no-untyped-def]
    """サインイン, 画面ロック, スタッフ管理, the second approver in the refund dialog, 操作履歴."""
    from desktop.domain.billing import TaxCategory
    from desktop.domain.clinic import StaffRole
    from desktop.services.demo_mailbox import DemoMailbox, extract_content
    from desktop.services.history import HistoryFilter
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.simulator.testing import make_test_token
    from desktop.ui.dialogs.refund_dialog import RefundDialog

    suffix = ("-en" if lang == "en" else "") + ("-150" if os.environ.get("QT_SCALE_FACTOR") == "1.5" else "")

    def grab(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        widget.grab().save(str(OUT / f"ui-{name}{suffix}.png"))
        print("saved", name + suffix)

    ctx = app.ctx
    dialog = app.sign_in_dialog
    dialog.secret_edit.setText("")
    await idle_ops()
    grab(dialog, "sign-in")
    await sign_in_demo(app)
    w, s = app.window, app.session
    w.resize(1366, 768)
    await idle_ops()
    # a paid request of 5,500 yen and a limit of 3,000 yen: its refund needs a second 管理者
    await ctx.runner.db(ctx.settings_service.save_security, s.actor, s.clinic.id, refund_approval_threshold=3000,
                        auto_lock_minutes=10)
    rows = await ctx.runner.db(ctx.queries.reservations, s.clinic.id, None)
    for r in rows:
        d = await ctx.runner.db(ctx.queries.reservation, r.id)
        if d.can_request_post_payment and d.patient.email:
            break
    await ctx.runner.payments(ctx.billing.request_payment, d.id, s.actor, 5500, TaxCategory.TAXABLE)
    await ctx.runner.mail(ctx.outbox.send_due)
    box = DemoMailbox(ctx.data_dir / "mailbox")
    mails = sorted(box.list_messages(), key=lambda m: m.date, reverse=True)
    link = extract_content(box.get(mails[0].key)).first_link
    base = app.simulator.base_url
    await ctx.runner.payments(lambda: ctx.billing.pay_with_token(link.rsplit("/pay/", 1)[1],
                                                                make_test_token(base, DEMO_SECRET_KEY)))
    # the window is rebuilt so the clinic's new limit is known
    app._build_window(*await app._window_data(), s.actor)
    w, s = app.window, app.session
    w.resize(1366, 768)
    await idle_ops()
    page = w.show_page("スタッフ管理")
    await idle_ops()
    page.table.selectRow(0)
    await idle_ops()
    grab(w, "staff")
    [row] = [h for h in await ctx.runner.db(ctx.history.page, s.clinic.id, HistoryFilter(), 0, 10) if h.refundable]
    refund = RefundDialog(row, w.show_page("決済管理"))
    refund.reason_edit.setText("診療内容の変更")
    refund.show()
    refund._on_refund_clicked()
    await idle_ops(0.3)
    names = [refund.approver_combo.itemText(i) for i in range(refund.approver_combo.count())]
    if not names:  # the demo has one 管理者: add a second one to approve
        await ctx.runner.db(ctx.staff.add_staff, s.actor, "副院長 山本", StaffRole.MANAGER,
                            "fukuincho-2026", "4444")
        refund.close()
        refund = RefundDialog(row, w.show_page("決済管理"))
        refund.reason_edit.setText("診療内容の変更")
        refund.show()
        refund._on_refund_clicked()
        await idle_ops(0.3)
    grab(refund, "refund-approval")
    refund.close()
    # 一部返金 of ¥500 typed: the large amount is what will be refunded
    refund = RefundDialog(row, w.show_page("決済管理"))
    refund.reason_edit.setText("検査不要のため")
    refund.mode.buttons["partial"].setChecked(True)
    refund.amount_edit.setText("500")
    refund.show()
    await idle_ops(0.3)
    grab(refund, "refund-partial")
    refund.close()
    await capture_cancel_request(w, grab)
    audit = w.show_page("操作履歴")
    await idle_ops(0.3)
    grab(w, "audit-log")
    audit.staff_combo.setCurrentIndex(audit.staff_combo.findData(s.staff_id))  # one staff member's events
    audit.reload()
    await idle_ops(0.3)
    grab(w, "audit-log-staff")
    w.lock()
    await idle_ops(0.3)
    grab(w, "lock")
    grab(w.lock_dialog, "lock-dialog")


async def capture_cancel_request(w, grab) -> None:  # type: ignore[no-untyped-def]
    """請求を取り消す asked, its way out named 取り消さない (the question is grabbed, then answered no)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.ui.dialogs.confirm_dialog import confirm_cancel_request

    def shown(box: QMessageBox) -> int:
        box.show()
        QApplication.processEvents()
        grab(box, "cancel-request-confirm")
        box.close()
        return 0

    original = QMessageBox.exec
    QMessageBox.exec = shown  # type: ignore[method-assign, assignment]
    try:
        confirm_cancel_request(w, "山田 花子", 3300)
    finally:
        QMessageBox.exec = original  # type: ignore[method-assign]


async def capture_saved_cards(app, lang: str) -> None:  # type: ignore[no-untyped-def]
    """登録済みカード: the patient's details with the saved card, and the 確認 step charging it."""
    from desktop.domain.billing import TaxCategory
    from desktop.domain.saved_cards import CONSENT_VERSION
    from desktop.services.demo_mailbox import DemoMailbox, extract_content
    from desktop.services.directory import ClinicUpdate
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.simulator import tds
    from desktop.simulator.testing import make_test_token
    from desktop.ui.dialogs.patient_dialog import PatientDialog
    from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog

    suffix = ("-en" if lang == "en" else "") + ("-150" if os.environ.get("QT_SCALE_FACTOR") == "1.5" else "")

    def grab(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        widget.grab().save(str(OUT / f"ui-{name}{suffix}.png"))
        print("saved", name + suffix)

    ctx = app.ctx
    await sign_in_demo(app)
    w, s = app.window, app.session
    w.resize(1366, 768)
    rows = await ctx.runner.db(ctx.queries.reservations, s.clinic.id, None)
    for r in rows:
        d = await ctx.runner.db(ctx.queries.reservation, r.id)
        if d.can_request_post_payment and d.patient.email:
            break
    # the patient pays a first request with 「このカードを次回以降のお支払いに利用する」 ticked
    await ctx.runner.payments(ctx.billing.request_payment, d.id, s.actor, 1200, TaxCategory.TAXABLE)
    await ctx.runner.mail(ctx.outbox.send_due)
    box = DemoMailbox(ctx.data_dir / "mailbox")
    mails = sorted(box.list_messages(), key=lambda m: m.date, reverse=True)
    link = extract_content(box.get(mails[0].key)).first_link.rsplit("/pay/", 1)[1]
    base, state = app.simulator.base_url, app.simulator_state

    def save() -> None:
        token = make_test_token(base, DEMO_SECRET_KEY, name="HANAKO YAMADA", email="hanako@example.jp",
                                three_d_secure=True)
        tds.record_result(state, token, True)
        ctx.billing.pay_and_save(link, token, consent_version=CONSENT_VERSION)

    await ctx.runner.payments(save)
    await ctx.runner.db(ctx.directory.update_clinic, s.actor, s.clinic.id, ClinicUpdate(auto_charge=True))
    editor = PatientDialog(s, d.patient, w)
    editor.show()
    await idle_ops(0.5)
    grab(editor, "saved-card")
    editor.close()
    plan = await s.actions.auto_charge_plan(s.actor, d.id, 3300)
    dlg = PaymentRequestDialog(d, w, amount=3300, plan=plan)
    dlg.show()
    dlg._on_confirm_clicked()
    await idle_ops(0.2)
    grab(dlg, "payment-request-saved-card")
    dlg.close()


async def capture_books(app, lang: str) -> None:  # type: ignore[no-untyped-def]
    """日次締め of a day with payments of both tax kinds, a partial refund and a decline; its PDF
    (through pdftoppm); 要対応 with the decline and a link about to expire."""
    import datetime as dt
    import subprocess

    from desktop.domain.billing import TaxCategory
    from desktop.domain.errors import PaymentError
    from desktop.domain.formatting import JST
    from desktop.services.daily_close import render_pdf
    from desktop.services.demo_mailbox import DemoMailbox, extract_content
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.simulator.testing import make_test_token

    suffix = ("-en" if lang == "en" else "") + ("-150" if os.environ.get("QT_SCALE_FACTOR") == "1.5" else "")

    def grab(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        widget.grab().save(str(OUT / f"ui-{name}{suffix}.png"))
        print("saved", name + suffix)

    await sign_in_demo(app)
    ctx, s = app.ctx, app.session
    base = app.simulator.base_url
    box = DemoMailbox(ctx.data_dir / "mailbox")

    async def latest_link() -> str:
        await ctx.runner.mail(ctx.outbox.send_due)
        mails = sorted(box.list_messages(), key=lambda m: m.date, reverse=True)
        return str(extract_content(box.get(mails[0].key)).first_link).rsplit("/pay/", 1)[1]

    rows = await ctx.runner.db(ctx.queries.reservations, s.clinic.id, None)
    visits = []
    for r in rows:
        d = await ctx.runner.db(ctx.queries.reservation, r.id)
        if d.can_request_post_payment and d.patient.email:
            visits.append(d.id)
    plan = [(5500, TaxCategory.TAXABLE, "4242424242424242"), (3300, TaxCategory.NON_TAXABLE, "4242424242424242"),
            (2200, TaxCategory.TAXABLE, "4000000000080319")]
    paid, requested = [], []
    for visit, (amount, tax, card) in zip(visits, plan):
        outcome = await ctx.runner.payments(ctx.billing.request_payment, visit, s.actor, amount, tax,
                                            additional=True)
        requested.append(outcome.request_id)
        raw = await latest_link()
        try:
            await ctx.runner.payments(lambda: ctx.billing.pay_with_token(raw, make_test_token(base, DEMO_SECRET_KEY,
                                                                                               card)))
            paid.append(outcome.request_id)
        except PaymentError:
            pass  # declined: the row stays unpaid and 要対応 lists it
    if paid:
        await ctx.runner.payments(ctx.billing.refund, paid[0], s.actor, 1100, "一部返金")
    app._build_window(*await app._window_data(), s.actor)
    w = app.window
    w.resize(1366, 768)
    await idle_ops()
    page = w.show_page("日次締め")
    today = dt.datetime.now(JST).date()
    from PySide6.QtCore import QDate
    page.day_edit.setDate(QDate(today.year, today.month, today.day))
    await idle_ops(0.5)
    grab(w, "daily-close")
    if page.figures is not None and not suffix.endswith("-150"):
        pdf = OUT / f"daily-close{suffix}.pdf"
        pdf.write_bytes(render_pdf(page.figures, s.clinic.name, lang,
                                   printed_at=dt.datetime.now(dt.timezone.utc)))
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(pdf), str(OUT / f"ui-daily-close-pdf{suffix}")],
                       check=True)
        pdf.unlink()
        print("saved", "daily-close-pdf" + suffix)
    w.show_page("要対応")
    await idle_ops(0.5)
    grab(w, "attention")
    from desktop.ui.dialogs.timeline_dialog import TimelineDialog

    for request_id, name in ((requested[0], "timeline"), (requested[-1], "timeline-declined")):
        dialog = TimelineDialog(await ctx.actions.timeline(request_id), w)
        dialog.show()
        await idle_ops(0.3)
        grab(dialog, name)
        dialog.close()


async def capture_reconciliation(app, lang: str) -> None:  # type: ignore[no-untyped-def]
    """要対応 after PAYJPと照合: a payment made at PAY.JP that ClinicPay has no record of, and the
    reminder setting next to the link expiry (接続設定)."""
    import datetime as dt

    from payjp import api_requestor

    from desktop.services.billing import payjp_reconciliation as recon
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.simulator.testing import make_test_token

    suffix = ("-en" if lang == "en" else "") + ("-150" if os.environ.get("QT_SCALE_FACTOR") == "1.5" else "")
    size = (1280, 720) if os.environ.get("QT_SCALE_FACTOR") == "1.5" else (1366, 768)

    def grab(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        widget.grab().save(str(OUT / f"ui-{name}{suffix}.png"))
        print("saved", name + suffix)

    await sign_in_demo(app)
    base = app.simulator.base_url

    def charge_outside_clinicpay() -> None:
        token = make_test_token(base, DEMO_SECRET_KEY)
        api_requestor.APIRequestor(key=DEMO_SECRET_KEY, api_base=base).request(
            "post", "/v1/charges", {"amount": 8800, "currency": "jpy", "card": token})

    await app.ctx.runner.payments(charge_outside_clinicpay)
    recon.UNTIL_LAG = dt.timedelta(0)  # the charge was made a moment ago
    w = app.window
    w.resize(*size)
    page = w.show_page("要対応")
    await idle_ops(0.3)
    page.reconcile_button.click()
    while not any(i.difference_id is not None for i in page.items):
        await asyncio.sleep(0.1)
    await idle_ops(0.5)
    page.table.selectRow(next(r for r, i in enumerate(page.items) if i.difference_id is not None))
    await idle_ops(0.2)
    grab(w, "attention-reconciliation")
    settings = w.pages.get("決済会社設定")
    if settings is not None:
        w.show_page("決済会社設定")
        settings.tabs.setCurrentIndex(1)
        settings.connection.reload()
        await idle_ops(0.8)
        scroll = settings.tabs.currentWidget()
        scroll.ensureWidgetVisible(settings.connection.reminder_enabled, 50, 250)
        await idle_ops(0.3)
        grab(w, "settings-reminder")


async def new_reservation_dialog(app, detail):  # type: ignore[no-untyped-def]
    """予約の登録 over the window, on the day of ``detail``, shown."""
    from desktop.ui.dialogs.reservation_dialog import ReservationDialog

    ctx, s = app.ctx, app.session
    patients = await ctx.runner.db(ctx.queries.patients, s.clinic.id)
    menus = await ctx.runner.db(ctx.queries.menus, s.clinic.id)
    rd = ReservationDialog(patients, menus, detail.starts_at.date(), app.window, session=s)
    rd.show()
    return rd


async def capture_desk(app, lang: str) -> None:  # type: ignore[no-untyped-def]
    """The front desk's forms in their error state (every message at once), 決済管理 with ☰ open,
    a message floating over 予約管理, and a reservation whose patient's card was declined (カード拒否
    under its 請求履歴) (ui-desk-*.png; -en, -150)."""
    from desktop.ui import messages
    from desktop.ui.dialogs.payment_request_dialog import PaymentRequestDialog

    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    suffix = ("-en" if lang == "en" else "") + ("-150" if scale == "1.5" else "")
    await sign_in_demo(app)
    w, s, ctx = app.window, app.session, app.ctx
    w.resize(*((1280, 720) if scale == "1.5" else (1366, 768)))

    def grab(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        widget.grab().save(str(OUT / f"ui-{name}{suffix}.png"))
        print("saved", name + suffix)

    page = w.show_page("予約管理")
    await idle_ops()
    detail = next(d for d in [await ctx.runner.db(ctx.queries.reservation, r.id) for r in
                              await ctx.runner.db(ctx.queries.reservations, s.clinic.id, None)]
                  if d is not None and d.can_request_post_payment)
    page.select_reservation(detail.id)
    await idle_ops()
    messages.info(page.tr("保存しました。") if lang == "ja" else "Saved.")
    await idle_ops(0.2)
    grab(w, "desk-message")
    w.banner.hide()
    dlg = PaymentRequestDialog(detail, w, amount=1, message="あ" * 1001)
    dlg.show()
    dlg._on_confirm_clicked()  # both messages at once
    await idle_ops(0.2)
    grab(dlg, "desk-payment-request-errors")
    dlg.close()
    rd = await new_reservation_dialog(app, detail)
    rd.time_edit.setEditText("25:00")
    rd._on_ok_clicked()
    await idle_ops(0.2)
    grab(rd, "desk-new-reservation-errors")
    rd.close()
    menu_page = w.show_page("メニュー設定")
    await idle_ops()
    menu_page.name_edit.clear()
    menu_page.price_edit.setText("abc")
    menu_page.lump_sum.setChecked(False)
    menu_page.save()
    await idle_ops(0.2)
    grab(w, "desk-menu-errors")
    w.show_page("決済管理").apply_filter()
    w.toggle_nav()
    await idle_ops()
    grab(w, "desk-billing-nav-open")
    w.toggle_nav()
    await decline_a_card(app, detail.id, 2200)
    page = w.show_page("予約管理")
    w.resize(*((1280, 720) if scale == "1.5" else (1366, 768)))
    page.select_reservation(detail.id)
    page.detail.reload()
    await idle_ops(0.5)
    grab(w, "desk-declined")


async def decline_a_card(app, reservation_id: int, amount: int) -> None:  # type: ignore[no-untyped-def]
    """A request of ``amount`` yen for the reservation, and the patient's card declined on its link."""
    from desktop.domain.errors import PaymentError
    from desktop.services.demo_mailbox import DemoMailbox, extract_content
    from desktop.services.payment_setup import DEMO_SECRET_KEY
    from desktop.simulator.testing import make_test_token

    ctx, s = app.ctx, app.session
    await ctx.runner.payments(ctx.billing.request_payment, reservation_id, s.actor, amount, "taxable")
    await ctx.runner.mail(ctx.outbox.send_due)
    box = DemoMailbox(ctx.data_dir / "mailbox")
    mails = sorted(box.list_messages(), key=lambda m: m.date, reverse=True)
    link = next(x for x in (extract_content(box.get(m.key)).first_link for m in mails) if x and "/pay/" in x)
    base = app.simulator.base_url

    def pay() -> None:
        try:
            ctx.billing.pay_with_token(link.rsplit("/pay/", 1)[1],
                                       make_test_token(base, DEMO_SECRET_KEY, "4000000000080319"))
        except PaymentError:
            pass  # declined, as meant

    await ctx.runner.payments(pay)


def capture_starting(lang: str) -> None:
    """The 起動中 window, as it stands while the database opens (1366×768; at 150 %: -150)."""
    from PySide6.QtWidgets import QApplication

    from desktop.ui.starting import StartingWindow

    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    suffix = ("-en" if lang == "en" else "") + ("-150" if scale == "1.5" else "")
    window = StartingWindow()
    window.set_step(window.preparing_data_text())
    window.resize(*((1280, 720) if scale == "1.5" else (1366, 768)))
    window.show()
    for _ in range(5):
        QApplication.processEvents()
    window.grab().save(str(OUT / f"ui-starting{suffix}.png"))
    window.finish()
    # an everyday start: サインイン from the list kept on this PC, while the database opens
    from desktop.services.demo_accounts import DEMO_ACCOUNTS
    from desktop.services.sign_in_list import KeptStaff
    from desktop.ui.dialogs.sign_in_dialog import SignInDialog

    kept = [KeptStaff(i, a.name, a.role, True) for i, a in enumerate(DEMO_ACCOUNTS, 1)]
    dialog = SignInDialog(None, "さくら内科クリニック（デモ）", kept, preselect=2, demo=DEMO_ACCOUNTS)
    dialog.show()
    for _ in range(5):
        QApplication.processEvents()
    dialog.grab().save(str(OUT / f"ui-starting-sign-in{suffix}.png"))
    dialog.deleteLater()


def capture_checkout() -> int:
    """docs/screenshots/checkout-*.png: the patient's pages in headless Chromium, as the browser
    tests walk through them (390 px phone; ``checkout-360-*`` at 360 px with a long clinic name)."""
    import subprocess

    env = {**os.environ, "CLINICPAY_SCREENSHOTS": "1"}
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests" / "e2e")],
                           cwd=ROOT, env=env)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "checkout":
        return capture_checkout()
    logging.disable(logging.WARNING)
    import qasync
    from PySide6.QtWidgets import QApplication

    qapp = QApplication.instance() or QApplication([])
    qapp.setQuitOnLastWindowClosed(False)
    from desktop.app import _configure_qt_app

    _configure_qt_app([])
    if len(sys.argv) > 1 and sys.argv[1] == "starting":
        from desktop.ui import i18n

        i18n.set_language(sys.argv[2] if len(sys.argv) > 2 else "ja")
        capture_starting(sys.argv[2] if len(sys.argv) > 2 else "ja")
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "first-run":
        from desktop.ui import i18n

        lang = sys.argv[2] if len(sys.argv) > 2 else "ja"
        i18n.set_language(lang)
        qasync.run(capture_first_run(lang))
        return 0
    qasync.run(capture(sys.argv[1] if len(sys.argv) > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
