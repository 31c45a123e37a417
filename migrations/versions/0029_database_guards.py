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

from migrations.triggers import (
    RowGuard,
    allow_changes,
    guard_log_head,
    guard_rows,
    refuse_changes,
    unguard_log_head,
    unguard_rows,
)

revision = "0029"
down_revision = "0025"
branch_labels = None
depends_on = None

INSERT_ONLY = ["member_role", "buyer_org", "conflict_declaration", "review_assignment", "log_text"]

_CONTRIBUTION_FROZEN_AFTER_DRAFT = (
    "content_sha256",
    "units",
    "minutes",
    "terms",
    "statement",
    "statement_sha256",
    "public_key",
    "signature",
    "submitted_at",
)


def _set_once(*columns: str) -> str:
    """Each column may go from NULL to a value, never change once set."""
    return " AND ".join(f"(OLD.{c} IS NULL OR NEW.{c} {{same}} OLD.{c})" for c in columns)


def _moves(transitions: dict[str, tuple[str, ...]], column: str = "status") -> str:
    """`column` stays, or moves along one of `transitions` (from → allowed next values)."""
    steps = " OR ".join(
        f"(OLD.{column} = '{old}' AND NEW.{column} IN ({', '.join(repr(n) for n in new)}))"
        for old, new in transitions.items()
    )
    return f"(NEW.{column} = OLD.{column} OR {steps})"


GUARDS = [
    RowGuard(
        "member_key",
        ("sealed_salt", "sealed_box", "sealed_opslimit", "sealed_memlimit"),
        # a custodial seed is re-sealed under a new password; a key never gains or loses custody
        update_rule="OLD.sealed_box IS NOT NULL AND NEW.sealed_box IS NOT NULL",
        why="a member key is history; only a custodial seed is re-sealed",
    ),
    RowGuard(
        "task",
        ("pay_per_unit", "pay_floor_version", "status", "flag_reason"),
        update_rule=(
            "NEW.pay_per_unit >= OLD.pay_per_unit AND NEW.pay_floor_version >= OLD.pay_floor_version AND "
            "(NEW.status = OLD.status OR (OLD.status = 'open' AND NEW.status IN ('flagged', 'closed')) "
            "OR (OLD.status = 'flagged' AND NEW.status = 'closed') "
            "OR (OLD.status = 'flagged' AND NEW.status = 'open' AND NEW.pay_per_unit > OLD.pay_per_unit)) AND "
            "(NEW.flag_reason {same} OLD.flag_reason OR NEW.status <> OLD.status OR NEW.pay_per_unit > OLD.pay_per_unit)"
        ),
        why="a task only raises its rate, is flagged, reopened by a raise, or closed",
    ),
    RowGuard(
        "contribution",
        ("status", *_CONTRIBUTION_FROZEN_AFTER_DRAFT),
        update_rule=(
            "(OLD.status = 'draft' AND NEW.status IN ('draft', 'submitted')) OR ("
            + " AND ".join(f"NEW.{c} {{same}} OLD.{c}" for c in _CONTRIBUTION_FROZEN_AFTER_DRAFT)
            + " AND "
            + _moves(
                {
                    "submitted": ("accepted", "rejected", "revision-requested", "in-adjudication"),
                    "in-adjudication": ("accepted", "rejected", "revision-requested"),
                }
            )
            + ")"
        ),
        delete_rule="OLD.status = 'draft'",
        why="only a draft is edited or deleted; submitted work only moves forward",
    ),
    RowGuard(
        "contribution_answer",
        ("answer", "measured_seconds"),
        update_rule="(SELECT status FROM contribution WHERE id = OLD.contribution_id) = 'draft'",
        delete_rule="(SELECT status FROM contribution WHERE id = OLD.contribution_id) = 'draft'",
        why="an answer changes only while its contribution is a draft",
    ),
    RowGuard(
        "member",
        ("status", "admitted_at"),
        update_rule=_set_once("admitted_at")
        + " AND "
        + _moves(
            {"applicant": ("member", "declined"), "member": ("suspended", "left"), "suspended": ("member", "left")}
        ),
        why="a member's standing moves only along admit, decline, suspend, reinstate, leave",
    ),
    RowGuard(
        "proposal",
        ("status", "result", "result_log_index", "enacted"),
        update_rule=_set_once("result", "result_log_index", "enacted") + " AND " + _moves({"open": ("closed",)}),
        why="a proposal only closes, once, with its result and enactment",
    ),
    RowGuard("api_token", ("revoked_at",), update_rule="OLD.revoked_at IS NULL", why="a token is only revoked, once"),
    RowGuard("password_reset", ("used_at",), update_rule="OLD.used_at IS NULL", why="a reset code is used once"),
    RowGuard(
        "web_session",
        ("last_seen_at", "ended_at"),
        update_rule="OLD.ended_at IS NULL",
        why="a session is touched until it ends, never revived",
    ),
    RowGuard(
        "account",
        ("display_name", "email", "password_hash"),
        why="an account keeps its id, kind, organisation and creation time, and is never deleted",
    ),
]


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
