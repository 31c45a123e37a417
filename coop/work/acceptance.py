"""Acceptance into the log: the co-op countersigns {author statement, review digest, rubric version,
pay-floor version}, the author gets a receipt and the ledger posts the base pay — or, when the
minimum-alpha rule holds the work back (coop.work.adjudication_gate), nothing is accepted or paid yet.

A part of ReviewService (coop.work.reviews), kept in its own module so each stays small; appeals and
adjudication accept through `accept_in`, so every acceptance is logged and paid the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.rules import review
from coop.work.adjudication_gate import hold_if_disagreed
from coop.work.ceiling_gate import refuse_if_held
from coop.work.models import Acceptance, Contribution, Review, Task
from governance.policies import PolicyService
from ledger.service import LedgerService
from provenance.core.canonical import canonical_json
from provenance.core.signing import b64
from provenance.service import ProvenanceLog

ACCEPTED_KIND = "contribution.accepted"


class AcceptanceSteps:
    """ReviewService's acceptance steps; the service sets these attributes."""

    log: ProvenanceLog
    policies: PolicyService
    ledger: LedgerService
    clock: Callable[[], datetime]

    def accept_in(self, session: Session, row: Contribution) -> None:
        """Accept `row` inside the caller's transaction exactly as the acceptance rule would (the same
        log entry, receipt and base pay): an appeal that overturns a rejection, or an adjudication that
        accepts, comes through here. The caller re-checks the task's flag (`tasks.check_flag`) once its
        transaction has committed."""
        task = session.get(Task, row.task_id)
        assert task is not None
        reviews = session.scalars(select(Review).where(Review.contribution_id == row.id).order_by(Review.id)).all()
        self._accept(session, row, task, task.rubric_version, reviews)

    def _accept_or_hold(
        self,
        session: Session,
        row: Contribution,
        task: Task,
        rubric_version: int,
        reviews: Sequence[Review],
        decision: review.Decision,
    ) -> review.Decision:
        """What an "accepted" outcome does: accept, unless the minimum-alpha rule holds the work for
        adjudication (then the outcome says so, and nothing is logged as accepted or paid)."""
        held = hold_if_disagreed(session, self.log, self.policies, row, self.clock())
        if held is not None:
            return review.Decision("adjudication", f"held for adjudication: {held}", decision.average_pct)
        self._accept(session, row, task, rubric_version, reviews)
        return decision

    def _accept(
        self, session: Session, row: Contribution, task: Task, rubric_version: int, reviews: Sequence[Review]
    ) -> None:
        """The co-op countersigns the author's own signed statement together with what judged it."""
        assert row.statement and row.public_key and row.signature
        # No base pay while the task waits for a second steward: its accepted pay plus this one's.
        refuse_if_held(
            session,
            task,
            self.clock(),
            adding=row.units * task.pay_per_unit,
            doing="paid for accepted work",
            in_review=False,
        )
        floor = self.policies.in_force("pay-floor", self.clock())
        digest = review_digest(reviews)
        body = {
            "statement": {
                "kind": "contribution",
                "body": json.loads(row.statement),
                "key": b64(row.public_key),
                "sig": b64(row.signature),
            },
            "review_digest": digest,
            "rubric": {"policy": f"rubric.{task.kind}", "version": rubric_version},
            "pay_floor": floor.ref,
            "pay": {"per_unit": task.pay_per_unit, "units": row.units, "currency": task.currency},
            "accepted_at": self.clock().isoformat(),
        }
        index = self.log.append_coop_statement(session.connection(), ACCEPTED_KIND, body)
        session.add(
            Acceptance(
                contribution_id=row.id,
                log_index=index,
                review_digest=digest,
                rubric_version=rubric_version,
                pay_floor_version=floor.version,
                pay_per_unit=task.pay_per_unit,
                currency=task.currency,
                accepted_at=self.clock(),
            )
        )
        row.status = "accepted"
        self.ledger.post_base_pay(
            session,
            contribution_id=row.id,
            author_id=row.author_id,
            amount=task.pay_per_unit * row.units,
            currency=task.currency,
            buyer_org_id=task.buyer_org_id,
            log_index=index,
        )


def review_digest(reviews: Sequence[Review]) -> str:
    """SHA-256 of the canonical list of (pseudonymous reviewer, scores): what the log commits to.
    Feedback text stays private: it may name people or quote the content."""
    items = [{"reviewer": r.reviewer_id, "scores": json.loads(r.scores)} for r in reviews]
    return hashlib.sha256(canonical_json(items)).hexdigest()
