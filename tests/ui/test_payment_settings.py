"""決済管理 › 決済会社設定 and 接続設定 on the real app: テナント登録 through the simulator, 審査状況,
利用する決済会社 / 自動決済, key validation, secrets in the keyring only, copy buttons, SMTP test mail; a
saved part of the settings shows the saved values while what is typed in the other parts stays."""

from __future__ import annotations

import logging
import urllib.parse
import urllib.request
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication
from sqlalchemy import select

from desktop.domain.clinic import CareType, PaymentMode, ReviewStatus
from desktop.services.directory import ClinicUpdate
from desktop.services.secrets import payjp_secret_name
from desktop.storage.orm import Base, Clinic
from desktop.ui import i18n, messages
from desktop.ui.dialogs.tenant_register_dialog import HINT, INTRO, TenantRegisterDialog
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage
from tests.smtp_server import (  # noqa: F401
    EXPECT_AIOSMTPD_AUTH_WITHOUT_TLS,
    EXPECT_AIOSMTPD_LOGIN_WARNING,
    SmtpTestServer,
    smtp_server,
    smtp_server_factory,
    test_certificates,
)

from .conftest import run, wait_for, wait_idle

SECRET = "sk_test_4f1c9e2b7a6d5c3e8f0a1b2c"


def _clinic(app: Any) -> Clinic:
    clinic = app.ctx.clinic()
    assert clinic is not None
    return clinic


def _update(qtbot: Any, app: Any, **values: Any) -> None:
    run(qtbot, app.ctx.runner.db(app.ctx.directory.update_clinic, app.session.actor, _clinic(app).id,
                                 ClinicUpdate(**values)))


def _page(qtbot: Any, app: Any) -> PaymentSettingsPage:
    page = app.window.show_page("決済会社設定")
    assert isinstance(page, PaymentSettingsPage)
    page.reload()
    wait_idle(qtbot)
    return page


def _click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """URLs the app asked the system browser to open."""
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toString()) or True))
    return opened


def _post(url: str, fields: dict[str, str]) -> int:
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=10) as resp:
        return int(resp.status)


def test_register_tenant_review_passes_then_payjp_and_auto_charge(
        qtbot: Any, clinic_app: Any, browser: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _update(qtbot, clinic_app, review_status=ReviewStatus.NOT_APPLIED, payment_company=None, auto_charge=False)
    page = _page(qtbot, clinic_app)
    c = page.contract
    assert c.review_label.text() == "未申請"
    assert c.register_button.isVisible() and c.register_button.text() == "テナント登録する"
    assert not c.apply_link.isVisible() and not c.care_label.isVisible()
    assert c.mode_banner.isVisible() and "デモモード" in c.mode_banner.text()
    assert c.fee_label.text() == "※決済代行会社のご利用は、本サービスとは別途契約会社との手数料が発生致します。"
    seen: dict[str, Any] = {}

    def ask(cls: Any, parent: Any) -> Any:
        dialog = cls(parent)
        qtbot.addWidget(dialog)
        seen.update(title=dialog.windowTitle(), intro=dialog.intro_label.text(), hint=dialog.hint_label.text(),
                    choices=[b.text() for b in dialog.care_type.buttons.values()],
                    buttons=(dialog.register_button.text(), dialog.cancel_button.text()))
        dialog.care_type.set_value(CareType.WITH_INSURANCE)
        _click(qtbot, dialog.register_button)
        return dialog.result_value

    monkeypatch.setattr(TenantRegisterDialog, "ask", classmethod(ask))
    _click(qtbot, c.register_button)
    wait_for(qtbot, lambda: len(browser) == 1, timeout=15)
    assert seen["title"] == "PAY.JP テナント登録"
    assert seen["intro"] == INTRO == ("PAY.JPのテナント登録につきまして、下記情報を入力してください。\n"
                                      "入力された情報はPAY.JPの本番利用審査に使用します。")
    assert seen["hint"] == HINT
    assert seen["choices"] == ["保険診療含まない", "保険診療含む"]
    assert seen["buttons"] == ("テナントを登録する", "キャンセル")
    application = browser[0]
    assert application.startswith(clinic_app.simulator.base_url + "/_sim/tenant-application/")
    wait_for(qtbot, lambda: c.review_label.text() == "依頼受付済み")
    assert c.care_label.text() == "保険診療" and c.care_label.isVisible()
    assert c.apply_link.isVisible() and not c.register_button.isVisible()
    clinic = _clinic(clinic_app)
    assert clinic.payjp_tenant_id and clinic.care_type is CareType.WITH_INSURANCE

    # the clinic fills in PAY.JP's form, then PAY.JP's review passes (simulator buttons)
    def apply_and_pass() -> None:
        _post(application, {"business_name": "さくら内科クリニック"})
        _post(application + "/review", {"status": "passed"})

    run(qtbot, clinic_app.ctx.runner.payments(apply_and_pass))
    _click(qtbot, c.refresh_button)
    wait_for(qtbot, lambda: c.review_label.text() == "承認", timeout=15)
    assert not c.mode_banner.isVisible()
    assert c.company_combo.isEnabled()
    assert c.company_combo.currentData() is None and not c.auto_charge.isEnabled()

    c.company_combo.setCurrentIndex(1)
    c.company_combo.activated.emit(1)
    wait_for(qtbot, lambda: _clinic(clinic_app).payment_company == "PAYJP")
    wait_for(qtbot, lambda: c.auto_charge.isEnabled())
    _click(qtbot, c.auto_charge.buttons[True])
    wait_for(qtbot, lambda: _clinic(clinic_app).auto_charge is True)
    wait_idle(qtbot)
    assert clinic_app.session.clinic.payment_usable

    # 利用申請ページに移動: a fresh application URL every time
    _click(qtbot, c.apply_link)
    wait_for(qtbot, lambda: len(browser) == 2)
    assert browser[1].startswith(clinic_app.simulator.base_url + "/_sim/tenant-application/")
    assert browser[1] != application
    wait_idle(qtbot)


def test_cancelled_registration_changes_nothing(qtbot: Any, clinic_app: Any, browser: list[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _update(qtbot, clinic_app, review_status=ReviewStatus.NOT_APPLIED)
    page = _page(qtbot, clinic_app)

    def ask(cls: Any, parent: Any) -> Any:
        dialog = cls(parent)
        qtbot.addWidget(dialog)
        _click(qtbot, dialog.cancel_button)
        return dialog.result_value

    monkeypatch.setattr(TenantRegisterDialog, "ask", classmethod(ask))
    _click(qtbot, page.contract.register_button)
    wait_idle(qtbot)
    assert browser == [] and _clinic(clinic_app).payjp_tenant_id is None
    assert page.contract.review_label.text() == "未申請"


def test_live_mode_before_approval_disables_the_company_with_the_reason(qtbot: Any, clinic_app: Any) -> None:
    _update(qtbot, clinic_app, payment_mode=PaymentMode.LIVE, review_status=ReviewStatus.IN_REVIEW,
            payjp_tenant_id="ten_clinicpay_test", payment_company=None)
    c = _page(qtbot, clinic_app).contract
    assert c.review_label.text() == "審査中"
    assert not c.company_combo.isEnabled() and not c.auto_charge.isEnabled()
    assert c.usage_reason.isVisible()
    assert c.usage_reason.text() == "PAY.JPの審査が「承認」になると、利用する決済会社と自動決済を選択できます。"
    assert not c.mode_banner.isVisible()


def test_copy_buttons_put_the_urls_on_the_clipboard(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    base = _clinic(clinic_app).public_base_url
    c = page.contract
    for row, path in ((c.tokushoho_url, "/clinic/tokushoho"), (c.privacy_url, "/clinic/privacy"),
                      (c.terms_url, "/clinic/terms")):
        _click(qtbot, row.copy_button)
        assert QGuiApplication.clipboard().text() == base + path
    page.show_connection()
    wait_idle(qtbot)
    _click(qtbot, page.connection.webhook_url.copy_button)
    assert QGuiApplication.clipboard().text() == base + "/webhooks/payjp"


def test_switching_mode_with_a_bad_key_shows_the_message_and_changes_nothing(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    p.mode.set_value(PaymentMode.TEST)
    cases = [
        ("pk_live_abc123", SECRET, "public_key", "テストモードの公開キーは「pk_test_」で始まります。"),
        ("pk_test_abc123", "sk_live_abc123", "secret_key", "テストモードのシークレットキーは「sk_test_」で始まります。"),
        ("pk_test_abc123", "", "secret_key", "テストモードにするには、この端末にシークレットキーを登録してください。"),
    ]
    for public, secret, field, text in cases:
        p.payjp.public_key.setText(public)
        p.payjp.secret_key.setText(secret)
        _click(qtbot, p.save_payjp_button)
        wait_for(qtbot, lambda field=field: p.errors[field].isVisible())
        assert p.errors[field].text() == text
        assert [f for f, e in p.errors.items() if e.isVisible()] == [field]
        clinic = _clinic(clinic_app)
        assert clinic.payment_mode is PaymentMode.DEMO and clinic.payjp_public_key == ""
        assert clinic_app.ctx.secrets.get(payjp_secret_name("test")) is None
    p.mode.set_value(PaymentMode.LIVE)
    p.payjp.public_key.setText("pk_test_abc123")
    _click(qtbot, p.save_payjp_button)
    wait_for(qtbot, lambda: p.errors["public_key"].text() == "本番モードの公開キーは「pk_live_」で始まります。")
    assert _clinic(clinic_app).payment_mode is PaymentMode.DEMO
    # both keys wrong: both messages at once, each under its own field
    p.mode.set_value(PaymentMode.TEST)
    p.payjp.public_key.setText("pk_live_abc123")
    p.payjp.secret_key.setText("sk_live_abc123")
    _click(qtbot, p.save_payjp_button)
    wait_for(qtbot, lambda: p.errors["secret_key"].isVisible())
    assert [(f, e.text()) for f, e in p.errors.items() if e.isVisible()] == [
        ("public_key", "テストモードの公開キーは「pk_test_」で始まります。"),
        ("secret_key", "テストモードのシークレットキーは「sk_test_」で始まります。")]
    assert _clinic(clinic_app).payment_mode is PaymentMode.DEMO


def test_every_refused_smtp_and_security_field_is_shown_at_once(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.smtp.port.text() != "")
    p.smtp.host.setText("mail server")
    p.smtp.port.setText("70000")
    p.smtp.username.setText("u" * 201)
    _click(qtbot, p.save_smtp_button)
    wait_for(qtbot, lambda: p.errors["smtp_port"].isVisible())
    wait_idle(qtbot)
    assert {f for f, e in p.errors.items() if e.isVisible()} == {"smtp_host", "smtp_port", "smtp_username"}
    assert p.errors["smtp_port"].text() == "ポート番号は1〜65535の数字で入力してください。"
    assert _clinic(clinic_app).smtp_host == ""


def test_secret_key_goes_to_the_keyring_and_never_to_the_database(qtbot: Any, clinic_app: Any,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    assert p.payjp.secret_key.echoMode() == p.payjp.secret_key.EchoMode.Password
    p.mode.set_value(PaymentMode.TEST)
    assert p.payjp.secret_status.text() == "この端末にはシークレットキーが登録されていません"
    p.payjp.public_key.setText("pk_test_0a1b2c3d4e5f")
    p.payjp.secret_key.setText(SECRET)
    _click(qtbot, p.save_payjp_button)
    wait_for(qtbot, lambda: _clinic(clinic_app).payment_mode is PaymentMode.TEST)
    wait_idle(qtbot)
    assert clinic_app.ctx.secrets.get(payjp_secret_name("test")) == SECRET
    assert _clinic(clinic_app).payjp_public_key == "pk_test_0a1b2c3d4e5f"
    # the stored key shows as its last 4 characters only
    assert p.payjp.secret_key.text() == "" and p.payjp.secret_status.text() == "sk_test_••••1b2c を保存済み"
    # the missing webhook token is pointed out
    assert "この端末にはWebhookトークンが登録されていません" in p.missing_label.text()

    def dump() -> str:
        rows = []
        with clinic_app.ctx.db.uow(readonly=True) as uow:
            for table in Base.metadata.sorted_tables:
                rows.extend(repr(tuple(r)) for r in uow.session.execute(select(table)).all())
        return "\n".join(rows)

    text = run(qtbot, clinic_app.ctx.runner.db(dump))
    assert "pk_test_0a1b2c3d4e5f" in text  # the dump does see the clinic row
    assert SECRET not in text and SECRET[8:] not in text
    for path in clinic_app.ctx.data_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in caplog.text


def test_connection_test_accepts_a_good_key_and_refuses_a_wrong_one(qtbot: Any, clinic_app: Any,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    _click(qtbot, p.payjp.test_button)  # デモ: the simulator
    wait_for(qtbot, lambda: p.payjp.result.text() == "接続に成功しました（APIキーは有効です）。", timeout=15)
    # PAY.JP itself is the simulator here: it refuses live keys with 401
    clinic_app.ctx.gateways._live_api_base = clinic_app.simulator.base_url
    p.mode.set_value(PaymentMode.LIVE)
    p.payjp.secret_key.setText("sk_live_0000wrong0000")
    _click(qtbot, p.payjp.test_button)
    wait_for(qtbot, lambda: p.errors["secret_key"].isVisible(), timeout=15)
    assert p.errors["secret_key"].text() == "シークレットキーが正しくありません（PAY.JPが認証を拒否しました）。"
    assert p.payjp.result.text().startswith("接続に失敗しました")
    p.mode.set_value(PaymentMode.TEST)
    p.payjp.secret_key.setText(SECRET)
    _click(qtbot, p.payjp.test_button)
    wait_for(qtbot, lambda: p.payjp.result.text() == "接続に成功しました（APIキーは有効です）。", timeout=15)
    assert not p.errors["secret_key"].isVisible()
    assert _clinic(clinic_app).payment_mode is PaymentMode.DEMO  # a test saves nothing
    assert SECRET not in caplog.text and "sk_live_0000wrong0000" not in caplog.text


def test_clinic_details_validation_next_to_the_field(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.details["name"].text() != "")
    p.details["registration_number"].setText("T12345")
    _click(qtbot, p.save_clinic_button)
    wait_for(qtbot, lambda: p.errors["registration_number"].isVisible())
    assert p.errors["registration_number"].text() == "登録番号は「T」と13桁の数字で入力してください（例: T9234567890123）。"
    assert _clinic(clinic_app).registration_number == "T9234567890123"
    p.details["registration_number"].setText("T9876543210123")  # check digit should be 8
    _click(qtbot, p.save_clinic_button)
    wait_for(qtbot, lambda: "検査用数字" in p.errors["registration_number"].text())
    assert _clinic(clinic_app).registration_number == "T9234567890123"
    p.details["registration_number"].setText("ｔ８８７６５４３２１０１２３")  # full-width, lower case
    p.details["postal_code"].setText("1500001")
    _click(qtbot, p.save_clinic_button)
    wait_for(qtbot, lambda: _clinic(clinic_app).registration_number == "T8876543210123")
    assert _clinic(clinic_app).postal_code == "150-0001"
    assert not p.errors["registration_number"].isVisible()
    p.public_base_url.setText("http://pay.example.jp/path")
    _click(qtbot, p.save_checkout_button)
    wait_for(qtbot, lambda: p.errors["public_base_url"].isVisible())
    assert p.errors["public_base_url"].text().startswith("URLは https:// で始まる形式")


def test_validation_messages_in_english(qtbot: Any, clinic_app: Any) -> None:
    clinic_app._on_language_changed("en")
    wait_idle(qtbot)
    page = clinic_app.window.show_page("決済会社設定")
    assert page.tabs.tabText(0) == "Payment company" and page.tabs.tabText(1) == "Connection settings"
    page.reload()
    wait_idle(qtbot)
    assert page.contract.review_label.text() == "Approved"
    page.show_connection()
    p = page.connection
    p.details["registration_number"].setText("X1")
    _click(qtbot, p.save_clinic_button)
    wait_for(qtbot, lambda: p.errors["registration_number"].isVisible())
    assert p.errors["registration_number"].text() == (
        "Enter the registration number as “T” and 13 digits (e.g. T9234567890123).")
    i18n.set_language("ja")


@EXPECT_AIOSMTPD_AUTH_WITHOUT_TLS
@EXPECT_AIOSMTPD_LOGIN_WARNING
def test_smtp_settings_and_test_mail_arrive_at_a_real_server(
        qtbot: Any, clinic_app: Any, smtp_server_factory: Any) -> None:  # noqa: F811
    server = smtp_server_factory(users={"clinic": "p@ss-wörd"})  # AUTH over plain TCP (local relay)
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.smtp.port.text() != "")
    p.smtp.host.setText("127.0.0.1")
    p.smtp.port.setText("port")
    _click(qtbot, p.save_smtp_button)
    wait_for(qtbot, lambda: p.errors["smtp_port"].isVisible())
    assert p.errors["smtp_port"].text() == "ポート番号は1〜65535の数字で入力してください。"
    assert _clinic(clinic_app).smtp_host == ""
    p.smtp.port.setText(str(server.port))
    p.smtp.security.set_value("none")
    p.smtp.username.setText("clinic")
    p.smtp.password.setText("p@ss-wörd")
    _click(qtbot, p.save_smtp_button)
    wait_for(qtbot, lambda: _clinic(clinic_app).smtp_host == "127.0.0.1")
    wait_idle(qtbot)
    assert clinic_app.ctx.secrets.get("smtp_password") == "p@ss-wörd"
    assert p.smtp.password.text() == "" and p.smtp.password_status.text() == "この端末に登録済み"
    _click(qtbot, p.test_mail_button)
    wait_for(qtbot, lambda: len(server.received) == 1, timeout=15)
    mail = server.received[0]
    clinic = _clinic(clinic_app)
    assert mail.rcpt_tos == (clinic.email,) and mail.login == "clinic"
    assert mail.message["Subject"] == "【クリニック決済】テストメール"
    wait_for(qtbot, lambda: p.test_mail_result.text() == f"テストメールを送信しました（宛先: {clinic.email}）。")
    # a wrong password: the server's refusal is shown next to the button
    clinic_app.ctx.secrets.set("smtp_password", "wrong")
    _click(qtbot, p.test_mail_button)
    wait_for(qtbot, lambda: p.errors["smtp_test"].isVisible(), timeout=15)
    assert p.errors["smtp_test"].text() == "メールサーバーの認証に失敗しました。ユーザー名とパスワードを確認してください。"
    assert len(server.received) == 1


def test_the_approved_demo_clinic_is_not_offered_a_tenant_registration(qtbot: Any, clinic_app: Any) -> None:
    """The demo comes reviewed (承認) with no tenant at the simulator: 決済会社設定 does not contradict itself."""
    assert _clinic(clinic_app).payjp_tenant_id is None
    assert _clinic(clinic_app).review_status is ReviewStatus.APPROVED
    c = _page(qtbot, clinic_app).contract
    assert c.review_label.text() == "承認"
    assert not c.register_button.isVisible() and c.refresh_button.isEnabled()


def test_every_refused_payment_page_field_is_shown_at_once(qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.public_base_url.text() != "" or p.expiry_days.value() > 0)
    before = _clinic(clinic_app).public_base_url
    p.public_base_url.setText("ftp://pay example")
    p.expiry_days.setValue(3)
    p.reminder_enabled.setChecked(True)
    p.reminder_days.setValue(5)  # not before a link that lasts 3 days
    _click(qtbot, p.save_checkout_button)
    wait_for(qtbot, lambda: p.errors["reminder_days_before"].isVisible())
    wait_idle(qtbot)
    assert p.errors["public_base_url"].isVisible()
    assert _clinic(clinic_app).public_base_url == before


# -- one part saved, the others untouched -------------------------------------------------------------------
# For each part of 接続設定: a value that is saved (typed, then how the part shows it once saved) and a value
# that is refused (typed, the field whose message appears, and the typed text as it must stay).

def _type_good(p: Any, part: str) -> None:
    if part == "smtp":
        p.smtp.host.setText("smtp.example.jp")
        p.smtp.port.setText("587")
        p.smtp.username.setText("clinic@example.jp")  # no password yet: the warning says so once saved
    elif part == "clinic":
        p.details["postal_code"].setText("1500001")
    elif part == "checkout":
        p.public_base_url.setText("https://pay.example-clinic.jp/")
        p.expiry_days.setValue(14)
    else:  # payjp
        p.mode.set_value(PaymentMode.TEST)
        p.payjp.public_key.setText("pk_test_0a1b2c3d4e5f")
        p.payjp.secret_key.setText(SECRET)


def _assert_saved_shown(app: Any, p: Any, part: str) -> None:
    clinic = _clinic(app)
    if part == "smtp":
        assert clinic.smtp_host == "smtp.example.jp"
        assert (p.smtp.host.text(), p.smtp.port.text(), p.smtp.username.text()) == (
            "smtp.example.jp", "587", "clinic@example.jp")
        assert "この端末にはSMTPパスワードが登録されていません" in p.missing_label.text()
    elif part == "clinic":
        assert clinic.postal_code == "150-0001" and p.details["postal_code"].text() == "150-0001"
    elif part == "checkout":
        assert clinic.public_base_url == "https://pay.example-clinic.jp"
        assert p.public_base_url.text() == "https://pay.example-clinic.jp" and p.expiry_days.value() == 14
        assert p.webhook_url.edit.text() == "https://pay.example-clinic.jp/webhooks/payjp"
    else:
        assert clinic.payment_mode is PaymentMode.TEST and p.payjp.public_key.text() == "pk_test_0a1b2c3d4e5f"
        assert p.payjp.secret_key.text() == "" and p.payjp.secret_status.text() == "sk_test_••••1b2c を保存済み"
        assert "この端末にはWebhookトークンが登録されていません" in p.missing_label.text()
        assert app.window.mode_badge.text() == "テストモード"


def _type_refused(p: Any, part: str) -> tuple[Any, str, str]:
    """Type a refused value in ``part``: (its input, the field named, how its message begins)."""
    if part == "smtp":
        p.smtp.port.setText("70000")
        return p.smtp.port, "smtp_port", "ポート番号は1〜65535の数字で入力してください。"
    if part == "clinic":
        p.details["registration_number"].setText("T12345")
        return (p.details["registration_number"], "registration_number",
                "登録番号は「T」と13桁の数字で入力してください（例: T9234567890123）。")
    p.public_base_url.setText("http://pay.example.jp/path")
    return p.public_base_url, "public_base_url", "URLは https:// で始まる形式"


SAVE_BUTTON = {"smtp": "save_smtp_button", "clinic": "save_clinic_button", "checkout": "save_checkout_button",
               "payjp": "save_payjp_button"}


@pytest.mark.parametrize(("saved", "refused"), [("smtp", "checkout"), ("clinic", "smtp"), ("checkout", "clinic"),
                                                ("payjp", "smtp")])
def test_saving_one_part_keeps_what_is_typed_and_refused_in_another(
        qtbot: Any, clinic_app: Any, saved: str, refused: str) -> None:
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.smtp.port.text() != "")
    _type_good(p, saved)
    edit, field, begins = _type_refused(p, refused)
    typed = edit.text()
    _click(qtbot, getattr(p, SAVE_BUTTON[refused]))
    wait_for(qtbot, lambda: p.errors[field].isVisible())
    message = p.errors[field].text()
    assert message.startswith(begins)
    _click(qtbot, getattr(p, SAVE_BUTTON[saved]))
    wait_for(qtbot, lambda: any("保存しました" in text for _level, text in messages.bridge().history))
    wait_idle(qtbot)
    _assert_saved_shown(clinic_app, p, saved)
    assert edit.text() == typed
    assert p.errors[field].isVisible() and p.errors[field].text() == message
    assert [f for f, e in p.errors.items() if e.isVisible()] == [field]
    # saving the refused part once it is right clears its message and shows the saved value
    _type_good(p, refused)
    if refused == "clinic":
        p.details["registration_number"].setText("T8876543210123")
    _click(qtbot, getattr(p, SAVE_BUTTON[refused]))
    wait_for(qtbot, lambda: not p.errors[field].isVisible())
    wait_idle(qtbot)
    _assert_saved_shown(clinic_app, p, refused)
    _assert_saved_shown(clinic_app, p, saved)


def test_a_read_of_the_settings_keeps_typing_and_shows_changes_made_elsewhere(qtbot: Any, clinic_app: Any) -> None:
    """The page read again (the setup saved something, 決済会社設定 was shown): a part with typing keeps it;
    an untouched part shows what is saved now."""
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.details["name"].text() != "")
    p.smtp.host.setText("smtp.typed.jp")
    _update(qtbot, clinic_app, phone="03-9999-0000", smtp_host="smtp.elsewhere.jp")
    page.reload()
    wait_for(qtbot, lambda: p.details["phone"].text() == "03-9999-0000")
    wait_idle(qtbot)
    assert p.smtp.host.text() == "smtp.typed.jp"


def test_a_refused_amount_on_the_first_tab_stays_when_a_connection_part_is_saved(
        qtbot: Any, clinic_app: Any) -> None:
    page = _page(qtbot, clinic_app)
    c = page.contract
    wait_for(qtbot, lambda: c.cap_edit.text() != "")
    c.cap_edit.setText("十万円")
    _click(qtbot, c.save_cap_button)
    wait_for(qtbot, lambda: c.errors["auto_charge_cap"].isVisible())
    message = c.errors["auto_charge_cap"].text()
    c.fee_rate.setText("2.5")  # typed, not saved
    page.show_connection()
    p = page.connection
    p.details["postal_code"].setText("1500001")
    _click(qtbot, p.save_clinic_button)
    wait_for(qtbot, lambda: _clinic(clinic_app).postal_code == "150-0001")
    wait_idle(qtbot)
    assert (c.cap_edit.text(), c.fee_rate.text()) == ("十万円", "2.5")
    assert c.errors["auto_charge_cap"].isVisibleTo(c) and c.errors["auto_charge_cap"].text() == message
    # saving the rate shows the saved rate; the refused amount still stays
    _click(qtbot, c.save_fee_button)
    wait_for(qtbot, lambda: _clinic(clinic_app).platform_fee_rate == "2.50")
    wait_idle(qtbot)
    assert c.fee_rate.text() == "2.50" and c.cap_edit.text() == "十万円"
    assert c.errors["auto_charge_cap"].text() == message


def test_an_older_read_answering_late_never_undoes_a_save(qtbot: Any, clinic_app: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads of the settings run in parallel: a read started before a save and answering after it is
    dropped, so the part just saved keeps showing what was saved."""
    import asyncio

    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.details["postal_code"].text() != "")
    before = p.details["postal_code"].text()
    real = p.desk.connection
    gate = asyncio.Event()
    held: list[int] = []

    async def connection(clinic_id: int) -> Any:
        view = await real(clinic_id)
        if not held:  # the first read (started before the save) answers only once the gate opens
            held.append(clinic_id)
            await gate.wait()
        return view

    monkeypatch.setattr(p.desk, "connection", connection)
    p.reload()
    wait_for(qtbot, lambda: bool(held))
    p.details["postal_code"].setText("1500001")
    _click(qtbot, p.save_clinic_button)
    wait_for(qtbot, lambda: p.details["postal_code"].text() == "150-0001")
    assert before != "150-0001"
    gate.set()
    wait_idle(qtbot)
    qtbot.wait(50)
    assert p.details["postal_code"].text() == "150-0001" == _clinic(clinic_app).postal_code


def test_saving_another_mail_server_forgets_the_last_test_mail(qtbot: Any, clinic_app: Any) -> None:
    """A test mail proves one server: once SMTP is changed and saved, the page no longer says when the
    last test mail arrived (the 本番 check does not count it either)."""
    import datetime as dt

    _update(qtbot, clinic_app, test_mail_accepted_at=dt.datetime.now(dt.timezone.utc))
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.test_mail_result.text().startswith("最後にテストメールが届いた日時"))
    p.smtp.host.setText("smtp.changed.example.jp")
    p.smtp.port.setText("587")
    _click(qtbot, p.save_smtp_button)
    wait_for(qtbot, lambda: _clinic(clinic_app).smtp_host == "smtp.changed.example.jp")
    wait_idle(qtbot)
    assert _clinic(clinic_app).test_mail_accepted_at is None
    wait_for(qtbot, lambda: p.test_mail_result.text() == "")


def test_a_typed_secret_is_never_kept_as_if_saved(qtbot: Any, clinic_app: Any) -> None:
    """A password typed while the saved SMTP settings are being shown again is not left in the field
    looking saved; a password typed in an untouched part survives a read of the settings."""
    page = _page(qtbot, clinic_app)
    page.show_connection()
    p = page.connection
    wait_for(qtbot, lambda: p.smtp.port.text() != "")
    view = p.view
    assert view is not None
    p.smtp.password.setText("typed-after-save-2026")
    p.show_view(view, p.smtp_section)  # the save's read answers after a password was typed
    assert p.smtp.password.text() == ""
    assert "typed-after-save-2026" not in repr(vars(p.smtp_section))
    p.smtp.password.setText("typed-not-saved-2026")
    page.reload()
    wait_idle(qtbot)
    assert p.smtp.password.text() == "typed-not-saved-2026" and p.smtp_section.typed()
