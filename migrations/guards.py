"""Every guard the database holds on the co-op's tables, in one place (with docs/append-only.md, which
says the same in prose): the insert-only tables, the guarded-state tables' rules, and the log's own.

The mechanics are in migrations/triggers.py; the migrations create what is listed here. Migrations
before 0029 list their insert-only tables themselves (INSERT_ONLY_BEFORE_0029 repeats them for the
tests and the document); 0029 adds INSERT_ONLY and GUARDS. A later migration that adds a column to a
guarded table must re-create its guard (`unguard_rows` then `guard_rows`): frozen columns are those
reflected when the guard is made. SQLite's batch alter (copy and rename) drops a table's triggers:
re-create them in the same migration.
"""

from migrations.triggers import RowGuard

INSERT_ONLY_BEFORE_0029 = [
    "log_entry", "log_tile_hash", "log_checkpoint",  # 0001 (log_head: DELETE refused, see guard_log_head)
    "key_event",  # 0002 (its login_attempt was dropped by 0013)
    "policy_version", "review", "acceptance", "consent_revocation", "content_blob",  # 0003
    "ballot", "proposal_comment", "proposal_eligible",  # 0005
    "journal_tx", "posting", "ledger_account",  # 0006
    "dataset_release", "dataset_release_item", "dataset_license", "dataset_license_item",  # 0007
    "revenue_event", "payout_run", "payout", "payout_outcome",  # 0007
    "revenue_share_summary",  # 0009
    "dataset_license_reviewer",  # 0010
    "idempotency_key",  # 0012
    "auth_attempt",  # 0013
    "item_batch", "task_item", "item_retirement",  # 0015
    "answer_spec", "item_claim", "claim_skip",  # 0016
    "appeal", "appeal_decision",  # 0017
    "adjudication", "adjudication_decision",  # 0018
    "item_work_mark",  # 0022
    "license_withdrawal", "license_withdrawal_read",  # 0023
    "member_work_mark",  # 0025
    "payout_proposal", "proposed_payout", "payout_approval", "payout_sent",  # 0026
    "task_approval", "revenue_report", "revenue_confirmation",  # 0027
]  # fmt: skip

INSERT_ONLY = ["member_role", "buyer_org", "conflict_declaration", "review_assignment", "log_text"]

INSERT_ONLY_AFTER_0029 = ["witness_cosignature"]  # 0031, which creates its own triggers

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
            "(NEW.flag_reason {same} OLD.flag_reason OR NEW.status <> OLD.status "
            "OR NEW.pay_per_unit > OLD.pay_per_unit)"
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
                    "rejected": ("accepted",),  # an appeal overturned (coop/work/appeals.py)
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
        ("status", "admitted_at", "admitted_by"),
        update_rule=_set_once("admitted_at", "admitted_by")
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
