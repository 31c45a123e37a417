"""The database refuses what must never happen (issue 16, part 3): the log head never moves back and
nothing is inserted past it; every table whose rows are history refuses UPDATE and DELETE, or, where a
row carries state that legitimately moves forward, refuses changes to every other column and every
backward transition. member_role becomes insert-only history: a role change inserts the new set under
the next `change_no`, and a member's roles are those of their latest change. docs/append-only.md lists
every guard.

Revision ID: 0029
Revises: 0025
Create Date: 2026-11-30 15:40:00
"""

import sqlalchemy as sa
from alembic import op

from migrations.guards import GUARDS, INSERT_ONLY
from migrations.triggers import (
    allow_changes,
    guard_log_head,
    guard_rows,
    refuse_changes,
    unguard_log_head,
    unguard_rows,
)

revision = "0029"
down_revision = "0027"
branch_labels = None
depends_on = None

def upgrade() -> None:
    _member_role_history()
    allow_changes(["log_head"], updates=False)
    refuse_changes(["log_head"], updates=False)
    guard_log_head()
    refuse_changes(INSERT_ONLY, updates=True)
    for guard in GUARDS:
        guard_rows(guard)


def downgrade() -> None:
    for guard in reversed(GUARDS):
        unguard_rows(guard.table)
    allow_changes(INSERT_ONLY, updates=True)
    unguard_log_head()
    bind = op.get_bind()
    latest = bind.execute(
        sa.text(
            "SELECT r.account_id, r.role FROM member_role r WHERE r.change_no = "
            "(SELECT max(l.change_no) FROM member_role l WHERE l.account_id = r.account_id)"
        )
    ).all()
    op.drop_table("member_role")
    table = op.create_table(
        "member_role",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_member_role_account_id_account")),
        sa.PrimaryKeyConstraint("account_id", "role", name=op.f("pk_member_role")),
    )
    if latest:
        op.bulk_insert(table, [{"account_id": a, "role": r} for a, r in latest])


def _member_role_history() -> None:
    """Rebuild member_role with `change_no` in its key; today's roles become change 1."""
    bind = op.get_bind()
    current = bind.execute(sa.text("SELECT account_id, role FROM member_role")).all()
    op.drop_table("member_role")
    table = op.create_table(
        "member_role",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("change_no", sa.Integer(), server_default="1", nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_member_role_account_id_account")),
        sa.PrimaryKeyConstraint("account_id", "change_no", "role", name=op.f("pk_member_role")),
    )
    if current:
        op.bulk_insert(table, [{"account_id": a, "change_no": 1, "role": r} for a, r in current])
