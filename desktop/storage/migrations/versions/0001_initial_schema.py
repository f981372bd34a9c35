"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 09:17:56.657280
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None


def upgrade() -> None:
   
    op.create_table('clinic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('postal_code', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('representative', sa.String(length=100), nullable=False),
    sa.Column('registration_number', sa.String(length=14), nullable=True),
    sa.Column('public_base_url', sa.String(length=300), nullable=False),
    sa.Column('link_expiry_days', sa.Integer(), nullable=False),
    sa.Column('payment_mode', sa.Enum('demo', 'test', 'live', name='paymentmode', native_enum=False, length=32), nullable=False),
    sa.Column('payjp_public_key', sa.String(length=100), nullable=False),
    sa.Column('payjp_tenant_id', sa.String(length=100), nullable=True),
    sa.Column('care_type', sa.Enum('without_insurance', 'with_insurance', name='caretype', native_enum=False, length=32), nullable=True),
    sa.Column('review_status', sa.Enum('not_applied', 'received', 'in_review', 'approved', 'declined', name='reviewstatus', native_enum=False, length=32), nullable=False),
    sa.Column('review_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment_company', sa.String(length=16), nullable=True),
    sa.Column('auto_charge', sa.Boolean(), nullable=False),
    sa.Column('smtp_host', sa.String(length=200), nullable=False),
    sa.Column('smtp_port', sa.Integer(), nullable=False),
    sa.Column('smtp_security', sa.String(length=16), nullable=False),
    sa.Column('smtp_username', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic'))
    )
    op.create_table('webhook_event',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_event'))
    )
    op.create_table('menu',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('tax_category', sa.Enum('taxable', 'non_taxable', name='taxcategory', native_enum=False, length=32), nullable=False),
    sa.Column('card_payment', sa.Boolean(), nullable=False),
    sa.Column('lump_sum', sa.Boolean(), nullable=False),
    sa.Column('payment_timing', sa.Enum('pre_and_post', 'pre', 'post', name='paymenttiming', native_enum=False, length=32), nullable=False),
    sa.Column('attachment_required', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('confirmation_message', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_menu_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_menu'))
    )
    op.create_table('patient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name_kana', sa.String(length=100), nullable=False),
    sa.Column('given_name_kana', sa.String(length=100), nullable=False),
    sa.Column('sex', sa.String(length=16), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('payjp_customer_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_patient_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient'))
    )
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.create_index('ix_patient_clinic_name', ['clinic_id', 'family_name', 'given_name'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.Enum('staff', 'manager', name='staffrole', native_enum=False, length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_staff_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_audit_event_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_audit_event_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('reservation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('menu_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('reserved', 'visited', 'cancelled', name='reservationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('attachments', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_reservation_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['menu_id'], ['menu.id'], name=op.f('fk_reservation_menu_id_menu')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_reservation_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservation'))
    )
    with op.batch_alter_table('reservation', schema=None) as batch_op:
        batch_op.create_index('ix_reservation_clinic_starts', ['clinic_id', 'starts_at'], unique=False)

    op.create_table('billing_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('post', 'pre', name='requestkind', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('tax_category', sa.Enum('taxable', 'non_taxable', name='taxcategory', native_enum=False, length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('requested', 'processing', 'paid', 'refunding', 'partially_refunded', 'refunded', 'cancelled', 'expired', name='billingstate', native_enum=False, length=32), nullable=False),
    sa.Column('patient_name', sa.String(length=201), nullable=False),
    sa.Column('staff_name', sa.String(length=100), nullable=False),
    sa.Column('menu_name', sa.String(length=200), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('link_token_hash', sa.String(length=64), nullable=True),
    sa.Column('link_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('charge_id', sa.String(length=64), nullable=True),
    sa.Column('card_brand', sa.String(length=32), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('refunded_amount', sa.Integer(), nullable=False),
    sa.Column('last_refunded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('last_failure_code', sa.String(length=64), nullable=True),
    sa.Column('receipt_addressee', sa.String(length=200), nullable=True),
    sa.Column('receipt_issued_count', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_billing_request_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_billing_request_patient_id_patient')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['billing_request.id'], name=op.f('fk_billing_request_replaced_by_id_billing_request')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservation.id'], name=op.f('fk_billing_request_reservation_id_reservation')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_billing_request_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_request')),
    sa.UniqueConstraint('link_token_hash', name=op.f('uq_billing_request_link_token_hash'))
    )
    with op.batch_alter_table('billing_request', schema=None) as batch_op:
        batch_op.create_index('ix_billing_request_clinic_requested', ['clinic_id', 'requested_at'], unique=False)
        batch_op.create_index('ix_billing_request_reservation', ['reservation_id'], unique=False)
        batch_op.create_index('ix_billing_request_state', ['state'], unique=False)

    op.create_table('outbox_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('billing_request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='mailstatus', native_enum=False, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['billing_request_id'], ['billing_request.id'], name=op.f('fk_outbox_mail_billing_request_id_billing_request')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_outbox_mail_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mail'))
    )
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_mail_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('payment_attempt',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('billing_request_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('card_token', 'saved_card', name='attemptmethod', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('pending', 'three_d_secure', 'succeeded', 'failed', 'unknown', name='attemptstatus', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.String(length=64), nullable=True),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('failure_message', sa.Text(), nullable=True),
    sa.Column('card_brand', sa.String(length=32), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['billing_request_id'], ['billing_request.id'], name=op.f('fk_payment_attempt_billing_request_id_billing_request')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_payment_attempt_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempt'))
    )
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_payment_attempt_request', ['billing_request_id'], unique=False)
        batch_op.create_index('ix_payment_attempt_status', ['status'], unique=False)

    op.create_table('refund',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('billing_request_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', 'unknown', name='refundstatus', native_enum=False, length=32), nullable=False),
    sa.Column('expected_amount_refunded', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('failure_code', sa.String(length=64), nullable=True),
    sa.Column('failure_message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['billing_request_id'], ['billing_request.id'], name=op.f('fk_refund_billing_request_id_billing_request')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_refund_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index('ix_refund_request', ['billing_request_id'], unique=False)

   

    _make_audit_append_only()


def _make_audit_append_only() -> None:
    """The audit trail can be added to, never changed or removed."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
            )

# Dropped in this order (each table before the ones its foreign keys point at), with its indexes.
_TABLES_NEWEST_FIRST: tuple[tuple[str, tuple[str, ...]], ...] = (
    ('refund', ('ix_refund_request',)),
    ('payment_attempt', ('ix_payment_attempt_status', 'ix_payment_attempt_request')),
    ('outbox_mail', ('ix_outbox_mail_due',)),
    ('billing_request', ('ix_billing_request_state', 'ix_billing_request_reservation',
                         'ix_billing_request_clinic_requested')),
    ('reservation', ('ix_reservation_clinic_starts',)),
    ('audit_event', ('ix_audit_event_entity',)),
    ('staff', ()),
    ('patient', ('ix_patient_clinic_name',)),
    ('menu', ()),
    ('webhook_event', ()),
    ('clinic', ()),
)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    for table, indexes in _TABLES_NEWEST_FIRST:
        if indexes:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for index in indexes:
                    batch_op.drop_index(index)
        op.drop_table(table)
