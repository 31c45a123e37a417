"""Who may decide on a contribution after its reviews — an appeal of its rejection, or its
adjudication: a reviewer who took no part. Not its author, not one of its reviewers, and not someone
who declared a conflict of interest with its author. One rule, in Python for the decision and in SQL
for the lists of what a reviewer may decide, so the two never drift apart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from coop.kernel.errors import NotAllowed
from coop.statements import store_text
from coop.work.models import ConflictDeclaration, Contribution, Review
from provenance.service import ProvenanceLog


class Decided(NamedTuple):
    """What a recorded decision adds to its own row: when, the reason's hash and the log entry."""

    at: datetime
    reason_sha256: str
    log_index: int


def refusal(session: Session, reviewer_id: str, row: Contribution, what: str) -> str | None:
    """Why `reviewer_id` may not decide the `what` ("appeal", "adjudication") of `row`; None if they may."""
    if row.author_id == reviewer_id:
        return f"you cannot decide the {what} of your own work"
    reviewed = select(Review.id).where(Review.contribution_id == row.id, Review.reviewer_id == reviewer_id)
    if session.scalar(reviewed.limit(1)) is not None:
        return f"you reviewed this contribution: another reviewer decides its {what}"
    if session.get(ConflictDeclaration, (reviewer_id, row.author_id)) is not None:
        return "you declared a conflict of interest with this author"
    return None


def took_no_part(reviewer_id: str, contribution_id: Any, author_id: Any) -> ColumnElement[bool]:
    """The same rule as a SQL condition on a query's contribution and author id columns."""
    return and_(
        author_id != reviewer_id,
        ~select(ConflictDeclaration.author_id)
        .where(ConflictDeclaration.reviewer_id == reviewer_id, ConflictDeclaration.author_id == author_id)
        .exists(),
        ~select(Review.id).where(Review.contribution_id == contribution_id, Review.reviewer_id == reviewer_id).exists(),
    )


def log_decision(
    session: Session,
    log: ProvenanceLog,
    clock: Callable[[], datetime],
    reviewer_id: str,
    row: Contribution,
    what: str,
    kind: str,
    case: dict[str, str],
    outcome: str,
    reason: str,
) -> Decided:
    """Refuse a decider who took part; otherwise keep the reason beside the log and log the decision
    as `kind` (`case` names the appeal or adjudication), in the caller's transaction."""
    refused = refusal(session, reviewer_id, row, what)
    if refused:
        raise NotAllowed(refused)
    now = clock()
    reason_sha256 = store_text(session, reason, clock)
    body = {**case, "contribution": row.id, "outcome": outcome, "reason_sha256": reason_sha256}
    index = log.append_coop_statement(session.connection(), kind, {**body, "by": reviewer_id, "time": now.isoformat()})
    return Decided(now, reason_sha256, index)
