"""staff accounts: passwords, PINs, lockout, the 経理 role, refund approvals, audit log look-ups

Revision ID: 0007
Revises: 0006

* staff: ``password_hash`` / ``pin_hash`` (argon2id), ``failed_sign_ins`` and ``locked_until``
  (UTC) for the lockout, ``created_at``. Existing staff have no password until a 管理者 sets one.
* clinic: ``refund_approval_threshold`` (whole yen; 0 = no second approver), ``auto_lock_minutes``
  (default 10), ``lockout_minutes`` (default 5).
* refund_approval: a large refund waiting for a second 管理者 (承認待ち), approved or withdrawn.
* audit_event: an index for the audit log screen (clinic, time).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('pin_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_approval_threshold', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('auto_lock_minutes', sa.Integer(), nullable=False, server_default='10'))
        batch_op.add_column(sa.Column('lockout_minutes', sa.Integer(), nullable=False, server_default='5'))
    op.create_table(
        'refund_approval',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('billing_request_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('requested_by', sa.Integer(), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('refund_id', sa.String(length=40), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_refund_approval_clinic_id_clinic')),
        sa.ForeignKeyConstraint(['billing_request_id'], ['billing_request.id'],
                                name=op.f('fk_refund_approval_billing_request_id_billing_request')),
        sa.ForeignKeyConstraint(['requested_by'], ['staff.id'], name=op.f('fk_refund_approval_requested_by_staff')),
        sa.ForeignKeyConstraint(['decided_by'], ['staff.id'], name=op.f('fk_refund_approval_decided_by_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_approval')),
    )
    op.create_index('ix_refund_approval_clinic_status', 'refund_approval', ['clinic_id', 'status'])
    op.create_index('ix_audit_event_clinic_at', 'audit_event', ['clinic_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_audit_event_clinic_at', table_name='audit_event')
    op.drop_index('ix_refund_approval_clinic_status', table_name='refund_approval')
    op.drop_table('refund_approval')
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('lockout_minutes')
        batch_op.drop_column('auto_lock_minutes')
        batch_op.drop_column('refund_approval_threshold')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')
        batch_op.drop_column('pin_hash')
        batch_op.drop_column('password_hash')
