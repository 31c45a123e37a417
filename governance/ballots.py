"""Which logged ballots count: the screening every tally applies before it counts anything.

The rules for *which* ballots count are the same for every voting method, so they live here once;
only what a well-formed vote looks like differs, and the tally passes that check in (`VoteCheck`).

- One member, one vote: only members of the eligible set (fixed when the proposal opened) count.
- A member may change their vote until the close: of a member's valid ballots, the one with the
  highest log index counts; the earlier ones are reported as superseded. Log order, not the order
  the ballots are handed in and not the cast time, decides what "last" means — the log is the
  record anyone recounts from, so the input order can never change a result.
- A ballot is rejected, with every reason that applies, when it is
  `log_index_conflict` (another, different ballot claims the same log index: the input is not a log),
  `replay` (identical — voter, cast time and vote — to a ballot earlier in the log: a signed ballot
  re-submitted, or the same entry read twice; it counts once, through the first copy, and cannot
  overturn a change of vote made in between), `ineligible`, `late` (cast after the close; a ballot
  cast exactly at the close time still counts), or malformed (the method's own reasons).
  A rejected ballot is as if it had not been cast: it never supersedes a valid one, and nothing is
  silently repaired — "Yes" is not "yes".

`cast_at` is the time inside the signed ballot, so a replayed copy carries the original time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# A yes/no choice ("yes", "no", "abstain") or a ranking, most preferred first.
Vote = str | tuple[str, ...]


class Reason(StrEnum):
    """Why a ballot was rejected; the values are what the logged result and the portal show."""

    LOG_INDEX_CONFLICT = "log_index_conflict"
    REPLAY = "replay"
    INELIGIBLE = "ineligible"
    LATE = "late"
    UNKNOWN_CHOICE = "unknown_choice"
    NOT_A_RANKING = "not_a_ranking"
    EMPTY_RANKING = "empty_ranking"
    DUPLICATE_IN_RANKING = "duplicate_in_ranking"
    UNKNOWN_OPTION = "unknown_option"


@dataclass(frozen=True)
class Ballot:
    """One logged ballot, as read back from the log (its signature was checked when it was logged)."""

    log_index: int
    voter: str
    cast_at: datetime
    vote: Vote

    def __post_init__(self) -> None:
        # A ranking read from JSON arrives as a list; a tuple keeps the ballot hashable and immutable.
        if isinstance(self.vote, list):
            object.__setattr__(self, "vote", tuple(self.vote))

    @property
    def identity(self) -> tuple[str, datetime, Vote]:
        """What makes two ballots the same ballot, wherever in the log they sit."""
        return (self.voter, self.cast_at, self.vote)


@dataclass(frozen=True)
class Fault:
    reason: Reason
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason.value, "detail": self.detail}


VoteCheck = Callable[[Vote], tuple[Fault, ...]]


@dataclass(frozen=True)
class RejectedBallot:
    log_index: int
    voter: str
    faults: tuple[Fault, ...]

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(fault.reason for fault in self.faults)

    def to_dict(self) -> dict[str, Any]:
        return {"log_index": self.log_index, "voter": self.voter, "faults": [f.to_dict() for f in self.faults]}


@dataclass(frozen=True)
class Screened:
    """The outcome of screening: what is counted, what was replaced, what was refused and why."""

    counted: tuple[Ballot, ...]  # each voter's last valid ballot, in log order
    superseded: tuple[int, ...]  # log indexes of valid ballots replaced by the same voter's later one
    rejected: tuple[RejectedBallot, ...]  # in log order


def _log_order(ballot: Ballot) -> tuple[int, str, str, datetime]:
    """Log index first; the rest only orders ballots that (wrongly) share an index, deterministically."""
    return (ballot.log_index, ballot.voter, repr(ballot.vote), ballot.cast_at)


def _conflicting_indexes(ordered: list[Ballot]) -> frozenset[int]:
    """Log indexes claimed by two different ballots — possible only in a corrupted or forged input."""
    identities: dict[int, set[tuple[str, datetime, Vote]]] = defaultdict(set)
    for ballot in ordered:
        identities[ballot.log_index].add(ballot.identity)
    return frozenset(index for index, found in identities.items() if len(found) > 1)


def _faults(
    ballot: Ballot,
    *,
    conflicts: frozenset[int],
    first_copy: dict[tuple[str, datetime, Vote], int],
    eligible: frozenset[str],
    closes_at: datetime,
    check_vote: VoteCheck,
) -> tuple[Fault, ...]:
    faults: list[Fault] = []
    if ballot.log_index in conflicts:
        faults.append(Fault(Reason.LOG_INDEX_CONFLICT, f"log index {ballot.log_index} also holds a different ballot"))
    if ballot.identity in first_copy:
        faults.append(Fault(Reason.REPLAY, f"identical to the ballot at log index {first_copy[ballot.identity]}"))
    if ballot.voter not in eligible:
        faults.append(Fault(Reason.INELIGIBLE, f"{ballot.voter!r} is not one of the {len(eligible)} eligible members"))
    if ballot.cast_at > closes_at:
        faults.append(
            Fault(Reason.LATE, f"cast at {ballot.cast_at.isoformat()}, after the close at {closes_at.isoformat()}")
        )
    return tuple(faults) + check_vote(ballot.vote)


def screen(
    ballots: Iterable[Ballot], *, eligible: Collection[str], closes_at: datetime, check_vote: VoteCheck
) -> Screened:
    """Apply the rules in the module docstring; the order of `ballots` does not matter."""
    ordered = sorted(ballots, key=_log_order)
    conflicts = _conflicting_indexes(ordered)
    members = frozenset(eligible)
    first_copy: dict[tuple[str, datetime, Vote], int] = {}
    latest: dict[str, Ballot] = {}
    superseded: list[int] = []
    rejected: list[RejectedBallot] = []
    for ballot in ordered:
        faults = _faults(
            ballot,
            conflicts=conflicts,
            first_copy=first_copy,
            eligible=members,
            closes_at=closes_at,
            check_vote=check_vote,
        )
        first_copy.setdefault(ballot.identity, ballot.log_index)
        if faults:
            rejected.append(RejectedBallot(ballot.log_index, ballot.voter, faults))
            continue
        if ballot.voter in latest:
            superseded.append(latest[ballot.voter].log_index)
        latest[ballot.voter] = ballot
    counted = tuple(sorted(latest.values(), key=lambda ballot: ballot.log_index))  # unique: conflicts were rejected
    return Screened(counted, tuple(superseded), tuple(rejected))
