"""A member's own work mark on a task (issue 14, "Submit & next"): how far in claim order every item
can never again be offered to them (answered or skipped by them, retired, or done for good), so a
claim no longer walks past all their earlier answers. Insert-only, enforced by the database.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 14:10:00
"""

import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_work_mark",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_member_work_mark_task_id_task")),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_member_work_mark_account_id_account")),
        sa.PrimaryKeyConstraint("task_id", "account_id", "log_index", "position", name=op.f("pk_member_work_mark")),
    )
    refuse_changes(["member_work_mark"], updates=True)


def downgrade() -> None:
    op.drop_table("member_work_mark")
