"""The revenue formula's compact record: what is stored per revenue event instead of every share.

Storing each share's arithmetic cost ~270 bytes per contribution (272 MB of JSON for a release of
a million), written twice, and a statement then parsed all of it to find one member's lines. Yet
every share is determined by its pool, W and one more figure per pool, the *threshold*: the
(remainder, tie key) of the last key that received a leftover unit (ledger.formula_apportion).
A key with weight w gets ⌊pool·w/W⌋, plus one unit iff (pool·w mod W, tie key) ranks at or above
the threshold (larger remainder, or equal remainder and tie key not above). So the record is:
- per event: the pools, both W's, the leftover counts and both thresholds (`CompactSplit`), a few
  hundred bytes whatever the size of the release;
- per member and pool: Σ weights, how many contributions (or 1 for reviews), and the cents
  (`MemberSummary`), one row each in `revenue_share_summary`, which the ledger's payable legs
  already aggregate;
and a member's lines are recomputed on demand from their own contributions (`contribution_lines`),
the same numbers `split_revenue` gives (tests/test_revenue_compact.py pins that).

It is computed over weight classes (ledger.formula_classes) in two steps, `plan_split` and
`SplitPlan.finish`, around the two things that need individual contributions — the log index that
takes the last leftover unit, and per member and weight how many contributions are at or below it —
which `compact_split` finds in memory and coop.datasets.revenue has the database count.
"""

from __future__ import annotations

import heapq
import itertools
import operator
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ledger.formula import (ContributionWeightInput, FormulaError, FormulaParams, ReviewerInput, Weight, check_event,
                            check_weighs_something, pools, refuse_repeated, share_line)
from ledger.formula_apportion import Apportionment, apportion, gets_leftover
from ledger.formula_classes import ClassCut, check_classes, cut_classes

__all__ = ["CompactSplit", "ContributionColumns", "MemberSummary", "SplitPlan", "compact_split", "contribution_lines", "plan_split", "review_line"]

CONTRIBUTOR = "contributor"
REVIEWER = "reviewer"


@dataclass(frozen=True)
class ContributionColumns:
    """The release's contributions as one list per field, not one ContributionWeightInput each:
    building and checking a million frozen dataclasses took longer than sharing the event
    (bench/money_bench.py). `check` applies ContributionWeightInput's rules to whole columns."""

    log_indexes: list[int]
    authors: list[str]
    base_pay: list[int]
    units: list[int]
    minutes: list[int]

    @classmethod
    def of(cls, inputs: Sequence[ContributionWeightInput]) -> ContributionColumns:
        return cls([c.log_index for c in inputs], [c.author for c in inputs], [c.base_pay for c in inputs], [c.units for c in inputs],
                   [c.minutes for c in inputs])

    def __len__(self) -> int:
        return len(self.log_indexes)

    def row(self, i: int) -> ContributionWeightInput:
        return ContributionWeightInput(self.log_indexes[i], self.authors[i], self.base_pay[i], self.units[i], self.minutes[i])

    def inputs(self) -> list[ContributionWeightInput]:
        return [self.row(i) for i in range(len(self))]

    def check(self) -> None:
        """Whole, non-negative numbers (no bools: type(True) is bool) and non-empty author ids; on
        a failure the first offending row is built, so the error is ContributionWeightInput's own."""
        numbers = (self.log_indexes, self.base_pay, self.units, self.minutes)
        if all(type(v) is int and v >= 0 for column in numbers for v in column) and all(type(a) is str and a for a in self.authors):
            return
        for i in range(len(self)):
            self.row(i)

    def weights(self, rule: Weight) -> list[int]:
        return [1] * len(self) if rule is Weight.EQUAL else list(getattr(self, rule.value))


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
    reviewer_threshold: tuple[int, str] | None  # (remainder, member id)
    members: tuple[MemberSummary, ...]  # by member, then pool

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON (journal details and revenue event): all but the per-member rows."""
        return {
            "amount": self.amount, "currency": self.currency, "formula": self.params.to_dict(), "reserve": self.reserve,
            "reviewer_pool": self.reviewer_pool, "reviewer_pool_redirected": self.reviewer_pool_redirected,
            "contributor_pool": self.contributor_pool, "contributor_weight": self.contributor_weight,
            "reviewer_weight": self.reviewer_weight, "contributions": self.contributions, "reviewers": self.reviewers,
            "contributor_leftover": self.contributor_leftover,
            "contributor_threshold": list(self.contributor_threshold) if self.contributor_threshold else None,
            "reviewer_leftover": self.reviewer_leftover,
            "reviewer_threshold": list(self.reviewer_threshold) if self.reviewer_threshold else None,
        }

    def totals(self) -> dict[str, int]:
        """Per member, both pools together: what `per_member_totals` gives for the full split."""
        totals: dict[str, int] = {}
        for row in self.members:
            totals[row.member] = totals.get(row.member, 0) + row.cents
        return totals


@dataclass(frozen=True)
class SplitPlan:
    """A compact split up to the one figure that needs individual contributions: the pools, the
    contributor pool's cut over weight classes (ledger.formula_classes) and the reviewers' shares.
    `finish` takes the threshold's tie key and the per-member groups, found in memory
    (`compact_split`) or by the database (coop.datasets.revenue)."""

    amount: int
    currency: str
    params: FormulaParams
    reserve: int
    reviewer_pool: int
    reviewer_pool_redirected: int
    contributor_pool: int
    contributors: ClassCut
    reviewers: Apportionment[str] | None

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
            raise FormulaError(f"the contributions grouped by member (weight, count, cents {counted}) do not add up to the "
                               f"release's ({cut.whole}, {cut.keys}, {cut.total}): nothing is shared")
        rows = {(member, CONTRIBUTOR): row for member, row in totals.items()}
        reviewer_leftover, reviewer_threshold, reviewer_weight, reviewers = 0, None, 0, 0
        if self.reviewers is not None:
            parts = self.reviewers
            for key, weight, floor, bonus in zip(parts.keys, parts.weights, parts.floors, parts.bonuses()):
                rows[(key, REVIEWER)] = [weight, 1, floor + bonus]
            reviewer_leftover, reviewer_threshold, reviewer_weight, reviewers = parts.leftover, parts.threshold, parts.whole, len(parts.keys)
        members = tuple(MemberSummary(member, pool, *row) for (member, pool), row in sorted(rows.items()))
        threshold = (cut.cut, tie) if cut.cut is not None and tie is not None else None
        return CompactSplit(self.amount, self.currency, self.params, self.reserve, self.reviewer_pool, self.reviewer_pool_redirected,
                            self.contributor_pool, cut.whole, reviewer_weight, cut.keys, reviewers,
                            cut.leftover, threshold, reviewer_leftover, reviewer_threshold, members)


def plan_split(amount: int, currency: str, params: FormulaParams, weight_counts: Mapping[int, int],
               reviewers: Sequence[ReviewerInput] = ()) -> SplitPlan:
    """Step one of a compact split, from {weight: how many contributions weigh it}; refuses what
    `split_revenue` refuses of the event and the weights, with its messages."""
    check_event(amount, currency, sum(weight_counts.values()), reviewers)
    check_weighs_something(check_classes(weight_counts), params)
    reserve, reviewer_pool, redirected, contributor_pool = pools(amount, params, reviewers)
    review_parts = apportion(reviewer_pool, [(r.reviewer, r.accepted_reviews) for r in reviewers]) if reviewers else None
    return SplitPlan(amount, currency, params, reserve, reviewer_pool, redirected, contributor_pool,
                     cut_classes(contributor_pool, weight_counts), review_parts)


def compact_split(amount: int, currency: str, params: FormulaParams, contributions: ContributionColumns | Sequence[ContributionWeightInput],
                  reviewers: Sequence[ReviewerInput] = ()) -> CompactSplit:
    """`split_revenue`'s figures without one object per share; same refusals, same results."""
    columns = contributions if isinstance(contributions, ContributionColumns) else ContributionColumns.of(contributions)
    columns.check()
    check_event(amount, currency, len(columns), reviewers)
    keys, authors = columns.log_indexes, columns.authors
    if not all(map(operator.lt, keys, itertools.islice(keys, 1, None))):  # ascending (the usual case) means distinct
        refuse_repeated(keys)
    weights = columns.weights(params.weight)
    plan = plan_split(amount, currency, params, Counter(weights), reviewers)
    tied, tie = plan.contributors.tied, None
    if plan.contributors.cut is not None:
        tie = heapq.nsmallest(plan.contributors.rank, (key for key, weight in zip(keys, weights) if weight in tied))[-1]
    at_or_below = Counter((a, w) for a, w, key in zip(authors, weights, keys) if w in tied and tie is not None and key <= tie)
    return plan.finish(tie, [(author, weight, count, at_or_below[(author, weight)]) for (author, weight), count in Counter(zip(authors, weights)).items()])


def contribution_lines(split: dict[str, Any], mine: Sequence[ContributionWeightInput], member: str) -> list[dict[str, Any]]:
    """The member's contribution shares of a stored compact split, as `Share.to_dict()` gives them,
    recomputed from their own contributions (log index order) and the stored threshold."""
    pool, whole = split["contributor_pool"], split["contributor_weight"]
    rule = Weight(split["formula"]["weight"])
    field = None if rule is Weight.EQUAL else rule.value  # once per event: a statement recomputes 10,000s of lines
    threshold = tuple(split["contributor_threshold"]) if split["contributor_threshold"] else None
    lines = []
    for c in sorted(mine, key=_log_index):
        weight = 1 if field is None else getattr(c, field)
        floor, rest = divmod(pool * weight, whole)
        lines.append(share_line(member, c.log_index, weight, whole, pool, floor, rest, gets_leftover(rest, c.log_index, threshold)))
    return lines


def _log_index(contribution: ContributionWeightInput) -> int:
    return contribution.log_index


def review_line(split: dict[str, Any], member: str, weight: int) -> dict[str, Any]:
    """The member's reviewer share: one line, its weight the stored Σ of their accepted reviews."""
    pool, whole = split["reviewer_pool"], split["reviewer_weight"]
    threshold = tuple(split["reviewer_threshold"]) if split["reviewer_threshold"] else None
    floor, rest = divmod(pool * weight, whole)
    return share_line(member, None, weight, whole, pool, floor, rest, gets_leftover(rest, member, threshold))
