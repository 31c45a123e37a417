"""One revenue event's inputs, what is refused of them, and its pools: common to every way of
sharing it (the production compact split, ledger.formula.compact; the reference full split,
ledger.formula.reference).

The refusals (DESIGN.md, "Contract: the revenue formula"): a negative amount (a refund is a
reversal posted elsewhere, not negative sharing); no contributions (nothing to share among; quietly
sending P to the reserve would hide an upstream bug); contribution weights summing to 0 (no basis
for a split, e.g. base_pay on unpaid work: choose `equal`); duplicate log indexes or reviewer ids;
negative weights, indexes or amounts; a reviewer with no accepted review (they have no claim on
this release: leave them out); non-integers (floats, bools) anywhere. R = 0 is not refused: every
figure is 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ledger.formula.params import BPS, FormulaParams, Weight
from ledger.formula.refusals import FormulaError, whole_number

__all__ = [
    "ContributionColumns",
    "ContributionWeightInput",
    "ReviewerInput",
    "check_event",
    "check_weighs_something",
    "pools",
    "refuse_repeated",
    "reviewer_ties",
]


def _member(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise FormulaError(f"{name} must be a non-empty member id, not {value!r}")
    return value


@dataclass(frozen=True)
class ContributionWeightInput:
    """An accepted contribution in the release, with every figure a weight rule might use."""

    log_index: int  # the contribution's id: its index in the provenance log
    author: str
    base_pay: int  # minor units
    units: int
    minutes: int  # as reported by the contributor

    def __post_init__(self) -> None:
        whole_number(self.log_index, "a log index")
        _member(self.author, f"the author of contribution {self.log_index}")
        whole_number(self.base_pay, f"base_pay of contribution {self.log_index}")
        whole_number(self.units, f"units of contribution {self.log_index}")
        whole_number(self.minutes, f"minutes of contribution {self.log_index}")

    def weight(self, rule: Weight) -> int:
        return 1 if rule is Weight.EQUAL else int(getattr(self, rule.value))


@dataclass(frozen=True)
class ReviewerInput:
    """A reviewer's claim on the reviewer pool. `first_entry` and `name` are the public tie key of
    DESIGN.md's rule 3: the lowest log index among the licensed contributions they reviewed (the
    acceptance entry whose review digest commits to the review) and their pseudonymous name (key
    id). Given for every reviewer of an event, leftover ties go to the lower (first_entry, name);
    left out (events shared before they were recorded), to the lower member id."""

    reviewer: str
    accepted_reviews: int  # on the release's contributions; at least 1, or the reviewer has no claim
    first_entry: int | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        _member(self.reviewer, "a reviewer")
        whole_number(self.accepted_reviews, f"accepted reviews of {self.reviewer}", minimum=1)
        if self.first_entry is not None:
            whole_number(self.first_entry, f"the first review entry of {self.reviewer}")
            _member(self.name, f"the public name of reviewer {self.reviewer}")

    @property
    def tie(self) -> Any:
        return self.reviewer if self.first_entry is None else (self.first_entry, self.name)


def reviewer_ties(reviewers: Sequence[ReviewerInput]) -> Callable[[str], Any]:
    """The tie key of the reviewer pool by member id: public (first_entry, name) for all, or the
    member id for all (a mix has no order, and is refused)."""
    public = {r.first_entry is not None for r in reviewers}
    if len(public) > 1:
        raise FormulaError("give every reviewer's first review entry and name, or none")
    ties = {r.reviewer: r.tie for r in reviewers}
    return ties.__getitem__


@dataclass(frozen=True)
class ContributionColumns:
    """The release's contributions as one list per field, not one ContributionWeightInput each: a
    million frozen dataclasses cost more to build and check than sharing the event (bench/README.md,
    "Money"). `check` applies ContributionWeightInput's rules to whole columns."""

    log_indexes: list[int]
    authors: list[str]
    base_pay: list[int]
    units: list[int]
    minutes: list[int]

    @classmethod
    def of(cls, inputs: Sequence[ContributionWeightInput]) -> ContributionColumns:
        return cls(
            [c.log_index for c in inputs],
            [c.author for c in inputs],
            [c.base_pay for c in inputs],
            [c.units for c in inputs],
            [c.minutes for c in inputs],
        )

    def __len__(self) -> int:
        return len(self.log_indexes)

    def row(self, i: int) -> ContributionWeightInput:
        return ContributionWeightInput(
            self.log_indexes[i], self.authors[i], self.base_pay[i], self.units[i], self.minutes[i]
        )

    def inputs(self) -> list[ContributionWeightInput]:
        return [self.row(i) for i in range(len(self))]

    def check(self) -> None:
        """Whole, non-negative numbers (no bools: type(True) is bool) and non-empty author ids; on
        a failure the first offending row is built, so the error is ContributionWeightInput's own."""
        numbers = (self.log_indexes, self.base_pay, self.units, self.minutes)
        if all(type(v) is int and v >= 0 for column in numbers for v in column) and all(
            type(a) is str and a for a in self.authors
        ):
            return
        for i in range(len(self)):
            self.row(i)

    def weights(self, rule: Weight) -> list[int]:
        return [1] * len(self) if rule is Weight.EQUAL else list(getattr(self, rule.value))


def check_event(amount: int, currency: str, contributions: int, reviewers: Sequence[ReviewerInput]) -> None:
    """The refusals that do not depend on each contribution's figures (every way of sharing applies them)."""
    if isinstance(amount, int) and not isinstance(amount, bool) and amount < 0:
        raise FormulaError(f"revenue of {amount} is negative: post a refund as a reversal, not as negative sharing")
    whole_number(amount, "the revenue amount")
    if not isinstance(currency, str) or not currency:
        raise FormulaError(f"a currency code is required, not {currency!r}")
    if not contributions:
        raise FormulaError(f"no contributions to share {amount} {currency} among: a release needs at least one")
    names = Counter(r.reviewer for r in reviewers)
    if repeated_names := sorted(name for name, count in names.items() if count > 1):
        raise FormulaError(
            f"list each reviewer once, with all their accepted reviews: {', '.join(repeated_names)} repeated"
        )


def refuse_repeated(indexes: Sequence[int]) -> None:
    """Log indexes are the contributions' ids and the tie order: each once."""
    if len(set(indexes)) != len(indexes) and (
        repeated := sorted(i for i, count in Counter(indexes).items() if count > 1)
    ):
        raise FormulaError(f"contribution log indexes must be distinct: {', '.join(map(str, repeated))} repeated")


def check_weighs_something(whole: int, params: FormulaParams) -> None:
    if whole == 0:
        raise FormulaError(
            f"every contribution weighs 0 by {params.weight.value}: no basis for a split "
            "(the `equal` weight always has one)"
        )


def pools(amount: int, params: FormulaParams, reviewers: Sequence[ReviewerInput]) -> tuple[int, int, int, int]:
    """(reserve, reviewer pool, reviewer pool redirected to contributors, contributor pool): rule 1,
    and rule 4's redirection without reviewers (ledger.formula)."""
    reserve = amount * params.reserve_bps // BPS
    nominal_reviewer_pool = amount * params.reviewer_bps // BPS
    reviewer_pool = nominal_reviewer_pool if reviewers else 0
    return reserve, reviewer_pool, nominal_reviewer_pool - reviewer_pool, amount - reserve - reviewer_pool
