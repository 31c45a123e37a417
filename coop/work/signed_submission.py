"""Signing a draft contribution with a statement its author signed: the checks and the write,
inside the caller's write transaction.

`ContributionService.submit_signed` runs them in a transaction of its own; "Submit & next"
(coop.work.submit_next) runs them in the same transaction as the answer's draft and the next
claim, so a refused statement leaves neither a draft nor a claim behind. The checks are the same
either way: the statement's kind and schema, its signature and key (the caller verifies them before
the transaction: `checked_statement` and `KeyService.verify_member_statement`), then here the
body against the draft (task, content, terms, minutes, units, author key, the item and answer),
the signing time against the clock, and the consent terms against the task's intended uses.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coop.kernel.db import utcnow
from coop.kernel.errors import Conflict, NotFound, Refused
from coop.rules import consent
from coop.statements import check_input
from coop.work.ceiling_gate import refuse_if_held
from coop.work.claim_models import answer_statement_fields
from coop.work.contribution_checks import check_clock_skew, parse_signed_time
from coop.work.models import Contribution, Task
from provenance.core.canonical import canonical_json
from provenance.core.signing import SignedStatement

STATEMENT_KIND = "contribution"


def checked_statement(statement: SignedStatement) -> tuple[bytes, str]:
    """The statement's canonical body and its SHA-256, once its kind and schema are checked."""
    if statement.kind != STATEMENT_KIND:
        raise Refused(f"a contribution statement has kind '{STATEMENT_KIND}'")
    check_input(statement.kind, statement.body)
    canonical = canonical_json(dict(statement.body))
    return canonical, hashlib.sha256(canonical).hexdigest()


def sign_draft(
    session: Session,
    row: Contribution,
    statement: SignedStatement,
    signer_key_id: str,
    canonical: bytes,
    digest: str,
    now: datetime,
) -> None:
    """Mark the draft `row` submitted with `statement` (verified by the caller), or refuse it."""
    if row.status != "draft":
        raise Conflict(f"this contribution was already submitted ({row.status}); nothing changed")
    task = open_task(session, row.task_id, now)
    # the rate only: the budget is judged at acceptance, where pay is posted (coop.work.ceiling_gate)
    refuse_if_held(session, task, now, doing="submitted to", budget=False)
    expected = statement_body(session, row, signer_key_id, now)
    signed_at = parse_signed_time(statement.body.get("time"))
    if {k: v for k, v in statement.body.items() if k != "time"} != {k: v for k, v in expected.items() if k != "time"}:
        raise Refused(
            "the signed statement does not match the draft (task, content, terms, minutes, units, author key)"
        )
    check_clock_skew(signed_at, now)
    missing = consent.terms_cover(json.loads(row.terms), json.loads(task.intended_uses))
    if missing:
        raise Refused(f"this task's work is meant for {', '.join(missing)}, which your consent terms do not permit")
    row.statement, row.statement_sha256 = canonical.decode(), digest
    row.public_key, row.signature = statement.public_key, statement.signature
    row.submitted_at, row.status = now, "submitted"


def statement_body(session: Session, row: Contribution, signer_key_id: str, now: datetime) -> dict[str, Any]:
    """The exact body the author signs for the draft `row` (docs/submit-and-next.md spells it out)."""
    revises = session.get(Contribution, row.revises_id) if row.revises_id else None
    return {
        "task": row.task_id,
        "content_sha256": row.content_sha256,
        "author": signer_key_id,
        "terms": json.loads(row.terms),
        "minutes": row.minutes,
        "units": row.units,
        "time": now.replace(microsecond=0).isoformat(),
        "revises": revises.statement_sha256 if revises else None,
        **answer_statement_fields(session, row.id),  # an answer to an item commits to the item and the answer
    }


def open_task(session: Session, task_id: str, now: datetime | None = None) -> Task:
    """The task, if it takes work: open, and not awaiting a second steward's approval (coop.work.ceiling_gate)."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    if task.status != "open":
        raise Conflict(
            f"task '{task.title}' is {task.status} and takes no submissions"
            + (f": {task.flag_reason}" if task.flag_reason else "")
        )
    refuse_if_held(session, task, now or utcnow(), budget=False)  # the budget: judged where pay is committed
    return task
