"""SmtpTransport against a real aiosmtpd server: delivery, TLS, AUTH and failure classes."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from desktop.domain.billing import TaxCategory
from desktop.services.mail_compose import (
    Clinic,
    Envelope,
    MailComposer,
    Patient,
    PaymentRequest,
    Reservation,
)
from desktop.services.mail_types import MailFailure, message_from_bytes, message_to_bytes
from desktop.services.smtp_transport import (
    MailError,
    PermanentMailError,
    SmtpSettings,
    SmtpTransport,
    TemporaryMailError,
)
from tests.smtp_server import (  # noqa: F401  (fixtures)
    EXPECT_AIOSMTPD_LOGIN_WARNING,
    SmtpTestServer,
    free_port,
    silent_server,
    smtp_server,
    smtp_server_factory,
    test_certificates,
)

ServerFactory = Callable[..., SmtpTestServer]
PATIENT_ADDRESS = "hanako@example.com"
PAY_URL = "https://pay.clinic.example.jp/pay/tok_Zx9"
PASSWORD = "s3cret-Pässword"


def payment_request_mail(to: str = PATIENT_ADDRESS) -> EmailMessage:
    request = PaymentRequest(
        clinic=Clinic(name="さくら内科クリニック", email="info@clinic.example.jp"),
        patient=Patient(name="山田 花子", email=to),
        reservation=Reservation("オンライン診療", datetime(2021, 1, 13, 5, 54, tzinfo=UTC)),
        amount_yen=1200,
        tax_category=TaxCategory.TAXABLE,
        message="金額が確定しましたので、メール内のリンクから決済をお願い致します",
        payment_url=PAY_URL,
        link_expires_at=datetime(2021, 1, 20, 5, 54, tzinfo=UTC),
    )
    envelope = Envelope(from_address="noreply@clinic.example.jp",
                        message_id="<req-42@clinic.example.jp>",
                        date=datetime(2021, 1, 13, 6, 0, tzinfo=UTC))
    return MailComposer().compose(request, envelope)


def assert_delivered_to_patient(server: SmtpTestServer) -> None:
    [mail] = server.received
    assert mail.rcpt_tos == (PATIENT_ADDRESS,)
    message = mail.message
    assert message["Subject"] == "【さくら内科クリニック】お支払いのお願い"
    assert message["From"].addresses[0].display_name == "さくら内科クリニック"
    assert message["Message-ID"] == "<req-42@clinic.example.jp>"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and PAY_URL in body.get_content()


# --- delivery ------------------------------------------------------------------------------


def test_plain_smtp_delivers_the_patient_mail(smtp_server: SmtpTestServer) -> None:
    SmtpTransport(smtp_server.settings()).send(payment_request_mail())
    assert_delivered_to_patient(smtp_server)
    assert smtp_server.received[0].mail_from == "noreply@clinic.example.jp"


def test_envelope_sender_comes_from_settings_when_given(smtp_server: SmtpTestServer) -> None:
    settings = smtp_server.settings(from_address="bounces@clinic.example.jp")
    SmtpTransport(settings).send(payment_request_mail())
    assert smtp_server.received[0].mail_from == "bounces@clinic.example.jp"


def test_starttls_delivers_with_a_trusted_certificate(smtp_server_factory: ServerFactory) -> None:
    server = smtp_server_factory(security="starttls")
    SmtpTransport(server.settings(), ssl_context=server.client_ssl_context()).send(
        payment_request_mail())
    assert_delivered_to_patient(server)


def test_implicit_tls_delivers_with_a_trusted_certificate(
        smtp_server_factory: ServerFactory) -> None:
    server = smtp_server_factory(security="ssl")
    SmtpTransport(server.settings(), ssl_context=server.client_ssl_context()).send(
        payment_request_mail())
    assert_delivered_to_patient(server)


@pytest.mark.expect_log("mail.log", "ERROR", "SMTP session exception")  # the test server sees the handshake fail
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_untrusted_certificate_is_a_temporary_tls_error(
        smtp_server_factory: ServerFactory, security: str) -> None:
    server = smtp_server_factory(security=security)
    with pytest.raises(TemporaryMailError) as caught:
        SmtpTransport(server.settings(), ssl_context=ssl.create_default_context()).send(
            payment_request_mail())
    assert caught.value.failure is MailFailure.TLS
    assert "TLS" in caught.value.message("ja")
    assert server.received == []


@EXPECT_AIOSMTPD_LOGIN_WARNING
@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("password", ["plain-ascii-1", PASSWORD], ids=["ascii", "non_ascii"])
def test_login_then_delivery(smtp_server_factory: ServerFactory, security: str,
                             password: str) -> None:
    server = smtp_server_factory(security=security, users={"clinic": password})
    settings = server.settings(username="clinic", password=password)
    SmtpTransport(settings, ssl_context=server.client_ssl_context()).send(payment_request_mail())
    assert_delivered_to_patient(server)
    assert server.received[0].login == "clinic"


def test_wrong_password_is_permanent_and_never_shows_the_password(
        smtp_server_factory: ServerFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server = smtp_server_factory(security="ssl", users={"clinic": "right"})
    settings = server.settings(username="clinic", password=PASSWORD)
    with pytest.raises(PermanentMailError) as caught:
        SmtpTransport(settings, ssl_context=server.client_ssl_context()).send(
            payment_request_mail())
    error = caught.value
    assert (error.failure, error.smtp_code, error.retryable) == (
        MailFailure.AUTHENTICATION, 535, False)
    assert error.message("ja") == "メールサーバーの認証に失敗しました。ユーザー名とパスワードを確認してください。"
    assert error.message("en") == "The mail server rejected the login. Check the user name and password."
    for text in (str(error), repr(error), repr(settings), caplog.text):
        assert PASSWORD not in text
    assert server.received == []


def test_missing_login_on_a_server_that_requires_one_is_an_auth_error(
        smtp_server_factory: ServerFactory) -> None:
    server = smtp_server_factory(security="starttls", users={"clinic": PASSWORD})
    with pytest.raises(PermanentMailError) as caught:
        SmtpTransport(server.settings(), ssl_context=server.client_ssl_context()).send(
            payment_request_mail())
    assert (caught.value.failure, caught.value.smtp_code) == (MailFailure.AUTHENTICATION, 530)


def test_starttls_on_a_server_without_it_is_permanent(smtp_server: SmtpTestServer) -> None:
    with pytest.raises(PermanentMailError) as caught:
        SmtpTransport(smtp_server.settings(security="starttls")).send(payment_request_mail())
    assert caught.value.failure is MailFailure.UNSUPPORTED
    assert smtp_server.received == []


# --- refusals ------------------------------------------------------------------------------


def test_refused_recipient_550_is_permanent(smtp_server_factory: ServerFactory) -> None:
    server = smtp_server_factory(refuse={PATIENT_ADDRESS: "550 5.1.1 No such user"})
    with pytest.raises(PermanentMailError) as caught:
        SmtpTransport(server.settings()).send(payment_request_mail())
    error = caught.value
    assert (error.failure, error.smtp_code, error.retryable) == (
        MailFailure.RECIPIENT_REFUSED, 550, False)
    assert "No such user" in error.detail
    assert "患者様のメールアドレス" in error.message("ja")
    assert server.received == []


def test_recipient_451_is_temporary(smtp_server_factory: ServerFactory) -> None:
    server = smtp_server_factory(refuse={PATIENT_ADDRESS: "451 4.3.0 Try again later"})
    with pytest.raises(TemporaryMailError) as caught:
        SmtpTransport(server.settings()).send(payment_request_mail())
    assert (caught.value.failure, caught.value.smtp_code, caught.value.retryable) == (
        MailFailure.SERVER_BUSY, 451, True)


@pytest.mark.parametrize(("reply", "error_type", "failure"), [
    ("451 4.3.0 Local error in processing", TemporaryMailError, MailFailure.SERVER_BUSY),
    ("554 5.7.1 Message rejected as spam", PermanentMailError, MailFailure.MESSAGE_REJECTED),
])
def test_data_reply_is_classified_by_its_code(
        smtp_server_factory: ServerFactory, reply: str, error_type: type[MailError],
        failure: MailFailure) -> None:
    server = smtp_server_factory(data_reply=reply)
    with pytest.raises(error_type) as caught:
        SmtpTransport(server.settings()).send(payment_request_mail())
    assert caught.value.failure is failure
    assert caught.value.smtp_code == int(reply[:3])


def test_retry_after_a_temporary_refusal_keeps_the_message_id(
        smtp_server_factory: ServerFactory) -> None:
    server = smtp_server_factory(refuse={PATIENT_ADDRESS: "451 4.7.1 Greylisted"})
    stored = message_to_bytes(payment_request_mail())  # what the outbox row keeps
    transport = SmtpTransport(server.settings())
    with pytest.raises(TemporaryMailError):
        transport.send(message_from_bytes(stored))
    server.handler.refuse.clear()
    transport.send(message_from_bytes(stored))
    assert_delivered_to_patient(server)


def test_message_without_recipient_fails_before_connecting() -> None:
    message = payment_request_mail()
    del message["To"]
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=1)
    with pytest.raises(PermanentMailError) as caught:  # a connection attempt would be temporary
        SmtpTransport(settings).send(message)
    assert caught.value.failure is MailFailure.INVALID_ADDRESS


# --- server unreachable --------------------------------------------------------------------


def test_server_down_is_temporary() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=2)
    with pytest.raises(TemporaryMailError) as caught:
        SmtpTransport(settings).send(payment_request_mail())
    assert caught.value.failure is MailFailure.CONNECTION
    assert caught.value.message("ja") == "メールサーバーに接続できません。ネットワークと設定を確認してください。"
    assert caught.value.retryable


@pytest.mark.parametrize("security", ["none", "ssl"])
def test_silent_server_times_out_as_temporary(security: str) -> None:
    with silent_server() as port:
        settings = SmtpSettings(host="127.0.0.1", port=port, security=security,  # type: ignore[arg-type]
                                timeout=0.5)
        started = time.monotonic()
        with pytest.raises(TemporaryMailError) as caught:
            SmtpTransport(settings).send(payment_request_mail())
    assert caught.value.failure is MailFailure.TIMEOUT
    assert time.monotonic() - started < 5


def test_settings_need_a_timeout_and_a_known_security() -> None:
    with pytest.raises(ValueError):
        SmtpTransport(SmtpSettings(host="smtp.example.jp", timeout=0))
    with pytest.raises(ValueError):
        SmtpTransport(SmtpSettings(host="smtp.example.jp", security="tls"))  # type: ignore[arg-type]
    assert "password" not in repr(SmtpSettings(host="h", password="x")).replace("password=", "")


@pytest.mark.parametrize("failure", list(MailFailure))
def test_every_mail_failure_has_a_message_for_staff_in_both_languages(
        failure: MailFailure) -> None:
    for error in (TemporaryMailError(failure), PermanentMailError(failure)):
        assert error.message("ja") and not error.message("ja").isascii()
        assert error.message("en").isascii()
        assert error.code == f"mail_{failure.value}"
        assert error.user_message("en") == error.message("en")
