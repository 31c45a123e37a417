"""Items of a task (issue 14, part 1): batches imported by stewards, the items themselves (stored
by SHA-256 in content_blob), and retirements as records of their own. All three are insert-only:
the database refuses UPDATE and DELETE, so an item is never edited and retiring never erases.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 11:00:00
"""
import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ['item_batch', 'task_item', 'item_retirement']


def upgrade() -> None:
    op.create_table('item_batch',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.String(length=32), nullable=False),
    sa.Column('imported_by', sa.String(length=32), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('items_root', sa.String(length=64), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by'], ['account.id'], name=op.f('fk_item_batch_imported_by_account')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_item_batch_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_batch')),
    sa.UniqueConstraint('log_index', name=op.f('uq_item_batch_log_index'))
    )
    op.create_index(op.f('ix_item_batch_task_id'), 'item_batch', ['task_id'], unique=False)
    op.create_table('task_item',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('task_id', sa.String(length=32), nullable=False),
    sa.Column('batch_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['item_batch.id'], name=op.f('fk_task_item_batch_id_item_batch')),
    sa.ForeignKeyConstraint(['content_sha256'], ['content_blob.sha256'], name=op.f('fk_task_item_content_sha256_content_blob')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_item_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_item')),
    sa.UniqueConstraint('batch_id', 'position', name=op.f('uq_task_item_batch_id')),
    sa.UniqueConstraint('task_id', 'content_sha256', name=op.f('uq_task_item_task_id'))
    )
    op.create_index(op.f('ix_task_item_task_id'), 'task_item', ['task_id'], unique=False)
    op.create_table('item_retirement',
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('retired_by', sa.String(length=32), nullable=False),
    sa.Column('reason_sha256', sa.String(length=64), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['task_item.id'], name=op.f('fk_item_retirement_item_id_task_item')),
    sa.ForeignKeyConstraint(['retired_by'], ['account.id'], name=op.f('fk_item_retirement_retired_by_account')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_item_retirement')),
    sa.UniqueConstraint('log_index', name=op.f('uq_item_retirement_log_index'))
    )
    refuse_changes(TABLES, updates=True)


def downgrade() -> None:
    op.drop_table('item_retirement')
    op.drop_index(op.f('ix_task_item_task_id'), table_name='task_item')
    op.drop_table('task_item')
    op.drop_index(op.f('ix_item_batch_task_id'), table_name='item_batch')
    op.drop_table('item_batch')
