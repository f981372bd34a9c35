"""mail already delivered keeps no working payment or receipt link

Revision ID: 0009
Revises: 0008

Sent rows of ``outbox_mail`` get every ``/pay/<token>`` in their text parts replaced by
``/pay/(redacted)`` (headers, subject and the rest of the text stay for the timeline). From
now on the sender does this when a mail is delivered. Downgrade cannot bring tokens back.
"""
from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'

_TOKEN = re.compile(r"/pay/[A-Za-z0-9_-]{40,64}")


def _redact(data: bytes) -> bytes:
    message = BytesParser(policy=policy.SMTP).parsebytes(data)
    assert isinstance(message, EmailMessage)
    changed = False
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        text = part.get_content()
        redacted = _TOKEN.sub("/pay/(redacted)", text)
        if redacted != text:
            part.set_content(redacted, subtype=part.get_content_subtype(), charset="utf-8")
            changed = True
    return message.as_bytes(policy=policy.SMTP) if changed else data


def upgrade() -> None:
    bind = op.get_bind()
    outbox = sa.table('outbox_mail', sa.column('id', sa.Integer), sa.column('status', sa.String),
                      sa.column('body', sa.LargeBinary))
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.body).where(outbox.c.status == 'sent')).all()
    for row_id, body in rows:
        redacted = _redact(bytes(body))
        if redacted != bytes(body):
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(body=redacted))


def downgrade() -> None:
    pass  # the tokens are gone for good, by design
