"""The general largest-remainder (Hamilton) apportionment that both revenue pools use."""

import pytest

from ledger.formula import FormulaError
from ledger.formula.reference import Apportioned, largest_remainder


def test_apportionment_reports_floor_remainder_and_leftover_per_key():
    # 10 by 1, 2, 4 (W = 7): 10/7 = 1 r 3, 20/7 = 2 r 6, 40/7 = 5 r 5; floors 8, leftovers 2 → r 6, r 5.
    assert largest_remainder(10, [("a", 1), ("b", 2), ("c", 4)]) == (
        Apportioned("a", 1, 1, 3, False),
        Apportioned("b", 2, 2, 6, True),
        Apportioned("c", 4, 5, 5, True),
    )


def test_results_come_in_tie_key_order_whatever_the_input_order():
    result = largest_remainder(5, [(3, 1), (1, 1), (2, 1)])
    assert [(a.key, a.amount) for a in result] == [(1, 2), (2, 2), (3, 1)]


def test_a_custom_tie_key_decides_equal_remainders():
    # Highest key first: equal remainders now favour 3, then 2.
    result = largest_remainder(5, [(1, 1), (2, 1), (3, 1)], tie_key=lambda key: -key)
    assert [(a.key, a.amount) for a in result] == [(3, 2), (2, 2), (1, 1)]


def test_zero_total_gives_every_key_nothing():
    assert [a.amount for a in largest_remainder(0, [("a", 3), ("b", 0)])] == [0, 0]


def test_an_empty_list_is_refused():
    with pytest.raises(FormulaError, match="nothing to apportion"):
        largest_remainder(5, [])


def test_repeated_keys_are_refused():
    with pytest.raises(FormulaError, match="'a' repeated"):
        largest_remainder(5, [("a", 1), ("a", 2)])


def test_weights_summing_to_zero_are_refused():
    with pytest.raises(FormulaError, match="sum to 0"):
        largest_remainder(0, [("a", 0), ("b", 0)])


def test_negative_weights_and_totals_are_refused():
    with pytest.raises(FormulaError, match="at least 0"):
        largest_remainder(5, [("a", -1), ("b", 2)])
    with pytest.raises(FormulaError, match="at least 0"):
        largest_remainder(-5, [("a", 1)])


def test_reviewer_pool_leftover_ties_go_to_the_lower_first_review_entry_then_the_lower_name():
    from ledger.formula import ContributionWeightInput, FormulaParams, ReviewerInput, Weight
    from ledger.formula.reference import split_revenue

    params = FormulaParams(0, 5000, Weight.EQUAL, 1)  # a reviewer pool of 5 for three equal reviewers
    reviewers = [
        ReviewerInput("m-a", 1, 7, "kz"),  # member ids in one order, public ties in another
        ReviewerInput("m-b", 1, 3, "ky"),
        ReviewerInput("m-c", 1, 3, "kx"),
    ]
    split = split_revenue(10, "EUR", params, [ContributionWeightInput(1, "m-a", 1, 1, 1)], reviewers)
    cents = {s.member: s.amount for s in split.reviewer_shares}
    assert cents == {"m-c": 2, "m-b": 2, "m-a": 1}


def test_reviewer_ties_are_public_for_every_reviewer_or_for_none():
    import pytest

    from ledger.formula import ContributionWeightInput, FormulaError, FormulaParams, ReviewerInput, Weight
    from ledger.formula.reference import split_revenue

    mixed = [ReviewerInput("m-a", 1, 7, "kz"), ReviewerInput("m-b", 1)]
    with pytest.raises(FormulaError, match="or none"):
        split_revenue(
            10, "EUR", FormulaParams(0, 5000, Weight.EQUAL, 1), [ContributionWeightInput(1, "m-a", 1, 1, 1)], mixed
        )
