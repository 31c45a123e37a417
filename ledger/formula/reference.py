"""The reference split: every share of a revenue event as an object, with its arithmetic.

Not what production computes or stores (that is the compact split, ledger.formula.compact), but
the plain reading of the contract that it is checked against: the compact split gives every
member the same lines and cents as `split_revenue` (tests/test_revenue_compact.py), and
`split_revenue` itself is checked against exact fractions straight from DESIGN.md
(tests/test_formula_properties.py). An audit recomputes it on demand (RevenueService.full_split),
and events shared before migration 0009 stored it.

`largest_remainder` is `apportion` with one object per key, for the same readers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ledger.formula.apportion import Apportionment, _itself, apportion
from ledger.formula.compact import share_line
from ledger.formula.event import (
    ContributionWeightInput,
    ReviewerInput,
    check_event,
    check_weighs_something,
    pools,
    refuse_repeated,
    reviewer_ties,
)
from ledger.formula.params import FormulaParams, Weight

__all__ = ["Apportioned", "RevenueSplit", "Share", "largest_remainder", "per_member_totals", "split_revenue"]

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Share:
    """One line of a member's statement: whose, on what weight out of W, and the arithmetic."""

    member: str
    log_index: int | None  # the contribution's id; None on a reviewer's share
    weight: int
    total_weight: int  # W
    pool: int  # the pool this share is cut from (P, or the reviewer pool)
    floor: int  # ⌊pool·weight/W⌋
    remainder: int  # pool·weight mod W
    leftover: bool

    @property
    def amount(self) -> int:
        return self.floor + int(self.leftover)

    @property
    def rule(self) -> str:
        bonus = " + 1 leftover unit" if self.leftover else ""
        return (
            f"⌊{self.pool}·{self.weight}/{self.total_weight}⌋ = {self.floor} "
            f"(remainder {self.remainder}){bonus} = {self.amount}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The line with its rule written out (what full splits store and `RevenueService.full_split` shows)."""
        return {
            **share_line(
                self.member,
                self.log_index,
                self.weight,
                self.total_weight,
                self.pool,
                self.floor,
                self.remainder,
                self.leftover,
            ),
            "rule": self.rule,
        }


@dataclass(frozen=True)
class RevenueSplit:
    """A revenue event shared out: reserve + reviewer_pool + contributor_pool = amount, exactly."""

    amount: int
    currency: str
    params: FormulaParams
    reserve: int
    reviewer_pool: int  # what reviewers share; 0 without reviewers
    reviewer_pool_redirected: int  # the reviewer pool given to contributors for want of reviewers
    contributor_pool: int  # P, including any redirected reviewer pool
    contributor_weight: int  # W of the contributions
    reviewer_weight: int  # Σ accepted reviews; 0 without reviewers
    contributor_shares: tuple[Share, ...]  # by log index
    reviewer_shares: tuple[Share, ...]  # by reviewer id

    def to_dict(self) -> dict[str, Any]:
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
            "contributor_shares": [share.to_dict() for share in self.contributor_shares],
            "reviewer_shares": [share.to_dict() for share in self.reviewer_shares],
        }


def _shares(
    parts: Apportionment[K],
    member: Callable[[K], str],
    log_index: Callable[[K], int | None],
    tie_key: Callable[[K], Any] = _itself,
) -> tuple[Share, ...]:
    whole, pool = parts.whole, parts.total
    return tuple(
        Share(member(key), log_index(key), weight, whole, pool, floor, rest, bonus)
        for key, weight, floor, rest, bonus in zip(
            parts.keys, parts.weights, parts.floors, parts.remainders, parts.bonuses(tie_key), strict=True
        )
    )


def _no_index(reviewer: str) -> None:
    return None


def split_revenue(
    amount: int,
    currency: str,
    params: FormulaParams,
    contributions: Sequence[ContributionWeightInput],
    reviewers: Sequence[ReviewerInput] = (),
) -> RevenueSplit:
    """Share a revenue event of `amount` minor units attributed to a release, per DESIGN.md."""
    check_event(amount, currency, len(contributions), reviewers)
    indexes = [c.log_index for c in contributions]
    refuse_repeated(indexes)
    if params.weight is Weight.EQUAL:
        weights = [(index, 1) for index in indexes]
    else:
        field = params.weight.value  # one getattr per contribution, not a method call and a rule lookup
        weights = [(c.log_index, getattr(c, field)) for c in contributions]
    check_weighs_something(sum(weight for _, weight in weights), params)
    reserve, reviewer_pool, redirected, contributor_pool = pools(amount, params, reviewers)
    authors = {c.log_index: c.author for c in contributions}
    contributor_shares = _shares(apportion(contributor_pool, weights), authors.__getitem__, _itself)
    reviewer_shares: tuple[Share, ...] = ()
    if reviewers:
        tie = reviewer_ties(reviewers)
        reviewer_shares = _shares(
            apportion(reviewer_pool, [(r.reviewer, r.accepted_reviews) for r in reviewers], tie),
            str,
            _no_index,
            tie,
        )
    return RevenueSplit(
        amount,
        currency,
        params,
        reserve,
        reviewer_pool,
        redirected,
        contributor_pool,
        sum(weight for _, weight in weights),
        sum(r.accepted_reviews for r in reviewers),
        contributor_shares,
        reviewer_shares,
    )


def per_member_totals(split: RevenueSplit) -> dict[str, int]:
    """What each member earns from the event, contributor and reviewer shares together, by member id.

    Members whose shares are all 0 are listed with 0, so a statement can say so; the reserve is
    not a member and is not listed.
    """
    totals: dict[str, int] = {}
    for share in split.contributor_shares + split.reviewer_shares:
        totals[share.member] = totals.get(share.member, 0) + share.amount
    return dict(sorted(totals.items()))


@dataclass(frozen=True)
class Apportioned(Generic[K]):
    """One key's part of a Hamilton apportionment: ⌊total·weight/W⌋, its remainder, and the bonus."""

    key: K
    weight: int
    floor: int
    remainder: int  # total·weight mod W: the numerator of the quota's fractional part, over W
    leftover: bool  # received one of the leftover units

    @property
    def amount(self) -> int:
        return self.floor + int(self.leftover)


def largest_remainder(
    total: int, weights: Sequence[tuple[K, int]], tie_key: Callable[[K], Any] = _itself
) -> tuple[Apportioned[K], ...]:
    """`apportion` (same checks, same order, same units) with one Apportioned per key."""
    parts = apportion(total, weights, tie_key)
    return tuple(
        Apportioned(key, weight, floor, rest, bonus)
        for key, weight, floor, rest, bonus in zip(
            parts.keys, parts.weights, parts.floors, parts.remainders, parts.bonuses(tie_key), strict=True
        )
    )
