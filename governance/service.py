"""Proposals and signed ballots: open a proposal under the governance rules in force, take part in
its discussion, cast a ballot signed by the voter's key. Closing a vote on time is
`governance.closing`; what a member sees of a proposal is `governance.views` (reading never writes).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.membership.keys import KeyService
from coop.membership.models import Member
from coop.statements import MAX_BALLOTS_PER_VOTER, check_input, store_text
from governance import proposal_rules
from governance.closing import Admissions, VoteCloser
from governance.models import BallotRecord, Proposal, ProposalComment, ProposalEligible
from governance.policies import PolicyService
from governance.recount import eligible_order
from governance.tally import how_to_vote, vote_check
from governance.views import (
    ProposalView,
    eligible_members,
    latest_vote,
    proposal_view,
    proposal_views,
    voting_ended,
)
from provenance.core.canonical import canonical_json
from provenance.core.commitment import list_root
from provenance.core.signing import SignedStatement
from provenance.service import ProvenanceLog

__all__ = ["BALLOT_KIND", "GovernanceService", "ProposalView"]

BALLOT_KIND = "ballot"
CLOCK_SKEW = timedelta(minutes=5)


class GovernanceService:
    def __init__(
        self,
        engine: Engine,
        log: ProvenanceLog,
        policies: PolicyService,
        keys: KeyService,
        admissions: Admissions,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.engine = engine
        self.log = log
        self.policies = policies
        self.keys = keys
        self.clock = clock
        self.closer = VoteCloser(engine, log, policies, admissions, clock)

    # -- proposing -------------------------------------------------------------------------

    def propose(
        self,
        proposer: Principal,
        kind: str,
        title: str,
        description: str,
        options: Mapping[str, Any],
        voting_minutes: int | None = None,
        effective_at: datetime | None = None,
    ) -> ProposalView:
        if not proposer.in_good_standing:
            raise NotAllowed("only members in good standing propose")
        now = self.clock()
        rules = self.policies.in_force("governance-rules", now)
        try:
            method = proposal_rules.check_options(kind, options)
            threshold = proposal_rules.threshold_for(kind, rules.body)
        except Refused as error:
            raise Refused(str(error)) from error
        minutes = voting_minutes or int(rules.body["voting_period_hours"]) * 60
        if not int(rules.body["min_voting_minutes"]) <= minutes <= int(rules.body["max_voting_hours"]) * 60:
            raise Refused(
                f"the voting period must be {rules.body['min_voting_minutes']} minutes "
                f"to {rules.body['max_voting_hours']} hours (governance-rules v{rules.version})"
            )
        closes_at = now + timedelta(minutes=minutes)
        if effective_at is not None and effective_at < closes_at:
            raise Refused("a stated effective time must be after the vote closes")
        title = " ".join(title.split())
        if not 1 <= len(title) <= 200:
            raise Refused("title must be 1 to 200 characters")
        with write_session(self.engine) as session, session.begin():
            if kind == "admit-member":
                applicant = session.get(Member, options["member"])
                if applicant is None or applicant.status != "applicant":
                    raise Refused("an admission proposal names a current applicant")
            eligible = eligible_order(session.scalars(select(Member.account_id).where(Member.status == "member")))
            proposal_id = uuid.uuid4().hex
            logged_options = dict(options)
            if kind == "resolution":  # the wording is kept beside the log, which carries its hash
                logged_options = {"text_sha256": store_text(session, options["text"], self.clock)}
            body = {
                "proposal": proposal_id,
                "kind": kind,
                "method": method,
                "options": logged_options,
                "policy": proposal_rules.policy_name(kind, options),
                "quorum_bps": int(rules.body["quorum_bps"]),
                "threshold": threshold,
                "opens_at": now.isoformat(),
                "closes_at": closes_at.isoformat(),
                "effective_at": effective_at.isoformat() if effective_at else None,
                "eligible_count": len(eligible),
                "eligible_root": list_root(eligible),
                "rules": rules.ref,
                "proposer": proposer.account_id,
            }
            check_input("proposal.opened", body)
            index = self._log(session, "proposal.opened", body)
            session.add(
                Proposal(
                    id=proposal_id,
                    kind=kind,
                    title=title,
                    description=description.strip()[:10_000],
                    proposer_id=proposer.account_id,
                    method=method,
                    options=canonical_json(dict(options)).decode(),
                    quorum_bps=int(rules.body["quorum_bps"]),
                    threshold=threshold,
                    opens_at=now,
                    closes_at=closes_at,
                    effective_at=effective_at,
                    eligible_count=len(eligible),
                    log_index=index,
                    status="open",
                )
            )
            session.flush()
            session.add_all(ProposalEligible(proposal_id=proposal_id, member_id=m) for m in eligible)
        return self.get(proposal_id)

    def comment(self, member: Principal, proposal_id: str, text: str) -> None:
        if not member.in_good_standing:
            raise NotAllowed("only members in good standing take part in the discussion")
        text = text.strip()
        if not 1 <= len(text) <= 5000:
            raise Refused("a comment is 1 to 5000 characters")
        with write_session(self.engine) as session, session.begin():
            if session.get(Proposal, proposal_id) is None:
                raise NotFound(f"no proposal {proposal_id}")
            session.add(
                ProposalComment(
                    proposal_id=proposal_id, author_id=member.account_id, body=text, created_at=self.clock()
                )
            )

    # -- voting ----------------------------------------------------------------------------

    def ballot_body(self, voter: Principal, proposal_id: str, vote: Any) -> dict[str, Any]:
        return {
            "proposal": proposal_id,
            "member": voter.account_id,
            "vote": vote,
            "cast_at": self.clock().replace(microsecond=0).isoformat(),
        }

    def vote_with_password(self, voter: Principal, proposal_id: str, vote: Any, password: str) -> int:
        statement = self.keys.sign_as(voter, password, BALLOT_KIND, self.ballot_body(voter, proposal_id, vote))
        return self.cast(voter, proposal_id, statement)

    def cast(self, voter: Principal, proposal_id: str, statement: SignedStatement) -> int:
        """Check and log a signed ballot; the last one a member casts before the close counts."""
        if statement.kind != BALLOT_KIND:
            raise Refused(f"a ballot is a '{BALLOT_KIND}' statement")
        _refuse_naive_cast_at(statement.body.get("cast_at"))  # before the schema's pattern, which says less
        check_input(BALLOT_KIND, statement.body)
        key = self.keys.verify_member_statement(statement)
        body = dict(statement.body)
        if (
            key.account_id != voter.account_id
            or body.get("member") != voter.account_id
            or set(body) != {"proposal", "member", "vote", "cast_at"}
        ):
            raise NotAllowed("a ballot is {proposal, member, vote, cast_at}, signed by the voter's own valid key")
        try:
            cast_at = datetime.fromisoformat(str(body["cast_at"]))
        except ValueError as error:
            raise Refused("cast_at is not an ISO 8601 time") from error
        now = self.clock()
        if abs(cast_at - now) > CLOCK_SKEW:
            raise Refused("the ballot's cast_at is not the current time; sign it again")
        digest = hashlib.sha256(canonical_json(body)).hexdigest()
        with write_session(self.engine) as session, session.begin():
            proposal = session.get(Proposal, proposal_id, with_for_update=True)
            if proposal is None or body["proposal"] != proposal_id:
                raise NotFound(f"no proposal {proposal_id}")
            if proposal.status != "open" or voting_ended(proposal, now):
                raise Conflict(f"voting closed at {proposal.closes_at.isoformat()}; this ballot is late")
            if session.get(ProposalEligible, (proposal_id, voter.account_id)) is None:
                raise NotAllowed("only members in good standing when the proposal opened may vote on it")
            if session.scalar(select(BallotRecord.id).where(BallotRecord.statement_sha256 == digest)) is not None:
                raise Conflict("this exact ballot was already cast (a replay); to change your vote, cast a new one")
            cast = session.scalar(
                select(func.count())
                .select_from(BallotRecord)
                .where(BallotRecord.proposal_id == proposal_id, BallotRecord.voter_id == voter.account_id)
            )
            # A member's ballots are bounded, so one member cannot flood the log.
            if int(cast or 0) >= MAX_BALLOTS_PER_VOTER:
                raise Conflict(
                    f"you have cast {MAX_BALLOTS_PER_VOTER} ballots on this proposal, the most one member may; "
                    "the last one counts"
                )
            choices = proposal_rules.choices(proposal.method, json.loads(proposal.options))
            if vote_check(proposal.method, choices)(_as_vote(body["vote"])):
                raise Refused(how_to_vote(proposal.method, choices))
            index = self.log.append_in_transaction(session.connection(), [statement])[0]
            # Read after the log's head lock: no revocation can slip in before this entry.
            if self.keys.ended(session, key.key_id):
                raise Conflict(
                    f"key {key.key_id} was revoked or rotated as this ballot was cast; "
                    "sign it again with your current key"
                )
            session.add(
                BallotRecord(
                    proposal_id=proposal_id,
                    voter_id=voter.account_id,
                    vote=canonical_json(body["vote"]).decode(),
                    cast_at=cast_at,
                    statement_sha256=digest,
                    log_index=index,
                )
            )
            return index

    # -- closing ---------------------------------------------------------------------------

    def close_due(self) -> list[str]:
        """Close every proposal whose time is up (the ticker's and `coop governance close-due`'s step)."""
        return self.closer.close_due()

    # -- reading ---------------------------------------------------------------------------

    def get(self, proposal_id: str) -> ProposalView:
        with Session(self.engine) as session:
            proposal = session.get(Proposal, proposal_id)
            if proposal is None:
                raise NotFound(f"no proposal {proposal_id}")
            return proposal_view(session, proposal, self.clock(), with_comments=True)

    def eligible(self, proposal_id: str) -> list[str]:
        """The members eligible to vote on a proposal, in the canonical order its logged root is over.
        Public: anyone may check it against the `proposal.opened` entry's eligible_count and eligible_root."""
        with Session(self.engine) as session:
            if session.get(Proposal, proposal_id) is None:
                raise NotFound(f"no proposal {proposal_id}")
            return eligible_members(session, proposal_id)

    def my_vote(self, voter: Principal, proposal_id: str) -> Any:
        with Session(self.engine) as session:
            return latest_vote(session, proposal_id, voter.account_id)

    def _log(self, session: Session, kind: str, body: dict[str, Any]) -> int:
        return self.log.append_coop_statement(session.connection(), kind, body)

    def list(
        self, status: str | None = None
    ) -> list[ProposalView]:  # last: the name shadows `list` in the annotations after it
        with Session(self.engine) as session:
            return proposal_views(session, status, self.clock())


def _as_vote(vote: Any) -> Any:
    """A ranking arrives from JSON as a list; the ballot checks (like the tally) take it as a tuple."""
    return tuple(vote) if isinstance(vote, list) else vote


def _refuse_naive_cast_at(value: Any) -> None:
    """A ballot's time must say its timezone: without one it names no instant (docs/signed-statements.md)."""
    try:
        naive = isinstance(value, str) and datetime.fromisoformat(value).tzinfo is None
    except ValueError:
        return  # not a time at all: the schema check says so
    if naive:
        raise Refused(f"cast_at {value[:40]!r} has no timezone: sign it with one, e.g. 2026-01-31T12:00:00Z or +00:00")
