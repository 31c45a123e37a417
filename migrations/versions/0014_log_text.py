"""log_text: free text kept beside the provenance log, logged only as its SHA-256.

A resolution's wording and a key revocation's reason may name people; the log, which is permanent,
carries their hashes (issue 12). No append-only triggers: erasing a text here leaves the log intact.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'log_text',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256'),
    )


def downgrade() -> None:
    op.drop_table('log_text')
