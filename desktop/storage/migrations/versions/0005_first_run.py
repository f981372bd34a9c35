"""first-run setup progress

Revision ID: 0005
Revises: 0004

* setup_progress: one row per clinic — the step shown when the setup is resumed, when the last
  テスト送信 was accepted by the SMTP server, and when the setup was finished.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'


def upgrade() -> None:
    op.create_table(
        'setup_progress',
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('current_step', sa.String(length=32), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_setup_progress_clinic_id_clinic')),
        sa.PrimaryKeyConstraint('clinic_id', name=op.f('pk_setup_progress')),
    )


def downgrade() -> None:
    op.drop_table('setup_progress')
