"""Proposals, signed ballots, and closing on time: tally from the logged ballots, log the result,
enact an adopted proposal as the next policy version — with no steward step in between.

Closing is driven by time alone: whoever touches a due proposal first (a page view, a vote attempt,
the app's background ticker or `coop governance close-due`) closes it; the row lock makes that
happen exactly once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, Refused, NotFound, NotAllowed
from coop.membership.keys import KeyService
from coop.membership.models import Member
from coop.kernel.principal import Principal
from coop.membership.service import MembershipService
from coop.statements import MAX_BALLOTS_PER_VOTER, check_input, store_text

from governance import proposal_rules
from governance.ballots import Ballot
from governance.models import BallotRecord, Proposal, ProposalComment, ProposalEligible
from governance.policies import PolicyService
from governance.recount import eligible_order, logged_result, tally_proposal
from provenance.core.commitment import list_root
from provenance.core.canonical import canonical_json
from provenance.core.entry import parse_leaf
from provenance.core.signing import SignedStatement
from provenance.service import ProvenanceLog

BALLOT_KIND = "ballot"
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ProposalView:
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
        if self.method == "ranked":
            return [d["label"] for d in self.options["drafts"]]
        return ["yes", "no", "abstain"]

    @property
    def quorum_needed(self) -> int:
        return max(1, -(-self.quorum_bps * self.eligible_count // 10_000))


class GovernanceService:
    def __init__(self, engine: Engine, log: ProvenanceLog, policies: PolicyService, keys: KeyService, members: MembershipService, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.log = log
        self.policies = policies
        self.keys = keys
        self.members = members
        self.clock = clock

    # -- proposing -------------------------------------------------------------------------

    def propose(self, proposer: Principal, kind: str, title: str, description: str, options: Mapping[str, Any],
                voting_minutes: int | None = None, effective_at: datetime | None = None) -> ProposalView:
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
            raise Refused(f"the voting period must be {rules.body['min_voting_minutes']} minutes to {rules.body['max_voting_hours']} hours (governance-rules v{rules.version})")
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
                "proposal": proposal_id, "kind": kind, "method": method, "options": logged_options, "policy": proposal_rules.policy_name(kind, options),
                "quorum_bps": int(rules.body["quorum_bps"]), "threshold": threshold, "opens_at": now.isoformat(), "closes_at": closes_at.isoformat(),
                "effective_at": effective_at.isoformat() if effective_at else None, "eligible_count": len(eligible), "eligible_root": list_root(eligible), "rules": rules.ref, "proposer": proposer.account_id,
            }
            check_input("proposal.opened", body)
            index = self._log(session, "proposal.opened", body)
            session.add(Proposal(
                id=proposal_id, kind=kind, title=title, description=description.strip()[:10_000], proposer_id=proposer.account_id, method=method,
                options=canonical_json(dict(options)).decode(), quorum_bps=int(rules.body["quorum_bps"]), threshold=threshold, opens_at=now,
                closes_at=closes_at, effective_at=effective_at, eligible_count=len(eligible), log_index=index, status="open",
            ))
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
            session.add(ProposalComment(proposal_id=proposal_id, author_id=member.account_id, body=text, created_at=self.clock()))

    # -- voting ----------------------------------------------------------------------------

    def ballot_body(self, voter: Principal, proposal_id: str, vote: Any) -> dict[str, Any]:
        return {"proposal": proposal_id, "member": voter.account_id, "vote": vote, "cast_at": self.clock().replace(microsecond=0).isoformat()}

    def vote_with_password(self, voter: Principal, proposal_id: str, vote: Any, password: str) -> int:
        statement = self.keys.sign_as(voter, password, BALLOT_KIND, self.ballot_body(voter, proposal_id, vote))
        return self.cast(voter, proposal_id, statement)

    def cast(self, voter: Principal, proposal_id: str, statement: SignedStatement) -> int:
        """Check and log a signed ballot; the last one a member casts before the close counts."""
        self.close_due()
        if statement.kind != BALLOT_KIND:
            raise Refused(f"a ballot is a '{BALLOT_KIND}' statement")
        check_input(BALLOT_KIND, statement.body)
        key = self.keys.verify_member_statement(statement)
        body = dict(statement.body)
        if key.account_id != voter.account_id or body.get("member") != voter.account_id or set(body) != {"proposal", "member", "vote", "cast_at"}:
            raise NotAllowed("a ballot is {proposal, member, vote, cast_at}, signed by the voter's own valid key")
        try:
            cast_at = datetime.fromisoformat(str(body["cast_at"]))
        except ValueError as error:
            raise Refused("cast_at is not an ISO 8601 time") from error
        now = self.clock()
        if cast_at.tzinfo is None or abs(cast_at - now) > CLOCK_SKEW:
            raise Refused("the ballot's cast_at is not the current time; sign it again")
        digest = hashlib.sha256(canonical_json(body)).hexdigest()
        with write_session(self.engine) as session, session.begin():
            proposal = session.get(Proposal, proposal_id, with_for_update=True)
            if proposal is None or body["proposal"] != proposal_id:
                raise NotFound(f"no proposal {proposal_id}")
            if proposal.status != "open" or now > proposal.closes_at:
                raise Conflict(f"voting closed at {proposal.closes_at.isoformat()}; this ballot is late")
            if session.get(ProposalEligible, (proposal_id, voter.account_id)) is None:
                raise NotAllowed("only members in good standing when the proposal opened may vote on it")
            if session.scalar(select(BallotRecord.id).where(BallotRecord.statement_sha256 == digest)) is not None:
                raise Conflict("this exact ballot was already cast (a replay); to change your vote, cast a new one")
            cast = session.scalar(select(func.count()).select_from(BallotRecord).where(BallotRecord.proposal_id == proposal_id, BallotRecord.voter_id == voter.account_id))
            if int(cast or 0) >= MAX_BALLOTS_PER_VOTER:  # a member's ballots are bounded, so one member cannot flood the log
                raise Conflict(f"you have cast {MAX_BALLOTS_PER_VOTER} ballots on this proposal, the most one member may; the last one counts")
            choices = _view(session, proposal).choices
            _check_vote(proposal.method, body["vote"], choices)
            index = self.log.append_in_transaction(session.connection(), [statement])[0]
            if self.keys.ended(session, key.key_id):  # read after the log's head lock: no revocation can slip in before this entry
                raise Conflict(f"key {key.key_id} was revoked or rotated as this ballot was cast; sign it again with your current key")
            session.add(BallotRecord(proposal_id=proposal_id, voter_id=voter.account_id, vote=canonical_json(body["vote"]).decode(),
                                     cast_at=cast_at, statement_sha256=digest, log_index=index))
            return index

    # -- closing ---------------------------------------------------------------------------

    def close_due(self) -> list[str]:
        """Close every proposal whose time is up. Safe to call from anywhere, any number of times."""
        with Session(self.engine) as session:
            due = list(session.scalars(select(Proposal.id).where(Proposal.status == "open", Proposal.closes_at <= self.clock())))
        return [pid for pid in due if self._close(pid)]

    def _close(self, proposal_id: str) -> bool:
        enact: tuple[str, dict[str, Any], datetime] | None = None
        admit: str | None = None
        with write_session(self.engine) as session, session.begin():
            proposal = session.get(Proposal, proposal_id, with_for_update=True)
            if proposal is None or proposal.status != "open" or proposal.closes_at > self.clock():
                return False
            opened = parse_leaf(self.log.entry(proposal.log_index)).body  # tally exactly what was logged (and committed to)
            result = tally_proposal(opened, _eligible(session, proposal_id), _ballots(session, proposal_id))
            logged = {"proposal": proposal_id, "result": logged_result(result), "closed_at": proposal.closes_at.isoformat()}
            index = self._log(session, "proposal.result", logged)
            proposal.status, proposal.result, proposal.result_log_index = "closed", canonical_json(result).decode(), index
            options = json.loads(proposal.options)
            if result["outcome"] in ("adopted", "elected"):
                name = proposal_rules.policy_name(proposal.kind, options)
                body = proposal_rules.adopted_body(proposal.kind, options, result.get("winner"))
                if name and body is not None:
                    enact = (name, body, proposal.effective_at or proposal.closes_at)
                elif proposal.kind == "admit-member":
                    admit = options["member"]
        # Enactment follows the logged result, in its own logged step: the next policy version.
        if enact is not None:
            policy = self.policies.adopt(enact[0], enact[1], enact[2], f"proposal:{proposal_id}")
            self._mark_enacted(proposal_id, f"{policy.name} v{policy.version}")
        if admit is not None:
            try:
                self.members._admit(admit, admitted_by=f"proposal:{proposal_id}", roles=("member",))
                self._mark_enacted(proposal_id, f"admitted {admit}")
            except Conflict as error:
                self._mark_enacted(proposal_id, f"not enacted: {error}")
        return True

    def _mark_enacted(self, proposal_id: str, what: str) -> None:
        with write_session(self.engine) as session, session.begin():
            proposal = session.get(Proposal, proposal_id)
            assert proposal is not None
            proposal.enacted = what

    # -- reading ---------------------------------------------------------------------------

    def get(self, proposal_id: str) -> ProposalView:
        self.close_due()
        with Session(self.engine) as session:
            proposal = session.get(Proposal, proposal_id)
            if proposal is None:
                raise NotFound(f"no proposal {proposal_id}")
            return _view(session, proposal, with_comments=True)

    def list(self, status: str | None = None) -> list[ProposalView]:
        self.close_due()
        with Session(self.engine) as session:
            query = select(Proposal).order_by(Proposal.opens_at.desc())
            if status in ("open", "closed"):
                query = query.where(Proposal.status == status)
            views = [_view(session, p) for p in session.scalars(query)]
        if status == "adopted":
            views = [v for v in views if v.result and v.result["outcome"] in ("adopted", "elected")]
        return views

    def eligible(self, proposal_id: str) -> list[str]:
        """The members eligible to vote on a proposal, in the canonical order its logged root is over.
        Public: anyone may check it against the `proposal.opened` entry's eligible_count and eligible_root."""
        with Session(self.engine) as session:
            if session.get(Proposal, proposal_id) is None:
                raise NotFound(f"no proposal {proposal_id}")
            return _eligible(session, proposal_id)

    def my_vote(self, voter: Principal, proposal_id: str) -> Any:
        with Session(self.engine) as session:
            row = session.scalar(select(BallotRecord).where(BallotRecord.proposal_id == proposal_id, BallotRecord.voter_id == voter.account_id).order_by(BallotRecord.log_index.desc()).limit(1))
            return json.loads(row.vote) if row else None

    def _log(self, session: Session, kind: str, body: dict[str, Any]) -> int:
        return self.log.append_coop_statement(session.connection(), kind, body)


def _check_vote(method: str, vote: Any, choices: list[str]) -> None:
    if method == "ranked":
        if not isinstance(vote, list) or not vote or len(set(vote)) != len(vote) or not set(vote) <= set(choices):
            raise Refused(f"rank one or more of {', '.join(choices)}, each at most once")
    elif vote not in choices:
        raise Refused(f"vote one of {', '.join(choices)}")


def _eligible(session: Session, proposal_id: str) -> list[str]:
    return eligible_order(session.scalars(select(ProposalEligible.member_id).where(ProposalEligible.proposal_id == proposal_id)))


def _ballots(session: Session, proposal_id: str) -> list[Ballot]:
    rows = session.scalars(select(BallotRecord).where(BallotRecord.proposal_id == proposal_id).order_by(BallotRecord.log_index))
    return [Ballot(r.log_index, r.voter_id, r.cast_at, json.loads(r.vote)) for r in rows]


def _view(session: Session, p: Proposal, with_comments: bool = False) -> ProposalView:
    turnout = int(session.scalar(select(func.count(func.distinct(BallotRecord.voter_id))).where(BallotRecord.proposal_id == p.id)) or 0)
    comments = []
    if with_comments:
        from coop.membership.models import Account

        for c in session.scalars(select(ProposalComment).where(ProposalComment.proposal_id == p.id).order_by(ProposalComment.id)):
            author = session.get(Account, c.author_id)
            comments.append({"author": author.display_name if author else "?", "body": c.body, "at": c.created_at})
    options = json.loads(p.options)
    return ProposalView(
        p.id, p.kind, p.title, p.description, p.proposer_id, p.method, options, proposal_rules.policy_name(p.kind, options), p.quorum_bps,
        p.threshold, p.opens_at, p.closes_at, p.effective_at, p.eligible_count, turnout, p.status,
        json.loads(p.result) if p.result else None, p.result_log_index, p.enacted, p.log_index, comments,
    )
