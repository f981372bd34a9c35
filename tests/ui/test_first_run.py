"""First run from an empty data directory: the choice, the setup's steps, leaving and resuming, the
checklist on 決済会社設定, and the demo (トレーニング) kept apart from the clinic's data."""

from __future__ import annotations

import pathlib
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from desktop.app import ClinicPayApp
from desktop.bootstrap import prepare_context
from desktop.config import LocalSettings
from desktop.domain.clinic import PaymentMode
from desktop.services import sign_in_list
from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.services.directory import ClinicUpdate
from desktop.services.history import HistoryFilter
from desktop.services.secrets import MemorySecretStore, payjp_secret_name
from desktop.services.setup import FIRST_MANAGER_NAME, SetupStep
from desktop.storage.orm import BillingRequest, Clinic, Patient, SetupProgress
from desktop.ui import i18n
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage
from desktop.ui.setup.steps import CheckoutUrlStep, ClinicStep, MailStep, PayjpKeysStep
from desktop.ui.setup.wizard import SetupWizard
from tests.smtp_server import smtp_server_factory, test_certificates  # noqa: F401

from .conftest import pay_link, payment_links, run, sign_in, wait_for, wait_idle


FIRST_PASSWORD = "first-manager-pass"


def _click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _clinic_row(app: ClinicPayApp) -> Clinic:
    clinic = app.ctx.clinic()
    assert clinic is not None
    return clinic


def _wizard(qtbot: Any, app: ClinicPayApp) -> SetupWizard:
    wait_for(qtbot, lambda: app.window is not None and app.window.setup_wizard is not None
             and app.window.setup_wizard.isVisible(), timeout=20)
    wizard = app.window.setup_wizard
    assert wizard is not None
    wait_idle(qtbot)
    return wizard


def _start_clinic(qtbot: Any, app: ClinicPayApp) -> SetupWizard:
    dialog = app.first_run_dialog
    assert dialog is not None and dialog.isVisible()
    _click(qtbot, dialog.clinic_button)
    wait_for(qtbot, lambda: app.ctx.workspace == "clinic" and app.sign_in_dialog is not None
             and app.sign_in_dialog.isVisible(), timeout=20)
    first = app.sign_in_dialog  # the new clinic's 管理者 sets the first password and is signed in
    first.secret_edit.setText(FIRST_PASSWORD)
    first.confirm_edit.setText(FIRST_PASSWORD)
    _click(qtbot, first.ok_button)
    wait_for(qtbot, lambda: app.ctx.workspace == "clinic" and app.window is not None, timeout=20)
    return _wizard(qtbot, app)


def test_fresh_install_asks_and_shows_the_demo_behind_the_question(qtbot: Any, fresh_app: ClinicPayApp,
                                                                   tmp_path: pathlib.Path) -> None:
    app = fresh_app
    assert app.first_run_dialog is not None and app.first_run_dialog.isVisible()
    assert app.ctx.training and (tmp_path / "demo.db").exists() and not (tmp_path / "clinicpay.db").exists()
    w = app.window
    assert w.windowTitle().startswith("【トレーニング】")
    assert w.mode_badge.text() == "トレーニング（デモ）"
    assert w.training_banner is not None and w.training_banner.isVisible()
    assert w.leave_training_button.text() == "クリニックの設定を始める"  # no clinic to return to yet
    # デモで試す: the demo stays open as today, and is what the next start opens
    _click(qtbot, app.first_run_dialog.demo_button)
    wait_for(qtbot, lambda: app.first_run_dialog is None)
    wait_for(qtbot, lambda: LocalSettings.load(tmp_path).workspace == "demo")  # written off the UI thread
    # and the next start opens サインイン at once, listing the demo's accounts
    wait_for(qtbot, lambda: sign_in_list.load(tmp_path, LocalSettings.load(tmp_path)) is not None)
    kept = sign_in_list.load(tmp_path, LocalSettings.load(tmp_path))
    assert kept is not None and sorted(a.name for a in kept.accounts) == sorted(a.name for a in DEMO_ACCOUNTS)
    assert app.ctx.training and app.ctx.clinic() is not None
    wait_for(qtbot, lambda: w.pages["予約管理"].isVisible())
    assert w.setup_wizard is None


def test_setup_refuses_bad_input_next_to_the_field_then_saves_and_resumes(
        qtbot: Any, fresh_app: ClinicPayApp, tmp_path: pathlib.Path, smtp_server_factory: Any) -> None:  # noqa: F811
    app = fresh_app
    wizard = _start_clinic(qtbot, app)
    assert LocalSettings.load(tmp_path).workspace == "clinic"
    assert not app.ctx.training and app.window.windowTitle().startswith("（クリニック名 未設定）")
    assert app.window.training_banner is None and app.window.mode_badge.text() == "テストモード"
    step = wizard.current()
    assert isinstance(step, ClinicStep)
    values = {"name": "やまだ内科クリニック", "representative": "山田 太郎", "postal_code": "1500001",
              "address": "東京都渋谷区神宮前1-1-1", "phone": "03-12", "email": "info@yamada.example.jp",
              "registration_number": "T9876543210123"}
    for key, value in values.items():
        step.fields[key].setText(value)
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: step.errors["phone"].isVisible())
    assert step.errors["phone"].text() == "電話番号は数字とハイフンで入力してください（例: 03-1234-5678）。"
    assert _clinic_row(app).name == "" and wizard.current() is step
    step.fields["phone"].setText("03-1234-5678")
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: step.errors["registration_number"].isVisible())
    assert "検査用数字" in step.errors["registration_number"].text()
    assert _clinic_row(app).name == ""  # nothing saved
    step.fields["registration_number"].setText("T8876543210123")
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: isinstance(wizard.current(), MailStep))
    clinic = _clinic_row(app)
    assert (clinic.name, clinic.phone, clinic.postal_code, clinic.registration_number) == (
        "やまだ内科クリニック", "03-1234-5678", "150-0001", "T8876543210123")
    wait_for(qtbot, lambda: "やまだ内科クリニック" in app.window.windowTitle())

    mail = wizard.current()
    assert isinstance(mail, MailStep)
    server = smtp_server_factory()
    mail.smtp.host.setText("127.0.0.1")
    mail.smtp.port.setText("port")
    _click(qtbot, mail.test_button)
    wait_for(qtbot, lambda: mail.errors["smtp_port"].isVisible())
    assert _clinic_row(app).smtp_host == "" and not server.received
    mail.smtp.port.setText(str(server.port))
    mail.smtp.security.set_value("none")
    _click(qtbot, mail.test_button)
    wait_for(qtbot, lambda: len(server.received) == 1, timeout=15)
    assert server.received[0].rcpt_tos == ("info@yamada.example.jp",)
    wait_for(qtbot, lambda: mail.result.text().startswith("テストメールを送信しました"))
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: isinstance(wizard.current(), CheckoutUrlStep))

    url = wizard.current()
    assert isinstance(url, CheckoutUrlStep)
    url.url.setText("http://pay.example-clinic.jp")
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: url.errors["public_base_url"].isVisible())
    assert url.errors["public_base_url"].text().startswith("URLは https:// で始まる形式")
    url.url.setText("https://pay.example-clinic.jp")
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: isinstance(wizard.current(), PayjpKeysStep))
    keys = wizard.current()
    assert isinstance(keys, PayjpKeysStep)
    keys.payjp.public_key.setText("pk_live_abc")
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: keys.errors["public_key"].isVisible())
    assert keys.errors["public_key"].text() == "テストモードの公開キーは「pk_test_」で始まります。"
    wait_idle(qtbot)

    # あとで続ける: the progress is kept in the clinic's database
    _click(qtbot, wizard.later_button)
    wait_for(qtbot, lambda: not wizard.isVisible())
    with app.ctx.db.uow(readonly=True) as uow:
        progress = uow.session.get(SetupProgress, _clinic_row(app).id)
        assert progress is not None and progress.current_step == "payjp_keys" and progress.finished_at is None

    # the checklist on 決済会社設定 shows what is missing, each with a button opening its step
    page = app.window.show_page("決済会社設定")
    assert isinstance(page, PaymentSettingsPage)
    wait_for(qtbot, lambda: page.checklist.isVisible())
    wait_idle(qtbot)
    marks = {s: page.checklist.marks[s].text() for s in SetupStep}
    assert marks == {SetupStep.CLINIC: "✓", SetupStep.MAIL: "✓", SetupStep.CHECKOUT_URL: "✓",
                     SetupStep.PAYJP_KEYS: "!", SetupStep.TENANT: "!"}
    assert page.checklist.missing_texts() == ["PAY.JPの公開キーと、この端末のシークレットキーを登録してください",
                                              "PAY.JPにテナント登録をして、利用申請をしてください"]
    _click(qtbot, page.checklist.buttons[SetupStep.TENANT])
    reopened = _wizard(qtbot, app)
    assert reopened.current().step is SetupStep.TENANT
    reopened.close()

    # in English, the checklist speaks English
    i18n.set_language("en")
    try:
        page.checklist.show_status(run(qtbot, app.ctx.actions.setup_status(_clinic_row(app).id)))
        assert page.checklist.missing_texts()[0] == (
            "Enter PAY.JP's public key and store the secret key on this PC")
    finally:
        i18n.set_language("ja")


def test_setup_resumes_where_it_was_left_after_a_restart(qtbot: Any, fresh_app: ClinicPayApp,
                                                         tmp_path: pathlib.Path) -> None:
    wizard = _start_clinic(qtbot, fresh_app)
    wizard.go(2)  # 決済ページの公開URL
    wait_idle(qtbot)
    wizard.close()
    run(qtbot, fresh_app.stop())
    fresh_app.ctx.close()
    ctx = prepare_context(tmp_path, LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic"),
                          secrets=MemorySecretStore())
    again = ClinicPayApp(ctx, checkout_port=0, ask_first_run=True)
    run(qtbot, again.start(show=True))
    try:
        assert again.first_run_dialog is None  # asked once only
        sign_in(qtbot, again, FIRST_MANAGER_NAME, FIRST_PASSWORD)
        resumed = _wizard(qtbot, again)
        assert resumed.current().step is SetupStep.CHECKOUT_URL
    finally:
        run(qtbot, again.stop())
        ctx.close()
    fresh_app.ctx = prepare_context(tmp_path, LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic"),
                                    secrets=MemorySecretStore())  # for the fixture's teardown


def test_training_never_reaches_the_clinics_data_reports_or_payjp(qtbot: Any, fresh_app: ClinicPayApp,
                                                                  tmp_path: pathlib.Path) -> None:
    app = fresh_app
    wizard = _start_clinic(qtbot, app)
    wizard.close()
    clinic_ctx_db_url = app.ctx.settings.workspace_url(tmp_path, "clinic")
    app.ctx.secrets.set(payjp_secret_name("test"), "sk_test_clinicsownkey")
    # トレーニング from the ☰ menu
    app.window.toggle_nav()
    _click(qtbot, app.window.training_button)
    wait_for(qtbot, lambda: app.ctx.training and app.sign_in_dialog is not None and app.sign_in_dialog.isVisible(),
             timeout=20)
    sign_in(qtbot, app, DEMO_ACCOUNTS[0].name, DEMO_ACCOUNTS[0].password)  # the demo's 院長
    wait_for(qtbot, lambda: app.ctx.training and app.window is not None and app.window.session.training, timeout=20)
    wait_idle(qtbot)
    assert app.window.windowTitle().startswith("【トレーニング】")
    assert app.window.leave_training_button.text() == "クリニックの画面に戻る"
    assert app.window.status_mode.text() == "トレーニング（デモ）"
    # whatever mode the demo's clinic row says, the demo talks to the simulator only
    demo_clinic = app.ctx.clinic()
    assert demo_clinic is not None
    run(qtbot, app.ctx.runner.db(app.ctx.directory.update_clinic, app.session.actor, demo_clinic.id,
                                 ClinicUpdate(payment_mode=PaymentMode.TEST)))
    assert app.ctx.gateways.config_for(app.ctx.clinic()).api_base == app.simulator.base_url  # type: ignore[arg-type]
    rows = run(qtbot, app.ctx.runner.db(app.ctx.queries.reservations, demo_clinic.id, None))
    target = next(r for r in rows if "一般診療" in r.menu_name
                  and run(qtbot, app.ctx.runner.db(app.ctx.queries.reservation, r.id)).patient.email)
    run(qtbot, app.ctx.runner.payments(app.ctx.billing.request_payment, target.id, app.session.actor, 4321,
                                       "taxable"))
    pay_link(qtbot, app, payment_links(app)[0])
    with app.simulator_state.transaction(write=False) as data:
        amounts = [c["amount"] for c in data["charges"].values()]
    assert 4321 in amounts  # the charge was made on the simulator
    demo_url = app.ctx.settings.workspace_url(tmp_path, "demo")
    assert demo_url != clinic_ctx_db_url

    # back to the clinic: none of it is there
    _click(qtbot, app.window.leave_training_button)
    wait_for(qtbot, lambda: not app.ctx.training and app.sign_in_dialog is not None
             and app.sign_in_dialog.isVisible(), timeout=20)
    sign_in(qtbot, app, FIRST_MANAGER_NAME, FIRST_PASSWORD)
    wait_for(qtbot, lambda: not app.ctx.training and app.window is not None and not app.window.session.training,
             timeout=20)
    wait_idle(qtbot)
    clinic = _clinic_row(app)
    with app.ctx.db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Patient)) == 0
        assert uow.session.scalar(select(func.count()).select_from(BillingRequest)) == 0
    assert run(qtbot, app.ctx.actions.history_count(clinic.id, HistoryFilter())) == 0
    csv_path = tmp_path / "history.csv"
    written = run(qtbot, app.ctx.actions.export_csv(app.session.actor, clinic.id, HistoryFilter(), csv_path, headers=["請求ID"],
                                                    state_labels=i18n.state_labels()))
    assert written == 0 and "4321" not in csv_path.read_text(encoding="utf-8-sig")
    assert app.simulator is None  # a clinic in テストモード runs no simulator
    assert LocalSettings.load(tmp_path).workspace == "clinic"  # トレーニング is not remembered
