"""A whole billing flow at DEBUG, then logs, database, outbox and mailbox scanned for secrets.

Logs carry no personal data at any level (every logger at DEBUG, the payjp SDK's and
SQLAlchemy's included). The database and the outbox hold no card number, CVC, secret key,
password or working link token once mail is delivered; the patient's mailbox holds no card
number, CVC, secret key or password.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import MetaData, select

from desktop.domain.billing import BillingState
from desktop.services.mail_types import message_from_bytes
from desktop.storage.orm import OutboxMail
from tests.integration.conftest import Desk

CARD = "4242424242424242"
CVC = "739"
CARD_NAME = "HANAKO YAMADA"
CARD_EMAIL = "hanako.card@example.jp"
PATIENT = ("山田", "花子", "hanako@example.jp", "090-1111-2222", "09011112222")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("mail.log"):
            return  # aiosmtpd: the test's SMTP server (the patient's side), not ClinicPay
        text = f"{record.name} {record.getMessage()}"
        if record.exc_info:
            text += " " + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@pytest.fixture
def debug_logs() -> Iterator[_Collect]:
    handler = _Collect()
    root = logging.getLogger()
    names = ["", "payjp", "sqlalchemy.engine", "sqlalchemy.pool", "urllib3", "requests", "httpx", "desktop"]
    saved = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)


def _database_text(desk: Desk) -> str:
    meta = MetaData()
    with desk.db.uow(readonly=True) as uow:
        meta.reflect(bind=uow.session.connection())
        rows = []
        for table in meta.sorted_tables:
            for row in uow.session.execute(select(table)).all():
                rows.append(" ".join(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in row))
    return "\n".join(rows)


def _texts(message: object) -> str:
    from email.message import EmailMessage

    assert isinstance(message, EmailMessage)
    parts = [str(message)]
    parts += [str(p.get_content()) for p in message.walk()
              if not p.is_multipart() and p.get_content_maintype() == "text"]
    return "\n".join(parts)


def test_whole_flow_leaves_no_secret_behind(desk: Desk, debug_logs: _Collect) -> None:
    f = desk.front
    logging.getLogger("desktop").debug("scan starts")  # the handler is live at DEBUG
    requested = desk.billing.request_payment(f.reservation_id, f.staff, "5500", "taxable")
    desk.deliver()
    raw_link = desk.link_from_last_mail()
    paid = desk.billing.pay_with_token(raw_link, desk.token(CARD, name=CARD_NAME, email=CARD_EMAIL, cvc=CVC))
    assert paid.state is BillingState.PAID
    desk.billing.refund(requested.request_id, f.manager, 500, "一部返金")
    desk.billing.refund(requested.request_id, f.manager)
    desk.billing.reconcile_pending()
    desk.deliver()
    second = desk.billing.request_payment(f.reservation_id, f.staff, "1000", "taxable")
    desk.billing.cancel_request(second.request_id, f.staff, notify_patient=True)
    desk.deliver()
    assert any("scan starts" in line for line in debug_logs.lines)
    assert any(line.startswith("sqlalchemy.engine") for line in debug_logs.lines)  # SQL was logged, values were not

    secret_key = desk.sim.secret_key
    smtp_password = getattr(desk.smtp, "password", None)
    forbidden_everywhere = [CARD, f"cvc={CVC}", f'"cvc": "{CVC}"', secret_key]
    if smtp_password:
        forbidden_everywhere.append(smtp_password)

    logs = "\n".join(debug_logs.lines)
    for needle in [*forbidden_everywhere, raw_link, CARD_NAME, CARD_EMAIL, *PATIENT]:
        assert needle not in logs, f"{needle!r} in the logs"

    database = _database_text(desk)
    for needle in [*forbidden_everywhere, raw_link, CARD_NAME, CARD_EMAIL]:
        assert needle not in database, f"{needle!r} in the database"
    with desk.db.uow(readonly=True) as uow:
        outbox = [_texts(message_from_bytes(b))
                  for b in uow.session.scalars(select(OutboxMail.body)).all()]
    assert len(outbox) >= 5
    for needle in [*forbidden_everywhere, raw_link]:
        assert not any(needle in text for text in outbox), f"{needle!r} in the outbox"

    mailbox = [_texts(m) for m in desk.smtp.messages()]
    assert any(raw_link in text for text in mailbox)  # the patient did get the link
    for needle in forbidden_everywhere:
        assert not any(needle in text for text in mailbox), f"{needle!r} in the mailbox"
