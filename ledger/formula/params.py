"""The formula's governed parameters, checked here and nowhere else.

A `revenue-formula` policy body is {reserve_bps, reviewer_bps, weight}. It is checked twice in its
life — as a proposal, before anyone votes on it (governance.proposal_rules.check_formula), and as
the policy in force, before it shares an event (`FormulaParams.from_policy`) — and both call
`check_params`, so a body that passes the vote can always be enacted and used, and a refusal reads
the same wherever it happens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ledger.formula.refusals import FormulaError, whole_number

__all__ = ["BPS", "FormulaParams", "Weight", "check_basis_points", "check_params", "weight_rule"]

BPS = 10_000  # basis points in the whole
KEYS = frozenset({"reserve_bps", "reviewer_bps", "weight"})


class Weight(StrEnum):
    """What a contribution weighs by (the policy schema's coop.statements.WEIGHTS: same names)."""

    BASE_PAY = "base_pay"
    UNITS = "units"
    MINUTES = "minutes"
    EQUAL = "equal"


WEIGHT_NAMES = frozenset(rule.value for rule in Weight)


def check_params(body: object) -> tuple[int, int, Weight]:
    """(reserve_bps, reviewer_bps, weight) of a policy body, after refusing: a body that is not
    exactly {reserve_bps, reviewer_bps, weight}; basis points that are not whole numbers from 0 to
    10000, or that add up to more than 10000; an unknown weight rule."""
    if not isinstance(body, Mapping) or set(body) != KEYS:
        raise FormulaError("formula parameters are {reserve_bps, reviewer_bps, weight}")
    reserve_bps, reviewer_bps = check_basis_points(body["reserve_bps"], body["reviewer_bps"])
    return reserve_bps, reviewer_bps, weight_rule(body["weight"])


def check_basis_points(reserve_bps: object, reviewer_bps: object) -> tuple[int, int]:
    """Each a whole number from 0 to 10000, and together at most 10000: the deductions can take
    everything (the contributor pool is then 0) but never more than the revenue."""
    checked = []
    for name, value in (("reserve_bps", reserve_bps), ("reviewer_bps", reviewer_bps)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= BPS:
            raise FormulaError(f"{name} must be a whole number from 0 to {BPS} basis points, not {value!r}")
        checked.append(value)
    reserve, reviewer = checked
    if reserve + reviewer > BPS:
        raise FormulaError(
            f"reserve ({reserve}) and reviewer pool ({reviewer}) together cannot exceed {BPS} basis points"
        )
    return reserve, reviewer


def weight_rule(value: object) -> Weight:
    """The Weight named by `value` (a Weight or its name)."""
    if isinstance(value, str) and value in WEIGHT_NAMES:
        return Weight(value)
    raise FormulaError(f"weight must be one of {', '.join(Weight)}, not {value!r}")


@dataclass(frozen=True)
class FormulaParams:
    """The governed policy's parameters; `version` (the policy version) is carried into statements."""

    reserve_bps: int
    reviewer_bps: int
    weight: Weight
    version: int | None = None

    def __post_init__(self) -> None:
        check_basis_points(self.reserve_bps, self.reviewer_bps)
        object.__setattr__(self, "weight", weight_rule(self.weight))  # a name given for the rule becomes the Weight
        if self.version is not None:
            whole_number(self.version, "the formula version", minimum=1)

    @classmethod
    def from_policy(cls, body: object, version: int | None = None) -> FormulaParams:
        """From a `revenue-formula` policy body, e.g. governance.defaults.REVENUE_FORMULA."""
        return cls(*check_params(body), version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reserve_bps": self.reserve_bps,
            "reviewer_bps": self.reviewer_bps,
            "weight": self.weight.value,
            "version": self.version,
        }
