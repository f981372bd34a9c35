"""The mail outbox: written with the request, retried until the server accepts, sent once."""

from __future__ import annotations

import datetime as dt
import threading
from email.message import EmailMessage
from typing import Callable

import pytest
from sqlalchemy import select

from desktop.domain.clinic import MailStatus
from desktop.services.mail_types import message_from_bytes, message_to_bytes
from desktop.services.directory import DirectoryService
from desktop.services.outbox import OutboxSender
from desktop.services.smtp_transport import SmtpTransport
from desktop.storage.orm import OutboxMail
from desktop.storage.unit_of_work import Database
from tests.conftest import FixedClock
from tests.integration.conftest import Desk
from tests.smtp_server import EXPECT_AIOSMTPD_LOGIN_WARNING, SmtpTestServer, free_port


def _queue_requests(desk: Desk, n: int) -> None:
    f = desk.front
    directory = DirectoryService(desk.db)
    for i in range(n):
        # a visit holds one open request at a time: each request bills a visit of its own
        visit = f.reservation_id if i == 0 else directory.create_reservation(
            f.staff, f.clinic_id, patient_id=f.patient_id, menu_id=f.menu_id, starts_at=desk.clock())
        desk.billing.request_payment(visit, f.staff, 1000 + i, "taxable")


@EXPECT_AIOSMTPD_LOGIN_WARNING
def test_mail_waits_while_the_server_is_down_then_goes_once(
    desk: Desk, smtp_server_factory: Callable[..., SmtpTestServer]
) -> None:
    _queue_requests(desk, 1)
    down_port = free_port()
    state = {"server": None}

    def transport() -> SmtpTransport:
        server = state["server"]
        if server is None:
            return SmtpTransport(desk.smtp.settings(port=down_port, timeout=2.0))
        return SmtpTransport(server.settings(username="clinic", password="パスワード"),  # type: ignore[attr-defined]
                             ssl_context=server.client_ssl_context())  # type: ignore[attr-defined]

    sender = OutboxSender(desk.db, transport, desk.clock)
    report = sender.send_due()
    assert (report.sent, report.retried) == (0, 1)
    status = sender.status()
    assert status.pending == 1 and "接続できません" in (status.last_error_message("ja") or "")
    assert sender.send_due().retried == 0  # not due yet: back-off

    with desk.db.uow(readonly=True) as uow:
        message_id = uow.session.scalars(select(OutboxMail.message_id)).one()
    state["server"] = smtp_server_factory(security="starttls", users={"clinic": "パスワード"})
    desk.clock.advance(minutes=2)
    assert sender.send_due().sent == 1
    received = state["server"].messages()  # type: ignore[attr-defined]
    assert len(received) == 1 and received[0]["Message-ID"] == message_id
    assert sender.status().pending == 0
    assert sender.send_due().sent == 0


@pytest.mark.expect_log("desktop.services.outbox", "WARNING", "refused for good: recipient_refused")
def test_refused_recipient_is_failed_for_staff_to_see_and_can_be_requeued(
    desk: Desk, smtp_server_factory: Callable[..., SmtpTestServer]
) -> None:
    _queue_requests(desk, 1)
    server = smtp_server_factory(refuse={"hanako@example.jp": "550 5.1.1 No such user"})
    sender = OutboxSender(desk.db, lambda: SmtpTransport(server.settings()), desk.clock)
    assert sender.send_due().failed == 1
    status = sender.status()
    assert (status.pending, status.failed) == (0, 1)
    assert "拒否" in (status.last_error_message("ja") or "")
    desk.clock.advance(hours=2)
    assert sender.send_due().failed == 0  # never retried by itself
    with desk.db.uow(readonly=True) as uow:
        mail_id = uow.session.scalars(select(OutboxMail.id)).one()
    assert sender.requeue(mail_id)
    assert sender.status().pending == 1


def test_two_pcs_sending_at_once_send_each_mail_once(desk: Desk, db: Database, clock: FixedClock) -> None:
    _queue_requests(desk, 6)
    senders = [OutboxSender(db, lambda: SmtpTransport(desk.smtp.settings()), clock) for _ in range(2)]
    barrier = threading.Barrier(2)

    def run(sender: OutboxSender) -> None:
        barrier.wait()
        sender.send_due()

    threads = [threading.Thread(target=run, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [str(m["Message-ID"]) for m in desk.smtp.messages()]
    assert len(ids) == 6 and len(set(ids)) == 6
    with db.uow(readonly=True) as uow:
        assert set(uow.session.scalars(select(OutboxMail.status)).all()) == {MailStatus.SENT}


class _SlowServer:
    """An SMTP server taking ``seconds`` per message (on the test clock); records what it got."""

    def __init__(self, clock: FixedClock, seconds: float, received: list[str],
                 during: Callable[[int], None] = lambda n: None) -> None:
        self.clock, self.seconds, self.received, self.during = clock, seconds, received, during

    def send(self, message: EmailMessage) -> None:
        self.clock.advance(seconds=self.seconds)
        self.received.append(str(message["Message-ID"]))
        self.during(len(self.received))


def test_a_batch_outlasting_the_lease_is_not_sent_twice_by_another_pc(desk: Desk, db: Database,
                                                                       clock: FixedClock) -> None:
    """20 mails at 8 s each (160 s) through a slow server, with a 2-minute lease; a second PC joins."""
    _queue_requests(desk, 20)
    received: list[str] = []
    lease = dt.timedelta(minutes=2)
    second = OutboxSender(db, lambda: _SlowServer(clock, 8, received), clock, lease=lease)
    reports = []

    def second_pc_joins(n: int) -> None:
        if n == 16:  # 128 s into the first PC's batch: past a batch-wide 2-minute lease
            reports.append(second.send_due())

    first = OutboxSender(db, lambda: _SlowServer(clock, 8, received, second_pc_joins), clock, lease=lease)
    report = first.send_due()
    assert len(received) == 20 and len(set(received)) == 20  # each mail once
    assert report.sent + reports[0].sent == 20
    with db.uow(readonly=True) as uow:
        assert set(uow.session.scalars(select(OutboxMail.status)).all()) == {MailStatus.SENT}
        assert set(uow.session.scalars(select(OutboxMail.attempts)).all()) == {1}


def _texts(body: bytes) -> str:
    """Every text part of a stored message, decoded (no transfer encoding hides a token)."""
    message = message_from_bytes(body)
    return "\n".join(str(part.get_content()) for part in message.walk()
                     if not part.is_multipart() and part.get_content_maintype() == "text")


def test_delivered_mail_keeps_no_working_link(desk: Desk, db: Database) -> None:
    """Only the token's hash is stored elsewhere: once sent, the outbox copy loses the link too."""
    _queue_requests(desk, 1)
    with db.uow(readonly=True) as uow:
        queued = uow.session.scalars(select(OutboxMail)).one()
        assert "/pay/" in _texts(queued.body)
    desk.deliver()
    raw = desk.link_from_last_mail()
    with db.uow(readonly=True) as uow:
        row = uow.session.scalars(select(OutboxMail)).one()
        assert row.status is MailStatus.SENT and raw not in _texts(row.body) and raw.encode() not in row.body
        kept = message_from_bytes(row.body)
    # What the timeline and a resend need stays: who, what, when, which message.
    assert kept["Message-ID"] == row.message_id == desk.smtp.messages()[-1]["Message-ID"]
    assert kept["To"] and kept["Subject"] == desk.smtp.messages()[-1]["Subject"]
    text = kept.get_body(preferencelist=("plain",)).get_content()
    assert "/pay/(redacted)" in text and raw not in text
    html_part = kept.get_body(preferencelist=("html",))
    assert html_part is None or raw not in html_part.get_content()
    # The patient's link still works: it was only removed from our copy.
    assert desk.billing.open_link(raw).status.value == "payable"


def test_migration_redacts_links_of_mail_sent_before_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from sqlalchemy import text

    from desktop.storage import migrate
    from desktop.storage.db import create_db_engine, sqlite_url

    engine = create_db_engine(sqlite_url(tmp_path / "clinicpay.db"))
    command.upgrade(migrate.alembic_config(engine), "0004")
    message = EmailMessage()
    message["To"], message["Subject"], message["Message-ID"] = "hanako@example.jp", "お支払いのお願い", "<m1@clinic>"
    token = "A" * 43
    message.set_content(f"こちらからお支払いください: https://clinic.example/pay/{token}\n")
    message.add_alternative(f'<p><a href="https://clinic.example/pay/{token}">支払う</a></p>', subtype="html")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO clinic (name, postal_code, address, phone, email, representative, "
                          "public_base_url, link_expiry_days, payment_mode, payjp_public_key, review_status, "
                          "auto_charge, smtp_host, smtp_port, smtp_security, smtp_username, created_at) VALUES "
                          "('c', '', '', '', '', '', '', 7, 'demo', '', 'not_applied', 0, '', 587, "
                          "'starttls', '', '2026-01-01 00:00:00')"))
        for status in ("sent", "pending"):
            conn.execute(text("INSERT INTO outbox_mail (clinic_id, kind, to_address, subject, message_id, body, status, "
                              "attempts, next_attempt_at, created_at) VALUES (1, 'payment_link', 'h@example.jp', 's', "
                              ":mid, :body, :status, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
                         {"mid": f"<{status}@c>", "body": message_to_bytes(message), "status": status})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        bodies = dict(conn.execute(text("SELECT status, body FROM outbox_mail")).all())
    engine.dispose()
    assert token not in _texts(bodies["sent"]) and "/pay/(redacted)" in _texts(bodies["sent"])
    assert token in _texts(bodies["pending"])  # not delivered yet: the mail still needs its link
