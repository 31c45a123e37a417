"""JSON API for proposals, discussion, ballots and recounts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from coop.kernel.errors import Refused
from governance.recount import recount_log
from governance.service import GovernanceService, ProposalView
from provenance.core.commitment import list_root
from provenance.service import ProvenanceLog
from web import auth
from web.auth import SignedIn
from web.inputs import AwareTime, Small, moment
from web.signed_bodies import BallotIn


class ProposalIn(msgspec.Struct):
    kind: str
    title: str
    options: dict[str, Any]
    description: str = ""
    voting_minutes: Small | None = None
    effective_at: AwareTime | None = None


class CommentIn(msgspec.Struct):
    text: str


def proposal_json(p: ProposalView) -> dict[str, Any]:
    data = asdict(p)
    for key in ("opens_at", "closes_at", "effective_at"):
        data[key] = data[key].isoformat() if data[key] else None
    data["comments"] = [{**c, "at": c["at"].isoformat()} for c in p.comments]
    data["choices"], data["quorum_needed"] = p.choices, p.quorum_needed
    return data


class ProposalsApi(Controller):
    path = "/api/proposals"
    tags = ["governance"]
    guards = [auth.member]

    @get("/", summary="Proposals (open, closed or adopted)", sync_to_thread=True)
    def list_proposals(
        self, governance: NamedDependency[GovernanceService], status: FromQuery[str | None] = None
    ) -> list[dict[str, Any]]:
        return [proposal_json(p) for p in governance.list(status)]

    @post("/", summary="Propose", sync_to_thread=True)
    def propose(
        self, principal: SignedIn, governance: NamedDependency[GovernanceService], data: JSONBody[ProposalIn]
    ) -> dict[str, Any]:
        view = governance.propose(
            principal,
            data.kind,
            data.title,
            data.description,
            data.options,
            data.voting_minutes,
            moment(data.effective_at, "effective_at"),
        )
        return proposal_json(view)

    @get("/{proposal_id:str}", sync_to_thread=True)
    def get_one(self, governance: NamedDependency[GovernanceService], proposal_id: FromPath[str]) -> dict[str, Any]:
        return proposal_json(governance.get(proposal_id))

    @post("/{proposal_id:str}/comments", sync_to_thread=True)
    def comment(
        self,
        principal: SignedIn,
        governance: NamedDependency[GovernanceService],
        proposal_id: FromPath[str],
        data: JSONBody[CommentIn],
    ) -> dict[str, Any]:
        governance.comment(principal, proposal_id, data.text)
        return {"ok": True}

    @post(
        "/{proposal_id:str}/ballots",
        summary="Vote: {vote, password} with a custodial key, or {statement} signed by my own key",
        sync_to_thread=True,
    )
    def vote(
        self,
        principal: SignedIn,
        governance: NamedDependency[GovernanceService],
        proposal_id: FromPath[str],
        data: JSONBody[BallotIn],
    ) -> dict[str, Any]:
        if data.statement is not None:
            index = governance.cast(principal, proposal_id, data.statement.signed())
        elif data.password is not None and data.vote is not None:
            index = governance.vote_with_password(principal, proposal_id, data.vote, data.password)
        else:
            raise Refused("send {vote, password} (custodial key) or {statement} (a ballot signed by your own key)")
        return {"log_index": index}


class ProposalListsApi(Controller):
    """Lists the log commits to by count and Merkle root, public like the log itself."""

    path = "/api/proposals"
    tags = ["governance"]

    @get(
        "/{proposal_id:str}/eligible",
        summary="The members eligible to vote (sorted ids; the log holds their count and root)",
        sync_to_thread=True,
    )
    def eligible(self, governance: NamedDependency[GovernanceService], proposal_id: FromPath[str]) -> dict[str, Any]:
        members = governance.eligible(proposal_id)
        return {
            "proposal": proposal_id,
            "order": "sorted member ids; each Merkle leaf is the id's canonical JSON",
            "count": len(members),
            "root": list_root(members),
            "eligible": members,
        }

    @get(
        "/{proposal_id:str}/recount",
        summary="Recount from the provenance log and the eligible list it commits to (anyone)",
        description="Public, like the log it reads: the tally recomputed from the logged opening, the "
        "co-op-acknowledged member keys and the signed ballots, beside the logged result. "
        "Offline, without this service: `coop governance recount --from URL` replays GET /log/entries.",
        sync_to_thread=True,
    )
    def recount(
        self,
        governance: NamedDependency[GovernanceService],
        log: NamedDependency[ProvenanceLog],
        proposal_id: FromPath[str],
    ) -> dict[str, Any]:
        result = recount_log(log, proposal_id, governance.eligible(proposal_id))
        return {
            "computed": result.computed,
            "logged": result.logged,
            "matches": result.matches,
            "ignored": result.ignored,
        }


GOVERNANCE_API = [ProposalsApi, ProposalListsApi]
