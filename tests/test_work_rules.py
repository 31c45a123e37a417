"""The pure rules of the work: pay floor, median, consent terms, the rubric's acceptance decision."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.kernel.errors import Refused
from coop.rules import consent, pay_floor, review
from governance.defaults import PAY_FLOOR, RUBRICS

CRITERIA = RUBRICS["expert-answer"]["criteria"]
ACCEPTANCE = RUBRICS["expert-answer"]["acceptance"]


def scores(value):
    return {c["name"]: value for c in CRITERIA}


def test_a_rate_below_the_floor_is_refused_with_the_numbers():
    with pytest.raises(
        Refused,
        match=r"^5\.00 EUR per unit of 20 min is 15\.00 EUR per hour, below the floor of 18\.00 EUR per hour "
        r"\(pay-floor v1\); pay at least 6\.00 EUR per unit$",
    ):
        pay_floor.check_pay_floor(500, 20, "EUR", PAY_FLOOR, 1)


def test_a_rate_at_the_floor_is_accepted():
    assert pay_floor.check_pay_floor(600, 20, "EUR", PAY_FLOOR, 1) == 1800


def test_a_currency_without_a_floor_is_refused():
    with pytest.raises(Refused, match="no pay floor for JPY"):
        pay_floor.check_pay_floor(10000, 20, "JPY", PAY_FLOOR, 1)


@given(st.integers(1, 10**6), st.integers(1, 600))
def test_hourly_rate_never_overstates_pay(pay, minutes):
    assert pay_floor.hourly_rate(pay, minutes) * minutes <= pay * 60


def test_median_of_an_even_count_rounds_toward_the_slower_worker():
    assert pay_floor.median([10, 20, 31, 41]) == 26
    assert pay_floor.median([5, 1, 3]) == 3


def test_the_floor_check_waits_for_enough_accepted_work():
    def reported(*minutes):
        return [pay_floor.TimeSample(1, m) for m in minutes]

    assert pay_floor.time_floor_breached(600, reported(40, 40, 40, 40), 1800, 5) is None
    assert pay_floor.time_floor_breached(600, reported(40, 40, 40, 40, 40), 1800, 5).hourly_rate == 900
    assert pay_floor.time_floor_breached(600, reported(20, 20, 20, 40, 40), 1800, 5) is None


def test_terms_follow_the_design_contract():
    clean = consent.check_terms(
        {"permitted_uses": ["research", "model-training"], "excluded_sectors": [], "expires": "2030-01-01"}
    )
    assert clean["permitted_uses"] == ["model-training", "research"]
    for bad in (
        {"permitted_uses": ["spying"], "excluded_sectors": [], "expires": None},
        {"permitted_uses": [], "excluded_sectors": ["casinos"], "expires": None},
        {"permitted_uses": [], "excluded_sectors": [], "expires": "soon"},
        {"permitted_uses": []},
    ):
        with pytest.raises(Refused):
            consent.check_terms(bad)


def test_scores_must_cover_every_criterion_within_its_scale():
    with pytest.raises(Refused, match="score every criterion"):
        review.check_scores(CRITERIA, {"correctness": 3})
    with pytest.raises(Refused, match="from 1 to 5"):
        review.check_scores(CRITERIA, {**scores(3), "clarity": 6})


def test_decision_waits_for_the_required_reviews():
    assert review.decide(CRITERIA, ACCEPTANCE, [scores(5)], 1).outcome == "pending"


def test_two_good_reviews_accept():
    assert review.decide(CRITERIA, ACCEPTANCE, [scores(4), scores(5)], 1).outcome == "accepted"


def test_middling_reviews_ask_for_a_revision_until_the_rounds_run_out():
    assert review.decide(CRITERIA, ACCEPTANCE, [scores(3), scores(3)], 1).outcome == "revision-requested"
    assert review.decide(CRITERIA, ACCEPTANCE, [scores(3), scores(3)], 3).outcome == "rejected"


def test_poor_reviews_reject():
    assert review.decide(CRITERIA, ACCEPTANCE, [scores(1), scores(2)], 1).outcome == "rejected"


def test_disagreement_calls_for_one_more_review_then_decides():
    assert review.decide(CRITERIA, ACCEPTANCE, [scores(1), scores(5)], 1).outcome == "more-reviews"
    assert (
        review.decide(CRITERIA, ACCEPTANCE, [scores(1), scores(5), scores(5)], 1).outcome == "accepted"
    )  # (20+100+100)//3 = 73%
    assert (
        review.decide(CRITERIA, ACCEPTANCE, [scores(1), scores(5), scores(3)], 1).outcome == "revision-requested"
    )  # 53%


def test_the_seeded_floor_policy_is_a_valid_floor():
    pay_floor.check_floor_policy(PAY_FLOOR)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"hourly_minimum": {"EUR": 1800}}, "a pay floor is {hourly_minimum"),
        ({"hourly_minimum": {}, "flag_after_accepted": 5}, "at least one currency"),
        ({"hourly_minimum": {"eur": 1800}, "flag_after_accepted": 5}, "currency 'eur' is not an ISO 4217 code"),
        ({"hourly_minimum": {"EUR": True}, "flag_after_accepted": 5}, "the EUR floor must be a positive whole number"),
        (
            {"hourly_minimum": {"EUR": 1800}, "flag_after_accepted": 0},
            "flag_after_accepted must be a positive whole number",
        ),
    ],
)
def test_a_floor_policy_that_could_not_be_enacted_is_refused_with_the_reason(body, reason):
    with pytest.raises(Refused, match=re.escape(reason)):
        pay_floor.check_floor_policy(body)
