"""Recount any vote from the provenance log alone (invariant 7).

Everything a tally needs is in the log: the `proposal.opened` entry (method, options, eligible
members, close time, quorum, threshold), every `ballot` entry (signed by a member key), and the
key registrations and rotations that say whose key signed each ballot. The service closes votes
with the same `tally_proposal` function, so a recount that differs from the logged result means
the log or the service is wrong — and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from governance import proposal_rules
from governance.ballots import Ballot
from governance.tally import tally_ranked, tally_yes_no
from provenance.core.entry import verify_leaf
from provenance.core.signing import b64


def tally_proposal(opened: Mapping[str, Any], ballots: Iterable[Ballot]) -> dict[str, Any]:
    """The result of a proposal, from its logged opening statement and its ballots."""
    closes_at = datetime.fromisoformat(opened["closes_at"])
    eligible = list(opened["eligible"])
    if opened["method"] == "ranked":
        labels = [d["label"] for d in opened["options"]["drafts"]]
        return tally_ranked(ballots, options=labels, eligible=eligible, closes_at=closes_at, quorum_bps=int(opened["quorum_bps"])).to_dict()
    threshold = proposal_rules.THRESHOLDS[opened["threshold"]]
    return tally_yes_no(ballots, eligible=eligible, closes_at=closes_at, quorum_bps=int(opened["quorum_bps"]), threshold=threshold).to_dict()


@dataclass(frozen=True)
class Recount:
    proposal: str
    computed: dict[str, Any]
    logged: dict[str, Any] | None

    @property
    def matches(self) -> bool:
        return self.logged is not None and self.logged == self.computed


class RecountError(ValueError):
    pass


def recount(entries: Iterable[tuple[int, bytes]], proposal_id: str) -> Recount:
    """Stream the log's (index, leaf) pairs once; verify and use only what bears on the proposal."""
    key_owner: dict[str, str] = {}  # base64 public key → member id
    opened: dict[str, Any] | None = None
    logged: dict[str, Any] | None = None
    ballots: list[Ballot] = []
    for index, leaf in entries:
        entry = verify_leaf(leaf)
        body = entry.body
        if entry.kind == "member.key-registration":
            key_owner[b64(entry.public_key)] = body["member"]
        elif entry.kind == "member.key-rotation" and key_owner.get(b64(entry.public_key)) == body.get("member"):
            key_owner[body["new_key"]] = body["member"]
        elif entry.kind == "proposal.opened" and body.get("proposal") == proposal_id:
            opened = body
        elif entry.kind == "ballot" and body.get("proposal") == proposal_id:
            voter = key_owner.get(b64(entry.public_key))
            if voter is None or voter != body.get("member"):
                raise RecountError(f"ballot at entry {index} is signed by a key not registered to its member")
            ballots.append(Ballot(index, voter, datetime.fromisoformat(body["cast_at"]), body["vote"]))
        elif entry.kind == "proposal.result" and body.get("proposal") == proposal_id:
            logged = body["result"]
    if opened is None:
        raise RecountError(f"the log has no proposal {proposal_id}")
    return Recount(proposal_id, tally_proposal(opened, ballots), logged)

