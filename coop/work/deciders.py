"""Who may decide on a contribution after its reviews — an appeal of its rejection, or its
adjudication: a reviewer who took no part. Not its author, not one of its reviewers, and not someone
who declared a conflict of interest with its author. One rule, in Python for the decision and in SQL
for the lists of what a reviewer may decide, so the two never drift apart."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from coop.work.models import ConflictDeclaration, Contribution, Review


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
