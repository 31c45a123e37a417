"""Adjudication of work the minimum-alpha rule held back from acceptance (issue 14, part 5).

When a task's agreement is below the governed minimum, a review outcome that would accept an answer
to one of its items puts it into adjudication instead (coop.work.adjudication_gate): nothing is
accepted or paid. A reviewer who took no part in its reviews, is not its author and declared no
conflict with the author (coop.work.deciders, the appeals' rule) decides: *accepted* goes through
ReviewService's own acceptance path (logged, receipted and paid as any acceptance), *rejected*
rejects it (the author may then appeal, as any rejection). The decision is an insert-only row,
logged as `contribution.adjudication-decided`, its reason kept beside the log by its SHA-256.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.statements import text_of
from coop.work import deciders
from coop.work.adjudication_models import Adjudication, AdjudicationDecision, AdjudicationOutcome
from coop.work.models import Contribution, Task
from coop.work.reviews import ReviewService
from provenance.service import ProvenanceLog

__all__ = ["MAX_REASON", "AdjudicationService", "AdjudicationView"]

MAX_REASON = 2000
OUTCOMES: tuple[AdjudicationOutcome, ...] = ("accepted", "rejected")


@dataclass(frozen=True)
class AdjudicationView:
    id: str
    contribution_id: str
    task_id: str
    task_title: str
    reason: str  # why it was held: the rule's words
    policy_version: int
    opened_at: datetime
    log_index: int
    outcome: AdjudicationOutcome | None
    decided_by: str | None
    decision_reason: str | None  # None once the text kept beside the log has been erased
    decided_at: datetime | None
    decision_log_index: int | None


class AdjudicationService:
    def __init__(
        self, engine: Engine, log: ProvenanceLog, reviews: ReviewService, clock: Callable[[], datetime] = utcnow
    ):
        self.engine = engine
        self.log = log
        self.reviews = reviews
        self.clock = clock

    def decide(self, reviewer: Principal, adjudication_id: str, outcome: str, reason: str) -> AdjudicationView:
        """Decide an open adjudication; accepting accepts the work as the acceptance rule would."""
        _require_reviewer(reviewer)
        if outcome not in OUTCOMES:
            raise Refused("the outcome is 'accepted' or 'rejected'")
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason or len(reason) > MAX_REASON:
            raise Refused(f"a reason for deciding is required (at most {MAX_REASON} characters)")
        with write_session(self.engine) as session, session.begin():
            held = session.get(Adjudication, adjudication_id)
            if held is None:
                raise NotFound(f"no adjudication {adjudication_id}")
            row = session.get(Contribution, held.contribution_id, with_for_update=True)  # one decision at a time
            assert row is not None  # a foreign key
            if session.get(AdjudicationDecision, adjudication_id) is not None:
                raise Conflict("this adjudication has already been decided")
            now, reason_sha256, index = deciders.log_decision(
                session,
                self.log,
                self.clock,
                reviewer.account_id,
                row,
                "adjudication",
                "contribution.adjudication-decided",
                {"adjudication": adjudication_id},
                outcome,
                reason,
            )
            decision = AdjudicationDecision(
                adjudication_id=adjudication_id,
                decided_by=reviewer.account_id,
                outcome=outcome,
                reason_sha256=reason_sha256,
                decided_at=now,
                log_index=index,
            )
            session.add(decision)
            if outcome == "accepted":
                self.reviews.accept_in(session, row)
            else:
                row.status = "rejected"
            session.flush()
            view = _view(session, held, decision)
            task_id = row.task_id
        if outcome == "accepted":
            self.reviews.tasks.check_flag(task_id)
        return view

    def open_adjudications(self, reviewer: Principal) -> list[AdjudicationView]:
        """Undecided adjudications this reviewer may decide (coop.work.deciders), oldest first."""
        _require_reviewer(reviewer)
        query = (
            select(Adjudication)
            .join(Contribution, Contribution.id == Adjudication.contribution_id)
            .where(
                ~select(AdjudicationDecision.adjudication_id)
                .where(AdjudicationDecision.adjudication_id == Adjudication.id)
                .exists(),
                deciders.took_no_part(reviewer.account_id, Contribution.id, Contribution.author_id),
            )
            .order_by(Adjudication.log_index)
        )
        with Session(self.engine) as session:
            return [_view(session, held, None) for held in session.scalars(query)]

    def get(self, principal: Principal, adjudication_id: str) -> AdjudicationView:
        """An adjudication, for the author of the work held or a reviewer."""
        with Session(self.engine) as session:
            held = session.get(Adjudication, adjudication_id)
            row = session.get(Contribution, held.contribution_id) if held else None
            if (
                held is None
                or row is None
                or not (row.author_id == principal.account_id or principal.has_role("reviewer"))
            ):
                raise NotFound(f"no adjudication {adjudication_id}")
            return _view(session, held, session.get(AdjudicationDecision, adjudication_id))


def _require_reviewer(principal: Principal) -> None:
    if not principal.has_role("reviewer"):
        raise NotAllowed("only reviewers decide adjudications")


def _view(session: Session, held: Adjudication, decision: AdjudicationDecision | None) -> AdjudicationView:
    task = session.get(Task, held.task_id)
    assert task is not None  # a foreign key
    return AdjudicationView(
        held.id,
        held.contribution_id,
        held.task_id,
        task.title,
        held.reason,
        held.policy_version,
        held.opened_at,
        held.log_index,
        decision.outcome if decision else None,
        decision.decided_by if decision else None,
        text_of(session, decision.reason_sha256) if decision else None,
        decision.decided_at if decision else None,
        decision.log_index if decision else None,
    )
