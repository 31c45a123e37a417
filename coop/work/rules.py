"""Pure rules of the work: pay floor, consent terms, rubric scoring and the acceptance decision.

Integer arithmetic only (money in minor units, rates per hour, percentages as integers), so a
member can redo every decision by hand and get the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

USES = ("model-training", "model-evaluation", "research", "commercial", "redistribution", "open-release")
SECTORS = ("military", "surveillance", "biometric-identification", "political-persuasion", "advertising")


class RuleViolation(ValueError):
    """Input that breaks a co-op rule; the message carries the numbers."""


# -- pay floor -----------------------------------------------------------------------------


def hourly_rate(pay_per_unit: int, minutes_per_unit: int) -> int:
    """Minor units per hour implied by a unit rate, rounded down (never flatters a task)."""
    if minutes_per_unit <= 0:
        raise RuleViolation("minutes per unit must be positive")
    return pay_per_unit * 60 // minutes_per_unit


def check_pay_floor(pay_per_unit: int, minutes_per_unit: int, currency: str, floor_policy: Mapping[str, Any], version: int) -> int:
    """Refuse a rate below the floor in force; return the floor (minor units per hour)."""
    floors = floor_policy["hourly_minimum"]
    if currency not in floors:
        raise RuleViolation(f"no pay floor for {currency} in pay-floor v{version}; currencies with a floor: {', '.join(sorted(floors))}")
    floor = int(floors[currency])
    rate = hourly_rate(pay_per_unit, minutes_per_unit)
    if rate < floor:
        raise RuleViolation(
            f"{pay_per_unit} {currency} minor units per unit of {minutes_per_unit} min is {rate} per hour, "
            f"below the floor of {floor} per hour (pay-floor v{version}); pay at least "
            f"{-(-floor * minutes_per_unit // 60)} per unit"
        )
    return floor


def median(values: Sequence[int]) -> int:
    """Median rounded up for even counts: a slower typical worker, the cautious reading for pay."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of nothing")
    middle = n // 2
    return ordered[middle] if n % 2 else -(-(ordered[middle - 1] + ordered[middle]) // 2)


def floor_breached(pay_per_unit: int, reported_minutes_per_unit: Sequence[int], floor: int, min_samples: int) -> int | None:
    """The implied hourly rate if the median reported time breaks the floor, else None."""
    if len(reported_minutes_per_unit) < min_samples:
        return None
    rate = hourly_rate(pay_per_unit, max(1, median(reported_minutes_per_unit)))
    return rate if rate < floor else None


# -- consent terms -------------------------------------------------------------------------


def check_terms(terms: Mapping[str, Any]) -> dict[str, Any]:
    """Validate consent terms against DESIGN.md's contract; return them normalised."""
    if not isinstance(terms, Mapping) or set(terms) != {"permitted_uses", "excluded_sectors", "expires"}:
        raise RuleViolation("terms must be {permitted_uses, excluded_sectors, expires}")
    uses, sectors, expires = terms["permitted_uses"], terms["excluded_sectors"], terms["expires"]
    if not isinstance(uses, list) or not set(uses) <= set(USES) or len(set(uses)) != len(uses):
        raise RuleViolation(f"permitted_uses must be distinct values from {', '.join(USES)}")
    if not isinstance(sectors, list) or not set(sectors) <= set(SECTORS) or len(set(sectors)) != len(sectors):
        raise RuleViolation(f"excluded_sectors must be distinct values from {', '.join(SECTORS)}")
    if expires is not None:
        try:
            date.fromisoformat(str(expires))
        except ValueError as error:
            raise RuleViolation("expires must be null or a date YYYY-MM-DD") from error
    return {"permitted_uses": sorted(uses, key=USES.index), "excluded_sectors": sorted(sectors, key=SECTORS.index), "expires": expires}


def terms_cover(terms: Mapping[str, Any], intended_uses: Sequence[str]) -> list[str]:
    """Intended uses the terms do not permit (empty when the contribution fits the task)."""
    return [use for use in intended_uses if use not in terms["permitted_uses"]]


# -- review --------------------------------------------------------------------------------


def check_scores(criteria: Sequence[Mapping[str, Any]], scores: Mapping[str, int]) -> dict[str, int]:
    names = [c["name"] for c in criteria]
    if set(scores) != set(names):
        raise RuleViolation(f"score every criterion exactly once: {', '.join(names)}")
    for criterion in criteria:
        value = scores[criterion["name"]]
        if not isinstance(value, int) or isinstance(value, bool) or not criterion["min"] <= value <= criterion["max"]:
            raise RuleViolation(f"{criterion['name']} must be a whole number from {criterion['min']} to {criterion['max']}")
    return {name: int(scores[name]) for name in names}


def review_percent(criteria: Sequence[Mapping[str, Any]], scores: Mapping[str, int]) -> int:
    """A review's score as a whole percentage of the maximum (rounded down)."""
    top = sum(int(c["max"]) for c in criteria)
    return sum(int(scores[c["name"]]) for c in criteria) * 100 // top


@dataclass(frozen=True)
class Decision:
    outcome: str  # "pending" | "more-reviews" | "accepted" | "revision-requested" | "rejected"
    reason: str
    average_pct: int | None = None


def decide(criteria: Sequence[Mapping[str, Any]], acceptance: Mapping[str, Any], review_scores: Sequence[Mapping[str, int]], round_number: int) -> Decision:
    """The rubric's acceptance rule applied to this round's reviews."""
    required, most = int(acceptance["reviews_required"]), int(acceptance["max_reviews"])
    if len(review_scores) < required:
        return Decision("pending", f"{len(review_scores)} of {required} reviews")
    percents = [review_percent(criteria, s) for s in review_scores]
    spread = max(percents) - min(percents)
    if spread > int(acceptance["max_spread_pct"]) and len(review_scores) < most:
        return Decision("more-reviews", f"reviewers disagree by {spread} points (more than {acceptance['max_spread_pct']}): one more review")
    average = sum(percents) // len(percents)
    if average >= int(acceptance["accept_min_average_pct"]):
        return Decision("accepted", f"average {average}% ≥ {acceptance['accept_min_average_pct']}%", average)
    if average >= int(acceptance["revise_min_average_pct"]):
        if round_number <= int(acceptance["max_revision_rounds"]):
            return Decision("revision-requested", f"average {average}% is below {acceptance['accept_min_average_pct']}%: revise and resubmit", average)
        return Decision("rejected", f"average {average}% after the last allowed revision round", average)
    return Decision("rejected", f"average {average}% is below {acceptance['revise_min_average_pct']}%", average)
