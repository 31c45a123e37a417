"""The tally: logged ballots in, a result out — pure, so anyone can recount from the log alone.

Invariant 7 (a vote's outcome is what anyone recounts from the logged ballots) holds because a
result depends on nothing but the ballots, the eligible set, the close time and the proposal's
rules, and is computed with integers only. The rules, in full:

Which ballots count (`governance.ballots`): members of the eligible set only; each member's last
valid ballot by log index; rejected with every reason that applies when late (cast after the
close; a ballot cast exactly at the close counts), ineligible, a replay (identical to an earlier
ballot), sharing a log index with a different ballot, or malformed. Malformed means, for yes/no,
a choice other than exactly "yes", "no" or "abstain"; for ranked choice, not a ranking, an empty
ranking, an option ranked twice, or an option not on the proposal.

Quorum (both methods, computed in `governance.quorum`): turnout = members whose ballot counts,
abstentions included. Required = max(1, ⌈quorum_bps · eligible / 10000⌉), i.e. met iff
turnout·10000 ≥ quorum_bps·eligible and at least one member voted. Exactly at the quorum is
enough: 5 of 10 meets a 5000 bps quorum. Without quorum the outcome is `no_quorum`, whatever the
counts (which are still reported).

Yes/no threshold: an exact fraction n/d of yes+no (abstentions excluded), strict or not:
`SIMPLE_MAJORITY` is yes·2 > yes+no (strictly more than half: 5 yes against 5 no is rejected);
`TWO_THIRDS` is yes·3 ≥ 2·(yes+no) (exactly two thirds is enough: 2 against 1 is adopted).
Basis points cannot express two thirds exactly, so `Threshold.at_least_bps(6667)` rejects 2 against
1; use the named fractions. With quorum but no yes and no votes (all abstained), nothing is adopted.

Ranked choice: instant runoff as described in `governance.runoff`: one elimination per round,
the winner needs more than half of the rankings still active in that round, exhausted rankings are
reported per round. Ties for elimination: fewest votes in the previous round, then the round
before, back to round 1; then, of those still tied, the one listed latest in the proposal. A final
tie between two options is broken by the same rule, and the survivor wins the next round.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from math import gcd
from typing import Any

from governance.ballots import (
    Ballot,
    Fault,
    Reason,
    RejectedBallot,
    Screened,
    Vote,
    VoteCheck,
    screen,
)
from governance.quorum import BPS, Quorum, quorum
from governance.runoff import Round, instant_runoff, ranking_check

__all__ = [
    "SIMPLE_MAJORITY",
    "TWO_THIRDS",
    "Ballot",
    "Outcome",
    "Quorum",
    "RankedResult",
    "Reason",
    "RejectedBallot",
    "Round",
    "Screened",
    "Threshold",
    "YesNoResult",
    "check_choice",
    "how_to_vote",
    "quorum",
    "tally_ranked",
    "tally_yes_no",
    "vote_check",
]

CHOICES = ("yes", "no", "abstain")


class Outcome(StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"
    ELECTED = "elected"
    NO_QUORUM = "no_quorum"


@dataclass(frozen=True)
class Threshold:
    """yes/(yes+no) compared with numerator/denominator by cross-multiplying: no floats, no rounding.

    strict: yes·denominator > numerator·(yes+no); otherwise ≥. The fraction is kept in lowest
    terms, so `Threshold.more_than_bps(5000) == SIMPLE_MAJORITY`.
    """

    numerator: int
    denominator: int
    strict: bool

    def __post_init__(self) -> None:
        if self.denominator <= 0 or not 0 <= self.numerator <= self.denominator:
            raise ValueError(f"a threshold is a fraction between 0 and 1, not {self.numerator}/{self.denominator}")
        if self.strict and self.numerator == self.denominator:
            raise ValueError("no vote can be more than 100% yes")
        common = gcd(self.numerator, self.denominator)
        object.__setattr__(self, "numerator", self.numerator // common)
        object.__setattr__(self, "denominator", self.denominator // common)

    @classmethod
    def at_least_bps(cls, bps: int) -> Threshold:
        return cls(bps, BPS, strict=False)

    @classmethod
    def more_than_bps(cls, bps: int) -> Threshold:
        return cls(bps, BPS, strict=True)

    def met(self, yes: int, no: int) -> bool:
        if yes + no == 0:
            return False
        if self.strict:
            return yes * self.denominator > self.numerator * (yes + no)
        return yes * self.denominator >= self.numerator * (yes + no)

    @property
    def rule(self) -> str:
        return f"yes·{self.denominator} {'>' if self.strict else '≥'} {self.numerator}·(yes+no)"

    def to_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "strict": self.strict, "rule": self.rule}


SIMPLE_MAJORITY = Threshold(1, 2, strict=True)
TWO_THIRDS = Threshold(2, 3, strict=False)


def _screening_dict(screened: Screened) -> dict[str, Any]:
    return {
        "counted": [ballot.log_index for ballot in screened.counted],
        "superseded": list(screened.superseded),
        "rejected": [rejected.to_dict() for rejected in screened.rejected],
    }


@dataclass(frozen=True)
class YesNoResult:
    outcome: Outcome  # adopted | rejected | no_quorum
    yes: int
    no: int
    abstain: int
    quorum: Quorum
    threshold: Threshold
    threshold_met: bool
    screened: Screened

    @property
    def rejected(self) -> tuple[RejectedBallot, ...]:
        return self.screened.rejected

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "yes-no",
            "outcome": self.outcome.value,
            "counts": {"yes": self.yes, "no": self.no, "abstain": self.abstain},
            "quorum": self.quorum.to_dict(),
            "threshold": {**self.threshold.to_dict(), "met": self.threshold_met},
            **_screening_dict(self.screened),
        }


@dataclass(frozen=True)
class RankedResult:
    outcome: Outcome  # elected | no_quorum
    winner: str | None  # set only when elected
    options: tuple[str, ...]
    rounds: tuple[Round, ...]  # counted even without quorum, so the report shows what was cast
    quorum: Quorum
    screened: Screened

    @property
    def rejected(self) -> tuple[RejectedBallot, ...]:
        return self.screened.rejected

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "instant-runoff",
            "outcome": self.outcome.value,
            "winner": self.winner,
            "options": list(self.options),
            "rounds": [r.to_dict() for r in self.rounds],
            "quorum": self.quorum.to_dict(),
            **_screening_dict(self.screened),
        }


def check_choice(vote: Vote) -> tuple[Fault, ...]:
    """The malformed-ballot test for a yes/no proposal: exactly one of CHOICES, nothing close to it."""
    if isinstance(vote, str) and vote in CHOICES:
        return ()
    return (Fault(Reason.UNKNOWN_CHOICE, f"choice {vote!r} is not one of {', '.join(CHOICES)}"),)


def vote_check(method: str, options: Sequence[str]) -> VoteCheck:
    """The malformed-ballot test of a proposal's method: the one the tally screens with, and the one
    the service refuses a ballot by before logging it, so a ballot it accepts is never malformed."""
    return ranking_check(options) if method == "ranked" else check_choice


def how_to_vote(method: str, options: Sequence[str]) -> str:
    """What a voter is told when `vote_check` finds a ballot malformed."""
    if method == "ranked":
        return f"rank one or more of {', '.join(options)}, each at most once"
    return f"vote one of {', '.join(CHOICES)}"


def tally_yes_no(
    ballots: Iterable[Ballot], *, eligible: Collection[str], closes_at: datetime, quorum_bps: int, threshold: Threshold
) -> YesNoResult:
    members = frozenset(eligible)
    screened = screen(ballots, eligible=members, closes_at=closes_at, check_vote=check_choice)
    votes = [ballot.vote for ballot in screened.counted]
    yes, no, abstain = (votes.count(choice) for choice in CHOICES)
    reached = quorum(len(members), len(votes), quorum_bps)
    met = threshold.met(yes, no)
    outcome = Outcome.NO_QUORUM if not reached.met else Outcome.ADOPTED if met else Outcome.REJECTED
    return YesNoResult(outcome, yes, no, abstain, reached, threshold, met, screened)


def tally_ranked(
    ballots: Iterable[Ballot],
    *,
    options: Sequence[str],
    eligible: Collection[str],
    closes_at: datetime,
    quorum_bps: int,
) -> RankedResult:
    choices = tuple(options)
    members = frozenset(eligible)
    screened = screen(ballots, eligible=members, closes_at=closes_at, check_vote=ranking_check(choices))
    # Screening let only rankings through, so the filter keeps every counted ballot; it tells the type checker so.
    rankings = [ballot.vote for ballot in screened.counted if isinstance(ballot.vote, tuple)]
    rounds = instant_runoff(choices, rankings)
    reached = quorum(len(members), len(rankings), quorum_bps)
    winner = rounds[-1].elected if reached.met and rounds else None
    return RankedResult(
        Outcome.NO_QUORUM if winner is None else Outcome.ELECTED, winner, choices, rounds, reached, screened
    )
