"""The production path of the revenue formula: the compact split that is computed, stored and
read back, instead of every share.

Storing each share's arithmetic cost ~270 bytes per contribution (272 MB of JSON for a release of
a million), written twice, and a statement then parsed all of it to find one member's lines. Yet
every share is determined by its pool, W and one more figure per pool, the *threshold*: the
(remainder, tie key) of the last key that received a leftover unit (ledger.formula.apportion).
A key with weight w gets ⌊pool·w/W⌋, plus one unit iff (pool·w mod W, tie key) ranks at or above
the threshold (larger remainder, or equal remainder and tie key not above). So the record is:
- per event: the pools, both W's, the leftover counts and both thresholds (`CompactSplit`), a few
  hundred bytes whatever the size of the release;
- per member and pool: Σ weights, how many contributions (or 1 for reviews), and the cents
  (`MemberSummary`), one row each in `revenue_share_summary`, which the ledger's payable legs
  already aggregate;
and a member's lines are recomputed on demand from their own contributions (`contribution_lines`),
the same numbers the reference full split gives (ledger.formula.reference; tests/test_revenue_compact.py).

It is computed over weight classes (ledger.formula.classes) in two steps, `plan_split` and
`SplitPlan.finish`, around the two things that need individual contributions — the log index that
takes the last leftover unit, and per member and weight how many contributions are at or below it —
which coop.datasets.share_inputs has the database count (ledger.formula.in_memory counts them in Python,
for tests and benchmarks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.formula.apportion import Apportionment, apportion, gets_leftover
from ledger.formula.apportion import _itself as _same
from ledger.formula.classes import ClassCut, check_classes, cut_classes
from ledger.formula.event import (
    ContributionWeightInput,
    ReviewerInput,
    check_event,
    check_weighs_something,
    pools,
    reviewer_ties,
)
from ledger.formula.params import FormulaParams, Weight
from ledger.formula.refusals import FormulaError

__all__ = [
    "CONTRIBUTOR",
    "REVIEWER",
    "CompactSplit",
    "MemberSummary",
    "SplitPlan",
    "contribution_lines",
    "plan_split",
    "review_line",
    "share_line",
]

CONTRIBUTOR = "contributor"
REVIEWER = "reviewer"


@dataclass(frozen=True)
class MemberSummary:
    """One member's part of one pool of one event: the row `revenue_share_summary` stores."""

    member: str
    pool: str  # CONTRIBUTOR | REVIEWER
    weight: int  # Σ of the member's weights in that pool
    count: int  # contributions (or 1: a reviewer's reviews are one weight)
    cents: int


@dataclass(frozen=True)
class CompactSplit:
    """Everything needed to recompute any single share of the event (see the module docstring)."""

    amount: int
    currency: str
    params: FormulaParams
    reserve: int
    reviewer_pool: int
    reviewer_pool_redirected: int
    contributor_pool: int
    contributor_weight: int  # W of the contributions
    reviewer_weight: int
    contributions: int
    reviewers: int
    contributor_leftover: int
    contributor_threshold: tuple[int, int] | None  # (remainder, log index)
    reviewer_leftover: int
    reviewer_threshold: tuple[int, Any] | None  # (remainder, member id or [first entry, name])
    members: tuple[MemberSummary, ...]  # by member, then pool

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON (journal details and revenue event): all but the per-member rows."""
        return {
            "amount": self.amount,
            "currency": self.currency,
            "formula": self.params.to_dict(),
            "reserve": self.reserve,
            "reviewer_pool": self.reviewer_pool,
            "reviewer_pool_redirected": self.reviewer_pool_redirected,
            "contributor_pool": self.contributor_pool,
            "contributor_weight": self.contributor_weight,
            "reviewer_weight": self.reviewer_weight,
            "contributions": self.contributions,
            "reviewers": self.reviewers,
            "contributor_leftover": self.contributor_leftover,
            "contributor_threshold": list(self.contributor_threshold) if self.contributor_threshold else None,
            "reviewer_leftover": self.reviewer_leftover,
            "reviewer_threshold": list(self.reviewer_threshold) if self.reviewer_threshold else None,
        }

    def totals(self) -> dict[str, int]:
        """Per member, both pools together: what the reference `per_member_totals` gives for the full split."""
        totals: dict[str, int] = {}
        for row in self.members:
            totals[row.member] = totals.get(row.member, 0) + row.cents
        return totals


@dataclass(frozen=True)
class SplitPlan:
    """A compact split up to the one figure that needs individual contributions: the pools, the
    contributor pool's cut over weight classes (ledger.formula.classes) and the reviewers' shares.
    `finish` takes the threshold's tie key and the per-member groups, found by the database
    (coop.datasets.share_inputs) or in memory (ledger.formula.in_memory.compact_split)."""

    amount: int
    currency: str
    params: FormulaParams
    reserve: int
    reviewer_pool: int
    reviewer_pool_redirected: int
    contributor_pool: int
    contributors: ClassCut
    reviewers: Apportionment[str] | None
    reviewer_tie: Callable[[str], Any] | None = None  # the reviewers' tie key by member id (event.reviewer_ties)

    def finish(self, tie: int | None, groups: Iterable[tuple[str, int, int, int]]) -> CompactSplit:
        """`tie`: the log index that receives the last leftover unit (None when none is left over);
        `groups`: (author, weight, contributions, how many of them have a log index ≤ tie) for every
        author and weight. Refuses groups that do not add up to the classes it was planned on."""
        cut = self.contributors
        if (tie is None) != (cut.cut is None):
            raise FormulaError("the tie key of the last leftover unit is required exactly when units are left over")
        totals = cut.member_totals(groups)
        counted = [sum(row[i] for row in totals.values()) for i in range(3)]
        if counted != [cut.whole, cut.keys, cut.total]:
            raise FormulaError(
                f"the contributions grouped by member (weight, count, cents {counted}) do not add up to the "
                f"release's ({cut.whole}, {cut.keys}, {cut.total}): nothing is shared"
            )
        rows = {(member, CONTRIBUTOR): row for member, row in totals.items()}
        reviewer_leftover, reviewer_threshold, reviewer_weight, reviewers = 0, None, 0, 0
        if self.reviewers is not None:
            parts = self.reviewers
            for key, weight, floor, bonus in zip(
                parts.keys, parts.weights, parts.floors, parts.bonuses(self.reviewer_tie or _same), strict=True
            ):
                rows[(key, REVIEWER)] = [weight, 1, floor + bonus]
            reviewer_leftover, reviewer_threshold, reviewer_weight, reviewers = (
                parts.leftover,
                parts.threshold,
                parts.whole,
                len(parts.keys),
            )
        members = tuple(MemberSummary(member, pool, *row) for (member, pool), row in sorted(rows.items()))
        threshold = (cut.cut, tie) if cut.cut is not None and tie is not None else None
        return CompactSplit(
            self.amount,
            self.currency,
            self.params,
            self.reserve,
            self.reviewer_pool,
            self.reviewer_pool_redirected,
            self.contributor_pool,
            cut.whole,
            reviewer_weight,
            cut.keys,
            reviewers,
            cut.leftover,
            threshold,
            reviewer_leftover,
            reviewer_threshold,
            members,
        )


def plan_split(
    amount: int,
    currency: str,
    params: FormulaParams,
    weight_counts: Mapping[int, int],
    reviewers: Sequence[ReviewerInput] = (),
) -> SplitPlan:
    """Step one of a compact split, from {weight: how many contributions weigh it}; refuses what
    the reference `split_revenue` refuses of the event and the weights, with its messages."""
    check_event(amount, currency, sum(weight_counts.values()), reviewers)
    check_weighs_something(check_classes(weight_counts), params)
    reserve, reviewer_pool, redirected, contributor_pool = pools(amount, params, reviewers)
    tie = reviewer_ties(reviewers)
    review_parts = (
        apportion(reviewer_pool, [(r.reviewer, r.accepted_reviews) for r in reviewers], tie) if reviewers else None
    )
    return SplitPlan(
        amount,
        currency,
        params,
        reserve,
        reviewer_pool,
        redirected,
        contributor_pool,
        cut_classes(contributor_pool, weight_counts),
        review_parts,
        tie,
    )


def share_line(
    member: str,
    log_index: int | None,
    weight: int,
    total_weight: int,
    pool: int,
    floor: int,
    remainder: int,
    leftover: bool,
) -> dict[str, Any]:
    """A share as a statement line: every number of its arithmetic, from plain values, so that a
    statement's 10,000 lines need not build an object each; the rule is left to the reader (the
    earnings page writes it out), as formatting it multiplied the cost of a line."""
    return {
        "member": member,
        "log_index": log_index,
        "weight": weight,
        "total_weight": total_weight,
        "pool": pool,
        "floor": floor,
        "remainder": remainder,
        "leftover": leftover,
        "amount": floor + 1 if leftover else floor,
    }


def contribution_lines(
    split: dict[str, Any], mine: Sequence[ContributionWeightInput], member: str
) -> list[dict[str, Any]]:
    """The member's contribution shares of a stored compact split, as the reference `Share.to_dict()` gives them,
    recomputed from their own contributions (log index order) and the stored threshold."""
    pool, whole = split["contributor_pool"], split["contributor_weight"]
    rule = Weight(split["formula"]["weight"])
    field = None if rule is Weight.EQUAL else rule.value  # once per event: a statement recomputes 10,000s of lines
    threshold = tuple(split["contributor_threshold"]) if split["contributor_threshold"] else None
    lines = []
    for c in sorted(mine, key=_log_index):
        weight = 1 if field is None else getattr(c, field)
        floor, rest = divmod(pool * weight, whole)
        lines.append(
            share_line(
                member, c.log_index, weight, whole, pool, floor, rest, gets_leftover(rest, c.log_index, threshold)
            )
        )
    return lines


def _log_index(contribution: ContributionWeightInput) -> int:
    return contribution.log_index


def review_line(split: dict[str, Any], member: str, weight: int, cents: int) -> dict[str, Any]:
    """The member's reviewer share: one line, its weight the stored Σ of their accepted reviews.
    Ties by member id are recomputed from the threshold; ties by a public (first entry, name) are
    not the member's to know here, so the leftover unit is read off their stored cents."""
    pool, whole = split["reviewer_pool"], split["reviewer_weight"]
    threshold = tuple(split["reviewer_threshold"]) if split["reviewer_threshold"] else None
    floor, rest = divmod(pool * weight, whole)
    if threshold is not None and not isinstance(threshold[1], str):
        return share_line(member, None, weight, whole, pool, floor, rest, cents > floor)
    return share_line(member, None, weight, whole, pool, floor, rest, gets_leftover(rest, member, threshold))
