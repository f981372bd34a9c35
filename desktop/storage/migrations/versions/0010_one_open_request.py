"""one open (unpaid) billing request per visit, enforced by the database; 日次締め

Also: ``payment_attempt.payjp_fee_rate`` / ``platform_fee`` (as PAY.JP reports them on the
charge) and the ``daily_close`` table (a closed day's figures, one row per clinic and day).

Revision ID: 0010
Revises: 0009

A partial unique index on ``billing_request(reservation_id)`` over the open states
(``requested``, ``processing``) — the same on SQLite and PostgreSQL — so two PCs can never
leave two payable links for one visit. Visits that already carry several open requests keep
the newest one (a request being paid wins over one merely sent); the older ``requested`` ones
are cancelled, each with an audit event (actor ``system``, action ``request_cancelled_duplicate``).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'

INDEX = 'uq_billing_request_open_reservation'
OPEN = ('requested', 'processing')


def upgrade() -> None:
    bind = op.get_bind()
    requests = sa.table('billing_request', sa.column('id', sa.Integer), sa.column('clinic_id', sa.Integer),
                        sa.column('reservation_id', sa.Integer), sa.column('state', sa.String),
                        sa.column('amount', sa.Integer), sa.column('refunded_amount', sa.Integer),
                        sa.column('charge_id', sa.String), sa.column('cancelled_at', sa.DateTime),
                        sa.column('updated_at', sa.DateTime))
    audit = sa.table('audit_event', sa.column('clinic_id', sa.Integer), sa.column('at', sa.DateTime),
                     sa.column('staff_id', sa.Integer), sa.column('actor', sa.String), sa.column('action', sa.String),
                     sa.column('entity_type', sa.String), sa.column('entity_id', sa.String),
                     sa.column('before', sa.Text), sa.column('after', sa.Text))
    rows = bind.execute(
        sa.select(requests.c.id, requests.c.clinic_id, requests.c.reservation_id, requests.c.state,
                  requests.c.amount, requests.c.refunded_amount, requests.c.charge_id)
        .where(requests.c.state.in_(OPEN)).order_by(requests.c.reservation_id, requests.c.id)
    ).all()
    by_visit: dict[int, list[Any]] = {}
    for row in rows:
        by_visit.setdefault(row.reservation_id, []).append(row)
    now = dt.datetime.now(dt.timezone.utc)
    stamp = now if bind.dialect.name != 'sqlite' else now.replace(tzinfo=None)
    for visit in by_visit.values():
        if len(visit) < 2:
            continue
        processing = [r for r in visit if r.state == 'processing']
        keep = (processing or visit)[-1].id
        for row in visit:
            if row.id == keep or row.state != 'requested':
                continue
            bind.execute(sa.update(requests).where(requests.c.id == row.id, requests.c.state == 'requested')
                         .values(state='cancelled', cancelled_at=stamp, updated_at=stamp))
            snap = {"state": row.state, "amount": row.amount, "refunded_amount": row.refunded_amount,
                    "charge_id": row.charge_id}
            bind.execute(sa.insert(audit).values(
                clinic_id=row.clinic_id, at=stamp, staff_id=None, actor='system',
                action='request_cancelled_duplicate', entity_type='billing_request', entity_id=str(row.id),
                before=json.dumps(snap), after=json.dumps({**snap, "state": "cancelled", "kept": keep})))
    op.add_column('payment_attempt', sa.Column('payjp_fee_rate', sa.String(length=8), nullable=True))
    op.add_column('payment_attempt', sa.Column('platform_fee', sa.Integer(), nullable=True))
    where = sa.text("state IN ('requested', 'processing')")
    op.create_index(INDEX, 'billing_request', ['reservation_id'], unique=True,
                    sqlite_where=where, postgresql_where=where)
    op.create_table(
        'daily_close',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_by', sa.Integer(), nullable=False),
        sa.Column('closed_by_name', sa.String(length=100), nullable=False),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name='fk_daily_close_clinic_id_clinic'),
        sa.ForeignKeyConstraint(['closed_by'], ['staff.id'], name='fk_daily_close_closed_by_staff'),
        sa.PrimaryKeyConstraint('id', name='pk_daily_close'),
    )
    op.create_index('uq_daily_close_clinic_day', 'daily_close', ['clinic_id', 'day'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_daily_close_clinic_day', table_name='daily_close')
    op.drop_table('daily_close')
    op.drop_index(INDEX, table_name='billing_request')
    with op.batch_alter_table('payment_attempt') as batch:
        batch.drop_column('platform_fee')
        batch.drop_column('payjp_fee_rate')
