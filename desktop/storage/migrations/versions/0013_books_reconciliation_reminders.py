"""reconciliation with PAY.JP (cursor and differences) and payment reminders

Revision ID: 0013
Revises: 0012

* reconciliation_cursor: one row per clinic — the run in progress (charges created in
  [since, until], unix seconds UTC, pulled newest first from ``position``; advanced only once a
  page is processed, so a crash resumes at the page it was on) and when the last run finished.
* reconciliation_difference: what a run found that differs between PAY.JP and ClinicPay, as a
  code and JSON parameters (never text): one row per (clinic, charge, kind); ``resolved_at``
  set once it no longer differs or a 管理者・経理 marked it 確認済み.
* payment_reminder: at most one reminder per billing request (its primary key), automatic or by
  hand, with the reminder link's SHA-256 (the first link keeps working too).
* clinic: ``reminder_enabled`` (default on) and ``reminder_days_before`` (default 2).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_enabled', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('reminder_days_before', sa.Integer(), nullable=False, server_default='2'))
    op.create_table(
        'reconciliation_cursor',
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.String(length=40), nullable=True),
        sa.Column('since', sa.Integer(), nullable=True),
        sa.Column('until', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_charges', sa.Integer(), nullable=False, server_default='0'),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_reconciliation_cursor_clinic_id_clinic')),
        sa.PrimaryKeyConstraint('clinic_id', name=op.f('pk_reconciliation_cursor')),
    )
    op.create_table(
        'reconciliation_difference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('charge_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('billing_request_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_reconciliation_difference_clinic_id_clinic')),
        sa.ForeignKeyConstraint(['billing_request_id'], ['billing_request.id'],
                                name=op.f('fk_reconciliation_difference_billing_request_id_billing_request')),
        sa.ForeignKeyConstraint(['resolved_by'], ['staff.id'],
                                name=op.f('fk_reconciliation_difference_resolved_by_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_difference')),
    )
    op.create_index('uq_reconciliation_difference_charge_kind', 'reconciliation_difference',
                    ['clinic_id', 'charge_id', 'kind'], unique=True)
    op.create_index('ix_reconciliation_difference_open', 'reconciliation_difference',
                    ['clinic_id', 'resolved_at'])
    op.create_table(
        'payment_reminder',
        sa.Column('billing_request_id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('manual', sa.Boolean(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('link_token_hash', sa.String(length=64), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['billing_request_id'], ['billing_request.id'],
                                name=op.f('fk_payment_reminder_billing_request_id_billing_request')),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_payment_reminder_clinic_id_clinic')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_payment_reminder_staff_id_staff')),
        sa.PrimaryKeyConstraint('billing_request_id', name=op.f('pk_payment_reminder')),
        sa.UniqueConstraint('link_token_hash', name=op.f('uq_payment_reminder_link_token_hash')),
    )


def downgrade() -> None:
    op.drop_table('payment_reminder')
    op.drop_index('ix_reconciliation_difference_open', table_name='reconciliation_difference')
    op.drop_index('uq_reconciliation_difference_charge_kind', table_name='reconciliation_difference')
    op.drop_table('reconciliation_difference')
    op.drop_table('reconciliation_cursor')
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('reminder_days_before')
        batch_op.drop_column('reminder_enabled')
