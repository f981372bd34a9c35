"""Demo mode's post office: patient mails land in a local Maildir instead of going out.

The demo screen lists the mailbox and opens a mail's payment link, so the whole flow can be
tried without a mail server. Same ``send`` interface as ``SmtpTransport``.
"""

from __future__ import annotations

import mailbox
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from desktop.paths import default_data_dir
from desktop.services.mail_types import MailFailure, PermanentMailError, TemporaryMailError

__all__ = ["DemoMailbox", "MailContent", "MailSummary", "extract_content"]

_MAILDIR_NAME = "demo-mailbox"
# Stored with LF line ends: Maildir rewrites "\n" to os.linesep, so CRLF would become CR CR LF
# on Windows.
_STORAGE_POLICY = policy.SMTP.clone(linesep="\n")
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


@dataclass(frozen=True)
class MailSummary:
    """One line of the demo mailbox list."""

    key: str
    date: datetime
    to: str
    subject: str


@dataclass(frozen=True)
class MailContent:
    """What a patient reads: the text and HTML bodies and the first web link."""

    text: str | None
    html: str | None
    first_link: str | None


class DemoMailbox:
    """A ``MailTransport`` that delivers into a Maildir folder (``mailbox.Maildir``).

    Safe to use from the outbox worker thread and the UI thread at once.

    Args:
        directory: the Maildir folder; created if missing.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._maildir = mailbox.Maildir(directory, factory=None, create=True)

    @classmethod
    def in_data_dir(cls, data_dir: Path | None = None) -> DemoMailbox:
        """The demo mailbox under the app's data directory."""
        return cls((data_dir or default_data_dir()) / _MAILDIR_NAME)

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` into the mailbox.

        Raises:
            PermanentMailError: the message has no recipient.
            TemporaryMailError: the mailbox folder cannot be written (disk full, permissions).
        """
        fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
        if not any("@" in address for _, address in getaddresses(fields)):
            raise PermanentMailError(MailFailure.INVALID_ADDRESS, detail="no recipient")
        data = message.as_bytes(policy=_STORAGE_POLICY)
        try:
            with self._lock:
                self._maildir.add(data)
        except OSError as exc:
            raise TemporaryMailError(MailFailure.MAILBOX_ERROR, detail=str(exc)) from None

    def list_messages(self) -> list[MailSummary]:
        """Summaries of all mails, newest first."""
        with self._lock:
            entries = [(key, self._maildir.get_message(key)) for key in self._maildir.keys()]
        summaries: list[tuple[float, MailSummary]] = []
        for key, stored in entries:
            delivered = datetime.fromtimestamp(stored.get_date(), UTC)
            headers = BytesParser(policy=policy.default).parsebytes(stored.as_bytes(),
                                                                    headersonly=True)
            summary = MailSummary(
                key=key,
                date=_header_date(headers.get("Date")) or delivered,
                to=str(headers.get("To", "")),
                subject=str(headers.get("Subject", "")),
            )
            summaries.append((stored.get_date(), summary))
        summaries.sort(key=lambda item: (item[1].date, item[0]), reverse=True)
        return [summary for _, summary in summaries]

    def get(self, key: str) -> EmailMessage:
        """The mail stored under ``key`` (``KeyError`` if there is none)."""
        with self._lock:
            data = self._maildir.get_bytes(key)
        parsed = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def delete(self, key: str) -> None:
        """Remove one mail (``KeyError`` if there is none)."""
        with self._lock:
            self._maildir.remove(key)

    def clear(self) -> None:
        """Remove every mail (used when the demo data is reset)."""
        with self._lock:
            for key in list(self._maildir.keys()):
                self._maildir.discard(key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._maildir)


def extract_content(message: EmailMessage) -> MailContent:
    """The plain-text and HTML bodies and the first http(s) link (from the text, else the HTML)."""
    text = _body(message, "plain")
    html = _body(message, "html")
    link = None
    if text:
        found = _URL.search(text)
        link = found.group(0).rstrip(".,;:!?") if found else None
    if link is None and html:
        link = _first_href(html)
    return MailContent(text=text, html=html, first_link=link)


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    content = part.get_content()
    return content.replace("\r\n", "\n") if isinstance(content, str) else None


def _header_date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class _HrefFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.href is None and tag == "a":
            for name, value in attrs:
                if name == "href" and value and value.startswith(("http://", "https://")):
                    self.href = value
                    return


def _first_href(html: str) -> str | None:
    finder = _HrefFinder()
    finder.feed(html)
    finder.close()
    return finder.href
