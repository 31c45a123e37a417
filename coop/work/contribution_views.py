"""What members see of contributions: views built for many rows at once.

A page of contributions needs each one's task title, content media type, acceptance entry,
revocation and (for its author) review feedback. Those are read in a few `IN` queries per 500 rows
rather than five queries per row (bench/README.md, "Portal pages"), and only the media
type of each content blob is read, never its bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.work.models import Acceptance, ConsentRevocation, ContentBlob, Contribution, ContributionStatus, Review, Task
from provenance.core.signing import key_id

CHUNK = 500  # ids per IN list: well inside every database's parameter limit


@dataclass(frozen=True)
class ContributionView:
    id: str
    task_id: str
    task_title: str
    author_id: str
    round: int
    revises_id: str | None
    status: ContributionStatus
    content_sha256: str | None
    media_type: str | None
    units: int
    minutes: int
    terms: dict[str, Any]
    created_at: datetime
    submitted_at: datetime | None
    statement: dict[str, Any] | None
    signer_key_id: str | None
    acceptance_index: int | None
    revoked: bool
    reviews: list[dict[str, Any]]


def view(session: Session, row: Contribution, with_feedback: bool = False) -> ContributionView:
    """One row's view: its task title, media type, acceptance and revocation in one query of
    outer joins (a receipt is shown on every "Submit & next"; four IN queries were four round trips)."""
    found = session.execute(
        select(Task.title, ContentBlob.media_type, Acceptance.log_index, ConsentRevocation.contribution_id)
        .select_from(Contribution)
        .join(Task, Task.id == Contribution.task_id)
        .outerjoin(ContentBlob, ContentBlob.sha256 == Contribution.content_sha256)
        .outerjoin(Acceptance, Acceptance.contribution_id == Contribution.id)
        .outerjoin(ConsentRevocation, ConsentRevocation.contribution_id == Contribution.id)
        .where(Contribution.id == row.id)
    ).first()
    title, media, accepted, revoked = found if found is not None else ("", None, None, None)
    feedback = _feedback(session, [row.id]) if with_feedback and reviews_shown(row.status) else {}
    return _view(row, title, media, accepted, revoked is not None, feedback.get(row.id, []))


def reviews_shown(status: ContributionStatus) -> bool:
    """Whether a contribution's page shows its reviews: only once its review is closed.

    Reviews are blind: while work is under review ("submitted"), no one reads its reviews on the
    contribution's page or through the API, whoever they are — its author, a steward, a steward
    who also reviews, a reviewer who has not yet reviewed it — so no one can anchor on scores
    already given, nor pass them to someone who will. A reviewer reads the others' reviews on the
    review page once their own is in (`ReviewService.reviews_seen_by`). Once the work is
    accepted, sent back for revision or rejected, its author and stewards see every review. Work held
    for adjudication ("in-adjudication") is still under judgment: its adjudicator decides without
    reading the reviews that would have accepted it.
    """
    return status not in ("submitted", "in-adjudication")


def views(session: Session, rows: Sequence[Contribution], with_feedback: bool = False) -> list[ContributionView]:
    """Views of `rows`, in order; reviews' scores and feedback only `with_feedback` (the author's or
    a steward's view) and only once review is closed (`reviews_shown`)."""
    titles: dict[str, str] = {}
    media: dict[str, str] = {}
    accepted: dict[str, int] = {}
    revoked: set[str] = set()
    feedback: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(rows), CHUNK):
        part_rows = rows[start : start + CHUNK]
        part = [row.id for row in part_rows]
        task_ids = {r.task_id for r in part_rows}
        digests = {r.content_sha256 for r in part_rows if r.content_sha256}
        titles.update(_pairs(session.execute(select(Task.id, Task.title).where(Task.id.in_(task_ids)))))
        media.update(
            _pairs(
                session.execute(
                    select(ContentBlob.sha256, ContentBlob.media_type).where(ContentBlob.sha256.in_(digests))
                )
            )
        )
        accepted.update(
            _pairs(
                session.execute(
                    select(Acceptance.contribution_id, Acceptance.log_index).where(Acceptance.contribution_id.in_(part))
                )
            )
        )
        revoked.update(
            session.scalars(
                select(ConsentRevocation.contribution_id).where(ConsentRevocation.contribution_id.in_(part))
            )
        )
        closed = [row.id for row in part_rows if reviews_shown(row.status)]
        if with_feedback and closed:
            feedback.update(_feedback(session, closed))
    return [
        _view(
            row,
            titles.get(row.task_id, ""),
            media.get(row.content_sha256) if row.content_sha256 else None,
            accepted.get(row.id),
            row.id in revoked,
            feedback.get(row.id, []),
        )
        for row in rows
    ]


def _feedback(session: Session, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The reviews' scores and feedback of contributions `ids`, by contribution, in review order."""
    feedback: dict[str, list[dict[str, Any]]] = {}
    for review in session.scalars(select(Review).where(Review.contribution_id.in_(ids)).order_by(Review.id)):
        feedback.setdefault(review.contribution_id, []).append(
            {"scores": json.loads(review.scores), "feedback": review.feedback, "at": review.created_at.isoformat()}
        )
    return feedback


def _view(
    row: Contribution,
    title: str,
    media: str | None,
    accepted: int | None,
    revoked: bool,
    reviews: list[dict[str, Any]],
) -> ContributionView:
    return ContributionView(
        row.id,
        row.task_id,
        title,
        row.author_id,
        row.round,
        row.revises_id,
        row.status,
        row.content_sha256,
        media if row.content_sha256 else None,
        row.units,
        row.minutes,
        json.loads(row.terms),
        row.created_at,
        row.submitted_at,
        json.loads(row.statement) if row.statement else None,
        key_id(row.public_key) if row.public_key else None,
        accepted,
        revoked,
        reviews,
    )


def _pairs(result: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """Two-column rows as pairs (a Result has .keys(), so dict.update would take it for a mapping)."""
    return ((row[0], row[1]) for row in result)
