"""The pay floor: what a floor policy may say, and a task's rate per measured hour never below the floor in force.

Integer arithmetic only (money in minor units, rates per hour), so a member can redo every decision
by hand and get the same answer. `check_floor_policy` judges a proposed floor (the policy body a
pay-floor proposal would enact); `check_pay_floor` judges a task's rate against the floor in force.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coop.kernel.errors import Refused
from coop.kernel.money import UnknownCurrency, check_currency


def check_floor_policy(body: Any) -> None:
    """Refuse a pay-floor policy body that could not be enacted: {hourly_minimum: {currency: minor
    units per hour}, flag_after_accepted}, known currencies, positive whole numbers."""
    if not isinstance(body, dict) or set(body) != {"hourly_minimum", "flag_after_accepted"}:
        raise Refused("a pay floor is {hourly_minimum: {currency: minor units per hour}, flag_after_accepted}")
    if not isinstance(body["hourly_minimum"], dict) or not body["hourly_minimum"]:
        raise Refused("the pay floor names at least one currency")
    for currency, amount in body["hourly_minimum"].items():
        try:
            check_currency(currency)
        except UnknownCurrency as error:
            raise Refused(str(error)) from error
        _positive_whole(amount, f"the {currency} floor")
    _positive_whole(body["flag_after_accepted"], "flag_after_accepted")


def _positive_whole(value: Any, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise Refused(f"{what} must be a positive whole number")


def hourly_rate(pay_per_unit: int, minutes_per_unit: int) -> int:
    """Minor units per hour implied by a unit rate, rounded down (never flatters a task)."""
    if minutes_per_unit <= 0:
        raise Refused("minutes per unit must be positive")
    return pay_per_unit * 60 // minutes_per_unit


def check_pay_floor(
    pay_per_unit: int, minutes_per_unit: int, currency: str, floor_policy: Mapping[str, Any], version: int
) -> int:
    """Refuse a rate below the floor in force; return the floor (minor units per hour)."""
    floors = floor_policy["hourly_minimum"]
    if currency not in floors:
        raise Refused(
            f"no pay floor for {currency} in pay-floor v{version}; currencies with a floor: {', '.join(sorted(floors))}"
        )
    floor = int(floors[currency])
    rate = hourly_rate(pay_per_unit, minutes_per_unit)
    if rate < floor:
        raise Refused(
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


def floor_breached(
    pay_per_unit: int, reported_minutes_per_unit: Sequence[int], floor: int, min_samples: int
) -> int | None:
    """The implied hourly rate if the median reported time breaks the floor, else None."""
    if len(reported_minutes_per_unit) < min_samples:
        return None
    rate = hourly_rate(pay_per_unit, max(1, median(reported_minutes_per_unit)))
    return rate if rate < floor else None
