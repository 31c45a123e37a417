"""What a member sees of a proposal: read from the database, never written — reading a proposal
does not close its vote (the ticker or `coop governance close-due` does, in `governance.closing`).

So a proposal can be past its close time and not yet closed for a few seconds, until the next
tick; it is shown as "counting" then, with no ballot form: no ballot is accepted any more
(a ballot is late once the clock is past the close) and the result is not logged yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.membership.models import Account
from governance import proposal_rules
from governance.ballots import Ballot
from governance.models import BallotRecord, Proposal, ProposalComment, ProposalEligible
from governance.quorum import required_turnout
from governance.recount import eligible_order

OPEN, COUNTING, CLOSED = "open", "counting", "closed"


@dataclass(frozen=True)
class ProposalView:
    """A proposal as shown. `status` is "open" (voting), "counting" (voting ended, the result not
    logged yet) or "closed" (the result is logged)."""

    id: str
    kind: str
    title: str
    description: str
    proposer_id: str
    method: str
    options: dict[str, Any]
    policy: str | None
    quorum_bps: int
    threshold: str
    opens_at: datetime
    closes_at: datetime
    effective_at: datetime | None
    eligible_count: int
    turnout: int
    status: str
    result: dict[str, Any] | None
    result_log_index: int | None
    enacted: str | None
    log_index: int
    comments: list[dict[str, Any]]

    @property
    def choices(self) -> list[str]:
        return proposal_rules.choices(self.method, self.options)

    @property
    def quorum_needed(self) -> int:
        return required_turnout(self.eligible_count, self.quorum_bps)


def voting_ended(proposal: Proposal, now: datetime) -> bool:
    """Past the close: a ballot now is late (one cast exactly at the close still counts)."""
    return now > proposal.closes_at


def shown_status(proposal: Proposal, now: datetime) -> str:
    if proposal.status == OPEN and voting_ended(proposal, now):
        return COUNTING
    return proposal.status


def proposal_view(session: Session, p: Proposal, now: datetime, with_comments: bool = False) -> ProposalView:
    turnout = int(
        session.scalar(select(func.count(func.distinct(BallotRecord.voter_id))).where(BallotRecord.proposal_id == p.id))
        or 0
    )
    comments = []
    if with_comments:
        for c in session.scalars(
            select(ProposalComment).where(ProposalComment.proposal_id == p.id).order_by(ProposalComment.id)
        ):
            author = session.get(Account, c.author_id)
            comments.append({"author": author.display_name if author else "?", "body": c.body, "at": c.created_at})
    options = json.loads(p.options)
    return ProposalView(
        p.id,
        p.kind,
        p.title,
        p.description,
        p.proposer_id,
        p.method,
        options,
        proposal_rules.policy_name(p.kind, options),
        p.quorum_bps,
        p.threshold,
        p.opens_at,
        p.closes_at,
        p.effective_at,
        p.eligible_count,
        turnout,
        shown_status(p, now),
        json.loads(p.result) if p.result else None,
        p.result_log_index,
        p.enacted,
        p.log_index,
        comments,
    )


def proposal_views(session: Session, status: str | None, now: datetime) -> list[ProposalView]:
    """Newest first. "open": still taking ballots; "closed": result logged; "adopted": closed and
    adopted or elected; anything else: all of them."""
    query = select(Proposal).order_by(Proposal.opens_at.desc())
    if status == OPEN:
        query = query.where(Proposal.status == OPEN, Proposal.closes_at >= now)
    elif status == CLOSED:
        query = query.where(Proposal.status == CLOSED)
    views = [proposal_view(session, p, now) for p in session.scalars(query)]
    if status == "adopted":
        views = [v for v in views if v.result and v.result["outcome"] in ("adopted", "elected")]
    return views


def eligible_members(session: Session, proposal_id: str) -> list[str]:
    """In the canonical order the proposal's logged eligible root is over."""
    return eligible_order(
        session.scalars(select(ProposalEligible.member_id).where(ProposalEligible.proposal_id == proposal_id))
    )


def logged_ballots(session: Session, proposal_id: str) -> list[Ballot]:
    rows = session.scalars(
        select(BallotRecord).where(BallotRecord.proposal_id == proposal_id).order_by(BallotRecord.log_index)
    )
    return [Ballot(r.log_index, r.voter_id, r.cast_at, json.loads(r.vote)) for r in rows]


def latest_vote(session: Session, proposal_id: str, voter_id: str) -> Any:
    """The vote of the member's last ballot on the proposal (the one that counts), or None."""
    row = session.scalar(
        select(BallotRecord)
        .where(BallotRecord.proposal_id == proposal_id, BallotRecord.voter_id == voter_id)
        .order_by(BallotRecord.log_index.desc())
        .limit(1)
    )
    return json.loads(row.vote) if row else None
