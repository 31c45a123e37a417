"""The pay-floor reading of time (coop.rules.pay_floor): seconds the server measured, the member's
report only where there is no measurement, and every rounding against the task."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.rules.pay_floor import (
    MEASURED,
    REPORTED,
    TimeSample,
    describe_seconds,
    rate_per_hour,
    read_time,
    seconds_per_unit,
    time_floor_breached,
)


def test_a_measured_time_is_used_instead_of_the_report():
    sample = TimeSample(units=1, reported_minutes=2, measured_seconds=600)
    assert sample.source == MEASURED and seconds_per_unit(sample) == 600


def test_the_report_counts_only_without_a_measurement():
    sample = TimeSample(units=1, reported_minutes=2)
    assert sample.source == REPORTED and seconds_per_unit(sample) == 120


def test_time_per_unit_rounds_up():
    assert seconds_per_unit(TimeSample(units=3, reported_minutes=1, measured_seconds=100)) == 34


def test_a_zero_second_measurement_counts_as_one_second():
    assert seconds_per_unit(TimeSample(units=1, reported_minutes=1, measured_seconds=0)) == 1


def test_the_hourly_rate_rounds_down():
    assert rate_per_hour(100, 7) == 51428  # 100 × 3600 / 7 = 51428.57…


def test_a_rate_over_no_time_is_refused():
    with pytest.raises(ValueError):
        rate_per_hour(100, 0)


def test_the_median_of_an_even_count_of_measured_times_is_the_slower_reading():
    samples = [TimeSample(1, 1, s) for s in (100, 200, 301, 400)]
    reading = read_time(900, samples)
    assert reading.median_seconds == 251 and reading.hourly_rate == 900 * 3600 // 251


def test_a_reading_says_where_its_times_came_from():
    measured = [TimeSample(1, 5, 60)] * 2
    reported = [TimeSample(1, 5)]
    assert read_time(100, measured).source == "measured"
    assert read_time(100, reported).source == "self-reported"
    assert read_time(100, measured + reported).source == "measured (2) and self-reported (1)"


def test_measured_time_breaks_the_floor_though_the_reports_would_not():
    # 900 per item; reported 20 min (2700/h) but measured 45 min (1200/h) against a floor of 1800/h.
    samples = [TimeSample(1, 20, 45 * 60)] * 5
    reading = time_floor_breached(900, samples, 1800, 5)
    assert reading is not None and reading.hourly_rate == 1200 and reading.source == "measured"
    assert time_floor_breached(900, [TimeSample(1, 20)] * 5, 1800, 5) is None


def test_measured_time_clears_the_floor_though_the_reports_would_not():
    samples = [TimeSample(1, 45, 20 * 60)] * 5
    assert time_floor_breached(900, samples, 1800, 5) is None
    assert time_floor_breached(900, [TimeSample(1, 45)] * 5, 1800, 5) is not None


def test_the_check_waits_for_enough_accepted_work():
    assert time_floor_breached(900, [TimeSample(1, 1, 3600)] * 4, 1800, 5) is None


def test_durations_read_as_hours_minutes_and_seconds():
    assert describe_seconds(3725) == "1 h 2 min 5 s"
    assert describe_seconds(240) == "4 min 0 s"
    assert describe_seconds(9) == "9 s"


samples = st.lists(
    st.builds(
        TimeSample,
        units=st.integers(1, 50),
        reported_minutes=st.integers(1, 600),
        measured_seconds=st.one_of(st.none(), st.integers(0, 10**6)),
    ),
    min_size=1,
    max_size=30,
)


@given(st.integers(1, 10**6), samples)
def test_the_reading_never_flatters_the_task(pay, work):
    """At the median time per unit, the rate read never pays more than the pay really earns: the
    rounded-up time and the rounded-down rate only ever lower it."""
    reading = read_time(pay, work)
    exact_times = sorted(s.seconds / s.units for s in work)
    middle = len(exact_times) // 2
    exact_median = exact_times[middle] if len(exact_times) % 2 else (exact_times[middle - 1] + exact_times[middle]) / 2
    assert reading.median_seconds >= exact_median
    assert reading.hourly_rate * reading.median_seconds <= pay * 3600
    assert reading.hourly_rate <= pay * 3600 / max(exact_median, 1)


@given(st.integers(0, 10**9), st.integers(1, 10**7))
def test_a_rate_per_hour_never_overstates_the_pay(amount, seconds):
    rate = rate_per_hour(amount, seconds)
    assert rate * seconds <= amount * 3600 < (rate + 1) * seconds
