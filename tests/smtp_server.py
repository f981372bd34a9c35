"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, recording what it receives.

Importable from any test (not a conftest), so end-to-end tests use the same server::

    from tests.smtp_server import SmtpTestServer, smtp_server, smtp_server_factory  # noqa: F401

    def test_sends(smtp_server: SmtpTestServer) -> None:
        SmtpTransport(smtp_server.settings()).send(message)
        assert smtp_server.messages()[0]["Subject"] == ...

``smtp_server_factory(security="starttls", users={"clinic": "pw"}, refuse={...})`` starts
servers with TLS, AUTH or scripted refusals; they stop at the end of the test.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from desktop.services.smtp_transport import SmtpSettings

Security = Literal["none", "starttls", "ssl"]
HOST = "127.0.0.1"

# Declares, on a test whose client logs in, the warning aiosmtpd 1.4.6 logs on every successful AUTH
# (it sets its own deprecated ``Session.login_data``).
EXPECT_AIOSMTPD_LOGIN_WARNING = pytest.mark.expect_log("mail.log", "WARNING", "Session.login_data is deprecated")
# Declares aiosmtpd's warning when a test server requires AUTH over plain TCP (``users=`` without TLS).
EXPECT_AIOSMTPD_AUTH_WITHOUT_TLS = pytest.mark.expect_log("mail.log", "WARNING",
                                                          "auth_required == True but auth_require_tls == False")


class TestCertificates:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost (trustme)."""

    __test__ = False  # not a test class, despite the name

    def __init__(self) -> None:
        self.ca = trustme.CA()
        self._server_cert = self.ca.issue_cert(HOST, "localhost")

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_cert.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts only the test CA (hostname still checked)."""
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server got it: envelope and raw bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class RecordingHandler:
    """aiosmtpd handler: refuses scripted recipients, records every accepted message.

    Args:
        refuse: recipient address → the reply to RCPT TO (e.g. ``"550 5.1.1 No such user"``).
        data_reply: reply to the end of DATA instead of accepting (e.g. ``"451 4.3.0 later"``).
    """

    def __init__(self, refuse: dict[str, str] | None = None,
                 data_reply: str | None = None) -> None:
        self.refuse = dict(refuse or {})
        self.data_reply = data_reply
        self.received: list[ReceivedMail] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply is not None:
            return self.data_reply
        content = envelope.original_content or b""
        login = session.auth_data.login.decode() if isinstance(session.auth_data,
                                                                LoginPassword) else None
        with self._lock:
            self.received.append(ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                data=content,
                login=login,
            ))
        return "250 Message accepted for delivery"


class _Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self._users = users

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if self._users.get(login) == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)


class _ImplicitTlsSMTP(SMTP):
    """aiosmtpd counts only STARTTLS as TLS: on an implicit-TLS socket it would never offer
    AUTH when TLS is required for it. The socket is TLS from the first byte, so allow AUTH."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._auth_require_tls = False


class _ImplicitTlsController(Controller):
    def factory(self) -> SMTP:
        return _ImplicitTlsSMTP(self.handler, **self.SMTP_kwargs)


class SmtpTestServer:
    """A running aiosmtpd server on 127.0.0.1 (in its own thread) that records messages.

    Args:
        security: "none", "starttls" (STARTTLS offered and required) or "ssl" (implicit TLS).
        certificates: the test CA; made on demand when TLS is used.
        users: login → password; when given, AUTH is required before MAIL.
        refuse: recipient → RCPT reply, e.g. ``{"gone@example.com": "550 5.1.1 No such user"}``.
        data_reply: reply to DATA instead of accepting the message.
    """

    def __init__(self, *, security: Security = "none",
                 certificates: TestCertificates | None = None,
                 users: dict[str, str] | None = None,
                 refuse: dict[str, str] | None = None,
                 data_reply: str | None = None) -> None:
        if security != "none" and certificates is None:
            certificates = TestCertificates()
        self.security = security
        self.certificates = certificates
        self.handler = RecordingHandler(refuse, data_reply)
        self._users = users
        self._controller: Controller | None = None
        self.port = 0

    @property
    def host(self) -> str:
        return HOST

    @property
    def received(self) -> list[ReceivedMail]:
        return list(self.handler.received)

    def messages(self) -> list[EmailMessage]:
        return [mail.message for mail in self.handler.received]

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context trusting this server's certificate."""
        assert self.certificates is not None, "this server has no TLS"
        return self.certificates.client_context()

    def settings(self, **overrides: Any) -> SmtpSettings:
        """``SmtpSettings`` pointing at this server (security matching, 5 s timeout)."""
        values: dict[str, Any] = {
            "host": HOST,
            "port": self.port,
            "security": self.security,
            "timeout": 5.0,
            "from_address": "noreply@clinic.example.jp",
        }
        values.update(overrides)
        return SmtpSettings(**values)

    def start(self) -> SmtpTestServer:
        kwargs: dict[str, Any] = {"server_hostname": "smtp.test.invalid"}
        if self.security == "starttls":
            assert self.certificates is not None
            kwargs.update(tls_context=self.certificates.server_context(), require_starttls=True)
        elif self.security == "ssl":
            assert self.certificates is not None
            kwargs["ssl_context"] = self.certificates.server_context()
        if self._users is not None:
            kwargs.update(authenticator=_Authenticator(self._users), auth_required=True,
                          auth_require_tls=self.security != "none")
        last_error: OSError | None = None
        for _ in range(5):  # a free port can be taken between probing and binding
            port = free_port()
            controller_type = _ImplicitTlsController if self.security == "ssl" else Controller
            controller = controller_type(self.handler, hostname=HOST, port=port, **kwargs)
            try:
                controller.start()
            except OSError as exc:
                last_error = exc
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError(f"could not start the test SMTP server: {last_error}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def free_port() -> int:
    """A TCP port on 127.0.0.1 with nothing listening (at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections but never says a word (to test timeouts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((HOST, 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def wait_for_messages(server: SmtpTestServer, count: int, timeout: float = 5.0) -> None:
    """Wait until ``server`` has received ``count`` messages (for senders in other threads)."""
    deadline = time.monotonic() + timeout
    while len(server.handler.received) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} messages, got {len(server.handler.received)}")
        time.sleep(0.02)


@pytest.fixture(scope="session")
def test_certificates() -> TestCertificates:
    return TestCertificates()


@pytest.fixture
def smtp_server_factory(test_certificates: TestCertificates
                        ) -> Iterator[Callable[..., SmtpTestServer]]:
    """Start servers with ``factory(security=..., users=..., refuse=..., data_reply=...)``."""
    servers: list[SmtpTestServer] = []

    def start(**options: Any) -> SmtpTestServer:
        options.setdefault("certificates", test_certificates)
        server = SmtpTestServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SmtpTestServer]) -> SmtpTestServer:
    """A plain (no TLS, no AUTH) recording SMTP server."""
    return smtp_server_factory()
