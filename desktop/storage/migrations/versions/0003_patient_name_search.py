"""patient name search by 名 and フリガナ in the billing history

Revision ID: 0003
Revises: 0002

The history keeps the patient's name as it was when billed; 名 and フリガナ (katakana) join it so
staff can find a request by given name or by reading, each through its own prefix index.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'

_TO_KATAKANA = {code: code + 0x60 for code in range(ord("ぁ"), ord("ゖ") + 1)}


def upgrade() -> None:
    with op.batch_alter_table('billing_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patient_given', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('patient_kana', sa.String(length=201), nullable=False, server_default=''))
        batch_op.create_index('ix_billing_request_clinic_given', ['clinic_id', 'patient_given', 'requested_at'])
        batch_op.create_index('ix_billing_request_clinic_kana', ['clinic_id', 'patient_kana', 'requested_at'])
    bind = op.get_bind()
    patients = bind.execute(sa.text(
        "SELECT id, given_name, family_name_kana, given_name_kana FROM patient")).all()
    for patient_id, given, family_kana, given_kana in patients:
        kana = " ".join(f"{family_kana} {given_kana}".replace("\u3000", " ").split()).translate(_TO_KATAKANA)
        bind.execute(
            sa.text("UPDATE billing_request SET patient_given = :given, patient_kana = :kana WHERE patient_id = :id"),
            {"given": " ".join(given.split()), "kana": kana, "id": patient_id},
        )


def downgrade() -> None:
    with op.batch_alter_table('billing_request', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_request_clinic_kana')
        batch_op.drop_index('ix_billing_request_clinic_given')
        batch_op.drop_column('patient_kana')
        batch_op.drop_column('patient_given')
