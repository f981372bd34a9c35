"""saved cards for 自動決済: the card a patient saved with consent, and the clinic's cap

Revision ID: 0011
Revises: 0010

* saved_card: one per patient — the PAY.JP customer and card ids, what PAY.JP returned about
  the card (brand, last 4, expiry month/year; nothing else), when it was saved (UTC), and the
  patient's consent: when (UTC), which version of the consent text, and the billing request
  whose payment link it came from.
* clinic: ``auto_charge_cap`` (whole yen, default 100,000): above it a request is sent by link.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'


def upgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_charge_cap', sa.Integer(), nullable=False, server_default='100000'))
    op.create_table(
        'saved_card',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.String(length=100), nullable=False),
        sa.Column('card_id', sa.String(length=100), nullable=False),
        sa.Column('brand', sa.String(length=40), nullable=False),
        sa.Column('last4', sa.String(length=4), nullable=False),
        sa.Column('exp_month', sa.Integer(), nullable=False),
        sa.Column('exp_year', sa.Integer(), nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('consent_version', sa.String(length=20), nullable=False),
        sa.Column('consent_request_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_saved_card_clinic_id_clinic')),
        sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_saved_card_patient_id_patient')),
        sa.ForeignKeyConstraint(['consent_request_id'], ['billing_request.id'],
                                name=op.f('fk_saved_card_consent_request_id_billing_request')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_card')),
        sa.UniqueConstraint('patient_id', name=op.f('uq_saved_card_patient_id')),
    )


def downgrade() -> None:
    op.drop_table('saved_card')
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('auto_charge_cap')
