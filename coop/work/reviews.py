"""Peer review against the rubric in force for the task, and acceptance into the log.

Reviewers claim (or stewards assign) submitted work they did not write and have declared no
conflict with (their queue: `review_queue`). After each review the rubric's acceptance rule
(coop.rules.review.decide) says what happens; acceptance itself (the co-op's countersignature, the
receipt, the base pay — or a hold for adjudication under the minimum-alpha rule) is coop.work.acceptance.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.db import insert_missing, utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.membership.models import Account
from coop.rules import review
from coop.work import review_queue
from coop.work.acceptance import ACCEPTED_KIND, AcceptanceSteps, review_digest
from coop.work.models import ConflictDeclaration, Contribution, Review, ReviewAssignment, Task
from coop.work.review_queue import QueueItem
from coop.work.tasks import TaskService
from governance.policies import PolicyService
from ledger.service import LedgerService
from provenance.core.canonical import canonical_json
from provenance.service import ProvenanceLog

__all__ = ["ACCEPTED_KIND", "QueueItem", "ReviewService", "review_digest"]


class ReviewService(AcceptanceSteps):
    def __init__(
        self,
        engine: Engine,
        log: ProvenanceLog,
        policies: PolicyService,
        tasks: TaskService,
        ledger: LedgerService,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.engine = engine
        self.ledger = ledger
        self.log = log
        self.policies = policies
        self.tasks = tasks
        self.clock = clock

    def declare_conflict(self, reviewer: Principal, author_id: str) -> None:
        """Declaring the same conflict again (or twice at once) keeps the first declaration."""
        with write_session(self.engine) as session, session.begin():
            if session.get(Account, author_id) is None:
                raise NotFound(f"no member {author_id[:80]!r} to declare a conflict with")
            insert_missing(
                session,
                ConflictDeclaration,
                reviewer_id=reviewer.account_id,
                author_id=author_id,
                declared_at=self.clock(),
            )

    def declare_conflict_with_author_of(self, reviewer: Principal, contribution_id: str) -> None:
        """Declare a conflict without learning who the author is."""
        with Session(self.engine) as session:
            row = session.get(Contribution, contribution_id)
            if row is None:
                raise NotFound(f"no contribution {contribution_id}")
            author_id = row.author_id
        self.declare_conflict(reviewer, author_id)

    def queue(self, reviewer: Principal) -> list[QueueItem]:
        """Submitted work this reviewer may review and has not yet reviewed."""
        return self.queue_page(reviewer, 0, None)[0]

    def queue_page(self, reviewer: Principal, offset: int, limit: int | None) -> tuple[list[QueueItem], int]:
        """One page of the queue, oldest first, and its length. Eligibility (not the author, no
        declared conflict, not yet reviewed: `_ineligible_reason`) is decided in SQL (`review_queue`)."""
        _require_reviewer(reviewer)
        with Session(self.engine) as session:
            return review_queue.queue_page(session, reviewer.account_id, offset, limit)

    def claim(self, reviewer: Principal, contribution_id: str) -> None:
        """Take the work to review (it shows its content to this reviewer); claiming it again is a no-op."""
        _require_reviewer(reviewer)
        self._assign(reviewer, contribution_id, by=reviewer.account_id)

    def claimed(self, reviewer: Principal, contribution_id: str) -> bool:
        """Whether this reviewer has claimed the work; if not, whether they may (else the reason is
        raised, as `claim` would). Reads only: showing a review page changes nothing."""
        _require_reviewer(reviewer)
        with Session(self.engine) as session:
            if session.get(ReviewAssignment, (contribution_id, reviewer.account_id)) is not None:
                return True
            reason = self._ineligible_reason(session, reviewer, _submitted(session, contribution_id, lock=False))
        if reason:
            raise NotAllowed(reason)
        return False

    def assign(self, steward: Principal, contribution_id: str, reviewer: Principal) -> None:
        """A steward hands work to a reviewer (who must be eligible for it, as when claiming)."""
        if not steward.is_steward:
            raise NotAllowed("only stewards assign reviews")
        _require_reviewer(reviewer)
        self._assign(reviewer, contribution_id, by=steward.account_id)

    def _assign(self, reviewer: Principal, contribution_id: str, by: str) -> None:
        with write_session(self.engine) as session, session.begin():
            row = _submitted(session, contribution_id)
            if session.get(ReviewAssignment, (row.id, reviewer.account_id)) is not None:
                return
            reason = self._ineligible_reason(session, reviewer, row)
            if reason:
                raise NotAllowed(reason)
            session.add(
                ReviewAssignment(
                    contribution_id=row.id, reviewer_id=reviewer.account_id, assigned_by=by, assigned_at=self.clock()
                )
            )

    def rubric_for(self, contribution_id: str) -> dict[str, Any]:
        with Session(self.engine) as session:
            row = session.get(Contribution, contribution_id)
            if row is None:
                raise NotFound(f"no contribution {contribution_id}")
            task = session.get(Task, row.task_id)
            assert task is not None
        return self.policies.version(f"rubric.{task.kind}", task.rubric_version).body

    def acceptance_rule(self, contribution_id: str) -> list[str]:
        """The acceptance rule of the contribution's task in words, with the task's own review count."""
        with Session(self.engine) as session:
            row = session.get(Contribution, contribution_id)
            if row is None:
                raise NotFound(f"no contribution {contribution_id}")
            task = session.get(Task, row.task_id)
            assert task is not None
            required = task.reviews_required
        rubric = self.rubric_for(contribution_id)
        return review.acceptance_in_words({**rubric["acceptance"], "reviews_required": required})

    def review(
        self, reviewer: Principal, contribution_id: str, scores: Mapping[str, int], feedback: str
    ) -> review.Decision:
        """Record a review; apply the acceptance rule; accept, ask for revision or reject as it says."""
        _require_reviewer(reviewer)
        with write_session(self.engine) as session, session.begin():
            row = _submitted(session, contribution_id)
            task_id = row.task_id
            if session.get(ReviewAssignment, (row.id, reviewer.account_id)) is None:
                reason = self._ineligible_reason(session, reviewer, row)
                if reason:
                    raise NotAllowed(reason)
                session.add(
                    ReviewAssignment(
                        contribution_id=row.id,
                        reviewer_id=reviewer.account_id,
                        assigned_by=reviewer.account_id,
                        assigned_at=self.clock(),
                    )
                )
            elif _reviewed_by(session, row.id, reviewer.account_id):
                raise Conflict("you already reviewed this contribution")
            task = session.get(Task, row.task_id)
            assert task is not None
            rubric = self.policies.version(f"rubric.{task.kind}", task.rubric_version)
            try:
                clean = review.check_scores(rubric.body["criteria"], dict(scores))
            except Refused as error:
                raise Refused(str(error)) from error
            session.add(
                Review(
                    contribution_id=row.id,
                    reviewer_id=reviewer.account_id,
                    scores=canonical_json(clean).decode(),
                    feedback=feedback.strip()[:5000],
                    created_at=self.clock(),
                )
            )
            session.flush()
            reviews = session.scalars(select(Review).where(Review.contribution_id == row.id).order_by(Review.id)).all()
            acceptance = {**rubric.body["acceptance"], "reviews_required": task.reviews_required}
            decision = review.decide(
                rubric.body["criteria"], acceptance, [json.loads(r.scores) for r in reviews], row.round
            )
            if decision.outcome == "accepted":
                decision = self._accept_or_hold(session, row, task, rubric.version, reviews, decision)
            elif decision.outcome in ("revision-requested", "rejected"):
                row.status = decision.outcome
        if decision.outcome == "accepted":
            self.tasks.check_flag(task_id)
        return decision

    def reviews_seen_by(self, reviewer: Principal, contribution_id: str) -> list[dict[str, Any]]:
        """The reviews of a contribution as one reviewer may see them: blind until their own is in
        (so no one anchors on another's scores), then every review's scores and feedback."""
        _require_reviewer(reviewer)
        with Session(self.engine) as session:
            if session.get(Contribution, contribution_id) is None:
                raise NotFound(f"no contribution {contribution_id}")
            if not _reviewed_by(session, contribution_id, reviewer.account_id):
                return []
            rows = session.scalars(
                select(Review).where(Review.contribution_id == contribution_id).order_by(Review.id)
            ).all()
            return [
                {
                    "mine": r.reviewer_id == reviewer.account_id,
                    "scores": json.loads(r.scores),
                    "feedback": r.feedback,
                    "at": r.created_at.isoformat(),
                }
                for r in rows
            ]

    def _ineligible_reason(self, session: Session, reviewer: Principal, row: Contribution) -> str | None:
        if row.author_id == reviewer.account_id:
            return "you cannot review your own work"
        if session.get(ConflictDeclaration, (reviewer.account_id, row.author_id)) is not None:
            return "you declared a conflict of interest with this author"
        if _reviewed_by(session, row.id, reviewer.account_id):
            return "you already reviewed this contribution"
        return None


def _review_count(session: Session, contribution_id: str) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Review).where(Review.contribution_id == contribution_id)) or 0
    )


def _reviewed_by(session: Session, contribution_id: str, reviewer_id: str) -> bool:
    return (
        session.scalar(
            select(Review.id).where(Review.contribution_id == contribution_id, Review.reviewer_id == reviewer_id)
        )
        is not None
    )


def _submitted(session: Session, contribution_id: str, lock: bool = True) -> Contribution:
    row = session.get(Contribution, contribution_id, with_for_update=lock)
    if row is None:
        raise NotFound(f"no contribution {contribution_id}")
    if row.status != "submitted":
        raise Conflict(f"this contribution is {row.status}, not awaiting review")
    return row


def _require_reviewer(principal: Principal) -> None:
    if not principal.has_role("reviewer"):
        raise NotAllowed("only reviewers review")
