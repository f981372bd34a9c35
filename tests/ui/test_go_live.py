"""Going live on the real app: テスト mode → テナント登録 on the simulator → approved → a テスト payment
charged with the tenant → the 本番 switch refused for each missing condition (the dialog says which)
→ accepted → badge, banner and status bar change without a restart → and back to テスト, confirmed.

PAY.JP is the simulator. It is test mode only, so the live key-pair proof runs the real proof
(a token made with the public key, read back with the secret key) against it with the keys'
``live`` prefix read as ``test``: keys of two accounts still fail it. The public URL is a local
HTTPS server whose certificate a trustme CA signs; the test mail goes to a local SMTP server.
"""

from __future__ import annotations

import datetime as dt
import http.server
import pathlib
import re
import ssl
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import trustme
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from sqlalchemy import select

from desktop.app import ClinicPayApp
from desktop.bootstrap import bootstrap, prepare_context
from desktop.services.demo import ensure_demo_data
from desktop.config import LocalSettings
from desktop.domain.billing import TaxCategory
from desktop.domain.clinic import CareType, PaymentMode, ReviewStatus
from desktop.domain.errors import StateError
from desktop.services.demo_accounts import DEMO_ACCOUNTS
from desktop.services.directory import ClinicUpdate
from desktop.services.payjp_gateway import PayjpConfig, PayjpGateway
from desktop.services.secrets import MemorySecretStore, payjp_secret_name
from desktop.simulator.testing import make_test_token
from desktop.storage.orm import Clinic, PaymentAttempt
from desktop.ui import i18n, messages
from desktop.ui.dialogs.go_live_dialog import GoLiveDialog
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage
from tests.smtp_server import SmtpTestServer, free_port, smtp_server, smtp_server_factory, test_certificates  # noqa: F401

from .conftest import payment_links, run, sign_in, wait_for, wait_idle

TEST_PK, TEST_SK = "pk_test_sakuraclinic0000000000a1", "sk_test_sakuraclinic0000000000a1"
LIVE_PK, LIVE_SK = "pk_live_sakuraclinic0000000000a1", "sk_live_sakuraclinic0000000000a1"
OTHER_LIVE_SK = "sk_live_anotheraccount000000000b2"


class LegalPages:
    """An HTTPS server answering the three legal pages (one can be made to answer 404)."""

    def __init__(self, ca: trustme.CA) -> None:
        self.missing: set[str] = set()
        pages = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                found = self.path in {"/clinic/tokushoho", "/clinic/privacy", "/clinic/terms"} - pages.missing
                body = b"<html><body>ok</body></html>"
                self.send_response(200 if found else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(context)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def legal_pages(ca: trustme.CA) -> Iterator[LegalPages]:
    pages = LegalPages(ca)
    yield pages
    pages.close()


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toString()) or True))
    return opened


@pytest.fixture
def live_app(qtbot: Any, qloop: Any, tmp_path: pathlib.Path, ca: trustme.CA) -> Iterator[ClinicPayApp]:
    """The real app, its 本番 checks reaching HTTPS through the test CA and proving keys on the simulator."""
    i18n.set_language("ja")
    messages.bridge().history.clear()
    sim_base: list[str] = []

    def prove(public_key: str, secret_key: str) -> bool:
        gateway = PayjpGateway(PayjpConfig(api_base=sim_base[0], secret_key=secret_key.replace("sk_live_", "sk_test_")))
        return gateway.prove_key_pair(public_key.replace("pk_live_", "pk_test_"))

    def client() -> httpx.Client:
        context = ssl.create_default_context()
        ca.configure_trust(context)
        return httpx.Client(verify=context)

    # the clinic's own database holding the sample clinic (as the older installs have it)
    ctx = bootstrap(tmp_path, LocalSettings(checkout_port=0, simulator_port=0, workspace="clinic"),
                    secrets=MemorySecretStore(), http_client=client, prove_keys=prove)
    ensure_demo_data(ctx)
    app = ClinicPayApp(ctx, checkout_port=0)
    run(qtbot, app.start(show=True))
    sign_in(qtbot, app, DEMO_ACCOUNTS[0].name, DEMO_ACCOUNTS[0].password)  # the clinic's 院長 (管理者)
    assert app.simulator is not None
    sim_base.append(app.simulator.base_url)
    ctx.gateways._live_api_base = app.simulator.base_url  # PAY.JP of テスト / 本番 is the simulator here
    app.window.resize(1366, 768)
    wait_idle(qtbot)
    yield app
    wait_idle(qtbot)
    run(qtbot, app.stop())
    ctx.close()


def _clinic(app: ClinicPayApp) -> Clinic:
    clinic = app.ctx.clinic()
    assert clinic is not None
    return clinic


def _update(qtbot: Any, app: ClinicPayApp, **values: Any) -> None:
    run(qtbot, app.ctx.runner.db(app.ctx.directory.update_clinic, app.session.actor, _clinic(app).id,
                                 ClinicUpdate(**values)))


def _click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _post(url: str, fields: dict[str, str]) -> int:
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=10) as resp:
        return int(resp.status)


class DialogSpy:
    """Replaces ``GoLiveDialog.ask``: records what the dialog lists, confirms only when told to."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.shown: list[dict[str, tuple[str, str]]] = []
        self.confirm = False
        self.switch_enabled: list[bool] = []

    def ask(self, cls: Any, parent: Any, report: Any) -> bool:
        dialog = cls(report, parent)
        self.qtbot.addWidget(dialog)
        self.shown.append({k: (dialog.marks[k].text(), dialog.reasons[k].text()) for k in dialog.marks})
        self.what_changes = dialog.what_changes.text()
        dialog.confirm.setChecked(True)
        self.switch_enabled.append(dialog.switch_button.isEnabled())
        if self.confirm and dialog.switch_button.isEnabled():
            _click(self.qtbot, dialog.switch_button)
        else:
            _click(self.qtbot, dialog.cancel_button)
        return bool(dialog.result() == dialog.DialogCode.Accepted)

    def failed(self) -> dict[str, str]:
        return {k: reason for k, (mark, reason) in self.shown[-1].items() if mark == "✗"}


def test_from_test_mode_to_live_and_back(qtbot: Any, live_app: ClinicPayApp, browser: list[str],
                                         legal_pages: LegalPages, smtp_server: SmtpTestServer,  # noqa: F811
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    app, ctx = live_app, live_app.ctx
    window = app.window
    clinic_id = _clinic(app).id
    page = window.show_page("決済会社設定")
    assert isinstance(page, PaymentSettingsPage)
    page.reload()
    page.show_connection()
    wait_idle(qtbot)
    conn, contract = page.connection, page.contract

    # テスト mode through 接続設定: the badge follows at once; card payment waits for the tenant
    conn.mode.set_value(PaymentMode.TEST)
    conn.public_key.setText(TEST_PK)
    conn.secret_key.setText(TEST_SK)
    _click(qtbot, conn.save_payjp_button)
    wait_for(qtbot, lambda: window.mode_badge.text() == "テストモード")
    assert window.status_mode.text() == "テストモード"
    assert "テナント登録が済むまで、カード決済は利用できません" in window.mode_banner.text()
    assert window.mode_banner.isVisible()
    rows = run(qtbot, ctx.actions.reservations(clinic_id, None))
    detail = next(d for d in (run(qtbot, ctx.actions.reservation(r.id)) for r in rows)
                  if d is not None and d.menu.allows_post_payment and d.patient.email)
    with pytest.raises(StateError) as refused:
        run(qtbot, ctx.actions.request_payment(detail.id, app.session.actor, 3300, TaxCategory.TAXABLE))
    assert refused.value.code == "tenant_not_registered"
    assert "テナント登録" in refused.value.message("ja")
    wait_for(qtbot, lambda: not contract.mode_banner.isHidden() and "テナント登録" in contract.mode_banner.text())

    # テナント登録 on the simulator with the operator's fee rate, then PAY.JP approves
    page.tabs.setCurrentIndex(0)
    wait_idle(qtbot)
    contract.fee_rate.setText("3.255")
    _click(qtbot, contract.save_fee_button)
    wait_for(qtbot, lambda: contract.fee_error.isVisible())
    assert contract.fee_error.text().startswith("プラットフォーム手数料率は0〜95（%）、小数点以下2桁まで")
    assert _clinic(app).platform_fee_rate == "1.00"
    contract.fee_rate.setText("3.25")
    _click(qtbot, contract.save_fee_button)
    wait_for(qtbot, lambda: _clinic(app).platform_fee_rate == "3.25")
    contract.register(CareType.WITHOUT_INSURANCE)
    wait_for(qtbot, lambda: len(browser) == 1, timeout=15)
    tenant_id = _clinic(app).payjp_tenant_id
    assert tenant_id and _clinic(app).review_status is ReviewStatus.RECEIVED  # not the demo's 承認
    run(qtbot, ctx.runner.payments(lambda: (_post(browser[0], {"business_name": "さくら内科"}),
                                            _post(browser[0] + "/review", {"status": "passed"}))))
    contract.refresh_review(quiet=False)
    wait_for(qtbot, lambda: _clinic(app).review_status is ReviewStatus.APPROVED, timeout=15)
    wait_for(qtbot, lambda: not window.mode_banner.isVisible())
    gateway = ctx.gateways(_clinic(app))
    assert run(qtbot, ctx.runner.payments(gateway.retrieve_tenant, tenant_id))["platform_fee_rate"] == "3.25"

    # a テスト payment: the simulator's charge carries the clinic's tenant (the mail goes through the clinic's
    # SMTP server: outside デモ nothing is delivered to the demo mailbox)
    run(qtbot, ctx.actions.save_smtp(app.session.actor, clinic_id, host=smtp_server.host, port=smtp_server.port, security="none",
                                     username="", password=None))
    run(qtbot, ctx.actions.request_payment(detail.id, app.session.actor, 3300, TaxCategory.TAXABLE))
    run(qtbot, ctx.runner.mail(ctx.outbox.send_due))
    wait_for(qtbot, lambda: len(smtp_server.received) == 1, timeout=15)
    body = smtp_server.received[0].message.get_body(("plain",))
    assert body is not None
    link = re.search(r"https?://\S+/pay/\S+", body.get_content()).group(0)  # type: ignore[union-attr]
    sim_base = app.simulator.base_url  # type: ignore[union-attr]

    def pay() -> None:
        ctx.billing.pay_with_token(link.rsplit("/pay/", 1)[1], make_test_token(sim_base, TEST_SK))

    run(qtbot, ctx.runner.payments(pay))
    with ctx.db.uow(readonly=True) as uow:
        charge_id = uow.session.scalars(select(PaymentAttempt.charge_id).where(
            PaymentAttempt.charge_id.is_not(None))).all()[-1]
    assert charge_id is not None
    charge = run(qtbot, ctx.runner.payments(gateway.retrieve_charge, charge_id))
    assert charge.paid and charge.tenant == tenant_id

    # what 本番 needs besides the keys: an https public URL with its legal pages, a test mail
    run(qtbot, ctx.actions.save_checkout(app.session.actor, clinic_id, legal_pages.url, 7))
    page.show_connection()
    conn.reload()
    wait_idle(qtbot)
    _click(qtbot, conn.test_mail_button)
    wait_for(qtbot, lambda: len(smtp_server.received) == 2, timeout=15)
    wait_for(qtbot, lambda: _clinic(app).test_mail_accepted_at is not None)

    spy = DialogSpy(qtbot)
    monkeypatch.setattr(GoLiveDialog, "ask", classmethod(spy.ask))

    def try_live(public: str, secret: str) -> None:
        before = len(spy.shown)
        conn.mode.set_value(PaymentMode.LIVE)
        conn.public_key.setText(public)
        conn.secret_key.setText(secret)
        _click(qtbot, conn.save_payjp_button)
        wait_for(qtbot, lambda: len(spy.shown) > before, timeout=20)
        wait_idle(qtbot)

    # a test key in 本番: the message is next to the field, no dialog
    conn.mode.set_value(PaymentMode.LIVE)
    conn.public_key.setText(TEST_PK)
    conn.secret_key.setText(LIVE_SK)
    _click(qtbot, conn.save_payjp_button)
    wait_for(qtbot, lambda: conn.errors["public_key"].isVisible())
    assert conn.errors["public_key"].text() == "本番モードの公開キーは「pk_live_」で始まります。"
    assert spy.shown == []

    # keys of two accounts
    try_live(LIVE_PK, OTHER_LIVE_SK)
    assert list(spy.failed()) == ["keys"]
    assert spy.failed()["keys"].startswith("公開キーとシークレットキーが別々のPAY.JPアカウントのものです")
    assert conn.errors["public_key"].text() == spy.failed()["keys"]  # next to the field too
    assert spy.switch_enabled[-1] is False

    # the tenant not approved
    _update(qtbot, app, review_status=ReviewStatus.IN_REVIEW)
    try_live(LIVE_PK, LIVE_SK)
    assert spy.failed() == {"tenant": "PAY.JPの審査が「承認」になっていません（現在: 審査中）。"}
    _update(qtbot, app, review_status=ReviewStatus.APPROVED)

    # an http:// public URL, then an https one nobody answers
    run(qtbot, ctx.actions.save_checkout(app.session.actor, clinic_id, "http://127.0.0.1:8470", 7))
    try_live(LIVE_PK, LIVE_SK)
    assert set(spy.failed()) == {"public_url", "legal_pages"}
    assert spy.failed()["public_url"] == "決済ページの公開URLが https:// ではありません（http://127.0.0.1:8470）。"
    closed = f"https://localhost:{free_port()}"
    run(qtbot, ctx.actions.save_checkout(app.session.actor, clinic_id, closed, 7))
    try_live(LIVE_PK, LIVE_SK)
    assert spy.failed()["public_url"] == f"決済ページの公開URLにこの端末から接続できません（{closed}）。"
    run(qtbot, ctx.actions.save_checkout(app.session.actor, clinic_id, legal_pages.url, 7))

    # a legal page not answering
    legal_pages.missing.add("/clinic/privacy")
    try_live(LIVE_PK, LIVE_SK)
    assert spy.failed() == {"legal_pages": f"プライバシーポリシーのページが表示できません（{legal_pages.url}/clinic/privacy: 404）。"}
    legal_pages.missing.clear()

    # the last test mail too long ago
    accepted = _clinic(app).test_mail_accepted_at
    _update(qtbot, app, test_mail_accepted_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=31))
    try_live(LIVE_PK, LIVE_SK)
    assert spy.failed() == {"test_mail": "最後にテストメールが届いたのは31日前です。30日以内に「テストメール送信」で確認してください。"}
    _update(qtbot, app, test_mail_accepted_at=accepted)

    # nothing of it was saved
    clinic = _clinic(app)
    assert clinic.payment_mode is PaymentMode.TEST and clinic.payjp_public_key == TEST_PK
    assert ctx.secrets.get(payjp_secret_name("live")) is None
    assert window.mode_badge.text() == "テストモード"

    # every condition met: confirmed, switched, the badge changes without a restart
    spy.confirm = True
    try_live(LIVE_PK, LIVE_SK)
    assert spy.failed() == {} and spy.switch_enabled[-1] is True
    assert spy.what_changes.startswith("本番モードに切り替えると、実際のカードに請求されます。")
    wait_for(qtbot, lambda: window.mode_badge.text() == "本番モード")
    assert window.status_mode.text() == "本番モード"
    assert window.mode_banner.text() == "本番モードです。実際のカードに請求されます。"
    clinic = _clinic(app)
    assert clinic.payment_mode is PaymentMode.LIVE and clinic.payjp_public_key == LIVE_PK
    assert ctx.secrets.get(payjp_secret_name("live")) == LIVE_SK
    wait_for(qtbot, lambda: conn.secret_status.text() == "sk_live_••••00a1 を保存済み")

    # back to テスト: asked first, naming what changes
    asked: list[PaymentMode] = []

    def leave(cls: Any, parent: Any, mode: PaymentMode) -> bool:
        asked.append(mode)
        return len(asked) > 1  # the first time the user says no

    monkeypatch.setattr(GoLiveDialog, "ask_leave_live", classmethod(leave))
    conn.mode.set_value(PaymentMode.TEST)
    conn.public_key.setText(TEST_PK)
    _click(qtbot, conn.save_payjp_button)
    wait_idle(qtbot)
    assert asked == [PaymentMode.TEST] and _clinic(app).payment_mode is PaymentMode.LIVE
    _click(qtbot, conn.save_payjp_button)
    wait_for(qtbot, lambda: window.mode_badge.text() == "テストモード")
    assert _clinic(app).payment_mode is PaymentMode.TEST and _clinic(app).payjp_public_key == TEST_PK


def test_connection_settings_show_what_is_saved_also_after_a_restart(qtbot: Any, qloop: Any,
                                                                      tmp_path: pathlib.Path) -> None:
    i18n.set_language("ja")
    secrets = MemorySecretStore()
    settings = LocalSettings(checkout_port=0, simulator_port=0)

    def opened() -> tuple[ClinicPayApp, Any]:
        ctx = prepare_context(tmp_path, settings, secrets=secrets)
        app = ClinicPayApp(ctx, checkout_port=0)
        run(qtbot, app.start(show=True))
        sign_in(qtbot, app, DEMO_ACCOUNTS[0].name, DEMO_ACCOUNTS[0].password)
        page = app.window.show_page("決済会社設定")
        page.show_connection()
        page.reload()
        wait_idle(qtbot)
        return app, page.connection

    app, conn = opened()
    conn.details["name"].setText("さくら内科クリニック")
    conn.details["address"].setText("東京都渋谷区神南1-1-1")
    _click(qtbot, conn.save_clinic_button)
    wait_for(qtbot, lambda: _clinic(app).name == "さくら内科クリニック")
    conn.expiry_days.setValue(14)
    _click(qtbot, conn.save_checkout_button)
    wait_for(qtbot, lambda: _clinic(app).link_expiry_days == 14)
    conn.smtp_host.setText("smtp.sakura.example.jp")
    conn.smtp_port.setText("2525")
    conn.smtp_password.setText("a-long-smtp-password-0a1b2c3d")
    _click(qtbot, conn.save_smtp_button)
    wait_for(qtbot, lambda: _clinic(app).smtp_port == 2525)
    wait_idle(qtbot)
    run(qtbot, app.stop())
    app.ctx.close()

    app, conn = opened()  # a restart
    try:
        assert conn.details["name"].text() == "さくら内科クリニック"
        assert conn.details["address"].text() == "東京都渋谷区神南1-1-1"
        assert conn.expiry_days.value() == 14
        assert conn.public_base_url.text() == _clinic(app).public_base_url != ""
        assert conn.webhook_url.edit.text() == _clinic(app).public_base_url + "/webhooks/payjp"
        assert (conn.smtp_host.text(), conn.smtp_port.text()) == ("smtp.sakura.example.jp", "2525")
        assert conn.smtp_password.text() == ""
        assert conn.smtp_password_status.text() == "••••2c3d を保存済み"  # never the whole password
    finally:
        wait_idle(qtbot)
        run(qtbot, app.stop())
        app.ctx.close()
