"""Types shared by the mail composer, the transports and the outbox worker."""

from __future__ import annotations

import re

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import ClassVar, Protocol

from desktop.i18n import LabelledEnum, N_


class MailTransport(Protocol):
    """Something that delivers a finished message: SMTP, or the demo mailbox.

    ``send`` blocks; call it from a worker thread. It raises ``TemporaryMailError`` when a
    later retry may succeed and ``PermanentMailError`` when it cannot.
    """

    def send(self, message: EmailMessage) -> None: ...


class MailFailure(LabelledEnum):
    """Why a mail was not delivered; each member's label is the message shown to staff."""

    CONNECTION = "connection", N_("メールサーバーに接続できません。ネットワークと設定を確認してください。")
    TIMEOUT = "timeout", N_("メールサーバーから応答がありません。しばらくしてから再送します。")
    TLS = "tls", N_("メールサーバーとの暗号化通信 (TLS) に失敗しました。サーバー名、ポート、暗号化方式を確認してください。")
    SERVER_BUSY = "server_busy", N_("メールサーバーが一時的に受け付けていません。しばらくしてから再送します。")
    AUTHENTICATION = "authentication", N_("メールサーバーの認証に失敗しました。ユーザー名とパスワードを確認してください。")
    UNSUPPORTED = "unsupported", N_("メールサーバーが必要な機能 (STARTTLS または認証) に対応していません。暗号化方式の設定を確認してください。")
    RECIPIENT_REFUSED = "recipient_refused", N_("宛先のメールアドレスがメールサーバーに拒否されました。患者様のメールアドレスを確認してください。")
    INVALID_ADDRESS = "invalid_address", N_("メールアドレスの形式が正しくありません。患者様のメールアドレスを確認してください。")
    SENDER_REFUSED = "sender_refused", N_("送信元メールアドレスがメールサーバーに拒否されました。メール設定の送信元アドレスを確認してください。")
    MESSAGE_REJECTED = "message_rejected", N_("メールサーバーがメールの受け取りを拒否しました。")
    MAILBOX_ERROR = "mailbox_error", N_("デモ用メールボックスに保存できませんでした。データフォルダーの空き容量と権限を確認してください。")
    NOT_CONFIGURED = "not_configured", N_("メールサーバー（SMTP）が設定されていません。「決済会社設定」のチェックリストから設定してください。")


class MailError(Exception):
    """A mail was not delivered. Carries a message for staff, rendered in the reader's language.

    Shaped like ``desktop.domain.errors.UserError`` (``code``, ``message(lang)``) so the UI
    can show it the same way.

    Args:
        failure: what went wrong; selects the staff message.
        smtp_code: the server's reply code, when there was one.
        detail: technical detail for the log (server reply text); never a password.
    """

    retryable: ClassVar[bool] = False

    def __init__(self, failure: MailFailure, *, smtp_code: int | None = None,
                 detail: str = "") -> None:
        self.failure = failure
        self.smtp_code = smtp_code
        self.detail = detail
        super().__init__(self._log_text())

    @property
    def message_ja(self) -> str:
        return self.message("ja")

    @property
    def message_en(self) -> str:
        return self.message("en")

    @property
    def code(self) -> str:
        """A stable code for logs and the outbox ``last_error`` (like ``UserError.code``)."""
        return f"mail_{self.failure.value}"

    def message(self, lang: str = "ja") -> str:
        """The message for staff in ``lang`` ("ja" default; "en" gives English)."""
        return self.failure.label(lang)

    def user_message(self, language: str = "ja") -> str:
        """Same as ``message``; kept for callers written against the first version."""
        return self.message(language)

    def _log_text(self) -> str:
        code = f" [{self.smtp_code}]" if self.smtp_code is not None else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.failure.value}{code}{detail}"


class TemporaryMailError(MailError):
    """Delivery failed for now (network, timeout, TLS, 4xx reply); retry later with back-off."""

    retryable = True


class PermanentMailError(MailError):
    """Delivery cannot succeed as things are (5xx refusal, failed login, bad address); do not retry."""

    retryable = False


class UnconfiguredTransport:
    """The clinic (テスト / 本番) has no SMTP server yet: mails wait in the outbox, never in the demo mailbox."""

    def send(self, message: EmailMessage) -> None:
        raise TemporaryMailError(MailFailure.NOT_CONFIGURED)


def message_to_bytes(message: EmailMessage) -> bytes:
    """Serialize a message (CRLF line ends) for storage in the outbox."""
    return message.as_bytes(policy=policy.SMTP)


def message_from_bytes(data: bytes) -> EmailMessage:
    """Parse a stored message back; headers keep their Message-ID and Date."""
    parsed = BytesParser(policy=policy.SMTP).parsebytes(data)
    assert isinstance(parsed, EmailMessage)
    return parsed


LINK_TOKEN_IN_URL = re.compile(r"/pay/[A-Za-z0-9_-]{40,64}")
REDACTED_LINK = "/pay/(redacted)"


def redact_links(data: bytes) -> bytes:
    """A stored message with every payment/receipt link token replaced by ``(redacted)``.

    For mail already delivered: the outbox keeps its headers (To, Subject, Message-ID, Date)
    and its text for the timeline, but no working link, since only the token's hash is stored
    anywhere else. Text parts are decoded first (base64 / quoted-printable), so no encoding
    hides a token. Returns ``data`` unchanged when there is nothing to redact.
    """
    message = message_from_bytes(data)
    changed = False
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        text = part.get_content()
        redacted = LINK_TOKEN_IN_URL.sub(REDACTED_LINK, text)
        if redacted != text:
            part.set_content(redacted, subtype=part.get_content_subtype(), charset="utf-8")
            changed = True
    return message_to_bytes(message) if changed else data


def mail_error_message(code: str, lang: str = "ja") -> str:
    """The staff message for a stored ``MailError.code`` (``mail_connection`` …) in ``lang``.

    Raises:
        ValueError: ``code`` is not a mail error code.
    """
    if not code.startswith("mail_"):
        raise ValueError(f"not a mail error code: {code!r}")
    return MailFailure(code.removeprefix("mail_")).label(lang)
