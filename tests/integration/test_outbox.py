"""The mail outbox: written with the request, retried until the server accepts, sent once."""

from __future__ import annotations

import threading
from typing import Callable

import pytest
from sqlalchemy import select

from desktop.domain.clinic import MailStatus
from desktop.services.outbox import OutboxSender
from desktop.services.smtp_transport import SmtpTransport
from desktop.storage.orm import OutboxMail
from desktop.storage.unit_of_work import Database
from tests.conftest import FixedClock
from tests.integration.conftest import Desk
from tests.smtp_server import EXPECT_AIOSMTPD_LOGIN_WARNING, SmtpTestServer, free_port


def _queue_requests(desk: Desk, n: int) -> None:
    f = desk.front
    for i in range(n):
        desk.billing.request_payment(f.reservation_id, f.staff, 1000 + i, "taxable")


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
