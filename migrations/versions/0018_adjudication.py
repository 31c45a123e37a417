"""Adjudication (issue 14, part 5): contributions the minimum-alpha rule held back from acceptance,
and the decisions on them. Both are insert-only: the database refuses UPDATE and DELETE.

The `adjudication` policy's version 1 (no minimum) is not written here: a policy version is a logged
`policy.adopted` statement signed by the co-op key, which a migration does not hold. `coop init`
(which runs this migration) seeds it right after, as it seeds every policy a database lacks.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 12:40:00
"""
import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TABLES = ['adjudication', 'adjudication_decision']


def upgrade() -> None:
    op.create_table('adjudication',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('contribution_id', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_adjudication_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_adjudication_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjudication')),
    sa.UniqueConstraint('contribution_id', name=op.f('uq_adjudication_contribution_id')),
    sa.UniqueConstraint('log_index', name=op.f('uq_adjudication_log_index'))
    )
    op.create_index(op.f('ix_adjudication_task_id'), 'adjudication', ['task_id'], unique=False)
    op.create_table('adjudication_decision',
    sa.Column('adjudication_id', sa.String(length=32), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('reason_sha256', sa.String(length=64), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['adjudication_id'], ['adjudication.id'], name=op.f('fk_adjudication_decision_adjudication_id_adjudication')),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], name=op.f('fk_adjudication_decision_decided_by_account')),
    sa.PrimaryKeyConstraint('adjudication_id', name=op.f('pk_adjudication_decision')),
    sa.UniqueConstraint('log_index', name=op.f('uq_adjudication_decision_log_index'))
    )
    refuse_changes(TABLES, updates=True)


def downgrade() -> None:
    op.drop_table('adjudication_decision')
    op.drop_index(op.f('ix_adjudication_task_id'), table_name='adjudication')
    op.drop_table('adjudication')
