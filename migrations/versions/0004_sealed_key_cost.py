"""Custodial keys remember the argon2id cost they were sealed with.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPSLIMIT_INTERACTIVE = 2
MEMLIMIT_INTERACTIVE = 67108864


def upgrade() -> None:
    with op.batch_alter_table("member_key") as batch:
        batch.add_column(sa.Column("sealed_opslimit", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("sealed_memlimit", sa.BigInteger(), nullable=True))
    # Keys sealed before this revision used libsodium's interactive cost.
    op.execute(
        f"UPDATE member_key SET sealed_opslimit = {OPSLIMIT_INTERACTIVE}, sealed_memlimit = {MEMLIMIT_INTERACTIVE} "
        "WHERE sealed_box IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("member_key") as batch:
        batch.drop_column("sealed_memlimit")
        batch.drop_column("sealed_opslimit")
