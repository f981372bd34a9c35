"""The transactional mail outbox and the sender that drains it.

A mail is written to ``outbox_mail`` in the same transaction as the billing change that
caused it, so a request is never recorded without its mail (or the other way round).
``OutboxSender`` delivers due mail with back-off until the server accepts it. Several
reception PCs may run a sender against one PostgreSQL database: each row is claimed with a
conditional UPDATE (a lease), so only one PC sends it at a time. Delivery is at least
once; the Message-ID stays the same across retries so a duplicate is recognisable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
from email.message import EmailMessage
from typing import Callable

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from desktop.domain.clinic import MailStatus
from desktop.domain.errors import message_for, message_for_code
from desktop.services.mail_types import MailError, MailFailure, MailTransport, PermanentMailError, message_from_bytes
from desktop.services.mail_types import message_to_bytes, redact_links
from desktop.storage.orm import OutboxMail
from desktop.storage.unit_of_work import Database

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def enqueue(
    session: Session,
    *,
    clinic_id: int,
    billing_request_id: int | None,
    kind: str,
    message: EmailMessage,
    now: dt.datetime,
) -> OutboxMail:
    """Add ``message`` to the outbox inside the caller's transaction."""
    row = OutboxMail(
        clinic_id=clinic_id,
        billing_request_id=billing_request_id,
        kind=kind,
        to_address=str(message["To"].addresses[0].addr_spec),
        subject=str(message["Subject"]),
        message_id=str(message["Message-ID"]),
        body=message_to_bytes(message),
        status=MailStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


UNEXPECTED_ERROR = "unexpected"


def mail_error_message(code: str, lang: str = "ja") -> str:
    """The staff message for a stored mail error code (``MailError.code``), in ``lang``."""
    failure = code.removeprefix("mail_")
    if code.startswith("mail_") and failure in {f.value for f in MailFailure}:
        return MailError(MailFailure(failure)).message(lang)
    return message_for(RuntimeError(code), lang)


@dataclasses.dataclass
class SendReport:
    """What one ``send_due`` did; ``last_error`` is the code of the last failure, if any."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    last_error: str | None = None


@dataclasses.dataclass(frozen=True)
class OutboxStatus:
    """Counts for the status bar, and the code of the newest failure of unsent mail."""

    pending: int
    failed: int
    last_error: str | None

    def last_error_message(self, lang: str = "ja") -> str | None:
        """The newest failure for staff, in ``lang`` (None when there is none)."""
        if self.last_error is None:
            return None
        if self.last_error.startswith("mail_"):
            return mail_error_message(self.last_error, lang)
        return message_for_code(self.last_error, lang)  # e.g. ``unexpected`` (rows from before 0004)


@dataclasses.dataclass(frozen=True)
class OutboxSender:
    """Sends due outbox mail through a transport, with exponential back-off.

    Args:
        db: the database.
        transport: returns the transport to use now (SMTP or the demo mailbox).
        clock: the current UTC time.
        lease: how long a claimed mail is reserved for this sender: longer than one SMTP
            exchange can take (about eight replies of at most 30 s each), so no other PC sends
            it meanwhile; a sender that died frees its mail after this.
        base_delay: the wait before the first retry; it doubles with every failed try.
        max_delay: the longest wait between two tries.
    """

    db: Database
    transport: Callable[[], MailTransport]
    clock: Clock
    _: dataclasses.KW_ONLY
    lease: dt.timedelta = dt.timedelta(minutes=10)
    base_delay: dt.timedelta = dt.timedelta(seconds=30)
    max_delay: dt.timedelta = dt.timedelta(hours=1)

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """Back-off after ``attempts`` failed tries, with jitter (30 s, 1 min, 2 min … ≤ 1 h)."""
        base = min(self.max_delay.total_seconds(), self.base_delay.total_seconds() * 2 ** max(0, attempts - 1))
        return dt.timedelta(seconds=base / 2 + random.uniform(0, base / 2))

    def _claim_one(self, skip: set[int]) -> int | None:
        """Claim the next due mail (a lease of ``lease``), or None when nothing is due.

        One message at a time: the lease only has to outlast one SMTP exchange, however
        long the batch and however slow the server, so another PC never takes over a mail
        this one is still sending.
        """
        now = self.clock()
        with self.db.uow() as uow:
            free = or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now)
            due = select(OutboxMail.id).where(OutboxMail.status == MailStatus.PENDING, OutboxMail.next_attempt_at <= now, free)
            if skip:  # sent (or tried) in this round already
                due = due.where(OutboxMail.id.not_in(skip))
            candidates = uow.session.scalars(due.order_by(OutboxMail.id).limit(5)).all()
            for mail_id in candidates:
                result = uow.session.execute(
                    update(OutboxMail)
                    .where(OutboxMail.id == mail_id, OutboxMail.status == MailStatus.PENDING,
                           OutboxMail.next_attempt_at <= now, free)
                    .values(claimed_until=now + self.lease, attempts=OutboxMail.attempts + 1)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    uow.commit()
                    return int(mail_id)
            uow.commit()
        return None

    def send_due(self, limit: int = 20) -> SendReport:
        """Send up to ``limit`` due mails, claiming each just before it is sent.

        Blocking (SMTP): run it off the UI thread.
        """
        report = SendReport()
        done: set[int] = set()
        while len(done) < limit:
            mail_id = self._claim_one(done)
            if mail_id is None:
                break
            done.add(mail_id)
            with self.db.uow(readonly=True) as uow:
                row = uow.session.get(OutboxMail, mail_id)
                assert row is not None
                body, attempts = row.body, row.attempts
            # The server's reply text is left out of the logs: it may repeat the address.
            try:
                self.transport().send(message_from_bytes(body))
            except PermanentMailError as exc:
                log.warning("mail %s refused for good: %s [%s]", mail_id, exc.failure.value, exc.smtp_code)
                self._finish(mail_id, status=MailStatus.FAILED, error=exc.code)
                report.failed += 1
                report.last_error = exc.code
            except MailError as exc:
                log.info("mail %s not sent yet: %s [%s]", mail_id, exc.failure.value, exc.smtp_code)
                self._finish(mail_id, error=exc.code, retry_after=self.retry_delay(attempts))
                report.retried += 1
                report.last_error = exc.code
            except Exception:  # a bug or an unexpected library error: keep the mail, retry later
                log.exception("mail %s: unexpected error while sending", mail_id)
                self._finish(mail_id, error=UNEXPECTED_ERROR, retry_after=self.retry_delay(attempts))
                report.retried += 1
            else:
                self._finish(mail_id, status=MailStatus.SENT, body=redact_links(body))
                report.sent += 1
        return report

    def _finish(
        self,
        mail_id: int,
        *,
        status: MailStatus | None = None,
        error: str | None = None,
        retry_after: dt.timedelta | None = None,
        body: bytes | None = None,
    ) -> None:
        now = self.clock()
        values: dict[str, object] = {"claimed_until": None}
        if body is not None:
            values["body"] = body
        if status is not None:
            values["status"] = status
        if status is MailStatus.SENT:
            values["sent_at"] = now
            values["last_error"] = None
        if error is not None:
            values["last_error"] = error
        if retry_after is not None:
            values["next_attempt_at"] = now + retry_after
        with self.db.uow() as uow:
            uow.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id).values(**values))
            uow.commit()

    def status(self) -> OutboxStatus:
        """Counts for the status bar: 未送信 N 件 and permanently failed mail."""
        with self.db.uow(readonly=True) as uow:
            counts = dict(
                uow.session.execute(
                    select(OutboxMail.status, func.count()).group_by(OutboxMail.status)
                ).all()
            )
            last_error = uow.session.scalar(
                select(OutboxMail.last_error)
                .where(OutboxMail.last_error.is_not(None), OutboxMail.status != MailStatus.SENT)
                .order_by(OutboxMail.id.desc())
                .limit(1)
            )
        return OutboxStatus(
            pending=int(counts.get(MailStatus.PENDING, 0)),
            failed=int(counts.get(MailStatus.FAILED, 0)),
            last_error=last_error,
        )

    def requeue(self, mail_id: int) -> bool:
        """Put a failed mail back in the queue (after staff fixed the address or settings)."""
        with self.db.uow() as uow:
            result = uow.session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id, OutboxMail.status == MailStatus.FAILED)
                .values(status=MailStatus.PENDING, next_attempt_at=self.clock(), claimed_until=None)
            )
            uow.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]
