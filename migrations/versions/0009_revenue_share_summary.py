"""Per-member summaries of revenue shares, so a split's full arithmetic need not be stored.

A revenue share used to store every share's arithmetic (272 MB of JSON for a million
contributions, twice). Now the event and its journal transaction store the compact split
(ledger.formula_compact) and this table one row per member per pool per event, read by the
member's statement through (member_id, share_tx_id). Insert-only like the other money tables.
Events shared before this migration keep their full split; the statement reads either shape.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""
import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('revenue_share_summary',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('share_tx_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=32), nullable=False),
    sa.Column('pool', sa.String(length=12), nullable=False),
    sa.Column('weight', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['share_tx_id'], ['journal_tx.id'], name=op.f('fk_revenue_share_summary_share_tx_id_journal_tx')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revenue_share_summary'))
    )
    op.create_index('ix_revenue_share_summary_member_tx', 'revenue_share_summary', ['member_id', 'share_tx_id'], unique=False)
    refuse_changes(["revenue_share_summary"], updates=True)


def downgrade() -> None:
    op.drop_index('ix_revenue_share_summary_member_tx', table_name='revenue_share_summary')
    op.drop_table('revenue_share_summary')
