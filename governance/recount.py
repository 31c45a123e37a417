"""Recount any vote from the provenance log alone (invariant 7).

Everything a tally needs is in the log, or committed to by it: the `proposal.opened` entry (method,
options, close time, quorum, threshold, and the count and Merkle root of the eligible members, whose
list is public at GET /api/proposals/{id}/eligible), every `ballot` entry (signed by a member key),
and the co-op's acknowledgements of member keys that say whose key signed each ballot. The eligible
list a recount is given must have the logged count and root, or the recount refuses it
(`EligibleMismatch`). The service closes votes with the same `tally_proposal` function and logs
`logged_result` of it, so a recount that differs from the logged result means the log or the
service is wrong — and says so.

What is trusted, given only the log and the co-op's public key (`GET /log/key`):
  - `proposal.opened` and `proposal.result` only when signed by the co-op key;
  - a member key only through a co-op-signed `member.key-acknowledged` entry (a key that registers
    itself proves possession, not membership), valid from the member's own registration or rotation
    entry it names until an acknowledged rotation replaces it or a co-op-signed
    `member.key-revocation` ends it. A ballot's time is its place in the log: it counts when its key
    was valid there;
  - a ballot only when such a key of the very member it names signed it.
Anything else that bears on the proposal is left out of the count and listed in `ignored`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from governance import proposal_rules
from governance.ballots import Ballot
from governance.tally import tally_ranked, tally_yes_no
from provenance import store
from provenance.core.commitment import list_root, mismatch
from provenance.core.entry import verify_leaf
from provenance.core.signing import b64
from provenance.service import ProvenanceLog

SCREENING = ("counted", "superseded", "rejected")  # the result's lists that grow with the membership


class RecountError(ValueError):
    pass


class EligibleMismatch(RecountError):
    """The eligible list given is not the one the proposal's log entry commits to."""


def eligible_order(eligible: Iterable[str]) -> list[str]:
    """The canonical order of an eligible list, the one its logged root is computed over: sorted ids."""
    return sorted(eligible)


def check_eligible(opened: Mapping[str, Any], eligible: Iterable[str]) -> list[str]:
    """The eligible list in canonical order, if it has the count and root the opening entry logged."""
    members = eligible_order(eligible)
    why = mismatch(
        members,
        int(opened["eligible_count"]),
        opened["eligible_root"],
        f"the eligible list of proposal {opened['proposal']}",
    )
    if why is not None:
        raise EligibleMismatch(f"refused: {why}; it is not the list the proposal was opened with")
    return members


def logged_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """What the log holds of a result: each screening list as its count and list_root, so the entry
    stays bounded however many members vote (the full result is the service's and a recount's report)."""
    return {k: ({"count": len(v), "root": list_root(v)} if k in SCREENING else v) for k, v in result.items()}


def tally_proposal(opened: Mapping[str, Any], eligible: Iterable[str], ballots: Iterable[Ballot]) -> dict[str, Any]:
    """The result of a proposal, from its logged opening statement, its eligible members (checked
    against the logged commitment) and its ballots."""
    closes_at = datetime.fromisoformat(opened["closes_at"])
    eligible = check_eligible(opened, eligible)
    if opened["method"] == "ranked":
        labels = proposal_rules.choices("ranked", opened["options"])
        return tally_ranked(
            ballots, options=labels, eligible=eligible, closes_at=closes_at, quorum_bps=int(opened["quorum_bps"])
        ).to_dict()
    threshold = proposal_rules.THRESHOLDS[opened["threshold"]]
    return tally_yes_no(
        ballots, eligible=eligible, closes_at=closes_at, quorum_bps=int(opened["quorum_bps"]), threshold=threshold
    ).to_dict()


@dataclass(frozen=True)
class Recount:
    proposal: str
    computed: dict[str, Any]
    logged: dict[str, Any] | None
    ignored: list[dict[str, Any]] = field(default_factory=list)  # {"entry": index, "reason": why}

    @property
    def matches(self) -> bool:
        return self.logged is not None and self.logged == logged_result(self.computed)


@dataclass(frozen=True)
class _Key:
    member: str
    key_id: str
    valid_from: int  # the log index of the member's own registration or rotation statement


def recount(
    entries: Iterable[tuple[int, bytes]], proposal_id: str, coop_key: bytes, eligible: Iterable[str]
) -> Recount:
    """Stream the log's (index, leaf) pairs once; verify and use only what bears on the proposal,
    trusting only what the module docstring says (`coop_key`: the co-op's public key; `eligible`:
    the member ids eligible to vote, in any order, refused unless the log commits to them). Ballots are
    matched to keys at the end, so an acknowledgement logged later (e.g. for a key registered before
    acknowledgements existed) still vouches for the key from the entry it names."""
    keys: dict[str, _Key] = {}  # base64 public key → whose key the co-op says it is, and since when
    ends: dict[str, int] = {}  # key id → the log index from which it no longer signs
    opened: dict[str, Any] | None = None
    logged: dict[str, Any] | None = None
    cast: list[tuple[int, str, Mapping[str, Any]]] = []
    ignored: list[dict[str, Any]] = []
    for index, leaf in entries:
        entry = verify_leaf(leaf)
        body, by_coop = entry.body, entry.public_key == coop_key
        if entry.kind == "member.key-acknowledged" and by_coop:
            keys[body["key"]] = _Key(body["member"], body["key_id"], body["entry"])
            if body["replaces"] is not None:
                ends[body["replaces"]] = min(ends.get(body["replaces"], index), body["entry"])
        elif entry.kind == "member.key-revocation" and by_coop:
            ends[body["key"]] = min(ends.get(body["key"], index), index)
        elif entry.kind in ("proposal.opened", "proposal.result", "ballot") and body.get("proposal") == proposal_id:
            if entry.kind == "ballot":
                cast.append((index, b64(entry.public_key), body))
            elif not by_coop:
                ignored.append({"entry": index, "reason": f"{entry.kind} not signed by the co-op key"})
            elif entry.kind == "proposal.opened":
                opened = body
            else:
                logged = body["result"]
    if opened is None:
        raise RecountError(f"the log has no proposal {proposal_id} signed by the co-op")
    ballots = []
    for index, public_key, signed in cast:
        key = keys.get(public_key)
        if (
            key is None
            or key.member != signed.get("member")
            or not key.valid_from < index < ends.get(key.key_id, index + 1)
        ):
            ignored.append(
                {
                    "entry": index,
                    "reason": "ballot not signed by a key the co-op acknowledged for its member, "
                    "valid at that point of the log",
                }
            )
        else:
            ballots.append(Ballot(index, key.member, datetime.fromisoformat(signed["cast_at"]), signed["vote"]))
    ignored.sort(key=lambda item: item["entry"])
    return Recount(proposal_id, tally_proposal(opened, eligible, ballots), logged, ignored)


def recount_log(log: ProvenanceLog, proposal_id: str, eligible: Iterable[str]) -> Recount:
    """Recount a proposal from this co-op's own log, read entry by entry (the API and the CLI both
    ask this; an outside verifier streams a copy of the log into `recount` the same way)."""
    with log.engine.connect() as conn:
        return recount(
            ((index, leaf) for index, _, leaf in store.iter_entries(conn)), proposal_id, log.public_key, eligible
        )
