"""Blocking SMTP delivery with failures sorted into retry-later and give-up.

``SmtpTransport.send`` runs in a worker thread (the outbox worker's executor). It opens one
connection per message, always with a timeout, and never logs the password.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Literal

from desktop.domain.validation import smtp_address
from desktop.services.mail_types import MailError, MailFailure, PermanentMailError, TemporaryMailError

__all__ = [
    "MailError",
    "PermanentMailError",
    "SmtpSecurity",
    "SmtpSettings",
    "SmtpTransport",
    "TemporaryMailError",
]

log = logging.getLogger(__name__)

SmtpSecurity = Literal["starttls", "ssl", "none"]


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the clinic's mail server.

    Args:
        host: server name, e.g. ``smtp.example.jp``.
        port: 587 for STARTTLS, 465 for implicit TLS ("ssl"), 25 for a local relay.
        security: "starttls", "ssl" or "none" (unencrypted; only for a relay on the LAN).
        username: login name; no login when empty.
        password: read from the OS keyring at runtime; hidden from ``repr``.
        timeout: seconds for connecting and for each server reply.
        from_address: envelope sender (MAIL FROM); the message's From address if empty.
    """

    host: str
    port: int = 587
    security: SmtpSecurity = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    from_address: str = ""


class SmtpTransport:
    """Sends a composed message through the configured SMTP server.

    Args:
        settings: server, security and credentials.
        ssl_context: TLS settings; defaults to ``ssl.create_default_context()`` (system CAs,
            hostname checked). Tests pass a context that trusts their own CA.
    """

    def __init__(self, settings: SmtpSettings, ssl_context: ssl.SSLContext | None = None) -> None:
        if settings.security not in ("starttls", "ssl", "none"):
            raise ValueError(f"unknown SMTP security {settings.security!r}")
        if settings.timeout <= 0:
            raise ValueError("an SMTP timeout is required")
        self._settings = settings
        self._ssl_context = ssl_context

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message``; returns once the server has accepted it (250 after DATA).

        Raises:
            TemporaryMailError: connection, timeout, TLS or a 4xx reply; retry later.
            PermanentMailError: 5xx refusal, failed login, malformed address; do not retry.
        """
        recipients = _check_recipients(message)
        smtp = self._open()
        try:
            if self._settings.username:
                _login(smtp, self._settings.username, self._settings.password or "")
            refused = smtp.send_message(message, from_addr=self._settings.from_address or None,
                                        to_addrs=recipients)
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            raise _classify(exc) from None
        finally:
            _close_quietly(smtp)
        if refused:
            # Some recipients took the message: resending would duplicate it for them.
            raise PermanentMailError(MailFailure.RECIPIENT_REFUSED, smtp_code=_first_code(refused),
                                     detail=_refusal_text(refused))
        log.info("mail %s accepted by %s:%s", message["Message-ID"], self._settings.host,
                 self._settings.port)

    def _open(self) -> smtplib.SMTP:
        settings = self._settings
        try:
            smtp: smtplib.SMTP
            if settings.security == "ssl":
                smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                        context=self._context())
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise _classify(exc) from None
        if settings.security == "starttls":
            try:
                smtp.starttls(context=self._context())
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                _close_quietly(smtp)
                raise _classify(exc) from None
        return smtp

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context


def _check_recipients(message: EmailMessage) -> list[str]:
    """The envelope recipients; a legacy carrier address (``taro..yamada@docomo.ne.jp``) with its
    local part quoted, as in the To header (``smtplib`` would send it bare in RCPT TO)."""
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    addresses = [address for _, address in getaddresses(fields)]
    if not addresses or any("@" not in address.strip("@") for address in addresses):
        raise PermanentMailError(MailFailure.INVALID_ADDRESS, detail="no valid recipient")
    return [smtp_address(address) for address in addresses]


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    if username.isascii() and password.isascii():
        smtp.login(username, password)
        return
    # smtplib encodes credentials as ASCII (UnicodeEncodeError otherwise); RFC 4616 PLAIN
    # carries UTF-8, so send it ourselves for non-ASCII user names or passwords.
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN is needed for non-ASCII credentials")
    token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode()).decode()
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, reply)


def _close_quietly(smtp: smtplib.SMTP) -> None:
    # Not ``with smtplib.SMTP(...)``: its __exit__ raises on a non-221 QUIT reply, which would
    # turn a message the server already accepted into a failure and a duplicate resend.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def _classify(exc: BaseException) -> MailError:
    """Map an smtplib/socket/ssl exception to a temporary or permanent mail error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        recipients = exc.recipients
        if not recipients:
            return PermanentMailError(MailFailure.INVALID_ADDRESS, detail="no recipients")
        code = _first_code(recipients)
        if all(400 <= c < 500 for c, _ in recipients.values()):
            return TemporaryMailError(MailFailure.SERVER_BUSY, smtp_code=code,
                                      detail=_refusal_text(recipients))
        return PermanentMailError(MailFailure.RECIPIENT_REFUSED, smtp_code=code,
                                  detail=_refusal_text(recipients))
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        failure = (MailFailure.INVALID_ADDRESS if "SMTPUTF8" in str(exc)
                   else MailFailure.UNSUPPORTED)
        return PermanentMailError(failure, detail=str(exc))
    if isinstance(exc, smtplib.SMTPResponseException):
        return _classify_reply(exc)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib turns a read timeout into "Connection unexpectedly closed: timed out".
        timed_out = isinstance(exc.__context__, TimeoutError)
        return TemporaryMailError(MailFailure.TIMEOUT if timed_out else MailFailure.CONNECTION,
                                  detail=str(exc))
    if isinstance(exc, ssl.SSLError):  # includes certificate verification failures
        return TemporaryMailError(MailFailure.TLS, detail=str(exc))
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return TemporaryMailError(MailFailure.TIMEOUT, detail=str(exc))
    if isinstance(exc, OSError):  # refused, unreachable, DNS (socket.gaierror)
        return TemporaryMailError(MailFailure.CONNECTION, detail=str(exc))
    if isinstance(exc, smtplib.SMTPException):
        # "No suitable authentication method found" and similar client-side verdicts.
        return PermanentMailError(MailFailure.UNSUPPORTED, detail=str(exc))
    return PermanentMailError(MailFailure.INVALID_ADDRESS, detail=str(exc))  # ValueError


def _classify_reply(exc: smtplib.SMTPResponseException) -> MailError:
    code = exc.smtp_code
    detail = _reply_text(exc.smtp_error)
    temporary = 400 <= code < 500
    if isinstance(exc, smtplib.SMTPAuthenticationError) or code == 530:
        failure = MailFailure.AUTHENTICATION  # 530: the server wants a login we did not give
    elif isinstance(exc, smtplib.SMTPSenderRefused):
        failure = MailFailure.SENDER_REFUSED
    elif isinstance(exc, (smtplib.SMTPConnectError, smtplib.SMTPHeloError)):
        failure = MailFailure.CONNECTION
        temporary = True  # a greeting refusal (421/554) is usually load or a block that lifts
    else:
        failure = MailFailure.MESSAGE_REJECTED
    if temporary:
        # 4xx (421 busy, 451 local error, 452 storage, 454 temporary auth failure).
        if failure is not MailFailure.CONNECTION:
            failure = MailFailure.SERVER_BUSY
        return TemporaryMailError(failure, smtp_code=code, detail=detail)
    return PermanentMailError(failure, smtp_code=code, detail=detail)


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _first_code(refused: dict[str, tuple[int, bytes]]) -> int:
    return next(iter(refused.values()))[0]


def _refusal_text(refused: dict[str, tuple[int, bytes]]) -> str:
    # Addresses are personal data: log the server's reply only.
    return "; ".join(f"{code} {_reply_text(reply)}" for code, reply in refused.values())
