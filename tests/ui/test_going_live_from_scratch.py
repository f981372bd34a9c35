"""Going live, in one run of the real app from an empty data directory: first run → setup →
テナント登録 on the simulator → PAY.JP approves → 接続チェック, a テスト payment charged with the
clinic's tenant → the 本番 switch refused for each missing condition, with its reason → the live
keys proven with the 管理者's own card → accepted → badge, banner and status bar change at once
(and back to テスト, confirmed).

PAY.JP is the simulator (its live keys make and read tokens only, refusing PAY.JP's test cards as
PAY.JP does). The clinic's public URL is a local TLS reverse proxy (certificate from a trustme CA)
in front of the app's own checkout server, so the legal pages, the patient's page, the webhook and
the proof page are all reached as from the internet. The "phone" and the 管理者's browser are
httpx clients; PAY.JP's webhook is the simulator's events posted to the public URL.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import http.server
import pathlib
import re
import ssl
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import payjp
import pytest
import trustme
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from sqlalchemy import select

import desktop.app
from desktop.app import ClinicPayApp
from desktop.bootstrap import prepare_context
from desktop.config import LocalSettings
from desktop.domain.clinic import CareType, PaymentMode, ReviewStatus
from desktop.domain.live_check import Step
from desktop.services.directory import ClinicUpdate
from desktop.services.secrets import MemorySecretStore, payjp_secret_name
from desktop.simulator.testing import RunningSimulator, running_simulator
from desktop.storage.orm import BillingRequest, Clinic
from desktop.ui import i18n, messages
from desktop.ui.dialogs.go_live_dialog import PROVE_KEYS, GoLiveDialog
from desktop.ui.dialogs.live_check_dialog import LiveCheckDialog
from desktop.ui.pages.payment_settings_page import PaymentSettingsPage
from desktop.ui.setup.steps import CheckoutUrlStep, MailStep, PayjpKeysStep, TenantStep
from tests.checkout.test_pay_page import through_payjp
from tests.smtp_server import SmtpTestServer, free_port, smtp_server, smtp_server_factory, test_certificates  # noqa: F401

from .conftest import first_run_app, run, wait_for, wait_idle

TEST_PK, TEST_SK = "pk_test_sakuraclinic0000000000a1", "sk_test_sakuraclinic0000000000a1"
LIVE_PK, LIVE_SK = "pk_live_sakuraclinic0000000000a1", "sk_live_sakuraclinic0000000000a1"
OTHER_LIVE_SK = "sk_live_anotheraccount000000000b2"
WEBHOOK_TOKEN = "whook_sakura_0123456789abcdef"
PASSWORD = "first-manager-pass"
MANAGER_MAIL = "incho@sakura-clinic.example.jp"
OWN_CARD = "4980000000000006"  # the 管理者's own card: not one of PAY.JP's test cards
TEST_CARD = "4242424242424242"


class TlsProxy:
    """The clinic's reverse proxy: https on localhost, forwarding to the app's checkout server with
    ``X-Forwarded-Proto: https`` (the app trusts 127.0.0.1 as its proxy). A path can be made to
    answer 404, as a misconfigured proxy would."""

    def __init__(self, ca: trustme.CA, target: Callable[[], str]) -> None:
        self.missing: set[str] = set()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                if urllib.parse.urlsplit(self.path).path in proxy.missing:
                    self._answer(404, [], b"not found")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
                headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": self.client_address[0]})
                with httpx.Client(timeout=30) as client:
                    answer = client.request(self.command, target() + self.path, headers=headers, content=body)
                self._answer(answer.status_code, [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in (
                    "content-length", "transfer-encoding", "connection", "content-encoding")], answer.content)

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _forward  # noqa: N815

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
def sim() -> Iterator[RunningSimulator]:
    with running_simulator() as running:
        yield running


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app opens in the browser (PAY.JP's application page, the key proof page)."""
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toString()) or True))
    return opened


@pytest.fixture
def scratch_app(qtbot: Any, qloop: Any, tmp_path: pathlib.Path, ca: trustme.CA,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[ClinicPayApp]:
    """``python -m desktop`` on an empty data directory, behind a reverse proxy on 127.0.0.1; its 本番
    checks reach https through the test CA (every workspace it opens)."""
    i18n.set_language("ja")
    messages.bridge().history.clear()

    def client() -> httpx.Client:
        return httpx.Client(verify=_trusting(ca))

    monkeypatch.setattr(desktop.app, "prepare_context", functools.partial(prepare_context, http_client=client))
    settings = LocalSettings(checkout_port=0, simulator_port=0, trusted_proxies="127.0.0.1")
    yield from first_run_app(qtbot, desktop.app.prepare_context(tmp_path, settings, secrets=MemorySecretStore()))


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def _click(qtbot: Any, button: Any) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _clinic(app: ClinicPayApp) -> Clinic:
    clinic = app.ctx.clinic()
    assert clinic is not None
    return clinic


def _in_thread(qtbot: Any, work: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Run ``work`` off the UI thread while the app's loop keeps serving (as another device would)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - reported on the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=int(timeout * 1000))
    if "error" in box:
        raise box["error"]
    return box.get("result")


class Phone:
    """The patient's (or the 管理者's) phone: pages through the public URL, card tokens made with the
    page's public key at PAY.JP (the simulator), as payjp.js makes them."""

    def __init__(self, ca: trustme.CA, sim: RunningSimulator, origin: str) -> None:
        self.ca, self.sim, self.origin = ca, sim, origin

    def token(self, public_key: str, number: str) -> httpx.Response:
        card = {"card[number]": number, "card[exp_month]": "12", "card[exp_year]": str(dt.date.today().year + 5),
                "card[cvc]": "123", "card[name]": "HANAKO YAMADA", "card[email]": MANAGER_MAIL}
        return httpx.post(f"{self.sim.base_url}/v1/tokens", auth=(public_key, ""), data=card, timeout=10)

    def pay(self, pay_url: str) -> None:
        """Open the link, pay with PAY.JP's test card, pass 3-D Secure, open the receipt."""
        with httpx.Client(verify=_trusting(self.ca), timeout=30) as phone:
            page = phone.get(pay_url)
            assert page.status_code == 200, page.text
            csrf = re.search(r'data-csrf="([0-9a-f]+)"', page.text)
            public_key = re.search(r'data-public-key="([^"]+)"', page.text)
            assert csrf and public_key
            made = self.token(public_key.group(1), TEST_CARD)
            assert made.status_code == 200, made.text
            answer = phone.post(pay_url + "?lang=ja", json={"card_token": made.json()["id"]},
                                headers={"X-CSRF-Token": csrf.group(1), "Origin": self.origin}).json()
            assert answer["result"] == "three_d_secure", answer
            back = phone.get(through_payjp(answer["redirect"]))
            action = re.search(r'<form id="tds-return" method="post" action="([^"]+)"', back.text)
            token = re.search(r'name="csrf" value="([0-9a-f]+)"', back.text)
            assert action and token, back.text
            done = phone.post(self.origin + html.unescape(action.group(1)), data={"csrf": token.group(1)},
                              headers={"Origin": self.origin})
            assert done.status_code == 303 and "/thanks" in done.headers["location"], done.headers
            assert phone.get(pay_url + "/receipt").status_code == 200

    def prove(self, proof_url: str, public_key: str) -> None:
        """The 管理者 on the proof page: PAY.JP's test card is refused in live mode; their own card is
        tokenised with the live public key (nothing charged) and the token handed to the page."""
        with httpx.Client(verify=_trusting(self.ca), timeout=30) as browser:
            page = browser.get(proof_url)
            assert page.status_code == 200, page.text
            assert f'data-public-key="{public_key}"' in page.text
            csrf = re.search(r'data-csrf="([0-9a-f]+)"', page.text)
            assert csrf
            refused = self.token(public_key, TEST_CARD)
            assert refused.status_code == 402 and refused.json()["error"]["code"] == "test_card_on_livemode"
            made = self.token(public_key, OWN_CARD)
            assert made.status_code == 200 and made.json()["livemode"] is True, made.text
            sent = browser.post(proof_url, json={"card_token": made.json()["id"]},
                                headers={"X-CSRF-Token": csrf.group(1), "Origin": self.origin})
            assert sent.json() == {"result": "ok"}


class SwitchDialogSpy:
    """Stands in for the user at ``GoLiveDialog.choose``: records what the real dialog lists, then
    chooses 「カードでキーを確認」 or the confirmed switch when told to, else キャンセル."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.shown: list[dict[str, tuple[str, str]]] = []
        self.prove = False
        self.confirm = False
        self.switch_enabled: list[bool] = []
        self.what_changes = ""

    def choose(self, cls: Any, parent: Any, report: Any) -> int:
        dialog = cls(report, parent)
        self.qtbot.addWidget(dialog)
        self.shown.append({k: (dialog.marks[k].text(), dialog.reasons[k].text()) for k in dialog.marks})
        self.what_changes = dialog.what_changes.text()
        dialog.confirm.setChecked(True)
        self.switch_enabled.append(dialog.switch_button.isEnabled())
        if self.prove and hasattr(dialog, "prove_button"):
            _click(self.qtbot, dialog.prove_button)
            return PROVE_KEYS
        if self.confirm and dialog.switch_button.isEnabled():
            _click(self.qtbot, dialog.switch_button)
            return 1
        _click(self.qtbot, dialog.cancel_button)
        return 0

    def failed(self) -> dict[str, str]:
        return {k: reason for k, (mark, reason) in self.shown[-1].items() if mark == "✗"}


def test_from_an_empty_data_directory_to_live(qtbot: Any, scratch_app: ClinicPayApp, sim: RunningSimulator,
                                              ca: trustme.CA, browser: list[str], monkeypatch: pytest.MonkeyPatch,
                                              smtp_server: SmtpTestServer) -> None:  # noqa: F811
    app = scratch_app
    proxy = TlsProxy(ca, lambda: app.checkout.base_url if app.checkout is not None else "http://127.0.0.1:9")
    try:
        badges = _run_the_day(qtbot, app, sim, ca, proxy, browser, monkeypatch, smtp_server)
    finally:
        proxy.close()
    # what the receptionist saw at the top of the window through the day, without a restart
    assert badges == ["テストモード", "本番モード", "テストモード"]
    clinic = _clinic(app)
    assert clinic.payment_mode is PaymentMode.TEST and clinic.payjp_tenant_id


def _run_the_day(qtbot: Any, app: ClinicPayApp, sim: RunningSimulator, ca: trustme.CA, proxy: TlsProxy,
                 browser: list[str], monkeypatch: pytest.MonkeyPatch, smtp: SmtpTestServer) -> list[str]:
    """The whole day, step by step; returns the mode badge as it read after setup, in 本番 and back in テスト."""
    phone = Phone(ca, sim, proxy.url)

    # -- first run: クリニックの設定を始める, the first 管理者's password ---------------------------------
    assert app.first_run_dialog is not None and app.ctx.training
    _click(qtbot, app.first_run_dialog.clinic_button)
    wait_for(qtbot, lambda: app.ctx.workspace == "clinic" and app.sign_in_dialog is not None
             and app.sign_in_dialog.isVisible(), timeout=20)
    first = app.sign_in_dialog
    first.secret_edit.setText(PASSWORD)
    first.confirm_edit.setText(PASSWORD)
    _click(qtbot, first.ok_button)
    wait_for(qtbot, lambda: app.window is not None and app.window.setup_wizard is not None
             and app.window.setup_wizard.isVisible(), timeout=20)
    ctx, window = app.ctx, app.window
    assert not ctx.training and window.mode_badge.text() == "テストモード"
    badges = [window.mode_badge.text()]
    ctx.gateways._live_api_base = sim.base_url  # PAY.JP (テスト and 本番) is the simulator here
    wizard = window.setup_wizard
    assert wizard is not None
    wait_idle(qtbot)

    # -- setup: the clinic, mail (テスト送信), the public URL, the テスト keys, テナント登録 -------------------
    step = wizard.current()
    for key, value in {"name": "さくら内科クリニック", "representative": "佐倉 一郎", "postal_code": "150-0041",
                       "address": "東京都渋谷区神南1-1-1", "phone": "03-1234-5678", "email": MANAGER_MAIL,
                       "registration_number": "T8876543210123"}.items():
        step.fields[key].setText(value)
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: isinstance(wizard.current(), MailStep))
    mail = wizard.current()
    assert isinstance(mail, MailStep)
    mail.smtp.host.setText(smtp.host)
    mail.smtp.port.setText(str(smtp.port))
    mail.smtp.security.set_value("none")
    _click(qtbot, mail.test_button)
    wait_for(qtbot, lambda: len(smtp.received) == 1, timeout=15)
    wait_for(qtbot, lambda: _clinic(app).test_mail_accepted_at is not None)
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: isinstance(wizard.current(), CheckoutUrlStep))
    url_step = wizard.current()
    assert isinstance(url_step, CheckoutUrlStep)
    url_step.url.setText(proxy.url)
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: isinstance(wizard.current(), PayjpKeysStep))
    keys = wizard.current()
    assert isinstance(keys, PayjpKeysStep)
    keys.payjp.public_key.setText(TEST_PK)
    keys.payjp.secret_key.setText(TEST_SK)
    _click(qtbot, keys.payjp.test_button)
    wait_for(qtbot, lambda: keys.payjp.result.text() == "接続に成功しました（APIキーは有効です）。", timeout=15)
    _click(qtbot, wizard.next_button)
    wait_for(qtbot, lambda: isinstance(wizard.current(), TenantStep))
    assert _clinic(app).payjp_public_key == TEST_PK and ctx.secrets.get(payjp_secret_name("test")) == TEST_SK
    contract = wizard.current().contract  # type: ignore[attr-defined]
    wait_idle(qtbot)
    contract.fee_rate.setText("3.255")  # the platform's fee rate: PAY.JP takes two decimals at most
    _click(qtbot, contract.save_fee_button)
    wait_for(qtbot, lambda: contract.fee_error.isVisible())
    assert contract.fee_error.text().startswith("プラットフォーム手数料率は0〜95（%）、小数点以下2桁まで")
    contract.fee_rate.setText("3.25")
    _click(qtbot, contract.save_fee_button)
    wait_for(qtbot, lambda: _clinic(app).platform_fee_rate == "3.25")
    contract.register(CareType.WITHOUT_INSURANCE)
    wait_for(qtbot, lambda: len(browser) == 1, timeout=15)  # PAY.JP's application page
    tenant_id = _clinic(app).payjp_tenant_id
    assert tenant_id and _clinic(app).review_status is ReviewStatus.RECEIVED
    _click(qtbot, wizard.next_button)  # the last step: 完了
    wait_for(qtbot, lambda: not wizard.isVisible(), timeout=15)
    wait_for(qtbot, lambda: not window.mode_banner.isVisible())  # テスト: card payment usable once registered

    page = window.show_page("決済会社設定")
    assert isinstance(page, PaymentSettingsPage)
    page.reload()
    page.show_connection()
    wait_idle(qtbot)
    conn = page.connection
    conn.webhook_token.setText(WEBHOOK_TOKEN)
    _click(qtbot, conn.save_webhook_button)
    wait_for(qtbot, lambda: ctx.secrets.get("payjp_webhook_token") == WEBHOOK_TOKEN)

    spy = SwitchDialogSpy(qtbot)
    monkeypatch.setattr(GoLiveDialog, "choose", classmethod(spy.choose))

    def try_live(public: str, secret: str) -> None:
        before = len(spy.shown)
        conn.mode.set_value(PaymentMode.LIVE)
        conn.payjp.public_key.setText(public)
        conn.payjp.secret_key.setText(secret)
        _click(qtbot, conn.save_payjp_button)
        wait_for(qtbot, lambda: len(spy.shown) > before, timeout=30)
        wait_idle(qtbot, 30)

    def still_test() -> None:
        clinic = _clinic(app)
        assert clinic.payment_mode is PaymentMode.TEST and clinic.payjp_public_key == TEST_PK
        assert ctx.secrets.get(payjp_secret_name("live")) is None and window.mode_badge.text() == "テストモード"

    # -- 本番 asked for too early: each missing condition with its reason; nothing saved ----------------
    try_live(LIVE_PK, LIVE_SK)
    failed = spy.failed()
    assert set(failed) == {"keys", "tenant", "live_check"}, failed
    assert failed["keys"].startswith("本番用キーの組が同じPAY.JPアカウントのものか、まだ確認していません")
    assert failed["tenant"].startswith("PAY.JPの審査が「承認」になっていません")
    assert failed["live_check"] == "接続チェックがまだ合格していません。テストモードの決済会社設定で「接続チェック」を行ってください。"
    assert spy.switch_enabled[-1] is False
    still_test()

    # -- PAY.JP's review: the application sent, then approved (the simulator's review page) -------------
    def apply_and_approve() -> None:
        for url, fields in ((browser[0], {"business_name": "さくら内科"}), (browser[0] + "/review", {"status": "passed"})):
            assert httpx.post(url, data=fields, timeout=10).status_code < 400
    _in_thread(qtbot, apply_and_approve)
    page.tabs.setCurrentIndex(0)
    wait_idle(qtbot)
    page.contract.refresh_review(quiet=False)
    wait_for(qtbot, lambda: _clinic(app).review_status is ReviewStatus.APPROVED, timeout=15)
    combo = page.contract.company_combo  # 利用する決済会社: PAYJP, selectable once approved
    wait_for(qtbot, lambda: combo.isEnabled())
    combo.setCurrentIndex(combo.findData("PAYJP"))
    combo.activated.emit(combo.currentIndex())
    wait_for(qtbot, lambda: _clinic(app).payment_company == "PAYJP")
    wait_for(qtbot, lambda: not window.mode_banner.isVisible())

    # -- 接続チェック: a ¥50 テスト payment on the phone through the public URL, charged with the tenant ----
    check = LiveCheckDialog(app.session, ctx.actions, window)
    qtbot.addWidget(check)
    check.show()
    wait_idle(qtbot)
    check.email.setText(MANAGER_MAIL)
    _click(qtbot, check.start_button)
    wait_for(qtbot, lambda: not check.qr.pixmap().isNull(), timeout=15)
    pay_url = check.link.text()
    assert pay_url.startswith(proxy.url + "/pay/")
    _in_thread(qtbot, lambda: phone.pay(pay_url))
    with ctx.db.uow(readonly=True) as uow:
        charge_id = uow.session.scalars(select(BillingRequest.charge_id).where(BillingRequest.amount == 50)).one()
    assert charge_id
    with sim.state.transaction(write=False) as data:
        charge = data["charges"][charge_id]
    assert charge["tenant"] == tenant_id and charge["paid"] is True  # the simulator's charge carries the tenant

    def webhook() -> None:  # PAY.JP's webhook for that charge, to the public URL
        previous = payjp.api_base
        payjp.api_base = sim.base_url
        try:
            events = payjp.Event.all(api_key=TEST_SK, limit=100)["data"]
        finally:
            payjp.api_base = previous
        with httpx.Client(verify=_trusting(ca), timeout=30) as payjp_side:
            for event in events:
                if event["data"].get("id") == charge_id:
                    answer = payjp_side.post(proxy.url + "/webhooks/payjp", json=dict(event),
                                             headers={"X-Payjp-Webhook-Token": WEBHOOK_TOKEN})
                    assert answer.status_code == 200
    _in_thread(qtbot, webhook)
    _click(qtbot, check.finish_button)
    wait_for(qtbot, lambda: check.marks[Step.REFUND].text() != "—", timeout=30)
    assert {s: check.reasons[s].text() for s in Step if check.marks[s].text() != "✓"} == {}
    assert check.verdict.text().startswith("合格しました")
    check.close()

    # -- 本番 refused for each condition still missing, each with its reason; nothing saved -------------
    page.show_connection()
    wait_idle(qtbot)
    conn.public_base_url.setText("http://127.0.0.1:8470")  # an http:// public URL
    _click(qtbot, conn.save_checkout_button)
    wait_for(qtbot, lambda: _clinic(app).public_base_url == "http://127.0.0.1:8470")
    try_live(LIVE_PK, LIVE_SK)
    assert set(spy.failed()) == {"keys", "public_url", "legal_pages"}
    assert spy.failed()["public_url"] == "決済ページの公開URLが https:// ではありません（http://127.0.0.1:8470）。"
    closed = f"https://localhost:{free_port()}"  # https, but nobody answers
    conn.public_base_url.setText(closed)
    _click(qtbot, conn.save_checkout_button)
    wait_for(qtbot, lambda: _clinic(app).public_base_url == closed)
    try_live(LIVE_PK, LIVE_SK)
    assert spy.failed()["public_url"] == f"決済ページの公開URLにこの端末から接続できません（{closed}）。"
    conn.public_base_url.setText(proxy.url)
    _click(qtbot, conn.save_checkout_button)
    wait_for(qtbot, lambda: _clinic(app).public_base_url == proxy.url)

    proxy.missing.add("/clinic/privacy")  # the proxy does not pass one legal page
    try_live(LIVE_PK, LIVE_SK)
    assert spy.failed()["legal_pages"] == f"プライバシーポリシーのページが表示できません（{proxy.url}/clinic/privacy: 404）。"
    assert set(spy.failed()) == {"keys", "legal_pages"}
    proxy.missing.clear()

    accepted = _clinic(app).test_mail_accepted_at  # the last test mail 31 days ago
    run(qtbot, ctx.runner.db(ctx.directory.update_clinic, app.session.actor, _clinic(app).id, ClinicUpdate(
        test_mail_accepted_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=31))))
    try_live(LIVE_PK, LIVE_SK)
    assert spy.failed()["test_mail"] == "最後にテストメールが届いたのは31日前です。30日以内に「テストメール送信」で確認してください。"
    received = len(smtp.received)
    _click(qtbot, conn.test_mail_button)  # a new テストメール from 接続設定
    wait_for(qtbot, lambda: len(smtp.received) > received, timeout=15)
    wait_for(qtbot, lambda: (_clinic(app).test_mail_accepted_at or accepted) > accepted)  # type: ignore[operator]

    # a test key in 本番: the message next to the field, no dialog
    shown = len(spy.shown)
    conn.mode.set_value(PaymentMode.LIVE)
    conn.payjp.public_key.setText(TEST_PK)
    conn.payjp.secret_key.setText(LIVE_SK)
    _click(qtbot, conn.save_payjp_button)
    wait_for(qtbot, lambda: conn.errors["public_key"].isVisible())
    assert conn.errors["public_key"].text() == "本番モードの公開キーは「pk_live_」で始まります。"
    assert len(spy.shown) == shown
    still_test()

    # -- the live keys: proven on the proof page with the 管理者's own card ------------------------------
    proofs: list[str] = []

    def card_entered(cls: Any, parent: Any) -> bool:  # 「カードを入力しました」 after the page in the browser
        proofs.append(browser[-1])
        _in_thread(qtbot, lambda: phone.prove(browser[-1], LIVE_PK))
        return True

    monkeypatch.setattr(GoLiveDialog, "ask_proof_done", classmethod(card_entered))
    spy.prove = True
    try_live(LIVE_PK, OTHER_LIVE_SK)  # keys of two accounts: the token is no such token to the other's key
    wait_for(qtbot, lambda: conn.errors["public_key"].text().startswith(
        "公開キーとシークレットキーが別々のPAY.JPアカウントのものです"), timeout=30)
    assert len(proofs) == 1 and proofs[0].startswith(proxy.url + "/keys/prove/")
    assert set(spy.failed()) == {"keys"}  # only the keys were missing then
    still_test()

    spy.confirm = True
    before = len(spy.shown)
    try_live(LIVE_PK, LIVE_SK)  # the proof, then the conditions again: all ✓, confirmed, switched
    wait_for(qtbot, lambda: len(spy.shown) == before + 2, timeout=30)
    assert len(proofs) == 2
    assert spy.shown[before]["keys"][0] == "✗"  # unproven until the page had the card
    assert spy.failed() == {} and spy.switch_enabled[-1] is True
    assert spy.what_changes.startswith("本番モードに切り替えると、実際のカードに請求されます。")

    # -- the badge, banner and status bar change at once, without a restart -----------------------------
    wait_for(qtbot, lambda: window.mode_badge.text() == "本番モード", timeout=15)
    badges.append(window.mode_badge.text())
    assert window.status_mode.text() == "本番モード"
    assert window.mode_banner.text() == "本番モードです。実際のカードに請求されます。"
    clinic = _clinic(app)
    assert clinic.payment_mode is PaymentMode.LIVE and clinic.payjp_public_key == LIVE_PK
    assert ctx.secrets.get(payjp_secret_name("live")) == LIVE_SK
    wait_for(qtbot, lambda: conn.payjp.secret_status.text() == "sk_live_••••00a1 を保存済み")

    # -- and back to テスト: asked first, naming what changes ---------------------------------------------
    asked: list[PaymentMode] = []

    def leave(cls: Any, parent: Any, mode: PaymentMode) -> bool:
        asked.append(mode)
        return len(asked) > 1  # the first time the user says no

    monkeypatch.setattr(GoLiveDialog, "ask_leave_live", classmethod(leave))
    conn.mode.set_value(PaymentMode.TEST)
    conn.payjp.public_key.setText(TEST_PK)
    _click(qtbot, conn.save_payjp_button)
    wait_idle(qtbot)
    assert asked == [PaymentMode.TEST] and _clinic(app).payment_mode is PaymentMode.LIVE
    _click(qtbot, conn.save_payjp_button)
    wait_for(qtbot, lambda: window.mode_badge.text() == "テストモード")
    assert _clinic(app).payment_mode is PaymentMode.TEST and _clinic(app).payjp_public_key == TEST_PK
    badges.append(window.mode_badge.text())
    return badges
