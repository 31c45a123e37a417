"""The pay floor: what a floor policy may say, and a task's rate per measured hour never below the floor in force.

Integer arithmetic only (money in minor units, rates per hour), so a member can redo every decision
by hand and get the same answer. `check_floor_policy` judges a proposed floor (the policy body a
pay-floor proposal would enact); `check_pay_floor` judges a task's *estimated* rate when it opens;
`time_floor_breached` judges the rate its accepted work actually earns, from the time the server
measured on each item (claim → submission), falling back to the member's own report only for work
without a measurement (free-text tasks). The report is otherwise kept as a note, never the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coop.kernel.errors import Refused
from coop.kernel.money import UnknownCurrency, check_currency, format_major


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
        least = -(-floor * minutes_per_unit // 60)
        raise Refused(
            f"{format_major(pay_per_unit, currency)} per unit of {minutes_per_unit} min is "
            f"{format_major(rate, currency)} per hour, below the floor of {format_major(floor, currency)} per hour "
            f"(pay-floor v{version}); pay at least {format_major(least, currency)} per unit"
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


# --- Time per unit, measured by the server or reported by the member ---------------------------
#
# Time is kept in whole seconds. Every rounding leans against the task, so the figure never says a
# task pays better than it does: time per unit rounds *up* (a slower worker), the median of an even
# count rounds *up* (`median`), and the hourly rate rounds *down* (`rate_per_hour`). Integer
# arithmetic throughout: a member redoes every figure by hand and gets the same answer.

MEASURED = "measured"  # seconds from the claim of an item to the submission of its answer (server clock)
REPORTED = "self-reported"  # minutes the member typed in: used only where no measured time exists
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class TimeSample:
    """One accepted contribution's time: its units, the minutes its author reported, and the seconds
    the server measured (None for contributions that answer no item, such as free-text tasks)."""

    units: int
    reported_minutes: int
    measured_seconds: int | None = None

    @property
    def source(self) -> str:
        return MEASURED if self.measured_seconds is not None else REPORTED

    @property
    def seconds(self) -> int:
        """The time this sample counts: measured if there is a measurement, else the report."""
        return self.measured_seconds if self.measured_seconds is not None else self.reported_minutes * 60


def seconds_per_unit(sample: TimeSample) -> int:
    """The sample's seconds per unit, rounded up, and at least one second (a zero-second measurement
    would make the rate infinite)."""
    if sample.units <= 0:
        raise ValueError("a contribution has at least one unit")
    return max(1, -(-max(0, sample.seconds) // sample.units))


def rate_per_hour(amount: int, seconds: int) -> int:
    """Minor units per hour of `amount` earned in `seconds`, rounded down: ⌊amount × 3600 / seconds⌋."""
    if seconds <= 0:
        raise ValueError("the time must be positive")
    return amount * SECONDS_PER_HOUR // seconds


@dataclass(frozen=True)
class TimeReading:
    """What a task's accepted work says about its pay: the median seconds per unit, the hourly
    rate it implies, and where the times came from (`measured`, `self-reported`, or both)."""

    median_seconds: int
    hourly_rate: int
    samples: int
    measured: int  # how many of the samples are server-measured

    @property
    def source(self) -> str:
        if self.measured == self.samples:
            return MEASURED
        if self.measured == 0:
            return REPORTED
        return f"{MEASURED} ({self.measured}) and {REPORTED} ({self.samples - self.measured})"


def read_time(pay_per_unit: int, samples: Sequence[TimeSample]) -> TimeReading:
    """The median time per unit of the samples and the hourly rate it implies."""
    if not samples:
        raise ValueError("no accepted work to read")
    typical = median([seconds_per_unit(s) for s in samples])
    measured = sum(1 for s in samples if s.measured_seconds is not None)
    return TimeReading(typical, rate_per_hour(pay_per_unit, typical), len(samples), measured)


def time_floor_breached(
    pay_per_unit: int, samples: Sequence[TimeSample], floor: int, min_samples: int
) -> TimeReading | None:
    """The reading if the median time of enough accepted work puts the rate below the floor, else None."""
    if len(samples) < min_samples or not samples:
        return None
    reading = read_time(pay_per_unit, samples)
    return reading if reading.hourly_rate < floor else None


def describe_seconds(seconds: int) -> str:
    """A duration as a member reads it: '1 h 2 min 5 s', '4 min 0 s', '9 s'."""
    hours, rest = divmod(max(0, seconds), SECONDS_PER_HOUR)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min {secs} s"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
