"""The revenue formula (DESIGN.md, "Contract: the revenue formula"): an amount in, every unit placed.

Pure and integer-only because invariant 3 demands reserve + pools = amount and Σ shares = each pool,
exactly, and because a member's statement must let them redo the arithmetic by hand. Floats would
lose units at scale; Python ints are exact at any size (10^15 minor units is fine).

The rules, in full:

1. reserve = ⌊R·reserve_bps/10000⌋, reviewer pool = ⌊R·reviewer_bps/10000⌋, contributor pool
   P = R − both. Both deductions round down, so rounding favours the people whose work was sold.
2. Each pool is split by the largest-remainder (Hamilton) method, `largest_remainder`: every key
   gets ⌊pool·w/W⌋, and the leftover units go one each to the largest remainders pool·w mod W. All
   remainders share the denominator W, so comparing them as integers compares the exact fractional
   parts of the quotas.
3. Ties between equal remainders: contributions by lower log index (DESIGN.md) — unique, public and
   immutable. Reviewers have no log index, so by lower member id in Python string order (Unicode
   code points, the same order as their UTF-8 bytes): arbitrary, but public, stable and
   reproducible by anyone from the statement alone.
4. Contribution weight, per the policy's `weight`: base pay (minor units), units, reported minutes,
   or 1 for `equal`. Reviewer weight: the reviewer's accepted reviews on the release's
   contributions. With no reviewers the reviewer pool joins the contributor pool before it is split;
   `reviewer_pool` is then 0 and `reviewer_pool_redirected` says how much moved, so the three pools
   still add up to R.
5. Every share is ⌊quota⌋ or ⌊quota⌋+1 of its exact quota; a zero-weight contribution gets 0.
   Monotonicity (what holds, and the paradoxes that do not): see ledger.formula_apportion.

Refused with FormulaError (a RuleViolation, so callers report it like any broken rule): a negative
amount (a refund is a reversal posted elsewhere, not negative sharing); no contributions (nothing
to share among; quietly sending P to the reserve would hide an upstream bug); contribution weights
summing to 0 (no basis for a split, e.g. base_pay on unpaid work: choose `equal`); bps outside
0..10000 or reserve + reviewer above 10000; duplicate log indexes or reviewer ids; negative weights,
indexes or amounts; a reviewer with no accepted review (they have no claim on this release: leave
them out); non-integers (floats, bools) anywhere. R = 0 is not refused: every figure is 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Callable, Mapping, Sequence

from ledger.formula_apportion import Apportioned, Apportionment, FormulaError, apportion, largest_remainder
from ledger.formula_apportion import whole_number as _whole

__all__ = [
    "Apportioned", "BPS", "ContributionWeightInput", "FormulaError", "FormulaParams", "ReviewerInput", "RevenueSplit",
    "Share", "Weight", "check_event", "share_line", "check_weighs_something", "largest_remainder", "per_member_totals", "pools", "refuse_repeated",
    "split_revenue",
]

BPS = 10_000


class Weight(StrEnum):
    BASE_PAY = "base_pay"
    UNITS = "units"
    MINUTES = "minutes"
    EQUAL = "equal"


def _member(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise FormulaError(f"{name} must be a non-empty member id, not {value!r}")
    return value


@dataclass(frozen=True)
class FormulaParams:
    """The governed policy's parameters; `version` (the policy version) is carried into statements."""

    reserve_bps: int
    reviewer_bps: int
    weight: Weight
    version: int | None = None

    def __post_init__(self) -> None:
        for name in ("reserve_bps", "reviewer_bps"):
            if _whole(getattr(self, name), name) > BPS:
                raise FormulaError(f"{name} must be 0 to {BPS} basis points, not {getattr(self, name)}")
        if self.reserve_bps + self.reviewer_bps > BPS:
            raise FormulaError(
                f"reserve ({self.reserve_bps}) and reviewer pool ({self.reviewer_bps}) together exceed {BPS} basis points"
            )
        try:
            object.__setattr__(self, "weight", Weight(self.weight))
        except (ValueError, TypeError):
            raise FormulaError(f"weight must be one of {', '.join(Weight)}, not {self.weight!r}") from None
        if self.version is not None:
            _whole(self.version, "the formula version", minimum=1)

    @classmethod
    def from_policy(cls, body: Mapping[str, Any], version: int | None = None) -> FormulaParams:
        """From a `revenue-formula` policy body, e.g. governance.defaults.REVENUE_FORMULA."""
        if not isinstance(body, Mapping) or set(body) != {"reserve_bps", "reviewer_bps", "weight"}:
            raise FormulaError("formula parameters are {reserve_bps, reviewer_bps, weight}")
        return cls(body["reserve_bps"], body["reviewer_bps"], body["weight"], version)

    def to_dict(self) -> dict[str, Any]:
        return {"reserve_bps": self.reserve_bps, "reviewer_bps": self.reviewer_bps, "weight": self.weight.value, "version": self.version}


@dataclass(frozen=True)
class ContributionWeightInput:
    """An accepted contribution in the release, with every figure a weight rule might use."""

    log_index: int  # the contribution's id: its index in the provenance log
    author: str
    base_pay: int  # minor units
    units: int
    minutes: int  # as reported by the contributor

    def __post_init__(self) -> None:
        _whole(self.log_index, "a log index")
        _member(self.author, f"the author of contribution {self.log_index}")
        for name in ("base_pay", "units", "minutes"):
            _whole(getattr(self, name), f"{name} of contribution {self.log_index}")

    def weight(self, rule: Weight) -> int:
        return 1 if rule is Weight.EQUAL else int(getattr(self, rule.value))


@dataclass(frozen=True)
class ReviewerInput:
    reviewer: str
    accepted_reviews: int  # on the release's contributions; at least 1, or the reviewer has no claim

    def __post_init__(self) -> None:
        _member(self.reviewer, "a reviewer")
        _whole(self.accepted_reviews, f"accepted reviews of {self.reviewer}", minimum=1)


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
        return f"⌊{self.pool}·{self.weight}/{self.total_weight}⌋ = {self.floor} (remainder {self.remainder}){bonus} = {self.amount}"

    def to_dict(self) -> dict[str, Any]:
        """The line with its rule written out (what full splits store and `RevenueService.full_split` shows)."""
        return {**share_line(self.member, self.log_index, self.weight, self.total_weight, self.pool, self.floor, self.remainder, self.leftover),
                "rule": self.rule}


def share_line(member: str, log_index: int | None, weight: int, total_weight: int, pool: int, floor: int, remainder: int,
               leftover: bool) -> dict[str, Any]:
    """A share as a statement line: every number of its arithmetic, from plain values, so that a
    statement's 10,000 lines need not build a Share each; the rule is left to the reader (the
    earnings page writes it out), as formatting it tripled the cost of a line."""
    return {
        "member": member, "log_index": log_index, "weight": weight, "total_weight": total_weight, "pool": pool, "floor": floor,
        "remainder": remainder, "leftover": leftover, "amount": floor + 1 if leftover else floor,
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
            "amount": self.amount, "currency": self.currency, "formula": self.params.to_dict(), "reserve": self.reserve,
            "reviewer_pool": self.reviewer_pool, "reviewer_pool_redirected": self.reviewer_pool_redirected,
            "contributor_pool": self.contributor_pool, "contributor_weight": self.contributor_weight,
            "reviewer_weight": self.reviewer_weight,
            "contributor_shares": [share.to_dict() for share in self.contributor_shares],
            "reviewer_shares": [share.to_dict() for share in self.reviewer_shares],
        }


def _shares(parts: Apportionment[Any], member: Callable[[Any], str], indexed: bool) -> tuple[Share, ...]:
    whole, pool = parts.whole, parts.total
    return tuple(
        Share(member(key), key if indexed else None, weight, whole, pool, floor, rest, bonus)
        for key, weight, floor, rest, bonus in zip(parts.keys, parts.weights, parts.floors, parts.remainders, parts.bonuses())
    )


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
    contributor_shares = _shares(apportion(contributor_pool, weights), authors.__getitem__, True)
    reviewer_shares: tuple[Share, ...] = ()
    if reviewers:
        reviewer_shares = _shares(apportion(reviewer_pool, [(r.reviewer, r.accepted_reviews) for r in reviewers]), str, False)
    return RevenueSplit(
        amount, currency, params, reserve, reviewer_pool, redirected, contributor_pool,
        sum(weight for _, weight in weights), sum(r.accepted_reviews for r in reviewers), contributor_shares, reviewer_shares,
    )


def check_event(amount: int, currency: str, contributions: int, reviewers: Sequence[ReviewerInput]) -> None:
    """The refusals that do not depend on each contribution's figures (every way of sharing applies them)."""
    if isinstance(amount, int) and not isinstance(amount, bool) and amount < 0:
        raise FormulaError(f"revenue of {amount} is negative: post a refund as a reversal, not as negative sharing")
    _whole(amount, "the revenue amount")
    if not isinstance(currency, str) or not currency:
        raise FormulaError(f"a currency code is required, not {currency!r}")
    if not contributions:
        raise FormulaError(f"no contributions to share {amount} {currency} among: a release needs at least one")
    names = Counter(r.reviewer for r in reviewers)
    if repeated_names := sorted(name for name, count in names.items() if count > 1):
        raise FormulaError(f"list each reviewer once, with all their accepted reviews: {', '.join(repeated_names)} repeated")


def refuse_repeated(indexes: Sequence[int]) -> None:
    """Log indexes are the contributions' ids and the tie order: each once."""
    if len(set(indexes)) != len(indexes) and (repeated := sorted(i for i, count in Counter(indexes).items() if count > 1)):
        raise FormulaError(f"contribution log indexes must be distinct: {', '.join(map(str, repeated))} repeated")


def check_weighs_something(whole: int, params: FormulaParams) -> None:
    if whole == 0:
        raise FormulaError(
            f"every contribution weighs 0 by {params.weight.value}: no basis for a split (the `equal` weight always has one)"
        )


def pools(amount: int, params: FormulaParams, reviewers: Sequence[ReviewerInput]) -> tuple[int, int, int, int]:
    """(reserve, reviewer pool, reviewer pool redirected to contributors, contributor pool): rule 1,
    and rule 3's redirection without reviewers."""
    reserve = amount * params.reserve_bps // BPS
    nominal_reviewer_pool = amount * params.reviewer_bps // BPS
    reviewer_pool = nominal_reviewer_pool if reviewers else 0
    return reserve, reviewer_pool, nominal_reviewer_pool - reviewer_pool, amount - reserve - reviewer_pool


def per_member_totals(split: RevenueSplit) -> dict[str, int]:
    """What each member earns from the event, contributor and reviewer shares together, by member id.

    Members whose shares are all 0 are listed with 0, so a statement can say so; the reserve is
    not a member and is not listed.
    """
    totals: dict[str, int] = {}
    for share in split.contributor_shares + split.reviewer_shares:
        totals[share.member] = totals.get(share.member, 0) + share.amount
    return dict(sorted(totals.items()))
