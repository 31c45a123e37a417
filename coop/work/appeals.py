"""Appeals of rejected work (issue 14, part 4).

The author of a rejected contribution may appeal it once, with a reason. A reviewer who took no part
in its reviews (and is not its author) decides: *upheld* (the rejection stands, nothing else changes)
or *overturned* (the contribution is accepted through ReviewService's own acceptance path, so it is
logged, receipted and paid exactly as any acceptance). Appeal and decision are insert-only rows, each
logged as a co-op statement whose reason is kept beside the log by its SHA-256. How often each
reviewer's rejections are overturned is open to members: the check on reviewing that appeals give.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.statements import store_text, text_of
from coop.work import deciders
from coop.work.appeal_models import Appeal, AppealDecision, AppealOutcome
from coop.work.models import Contribution, Review
from coop.work.reviews import ReviewService
from coop.work.revision_rules import check_appealable
from provenance.service import ProvenanceLog

__all__ = ["MAX_REASON", "AppealService", "AppealView", "OverturnRate"]

MAX_REASON = 2000
OUTCOMES: tuple[AppealOutcome, ...] = ("upheld", "overturned")


@dataclass(frozen=True)
class AppealView:
    id: str
    contribution_id: str
    author_id: str
    reason: str | None  # None once the text kept beside the log has been erased
    appealed_at: datetime
    log_index: int
    outcome: AppealOutcome | None
    decided_by: str | None
    decision_reason: str | None
    decided_at: datetime | None
    decision_log_index: int | None


@dataclass(frozen=True)
class OverturnRate:
    """Of the decided appeals of contributions this reviewer reviewed, how many were overturned."""

    reviewer_id: str
    decided: int
    overturned: int

    @property
    def percent(self) -> int:
        return self.overturned * 100 // self.decided if self.decided else 0


class AppealService:
    def __init__(
        self, engine: Engine, log: ProvenanceLog, reviews: ReviewService, clock: Callable[[], datetime] = utcnow
    ):
        self.engine = engine
        self.log = log
        self.reviews = reviews
        self.clock = clock

    def appeal(self, author: Principal, contribution_id: str, reason: str) -> AppealView:
        """The author appeals a rejection, once per contribution."""
        with write_session(self.engine) as session, session.begin():
            row = session.get(Contribution, contribution_id, with_for_update=True)
            if row is None or row.author_id != author.account_id:
                raise NotFound(f"you have no contribution {contribution_id} to appeal")
            if row.status != "rejected":
                raise Conflict(f"only rejected work may be appealed; this contribution is {row.status}")
            if session.scalar(select(Appeal.id).where(Appeal.contribution_id == row.id)) is not None:
                raise Conflict("this contribution has already been appealed")
            check_appealable(session, row)
            reason = _bounded(reason, "appealing")
            now, appeal_id = self.clock(), uuid.uuid4().hex
            reason_sha256 = store_text(session, reason, self.clock)
            index = self.log.append_coop_statement(
                session.connection(),
                "contribution.appealed",
                {
                    "appeal": appeal_id,
                    "contribution": row.id,
                    "author": author.account_id,
                    "reason_sha256": reason_sha256,
                    "time": now.isoformat(),
                },
            )
            appeal = Appeal(
                id=appeal_id,
                contribution_id=row.id,
                author_id=author.account_id,
                reason_sha256=reason_sha256,
                appealed_at=now,
                log_index=index,
            )
            session.add(appeal)
            session.flush()
            return _view(session, appeal, None)

    def decide(self, reviewer: Principal, appeal_id: str, outcome: str, reason: str) -> AppealView:
        """Decide an open appeal; overturning accepts the contribution as the acceptance rule would."""
        if not reviewer.has_role("reviewer"):
            raise NotAllowed("only reviewers decide appeals")
        if outcome not in OUTCOMES:
            raise Refused("the outcome is 'upheld' or 'overturned'")
        reason = _bounded(reason, "deciding")
        with write_session(self.engine) as session, session.begin():
            appeal = session.get(Appeal, appeal_id)
            if appeal is None:
                raise NotFound(f"no appeal {appeal_id}")
            row = session.get(Contribution, appeal.contribution_id, with_for_update=True)  # one decision at a time
            assert row is not None
            if session.get(AppealDecision, appeal_id) is not None:
                raise Conflict("this appeal has already been decided")
            now, reason_sha256, index = deciders.log_decision(
                session,
                self.log,
                self.clock,
                reviewer.account_id,
                row,
                "appeal",
                "contribution.appeal-decided",
                {"appeal": appeal_id},
                outcome,
                reason,
            )
            decision = AppealDecision(
                appeal_id=appeal_id,
                decided_by=reviewer.account_id,
                outcome=outcome,
                reason_sha256=reason_sha256,
                decided_at=now,
                log_index=index,
            )
            session.add(decision)
            if outcome == "overturned":
                self.reviews.accept_in(session, row)
            session.flush()
            view = _view(session, appeal, decision)
            task_id = row.task_id
        if outcome == "overturned":
            self.reviews.tasks.check_flag(task_id)
        return view

    def get(self, principal: Principal, appeal_id: str) -> AppealView:
        """An appeal, for its author or a reviewer."""
        with Session(self.engine) as session:
            appeal = session.get(Appeal, appeal_id)
            if appeal is None or not (appeal.author_id == principal.account_id or principal.has_role("reviewer")):
                raise NotFound(f"no appeal {appeal_id}")
            return _view(session, appeal, session.get(AppealDecision, appeal_id))

    def for_contribution(self, author: Principal, contribution_id: str) -> AppealView | None:
        """The author's appeal of this contribution, if any."""
        with Session(self.engine) as session:
            appeal = session.scalar(
                select(Appeal).where(Appeal.contribution_id == contribution_id, Appeal.author_id == author.account_id)
            )
            return _view(session, appeal, session.get(AppealDecision, appeal.id)) if appeal else None

    def open_appeals(self, reviewer: Principal) -> list[AppealView]:
        """Undecided appeals this reviewer may decide (not their own work, not work they reviewed), oldest first."""
        if not reviewer.has_role("reviewer"):
            raise NotAllowed("only reviewers decide appeals")
        me = reviewer.account_id
        with Session(self.engine) as session:
            query = (
                select(Appeal)
                .where(
                    ~select(AppealDecision.appeal_id).where(AppealDecision.appeal_id == Appeal.id).exists(),
                    deciders.took_no_part(me, Appeal.contribution_id, Appeal.author_id),
                )
                .order_by(Appeal.log_index)
            )
            return [_view(session, appeal, None) for appeal in session.scalars(query)]

    def overturn_rates(self, reviewer_id: str | None = None) -> list[OverturnRate]:
        """Per reviewer (or only `reviewer_id`): decided appeals of contributions they reviewed, and
        how many were overturned. Every member may read them: a reviewer's record is the co-op's."""
        overturned = func.sum(case((AppealDecision.outcome == "overturned", 1), else_=0))
        query = (  # one review per reviewer per contribution, so one row per (reviewer, appeal)
            select(Review.reviewer_id, func.count(), overturned)
            .join(Appeal, Appeal.contribution_id == Review.contribution_id)
            .join(AppealDecision, AppealDecision.appeal_id == Appeal.id)
            .group_by(Review.reviewer_id)
            .order_by(Review.reviewer_id)
        )
        if reviewer_id is not None:
            query = query.where(Review.reviewer_id == reviewer_id)
        with Session(self.engine) as session:
            return [OverturnRate(rid, int(n), int(o or 0)) for rid, n, o in session.execute(query)]


def _bounded(reason: str, doing: str) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > MAX_REASON:
        raise Refused(f"a reason for {doing} is required (at most {MAX_REASON} characters)")
    return reason


def _view(session: Session, appeal: Appeal, decision: AppealDecision | None) -> AppealView:
    return AppealView(
        appeal.id,
        appeal.contribution_id,
        appeal.author_id,
        text_of(session, appeal.reason_sha256),
        appeal.appealed_at,
        appeal.log_index,
        decision.outcome if decision else None,
        decision.decided_by if decision else None,
        text_of(session, decision.reason_sha256) if decision else None,
        decision.decided_at if decision else None,
        decision.log_index if decision else None,
    )
