"""接続チェック results and CSP violation reports

Revision ID: 0012
Revises: 0011

* live_check: one ¥50 テスト payment through the public URL per check, what the checkout server
  saw while it ran (pay page scheme, receipt, webhook right / wrong token, all UTC), and the
  result per step as codes and parameters (JSON).
* csp_report: CSP violations reported by browsers, one row per (directive, blocked origin, page
  route, report-only) with a count; no personal data (no paths, queries or tokens).
* key_proof: the live key-pair proof in progress (public key, PAY.JP's script, the token id
  until the app has read it back; the row is deleted then).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'


def upgrade() -> None:
    op.create_table(
        'live_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('billing_request_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('page_scheme', sa.String(length=8), nullable=True),
        sa.Column('page_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('receipt_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('webhook_ok_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('webhook_refused_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('passed', sa.Boolean(), nullable=True),
        sa.Column('results', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_live_check_clinic_id_clinic')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_live_check_staff_id_staff')),
        sa.ForeignKeyConstraint(['billing_request_id'], ['billing_request.id'],
                                name=op.f('fk_live_check_billing_request_id_billing_request')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_check')),
    )
    op.create_index('ix_live_check_clinic_started', 'live_check', ['clinic_id', 'started_at'])
    op.create_table(
        'csp_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('directive', sa.String(length=40), nullable=False),
        sa.Column('blocked', sa.String(length=200), nullable=False),
        sa.Column('page', sa.String(length=200), nullable=False),
        sa.Column('report_only', sa.Boolean(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_csp_report')),
    )
    op.create_index('ix_csp_report_key', 'csp_report', ['directive', 'blocked', 'page', 'report_only'], unique=True)
    op.create_table(
        'key_proof',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('public_key', sa.String(length=100), nullable=False),
        sa.Column('script_url', sa.String(length=300), nullable=False),
        sa.Column('api_origin', sa.String(length=300), nullable=False),
        sa.Column('token_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_key_proof_clinic_id_clinic')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_key_proof')),
    )


def downgrade() -> None:
    op.drop_table('key_proof')
    op.drop_index('ix_csp_report_key', table_name='csp_report')
    op.drop_table('csp_report')
    op.drop_index('ix_live_check_clinic_started', table_name='live_check')
    op.drop_table('live_check')
