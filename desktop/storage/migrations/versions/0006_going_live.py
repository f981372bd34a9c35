"""going live: the platform fee rate as a setting, and when the last test mail was accepted

Revision ID: 0006
Revises: 0005

* clinic.platform_fee_rate: the percentage the PAY.JP Platform account keeps of each charge of
  this clinic's tenant (a string with at most two decimals, as PAY.JP's ``platform_fee_rate``);
  existing clinics keep the former constant, ``1.00``.
* clinic.test_mail_accepted_at: when (UTC) the clinic's SMTP server last accepted a テストメール;
  the switch to 本番 asks for one within 30 days.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'


def upgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform_fee_rate', sa.String(length=8), nullable=False,
                                      server_default='1.00'))
        batch_op.add_column(sa.Column('test_mail_accepted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('test_mail_accepted_at')
        batch_op.drop_column('platform_fee_rate')
