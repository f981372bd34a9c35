"""接続チェック from 決済会社設定: only in テストモード; the QR code and link of the ¥50 request; the
checklist with each reason (Japanese and English); CSP reports listed on the page."""

from __future__ import annotations

import secrets as token_secrets
from typing import Any

from PySide6.QtCore import Qt

from desktop.domain.clinic import PaymentMode
from desktop.domain.live_check import CspViolation, Step
from desktop.services.directory import ClinicUpdate
from desktop.services.secrets import payjp_secret_name
from desktop.ui import i18n
from desktop.ui.dialogs.live_check_dialog import LiveCheckDialog
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage

from .conftest import run, wait_for, wait_idle


def _page(qtbot: Any, app: Any) -> PaymentSettingsPage:
    page = app.window.show_page("決済会社設定")
    assert isinstance(page, PaymentSettingsPage)
    page.reload()
    wait_idle(qtbot)
    return page


def _test_mode(qtbot: Any, app: Any) -> None:
    """テストモード with the simulator as PAY.JP, its test keys and the clinic's own tenant there."""
    ctx = app.ctx
    ctx.gateways._live_api_base = app.simulator.base_url
    ctx.secrets.set(payjp_secret_name("test"), "sk_test_clinicpaydemo000000000000")
    clinic = ctx.clinic()
    tenant_id = "clinicpay-ui-" + token_secrets.token_hex(4)
    update = ClinicUpdate(payment_mode=PaymentMode.TEST, payjp_tenant_id=tenant_id,
                          payjp_public_key="pk_test_clinicpaydemo000000000000")
    run(qtbot, ctx.runner.db(ctx.directory.update_clinic, app.session.actor, clinic.id, update))
    clinic = ctx.clinic()
    run(qtbot, ctx.runner.payments(lambda: ctx.gateways(clinic).create_tenant(
        tenant_id=tenant_id, name=clinic.name, platform_fee_rate="1.00", metadata={})))


def test_the_check_is_offered_only_in_test_mode(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    assert not page.contract.live_check_button.isEnabled()  # デモ
    assert page.contract.live_check_reason.text() == "テストモードで実行できます。"
    _test_mode(qtbot, clinic_app)
    page = _page(qtbot, clinic_app)
    wait_for(qtbot, lambda: page.contract.live_check_button.isEnabled())
    assert page.contract.live_check_reason.text() == ""


def test_qr_code_then_each_step_with_its_reason_in_both_languages(qtbot: Any, clinic_app: Any) -> None:
    _test_mode(qtbot, clinic_app)
    dialog = LiveCheckDialog(clinic_app.session, clinic_app.ctx.actions, clinic_app.window)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_for(qtbot, lambda: dialog.last_label.text() == "前回の結果: まだ実行していません")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)  # no address yet
    wait_for(qtbot, lambda: dialog.email_error.isVisible())
    assert dialog.email_error.text() == "テスト請求を送るメールアドレスを入力してください。"
    assert dialog.qr.pixmap().isNull()
    dialog.email.setText("incho@clinic.example.jp")
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: not dialog.qr.pixmap().isNull(), timeout=15)
    assert dialog.qr.pixmap().width() >= 150
    assert "/pay/" in dialog.link.text() and dialog.finish_button.isEnabled()
    assert not dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)  # nothing done on the phone yet
    wait_for(qtbot, lambda: dialog.marks[Step.REFUND].text() == "✗", timeout=15)
    assert all(dialog.marks[s].text() == "✗" for s in Step)
    assert dialog.reasons[Step.PAGE_HTTPS].text().startswith("決済ページがまだ公開URLから開かれていません")
    assert "/webhooks/payjp" in dialog.reasons[Step.WEBHOOK].text()
    assert dialog.last_label.text().startswith("前回の結果: 不合格")
    dialog.close()
    i18n.set_language("en")
    try:
        english = LiveCheckDialog(clinic_app.session, clinic_app.ctx.actions, clinic_app.window)
        qtbot.addWidget(english)
        english.show()
        wait_for(qtbot, lambda: english.last_label.text().startswith("Last result: failed"))
        assert english.windowTitle() == "Connection check"
        english.close()
    finally:
        i18n.set_language("ja")


def test_csp_reports_are_listed_on_the_page(qtbot: Any, clinic_app: Any) -> None:
    recorder = clinic_app.ctx.live_recorder
    run(qtbot, clinic_app.ctx.runner.db(recorder.csp_reported, [
        CspViolation("frame-src", "https://checkout.pay.jp", "/pay/…", True)]))
    page = _page(qtbot, clinic_app)
    wait_for(qtbot, lambda: "frame-src" in page.contract.csp_list.text())
    assert "https://checkout.pay.jp" in page.contract.csp_list.text() and "（報告のみ）" in page.contract.csp_list.text()
    assert "1回" in page.contract.csp_list.text()


def test_the_switch_dialog_offers_the_card_proof_when_live_keys_are_unproven(qtbot: Any, clinic_app: Any) -> None:
    from desktop.services.go_live import Condition, ConditionResult, GoLiveError, GoLiveReport
    from desktop.ui.dialogs.go_live_dialog import PROVE_KEYS, GoLiveDialog

    report = GoLiveReport(tuple(
        ConditionResult(c, GoLiveError("keys_proof_needed", field="public_key") if c is Condition.KEYS else None)
        for c in Condition))
    dialog = GoLiveDialog(report, clinic_app.window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.prove_button.text() == "カードでキーを確認"
    assert not dialog.confirm.isEnabled() and not dialog.switch_button.isEnabled()
    qtbot.mouseClick(dialog.prove_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == PROVE_KEYS
    ready = GoLiveDialog(GoLiveReport(tuple(ConditionResult(c) for c in Condition)), clinic_app.window)
    qtbot.addWidget(ready)
    assert not hasattr(ready, "prove_button")
