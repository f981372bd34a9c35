"""indexes for the billing history (決済管理) on a million rows

Revision ID: 0002
Revises: 0001

* patient-name prefix filter: (clinic_id, patient_name, requested_at)
* staff filter: (clinic_id, staff_id, requested_at)
* change polling: max(updated_at)
* PostgreSQL only: (clinic_id, requested_at, id) so the newest-first order with its id
  tie-break is read straight from the index (SQLite indexes already end in the rowid).
"""
from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'


def upgrade() -> None:
    with op.batch_alter_table('billing_request', schema=None) as batch_op:
        batch_op.create_index('ix_billing_request_clinic_patient', ['clinic_id', 'patient_name', 'requested_at'])
        batch_op.create_index('ix_billing_request_clinic_staff', ['clinic_id', 'staff_id', 'requested_at'])
        batch_op.create_index('ix_billing_request_updated_at', ['updated_at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_billing_request_clinic_requested_id', 'billing_request',
                        ['clinic_id', 'requested_at', 'id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_billing_request_clinic_requested_id', table_name='billing_request')
    with op.batch_alter_table('billing_request', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_request_updated_at')
        batch_op.drop_index('ix_billing_request_clinic_staff')
        batch_op.drop_index('ix_billing_request_clinic_patient')
