"""Claiming the next item in a task of 100,000 items (issue 14, "Submit & next" benchmark): the
task's work mark (insert-only: a newer mark is a new row) and an index of a member's own claims on a
task, which every claim reads (its live claim) — without it PostgreSQL walked all of the task's
claims.

Revision ID: 0022
Revises: 0017
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = '0022'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_work_mark',
    sa.Column('task_id', sa.String(length=32), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_item_work_mark_task_id_task')),
    sa.PrimaryKeyConstraint('task_id', 'log_index', 'position', name=op.f('pk_item_work_mark'))
    )
    op.create_index('ix_item_claim_account_task', 'item_claim', ['account_id', 'task_id', 'claimed_at'], unique=False)
    refuse_changes(['item_work_mark'], updates=True)


def downgrade() -> None:
    op.drop_index('ix_item_claim_account_task', table_name='item_claim')
    op.drop_table('item_work_mark')
