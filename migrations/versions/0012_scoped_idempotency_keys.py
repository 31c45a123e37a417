"""Idempotency keys belong to their owner and the kind of request, with the request's digest.

Before: licenses, revenue events and payout runs each held a globally unique `idempotency_key`, so
a buyer sending another organisation's key got that organisation's license back, and a revenue
report with a key used elsewhere recorded nothing. Now every key lives in `idempotency_key`, unique
per (owner, scope, key), with the digest of the request and the id of what it created
(coop/idempotency.py); the three columns and their unique constraints are dropped.

Existing keys get their owner: a license's organisation ('org:<id>', scope 'license'); a downstream
report's reporter (their organisation for a buyer, else 'member:<account>', scope
'revenue:<license>'); a payout run's steward ('member:<account>', scope 'payout-run'). Their
requests were never stored, so their digest is NULL: such a key gives its owner the first record,
as before. A sale's key was the license's own, so it needs no row.

The new table is insert-only. The three tables' append-only triggers are dropped for SQLite's
copy-and-rename (and on PostgreSQL, to be created again the same way) and restored.

Downgrade puts the keys back in the columns; it fails on the old unique constraint if two owners
have used the same key since, which the old schema cannot hold.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00
"""
import sqlalchemy as sa
from alembic import op

from migrations.triggers import allow_changes, refuse_changes

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

KEYED = ["dataset_license", "revenue_event", "payout_run"]

OWN_KEYS = [
    """INSERT INTO idempotency_key (owner, scope, key, request_digest, record_id, created_at)
       SELECT 'org:' || buyer_org_id, 'license', idempotency_key, NULL, id, created_at FROM dataset_license""",
    """INSERT INTO idempotency_key (owner, scope, key, request_digest, record_id, created_at)
       SELECT CASE WHEN a.kind = 'buyer' AND a.org_id IS NOT NULL THEN 'org:' || a.org_id ELSE 'member:' || e.reported_by END,
              'revenue:' || e.license_id, e.idempotency_key, NULL, CAST(e.id AS VARCHAR(40)), e.created_at
       FROM revenue_event e LEFT JOIN account a ON a.id = e.reported_by WHERE e.kind = 'downstream'""",
    """INSERT INTO idempotency_key (owner, scope, key, request_digest, record_id, created_at)
       SELECT 'member:' || created_by, 'payout-run', idempotency_key, NULL, id, created_at FROM payout_run""",
]

KEYS_BACK = [
    """UPDATE dataset_license SET idempotency_key = COALESCE(
         (SELECT k.key FROM idempotency_key k WHERE k.scope = 'license' AND k.record_id = dataset_license.id), 'license:' || id)""",
    """UPDATE revenue_event SET idempotency_key = CASE WHEN kind = 'sale'
         THEN 'sale:' || (SELECT l.idempotency_key FROM dataset_license l WHERE l.id = revenue_event.license_id)
         ELSE COALESCE((SELECT k.key FROM idempotency_key k WHERE k.scope = 'revenue:' || revenue_event.license_id
                        AND k.record_id = CAST(revenue_event.id AS VARCHAR(40))), 'revenue-event:' || CAST(id AS VARCHAR(40))) END""",
    """UPDATE payout_run SET idempotency_key = COALESCE(
         (SELECT k.key FROM idempotency_key k WHERE k.scope = 'payout-run' AND k.record_id = payout_run.id), 'payout-run:' || id)""",
]


def upgrade() -> None:
    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_digest', sa.String(length=64), nullable=True),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('owner', 'scope', 'key', name='uq_idempotency_key_owner_scope_key')
    )
    for statement in OWN_KEYS:
        op.execute(statement)
    refuse_changes(["idempotency_key"], updates=True)

    allow_changes(KEYED, updates=True)
    for table in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_idempotency_key', type_='unique')
            batch_op.drop_column('idempotency_key')
    refuse_changes(KEYED, updates=True)


def downgrade() -> None:
    allow_changes(KEYED, updates=True)
    for table in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('idempotency_key', sa.String(length=200), nullable=True))
    for statement in KEYS_BACK:
        op.execute(statement)
    for table in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('idempotency_key', existing_type=sa.String(length=200), nullable=False)
            batch_op.create_unique_constraint(f'uq_{table}_idempotency_key', ['idempotency_key'])
    refuse_changes(KEYED, updates=True)
    allow_changes(["idempotency_key"], updates=True)
    op.drop_table('idempotency_key')
