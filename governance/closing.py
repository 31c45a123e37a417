"""Closing votes on time: tally from the logged ballots, log the result, enact an adopted proposal
as the next policy version (or admit the applicant) — with no steward step in between.

Closing is a write, so only two callers do it: the app's background ticker (`CloseDueTicker` in
web/app.py, under leadership, every few seconds) and `coop governance close-due`. Reading a
proposal never closes it (`governance.views` shows a due one as "counting"). The row lock makes
each close happen exactly once, however many callers race.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import write_session
from coop.kernel.errors import Conflict
from governance import proposal_rules
from governance.models import Proposal
from governance.policies import PolicyService
from governance.recount import logged_result, tally_proposal
from governance.views import eligible_members, logged_ballots
from provenance.core.canonical import canonical_json
from provenance.core.entry import parse_leaf
from provenance.service import ProvenanceLog


class Admissions(Protocol):
    """What governance asks of membership when the members vote an applicant in (wired in
    web/runtime.py: the MembershipService). Raises Conflict when the account is no longer an applicant."""

    def admit_by_vote(self, account_id: str, proposal_id: str) -> int: ...


class VoteCloser:
    def __init__(
        self,
        engine: Engine,
        log: ProvenanceLog,
        policies: PolicyService,
        admissions: Admissions,
        clock: Callable[[], datetime],
    ):
        self.engine = engine
        self.log = log
        self.policies = policies
        self.admissions = admissions
        self.clock = clock

    def close_due(self) -> list[str]:
        """Close every proposal whose time is up; return their ids. Safe to call any number of times."""
        with Session(self.engine) as session:
            due = list(
                session.scalars(
                    select(Proposal.id).where(Proposal.status == "open", Proposal.closes_at <= self.clock())
                )
            )
        return [pid for pid in due if self._close(pid)]

    def _close(self, proposal_id: str) -> bool:
        enact: tuple[str, dict[str, Any], datetime] | None = None
        admit: str | None = None
        with write_session(self.engine) as session, session.begin():
            proposal = session.get(Proposal, proposal_id, with_for_update=True)
            if proposal is None or proposal.status != "open" or proposal.closes_at > self.clock():
                return False
            opened = parse_leaf(
                self.log.entry(proposal.log_index)
            ).body  # tally exactly what was logged (and committed to)
            result = tally_proposal(
                opened, eligible_members(session, proposal_id), logged_ballots(session, proposal_id)
            )
            logged = {
                "proposal": proposal_id,
                "result": logged_result(result),
                "closed_at": proposal.closes_at.isoformat(),
            }
            index = self.log.append_coop_statement(session.connection(), "proposal.result", logged)
            proposal.status, proposal.result, proposal.result_log_index = (
                "closed",
                canonical_json(result).decode(),
                index,
            )
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
                self.admissions.admit_by_vote(admit, proposal_id)
                self._mark_enacted(proposal_id, f"admitted {admit}")
            except Conflict as error:
                self._mark_enacted(proposal_id, f"not enacted: {error}")
        return True

    def _mark_enacted(self, proposal_id: str, what: str) -> None:
        with write_session(self.engine) as session, session.begin():
            proposal = session.get(Proposal, proposal_id)
            assert proposal is not None
            proposal.enacted = what
