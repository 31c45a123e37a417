"""The provenance log: entries, tile hashes, checkpoints, the head row; append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

INSERT_ONLY = ["log_entry", "log_tile_hash", "log_checkpoint"]
Index64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "log_entry",
        sa.Column("idx", Index64, primary_key=True, autoincrement=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_log_entry"),
    )
    op.create_table(
        "log_tile_hash",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_log_tile_hash"),
    )
    op.create_table(
        "log_checkpoint",
        sa.Column("size", Index64, autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name="pk_log_checkpoint"),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_log_head_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_log_head"),
    )
    op.execute("INSERT INTO log_head (id, size) VALUES (1, 0)")
    refuse_changes(INSERT_ONLY, updates=True)
    refuse_changes(["log_head"], updates=False)


def downgrade() -> None:
    raise NotImplementedError("the provenance log is never dropped by a migration")
