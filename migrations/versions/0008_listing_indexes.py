"""Indexes for the portal's paged lists: the member directory (by application time, optionally by
status), the review queue (submitted work, oldest first) and an author's contributions (newest first).

Measured with 10,000 members and 100,000 contributions (bench/portal_bench.py): the pages now read one
page of rows instead of every row.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_member_applied_at', 'member', ['applied_at'], unique=False)
    op.create_index('ix_member_status_applied_at', 'member', ['status', 'applied_at'], unique=False)
    op.create_index('ix_contribution_status_submitted_at', 'contribution', ['status', 'submitted_at'], unique=False)
    op.create_index('ix_contribution_author_created_at', 'contribution', ['author_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_contribution_author_created_at', table_name='contribution')
    op.drop_index('ix_contribution_status_submitted_at', table_name='contribution')
    op.drop_index('ix_member_status_applied_at', table_name='member')
    op.drop_index('ix_member_applied_at', table_name='member')
