"""failures stored as message codes with parameters, rendered in the reader's language

Revision ID: 0004
Revises: 0003

* payment_attempt: ``error_code`` + ``error_params`` (JSON); refund: ``error_params`` (its
  ``failure_code`` already is the message code).
* The Japanese text written so far stays in ``legacy_failure_message`` (renamed from
  ``failure_message``) for the record.
* outbox_mail.last_error holds a code from now on; earlier text becomes ``unexpected``.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'


def upgrade() -> None:
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('error_params', sa.Text(), nullable=True))
        batch_op.alter_column('failure_message', new_column_name='legacy_failure_message',
                              existing_type=sa.Text(), existing_nullable=True)
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_params', sa.Text(), nullable=True))
        batch_op.alter_column('failure_message', new_column_name='legacy_failure_message',
                              existing_type=sa.Text(), existing_nullable=True)
    op.execute("UPDATE outbox_mail SET last_error = 'unexpected' "
               "WHERE last_error IS NOT NULL AND last_error NOT LIKE 'mail\\_%' ESCAPE '\\'")


def downgrade() -> None:
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.alter_column('legacy_failure_message', new_column_name='failure_message',
                              existing_type=sa.Text(), existing_nullable=True)
        batch_op.drop_column('error_params')
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.alter_column('legacy_failure_message', new_column_name='failure_message',
                              existing_type=sa.Text(), existing_nullable=True)
        batch_op.drop_column('error_params')
        batch_op.drop_column('error_code')
