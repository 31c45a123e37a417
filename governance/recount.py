"""Recount any vote from the provenance log alone (invariant 7).

Everything a tally needs is in the log: the `proposal.opened` entry (method, options, eligible
members, close time, quorum, threshold), every `ballot` entry (signed by a member key), and the
co-op's acknowledgements of member keys that say whose key signed each ballot. The service closes
votes with the same `tally_proposal` function, so a recount that differs from the logged result
means the log or the service is wrong — and says so.

What is trusted, given only the log and the co-op's public key (`GET /log/key`):
  - `proposal.opened` and `proposal.result` only when signed by the co-op key;
  - a member key only from a co-op-signed `member.key-acknowledged` entry on (a key that registers
    itself proves possession, not membership), until an acknowledged rotation replaces it or a
    co-op-signed `member.key-revocation` ends it — "as of" a ballot means earlier in the log;
  - a ballot only when such a key of the very member it names signed it.
Anything else that bears on the proposal is left out of the count and listed in `ignored`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    ignored: list[dict[str, Any]] = field(default_factory=list)  # {"entry": index, "reason": why}

    @property
    def matches(self) -> bool:
        return self.logged is not None and self.logged == self.computed


class RecountError(ValueError):
    pass


@dataclass
class _Key:
    member: str
    ended: bool = False


def recount(entries: Iterable[tuple[int, bytes]], proposal_id: str, coop_key: bytes) -> Recount:
    """Stream the log's (index, leaf) pairs once, in log order; verify and use only what bears on
    the proposal, trusting only what the module docstring says (`coop_key`: the co-op's public key)."""
    keys: dict[str, _Key] = {}  # base64 public key → the member it was acknowledged for
    by_id: dict[str, str] = {}  # key id → base64 public key
    opened: dict[str, Any] | None = None
    logged: dict[str, Any] | None = None
    ballots: list[Ballot] = []
    ignored: list[dict[str, Any]] = []
    for index, leaf in entries:
        entry = verify_leaf(leaf)
        body, by_coop = entry.body, entry.public_key == coop_key
        if entry.kind == "member.key-acknowledged" and by_coop:
            keys[body["key"]], by_id[body["key_id"]] = _Key(body["member"]), body["key"]
            if body["replaces"] in by_id:
                keys[by_id[body["replaces"]]].ended = True
        elif entry.kind == "member.key-revocation" and by_coop and body["key"] in by_id:
            keys[by_id[body["key"]]].ended = True
        elif entry.kind in ("proposal.opened", "proposal.result", "ballot") and body.get("proposal") == proposal_id:
            if entry.kind == "ballot":
                key = keys.get(b64(entry.public_key))
                if key is None or key.ended or key.member != body.get("member"):
                    ignored.append({"entry": index, "reason": "ballot not signed by a key the co-op acknowledged for its member, valid at that point of the log"})
                else:
                    ballots.append(Ballot(index, key.member, datetime.fromisoformat(body["cast_at"]), body["vote"]))
            elif not by_coop:
                ignored.append({"entry": index, "reason": f"{entry.kind} not signed by the co-op key"})
            elif entry.kind == "proposal.opened":
                opened = body
            else:
                logged = body["result"]
    if opened is None:
        raise RecountError(f"the log has no proposal {proposal_id} signed by the co-op")
    return Recount(proposal_id, tally_proposal(opened, ballots), logged, ignored)
