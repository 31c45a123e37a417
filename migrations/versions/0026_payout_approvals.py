"""The two-person rule for payouts (issue 16, docs/payouts.md): a run is proposed (its lines stored,
nothing posted), approved by another steward's signed statement, marked sent; and who admitted each
member, which the rule asks (`member.admitted_by`, read back from the log's `member.admitted` entries
for members admitted before). The new tables are insert-only, enforced by the database.

The `payout-approvals` policy's version 1 is not written here: a policy version is a logged
statement, and `coop init` seeds it (governance.policies.PolicyService.seed_defaults).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 16:00:00
"""

import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes
from provenance.core.entry import parse_leaf
from provenance.store import iter_entries

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TABLES = ["payout_proposal", "proposed_payout", "payout_approval", "payout_sent"]
ADMITTED = b'"kind":"member.admitted"'


def upgrade() -> None:
    op.add_column("member", sa.Column("admitted_by", sa.String(length=50), nullable=True))
    _backfill_admitted_by()
    op.create_table(
        "payout_proposal",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("lines_root", sa.String(length=64), nullable=False),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.Column("recent_admission_days", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["payout_run.id"], name=op.f("fk_payout_proposal_run_id_payout_run")),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_payout_proposal")),
        sa.UniqueConstraint("log_index", name=op.f("uq_payout_proposal_log_index")),
    )
    op.create_table(
        "proposed_payout",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["account.id"], name=op.f("fk_proposed_payout_member_id_account")),
        sa.ForeignKeyConstraint(["run_id"], ["payout_run.id"], name=op.f("fk_proposed_payout_run_id_payout_run")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposed_payout")),
        sa.UniqueConstraint("run_id", "member_id", name=op.f("uq_proposed_payout_run_id")),
    )
    op.create_index(op.f("ix_proposed_payout_member_id"), "proposed_payout", ["member_id"], unique=False)
    op.create_index(op.f("ix_proposed_payout_run_id"), "proposed_payout", ["run_id"], unique=False)
    op.create_table(
        "payout_approval",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("approver_id", sa.String(length=32), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statement_sha256", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["approver_id"], ["account.id"], name=op.f("fk_payout_approval_approver_id_account")),
        sa.ForeignKeyConstraint(["run_id"], ["payout_run.id"], name=op.f("fk_payout_approval_run_id_payout_run")),
        sa.PrimaryKeyConstraint("run_id", "approver_id", name=op.f("pk_payout_approval")),
        sa.UniqueConstraint("log_index", name=op.f("uq_payout_approval_log_index")),
        sa.UniqueConstraint("statement_sha256", name=op.f("uq_payout_approval_statement_sha256")),
    )
    op.create_table(
        "payout_sent",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("sent_by", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["payout_run.id"], name=op.f("fk_payout_sent_run_id_payout_run")),
        sa.ForeignKeyConstraint(["sent_by"], ["account.id"], name=op.f("fk_payout_sent_sent_by_account")),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_payout_sent")),
        sa.UniqueConstraint("log_index", name=op.f("uq_payout_sent_log_index")),
    )
    refuse_changes(TABLES, updates=True)


def _backfill_admitted_by() -> None:
    """Who admitted each member admitted before this migration, from their `member.admitted` entry
    (the log is the record; one pass over it, only when such members exist)."""
    conn = op.get_bind()
    member = sa.table("member", sa.column("account_id"), sa.column("admitted_at"), sa.column("admitted_by"))
    waiting = set(conn.execute(sa.select(member.c.account_id).where(member.c.admitted_at.is_not(None))).scalars())
    found: dict[str, str] = {}
    for _, _, leaf in iter_entries(conn) if waiting else ():
        if ADMITTED in leaf:
            body = parse_leaf(leaf).body
            if body.get("member") in waiting:
                found[body["member"]] = str(body["by"])
    for account_id, by in found.items():
        conn.execute(sa.update(member).where(member.c.account_id == account_id).values(admitted_by=by))


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    with op.batch_alter_table("member") as batch_op:
        batch_op.drop_column("admitted_by")
