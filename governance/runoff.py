"""Instant-runoff counting of rankings, round by round, with ties settled by a fixed rule.

This module only counts rankings that are already known to be valid; which ballots count is
decided in `governance.ballots`, and `governance.tally` documents the whole rule set in one place.

A round: every non-exhausted ranking counts for its most preferred continuing option. A ranking
is exhausted once none of the options it ranks is continuing; it then drops out, and the majority
is of the rankings still active in that round. An option with more than half of them (votes·2 >
active) is elected. Otherwise exactly one option — the one with the fewest votes — is eliminated
and another round follows. Tie for the fewest votes: the tied option with the fewest votes in the
round before is eliminated, then the round before that, back to round 1; if they are tied in
every earlier round too, the option listed latest in the proposal is eliminated. The option list
is fixed when the proposal opens, before any ballot, so no one can steer the rule afterwards.
Two options left with equal votes (a final tie) go through the same rule: the loser is eliminated
and the other wins the next round with every active ranking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from governance.ballots import Fault, Reason, Vote, VoteCheck

Ranking = tuple[str, ...]


@dataclass(frozen=True)
class Round:
    """One counting round, with enough detail for anyone to check it by hand."""

    number: int
    counts: tuple[tuple[str, int], ...]  # (option, votes) for every continuing option, proposal order
    active: int  # rankings that still count for a continuing option
    exhausted: int  # rankings that have dropped out by this round (cumulative)
    elected: str | None
    eliminated: str | None
    tied: tuple[str, ...]  # the options tied for the fewest votes, when a tie had to be broken
    decided_by_round: int | None  # the earlier round whose counts broke that tie; None: proposal order
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "counts": [{"option": option, "votes": votes} for option, votes in self.counts],
            "active": self.active,
            "exhausted": self.exhausted,
            "elected": self.elected,
            "eliminated": self.eliminated,
            "tied": list(self.tied),
            "decided_by_round": self.decided_by_round,
            "explanation": self.explanation,
        }


def ranking_check(options: Sequence[str]) -> VoteCheck:
    """The malformed-ballot test for a ranked proposal over `options`."""
    known = frozenset(options)

    def check(vote: Vote) -> tuple[Fault, ...]:
        if isinstance(vote, tuple) and vote and len(set(vote)) == len(vote) and known.issuperset(vote):
            return ()  # the common case, decided without building any message
        if not isinstance(vote, tuple):
            return (Fault(Reason.NOT_A_RANKING, f"a ranked proposal needs a ranking of options, got {vote!r}"),)
        if not vote:
            return (Fault(Reason.EMPTY_RANKING, "the ranking names no option"),)
        faults: list[Fault] = []
        unknown = [option for option in vote if option not in known]
        if unknown:
            faults.append(
                Fault(Reason.UNKNOWN_OPTION, f"not options of this proposal: {', '.join(map(repr, unknown))}")
            )
        repeated = sorted({repr(option) for option, n in Counter(vote).items() if n > 1})
        if repeated:
            faults.append(Fault(Reason.DUPLICATE_IN_RANKING, f"ranked more than once: {', '.join(repeated)}"))
        return tuple(faults)

    return check


def _count(piles: Counter[Ranking], continuing: Sequence[str]) -> tuple[dict[str, int], int]:
    """Votes per continuing option, and how many rankings are exhausted."""
    counts = dict.fromkeys(continuing, 0)
    exhausted = 0
    for ranking, n in piles.items():
        top = next((option for option in ranking if option in counts), None)
        if top is None:
            exhausted += n
        else:
            counts[top] += n
    return counts, exhausted


def _break_tie(tied: list[str], history: list[dict[str, int]], position: dict[str, int]) -> tuple[str, int | None, str]:
    """Earlier rounds first, most recent first, then proposal order; returns (loser, deciding round, why)."""
    remaining, steps = tied, []
    for number in range(len(history), 0, -1):
        counts = history[number - 1]
        fewest = min(counts[option] for option in remaining)
        narrowed = [option for option in remaining if counts[option] == fewest]
        if len(narrowed) < len(remaining):
            steps.append(f"in round {number} {', '.join(narrowed)} had the fewest ({fewest})")
        remaining = narrowed
        if len(remaining) == 1:
            return remaining[0], number, f"{'; '.join(steps)}, so {remaining[0]} is eliminated"
    loser = max(remaining, key=position.__getitem__)
    others = ", ".join(option for option in remaining if option != loser)
    unresolved = f"{', '.join(remaining)} still tied back to round 1" if history else "no earlier round separates them"
    return (
        loser,
        None,
        "; ".join(steps + [f"{unresolved}, so {loser}, listed after {others} in the proposal, is eliminated"]),
    )


def _eliminate(
    counts: dict[str, int], history: list[dict[str, int]], position: dict[str, int]
) -> tuple[str, tuple[str, ...], int | None, str]:
    """The option with the fewest votes: (loser, options tied for the fewest, deciding round, why)."""
    fewest = min(counts.values())
    tied = [option for option, votes in counts.items() if votes == fewest]
    if len(tied) == 1:
        return tied[0], (), None, f"no majority; {tied[0]} has the fewest votes ({fewest})"
    loser, by_round, how = _break_tie(tied, history, position)
    return loser, tuple(tied), by_round, f"no majority; {', '.join(tied)} tied with the fewest votes ({fewest}); {how}"


def _validate(options: Sequence[str], piles: Counter[Ranking]) -> None:
    if not options or len(set(options)) != len(options):
        raise ValueError(f"options must be distinct and not empty: {list(options)!r}")
    check = ranking_check(options)
    for ranking in piles:
        if faults := check(ranking):
            raise ValueError(f"ranking {ranking!r} is invalid: {faults[0].detail}")


def instant_runoff(options: Sequence[str], rankings: Iterable[Ranking]) -> tuple[Round, ...]:
    """Every round up to and including the one that elects; no rounds when there are no rankings.

    Identical rankings are counted as one pile, so the cost grows with the number of distinct
    rankings, not of ballots.
    """
    piles: Counter[Ranking] = Counter(tuple(ranking) for ranking in rankings)
    _validate(options, piles)
    total = sum(piles.values())
    position = {option: i for i, option in enumerate(options)}
    continuing = list(options)
    history: list[dict[str, int]] = []  # each eliminating round's counts, for breaking later ties
    rounds: list[Round] = []
    while total:
        counts, exhausted = _count(piles, continuing)
        active = total - exhausted
        shown = tuple(counts.items())
        leader = max(continuing, key=counts.__getitem__)
        if counts[leader] * 2 > active:
            why = f"{leader} has {counts[leader]} of {active} active ballots, more than half"
            rounds.append(Round(len(rounds) + 1, shown, active, exhausted, leader, None, (), None, why))
            break
        loser, tied, by_round, why = _eliminate(counts, history, position)
        rounds.append(Round(len(rounds) + 1, shown, active, exhausted, None, loser, tied, by_round, why))
        history.append(counts)
        continuing.remove(loser)
    return tuple(rounds)
