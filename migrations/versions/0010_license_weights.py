"""A license keeps what the revenue formula weighs: each licensed contribution's author, base pay,
units and minutes, and each reviewer's count of reviews on the licensed contributions.

Sharing an event of a license of a million contributions read them by joining the license's items
with contributions (868 MB of rows with their signed statements) and acceptances, and counted two
million reviews: 4.6 s in PostgreSQL alone (bench/money_bench.py). Now it reads one narrow table in
log index order (a unique index, which is also the formula's tie order). The figures are frozen as
they stood at licensing, so a share cannot depend on a row that might change later.

Existing licenses are backfilled from the rows they were shared on so far; the append-only triggers
of dataset_license_item are dropped for the backfill (and SQLite's copy-and-rename) and restored.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 10:00:00
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

from migrations.triggers import allow_changes, refuse_changes

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

COLUMNS: list[tuple[str, sa.types.TypeEngine[Any]]] = [("author_id", sa.String(length=32)), ("base_pay", sa.BigInteger()), ("units", sa.Integer()), ("minutes", sa.Integer())]

BACKFILL = """
UPDATE dataset_license_item SET
  author_id = (SELECT c.author_id FROM contribution c WHERE c.id = dataset_license_item.contribution_id),
  units = (SELECT c.units FROM contribution c WHERE c.id = dataset_license_item.contribution_id),
  minutes = (SELECT c.minutes FROM contribution c WHERE c.id = dataset_license_item.contribution_id),
  base_pay = (SELECT a.pay_per_unit * c.units FROM acceptance a JOIN contribution c ON c.id = a.contribution_id
              WHERE a.contribution_id = dataset_license_item.contribution_id)
"""

COUNT_REVIEWS = """
INSERT INTO dataset_license_reviewer (license_id, reviewer_id, accepted_reviews)
SELECT li.license_id, r.reviewer_id, count(*) FROM dataset_license_item li JOIN review r ON r.contribution_id = li.contribution_id
GROUP BY li.license_id, r.reviewer_id
"""


def upgrade() -> None:
    allow_changes(["dataset_license_item"], updates=True)
    with op.batch_alter_table('dataset_license_item', schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table('dataset_license_item', schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_dataset_license_item_author_id_account'), 'account', ['author_id'], ['id'])
        batch_op.create_index('ix_dataset_license_item_license_entry', ['license_id', 'entry'], unique=True)
        batch_op.create_index('ix_dataset_license_item_author_license', ['author_id', 'license_id'], unique=False)
    refuse_changes(["dataset_license_item"], updates=True)

    op.create_table('dataset_license_reviewer',
    sa.Column('license_id', sa.String(length=32), nullable=False),
    sa.Column('reviewer_id', sa.String(length=32), nullable=False),
    sa.Column('accepted_reviews', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['license_id'], ['dataset_license.id'], name=op.f('fk_dataset_license_reviewer_license_id_dataset_license')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['account.id'], name=op.f('fk_dataset_license_reviewer_reviewer_id_account')),
    sa.PrimaryKeyConstraint('license_id', 'reviewer_id', name=op.f('pk_dataset_license_reviewer'))
    )
    op.execute(COUNT_REVIEWS)
    refuse_changes(["dataset_license_reviewer"], updates=True)


def downgrade() -> None:
    op.drop_table('dataset_license_reviewer')
    allow_changes(["dataset_license_item"], updates=True)
    with op.batch_alter_table('dataset_license_item', schema=None) as batch_op:
        batch_op.drop_index('ix_dataset_license_item_author_license')
        batch_op.drop_index('ix_dataset_license_item_license_entry')
        batch_op.drop_constraint(batch_op.f('fk_dataset_license_item_author_id_account'), type_='foreignkey')
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
    refuse_changes(["dataset_license_item"], updates=True)
