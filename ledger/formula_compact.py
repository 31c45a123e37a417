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
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass
from typing import Any, Sequence

from ledger.formula import BPS, ContributionWeightInput, FormulaError, FormulaParams, ReviewerInput, Share, Weight, split_revenue
from ledger.formula_apportion import apportion, gets_leftover

__all__ = ["CompactSplit", "ContributionColumns", "MemberSummary", "compact_split", "contribution_lines", "review_line"]

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


def compact_split(amount: int, currency: str, params: FormulaParams, contributions: ContributionColumns | Sequence[ContributionWeightInput],
                  reviewers: Sequence[ReviewerInput] = ()) -> CompactSplit:
    """`split_revenue`'s figures without one object per share; same refusals, same results."""
    columns = contributions if isinstance(contributions, ContributionColumns) else ContributionColumns.of(contributions)
    columns.check()
    weights = list(zip(columns.log_indexes, columns.weights(params.weight)))
    _check_like_split_revenue(amount, currency, params, columns, reviewers, weights)
    reserve = amount * params.reserve_bps // BPS
    nominal_reviewer_pool = amount * params.reviewer_bps // BPS
    reviewer_pool = nominal_reviewer_pool if reviewers else 0
    contributor_pool = amount - reserve - reviewer_pool
    parts = apportion(contributor_pool, weights)
    authors = dict(zip(columns.log_indexes, columns.authors))
    rows: dict[tuple[str, str], list[int]] = {}
    bonuses = parts.bonuses()
    for key, weight, floor, bonus in zip(parts.keys, parts.weights, parts.floors, bonuses):
        row = rows.setdefault((authors[key], CONTRIBUTOR), [0, 0, 0])
        row[0] += weight
        row[1] += 1
        row[2] += floor + bonus
    reviewer_leftover, reviewer_threshold, reviewer_weight = 0, None, 0
    if reviewers:
        review_parts = apportion(reviewer_pool, [(r.reviewer, r.accepted_reviews) for r in reviewers])
        for key, weight, floor, bonus in zip(review_parts.keys, review_parts.weights, review_parts.floors, review_parts.bonuses()):
            rows[(key, REVIEWER)] = [weight, 1, floor + bonus]
        reviewer_leftover, reviewer_threshold, reviewer_weight = review_parts.leftover, review_parts.threshold, review_parts.whole
    members = tuple(MemberSummary(member, pool, *row) for (member, pool), row in sorted(rows.items()))
    return CompactSplit(amount, currency, params, reserve, reviewer_pool, nominal_reviewer_pool - reviewer_pool, contributor_pool,
                        parts.whole, reviewer_weight, len(columns), len(reviewers), parts.leftover, parts.threshold,
                        reviewer_leftover, reviewer_threshold, members)


def _check_like_split_revenue(amount: int, currency: str, params: FormulaParams, columns: ContributionColumns,
                              reviewers: Sequence[ReviewerInput], weights: list[tuple[int, int]]) -> None:
    """Refuse exactly what `split_revenue` refuses, with its messages, without its per-share cost:
    the whole-input checks here, then `split_revenue` itself on one weighted contribution (amount,
    currency, reviewers). On a refusal `split_revenue` runs on everything, to raise its own error."""
    keys = columns.log_indexes
    ascending = all(map(operator.lt, keys, itertools.islice(keys, 1, None)))  # the usual case: distinct without a set
    if not keys or (not ascending and len(set(keys)) != len(keys)) or sum(weight for _, weight in weights) == 0:
        split_revenue(amount, currency, params, columns.inputs(), reviewers)
        raise FormulaError("the contributions cannot be shared")  # pragma: no cover - split_revenue raised
    sample = next(i for i, (_, weight) in enumerate(weights) if weight > 0)
    split_revenue(amount, currency, params, [columns.row(sample)], reviewers)


def contribution_lines(split: dict[str, Any], mine: Sequence[ContributionWeightInput], member: str) -> list[dict[str, Any]]:
    """The member's contribution shares of a stored compact split, as `Share.to_dict()` gives them,
    recomputed from their own contributions (log index order) and the stored threshold."""
    pool, whole = split["contributor_pool"], split["contributor_weight"]
    rule = Weight(split["formula"]["weight"])
    threshold = tuple(split["contributor_threshold"]) if split["contributor_threshold"] else None
    lines = []
    for c in sorted(mine, key=lambda c: c.log_index):
        weight = c.weight(rule)
        floor, rest = divmod(pool * weight, whole)
        lines.append(Share(member, c.log_index, weight, whole, pool, floor, rest, gets_leftover(rest, c.log_index, threshold)).to_dict())
    return lines


def review_line(split: dict[str, Any], member: str, weight: int) -> dict[str, Any]:
    """The member's reviewer share: one line, its weight the stored Σ of their accepted reviews."""
    pool, whole = split["reviewer_pool"], split["reviewer_weight"]
    threshold = tuple(split["reviewer_threshold"]) if split["reviewer_threshold"] else None
    floor, rest = divmod(pool * weight, whole)
    return Share(member, None, weight, whole, pool, floor, rest, gets_leftover(rest, member, threshold)).to_dict()
