"""Appeals (issue 14, part 4): an author's appeal of a rejected contribution and a reviewer's
decision on it. Both are insert-only: the database refuses UPDATE and DELETE.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 11:10:00
"""
import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TABLES = ['appeal', 'appeal_decision']


def upgrade() -> None:
    op.create_table('appeal',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('contribution_id', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('reason_sha256', sa.String(length=64), nullable=False),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['account.id'], name=op.f('fk_appeal_author_id_account')),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_appeal_contribution_id_contribution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal')),
    sa.UniqueConstraint('contribution_id', name=op.f('uq_appeal_contribution_id')),
    sa.UniqueConstraint('log_index', name=op.f('uq_appeal_log_index'))
    )
    op.create_table('appeal_decision',
    sa.Column('appeal_id', sa.String(length=32), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('reason_sha256', sa.String(length=64), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeal.id'], name=op.f('fk_appeal_decision_appeal_id_appeal')),
    sa.ForeignKeyConstraint(['decided_by'], ['account.id'], name=op.f('fk_appeal_decision_decided_by_account')),
    sa.PrimaryKeyConstraint('appeal_id', name=op.f('pk_appeal_decision')),
    sa.UniqueConstraint('log_index', name=op.f('uq_appeal_decision_log_index'))
    )
    refuse_changes(TABLES, updates=True)


def downgrade() -> None:
    op.drop_table('appeal_decision')
    op.drop_table('appeal')
