"""Witness cosignatures the log received (issue 17, docs/witnesses.md): insert-only, enforced by the
database. The `witnesses` policy's version 1 (k 0, no witnesses) is not written here: a policy
version is a logged statement, and `coop init` seeds it (PolicyService.seed_defaults).

Revision ID: 0031
Revises: 0025
Create Date: 2026-11-30 17:00:00
"""

import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = "0031"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witness_cosignature",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_cosignature")),
    )
    op.create_index("ix_witness_cosignature_size", "witness_cosignature", ["size"], unique=False)
    op.create_index("ix_witness_cosignature_witness_size", "witness_cosignature", ["witness", "size"], unique=False)
    refuse_changes(["witness_cosignature"], updates=True)


def downgrade() -> None:
    op.drop_table("witness_cosignature")
