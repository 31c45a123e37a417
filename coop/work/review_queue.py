"""A reviewer's queue: the submitted work they may review, oldest first, a page at a time.

Eligible: submitted, not their own, no conflict declared with its author, not yet reviewed by them
(the same rules as ReviewService's claim). Both the page and its length are decided in SQL: checked
row by row in Python, or with two NOT EXISTS per waiting row for the count, the queue grew slow
with thousands of submissions waiting (bench/README.md, "Portal pages": the review queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from coop.rules.review import TaskKind
from coop.work.models import ConflictDeclaration, Contribution, Review, ReviewAssignment, Task

CHUNK = 500  # ids per IN list


@dataclass(frozen=True)
class QueueItem:
    contribution_id: str
    task_id: str
    task_title: str
    kind: TaskKind
    round: int
    submitted_at: datetime
    reviews_done: int
    reviews_required: int
    assigned_to_me: bool


def queue_page(session: Session, me: str, offset: int, limit: int | None) -> tuple[list[QueueItem], int]:
    """One page of `me`'s queue, oldest first, and the queue's length."""
    eligible = (
        Contribution.status == "submitted",
        Contribution.author_id != me,
        ~exists().where(ConflictDeclaration.reviewer_id == me, ConflictDeclaration.author_id == Contribution.author_id),
        ~exists().where(Review.contribution_id == Contribution.id, Review.reviewer_id == me),
    )
    total = queue_length(session, me)
    query = (
        select(
            Contribution.id,
            Task.id,
            Task.title,
            Task.kind,
            Contribution.round,
            Contribution.submitted_at,
            Task.reviews_required,
        )
        .join(Task, Task.id == Contribution.task_id)
        .where(*eligible)
        .order_by(Contribution.submitted_at, Contribution.id)
        .offset(offset)
    )
    rows = session.execute(query if limit is None else query.limit(limit)).all()
    done: dict[str, int] = {}
    assigned: set[str] = set()
    for start in range(0, len(rows), CHUNK):
        ids = [row[0] for row in rows[start : start + CHUNK]]
        counts = select(Review.contribution_id, func.count()).where(Review.contribution_id.in_(ids))
        done.update((cid, n) for cid, n in session.execute(counts.group_by(Review.contribution_id)))
        mine = select(ReviewAssignment.contribution_id).where(
            ReviewAssignment.reviewer_id == me, ReviewAssignment.contribution_id.in_(ids)
        )
        assigned.update(session.scalars(mine))
    items = []
    for cid, task_id, title, kind, round_, submitted_at, required in rows:
        assert submitted_at is not None  # submitted work has its submission time
        items.append(
            QueueItem(cid, task_id, title, kind, round_, submitted_at, int(done.get(cid, 0)), required, cid in assigned)
        )
    return items, total


def queue_length(session: Session, me: str) -> int:
    """How many submissions `me` may review: all submitted work less what is ineligible. The large
    count is index-only, and the subtractions read only the reviewer's own and conflicted authors'
    work and the reviewer's own reviews."""
    submitted_work = select(func.count()).select_from(Contribution).where(Contribution.status == "submitted")
    submitted = int(session.scalar(submitted_work) or 0)
    conflicted = select(ConflictDeclaration.author_id).where(ConflictDeclaration.reviewer_id == me)
    excluded_authors = [me, *session.scalars(conflicted)]
    ineligible = 0
    for author_id in excluded_authors:  # one equality each, so the (author_id, ...) index is used
        theirs = (
            select(func.count())
            .select_from(Contribution)
            .where(Contribution.author_id == author_id, Contribution.status == "submitted")
        )
        ineligible += int(session.scalar(theirs) or 0)
    reviewed = (
        select(func.count(func.distinct(Review.contribution_id)))
        .join(Contribution, Contribution.id == Review.contribution_id)
        .where(
            Review.reviewer_id == me,
            Contribution.status == "submitted",
            Contribution.author_id.not_in(excluded_authors),
        )
    )
    ineligible += int(session.scalar(reviewed) or 0)
    return submitted - ineligible
