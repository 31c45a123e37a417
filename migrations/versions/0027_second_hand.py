"""The second hand (issue 16, "no one alone moves money"): a second steward's signed approval of a task
above the governed pay ceiling, and downstream revenue a steward reported, pending until another
steward's signed confirmation posts it. All three tables are insert-only, enforced by the database;
the `task` table is not touched — a task's approval is read from `task_approval`.

The `pay-ceiling` policy's version 1 is not written here: a policy version is a logged
`policy.adopted` statement signed by the co-op key, which a migration does not hold. `coop init`
(which runs this migration) seeds it right after, as it seeds every policy a database lacks.

Revision ID: 0027
Revises: 0025
Create Date: 2026-11-30 16:00:00
"""

import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

TABLES = ["task_approval", "revenue_report", "revenue_confirmation"]


def upgrade() -> None:
    op.create_table(
        "task_approval",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("approver_id", sa.String(length=32), nullable=False),
        sa.Column("pay_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("budget_minor", sa.BigInteger(), nullable=False),
        sa.Column("ceiling_version", sa.BigInteger(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_approval_task_id_task")),
        sa.ForeignKeyConstraint(["approver_id"], ["account.id"], name=op.f("fk_task_approval_approver_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_approval")),
        sa.UniqueConstraint(
            "task_id",
            "approver_id",
            "pay_per_unit",
            "budget_minor",
            name=op.f("uq_task_approval_once"),
        ),
        sa.UniqueConstraint("log_index", name=op.f("uq_task_approval_log_index")),
    )
    op.create_index(op.f("ix_task_approval_task_id"), "task_approval", ["task_id"], unique=False)
    op.create_table(
        "revenue_report",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("license_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reported_by", sa.String(length=32), nullable=False),
        sa.Column("journal_key", sa.String(length=200), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["license_id"], ["dataset_license.id"], name=op.f("fk_revenue_report_license_id_dataset_license")
        ),
        sa.ForeignKeyConstraint(["reported_by"], ["account.id"], name=op.f("fk_revenue_report_reported_by_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revenue_report")),
        sa.UniqueConstraint("journal_key", name=op.f("uq_revenue_report_journal_key")),
        sa.UniqueConstraint("log_index", name=op.f("uq_revenue_report_log_index")),
    )
    op.create_index(op.f("ix_revenue_report_license_id"), "revenue_report", ["license_id"], unique=False)
    op.create_table(
        "revenue_confirmation",
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("confirmer_id", sa.String(length=32), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["revenue_report.id"], name=op.f("fk_revenue_confirmation_report_id_revenue_report")
        ),
        sa.ForeignKeyConstraint(
            ["confirmer_id"], ["account.id"], name=op.f("fk_revenue_confirmation_confirmer_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["revenue_event.id"], name=op.f("fk_revenue_confirmation_event_id_revenue_event")
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_revenue_confirmation")),
        sa.UniqueConstraint("event_id", name=op.f("uq_revenue_confirmation_event_id")),
        sa.UniqueConstraint("log_index", name=op.f("uq_revenue_confirmation_log_index")),
    )
    refuse_changes(TABLES, updates=True)


def downgrade() -> None:
    op.drop_table("revenue_confirmation")
    op.drop_index(op.f("ix_revenue_report_license_id"), table_name="revenue_report")
    op.drop_table("revenue_report")
    op.drop_index(op.f("ix_task_approval_task_id"), table_name="task_approval")
    op.drop_table("task_approval")
