"""Doing the work on items (issue 14, part 3): a task's answer spec (set once), claims on items,
skips, and the answer of a contribution to its item. The spec, claims and skips are insert-only
(the database refuses UPDATE and DELETE); a contribution's answer row is edited only while its
contribution is a draft, like the draft itself.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 11:15:00
"""
import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

INSERT_ONLY = ['answer_spec', 'item_claim', 'claim_skip']


def upgrade() -> None:
    op.create_table('answer_spec',
    sa.Column('task_id', sa.String(length=32), nullable=False),
    sa.Column('answer_kind', sa.String(length=20), nullable=False),
    sa.Column('config', sa.Text(), nullable=False),
    sa.Column('answers_per_item', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.String(length=32), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['account.id'], name=op.f('fk_answer_spec_set_by_account')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_answer_spec_task_id_task')),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_answer_spec')),
    sa.UniqueConstraint('log_index', name=op.f('uq_answer_spec_log_index'))
    )
    op.create_table('item_claim',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_item_claim_account_id_account')),
    sa.ForeignKeyConstraint(['item_id'], ['task_item.id'], name=op.f('fk_item_claim_item_id_task_item')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_item_claim_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_claim'))
    )
    op.create_index('ix_item_claim_item_account', 'item_claim', ['item_id', 'account_id'], unique=False)
    op.create_index(op.f('ix_item_claim_task_id'), 'item_claim', ['task_id'], unique=False)
    op.create_table('claim_skip',
    sa.Column('claim_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('skipped_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['item_claim.id'], name=op.f('fk_claim_skip_claim_id_item_claim')),
    sa.PrimaryKeyConstraint('claim_id', name=op.f('pk_claim_skip'))
    )
    op.create_table('contribution_answer',
    sa.Column('contribution_id', sa.String(length=32), nullable=False),
    sa.Column('claim_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('item_sha256', sa.String(length=64), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('measured_seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['item_claim.id'], name=op.f('fk_contribution_answer_claim_id_item_claim')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_contribution_answer_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['item_id'], ['task_item.id'], name=op.f('fk_contribution_answer_item_id_task_item')),
    sa.PrimaryKeyConstraint('contribution_id', name=op.f('pk_contribution_answer')),
    sa.UniqueConstraint('claim_id', name=op.f('uq_contribution_answer_claim_id'))
    )
    op.create_index(op.f('ix_contribution_answer_item_id'), 'contribution_answer', ['item_id'], unique=False)
    refuse_changes(INSERT_ONLY, updates=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_contribution_answer_item_id'), table_name='contribution_answer')
    op.drop_table('contribution_answer')
    op.drop_table('claim_skip')
    op.drop_index(op.f('ix_item_claim_task_id'), table_name='item_claim')
    op.drop_index('ix_item_claim_item_account', table_name='item_claim')
    op.drop_table('item_claim')
    op.drop_table('answer_spec')
