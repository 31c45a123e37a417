"""Checkout (issue 15, part 2): a license records the version and SHA-256 of the license terms its
buyer confirmed (coop.datasets.terms). Licenses granted before have none (NULL): no terms were shown.

Revision ID: 0024
Revises: 0018
Create Date: 2026-11-30 13:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('dataset_license', sa.Column('terms_version', sa.Integer(), nullable=True))
    op.add_column('dataset_license', sa.Column('terms_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('dataset_license', 'terms_sha256')
    op.drop_column('dataset_license', 'terms_version')
