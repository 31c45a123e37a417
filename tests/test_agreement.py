"""Agreement (issue 14, part 5): Krippendorff's alpha against hand arithmetic and against the `krippendorff`
package itself, leave-one-out agreement with the consensus, and the minimum-alpha adjudication rule."""

import math
import warnings
from fractions import Fraction

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop.kernel.errors import Refused
from coop.rules.agreement import Alpha, adjudication, agreement_with_consensus, alpha, alpha_per_criterion

# Three items answered more than once and one answered once (item 4), labels a / b.
LABELS = [
    (1, "c1", "a"),
    (1, "c2", "a"),
    (2, "c1", "a"),
    (2, "c2", "b"),
    (3, "c1", "b"),
    (3, "c2", "b"),
    (3, "c3", "b"),
    (4, "c1", "a"),
]
# The same shape with scores 1–3.
SCORES = [(1, "x", 1), (1, "y", 1), (2, "x", 1), (2, "y", 2), (3, "x", 3), (3, "y", 3), (3, "z", 2)]


def test_nominal_alpha_equals_the_hand_computed_example():
    """Coincidences: an item with m answers adds 1/(m−1) to o[c][k] for each ordered pair of answers
    by different coders. Item 1 (a, a): o_aa += 2/1. Item 2 (a, b): o_ab += 1, o_ba += 1. Item 3
    (b, b, b): six ordered pairs, o_bb += 6/2 = 3. Item 4 has one answer and adds nothing.

        o =   a  b        n_a = 3, n_b = 4, n = 7
           a  2  1
           b  1  3

    Observed disagreement (× n): o_ab + o_ba = 2. Expected (× n): e_ab + e_ba with
    e_ck = n_c·n_k/(n−1) = 3·4/6 = 2, so 4. α = 1 − 2/4 = 1/2."""
    assert alpha(LABELS, "nominal") == Alpha(0.5, "nominal alpha over 3 items answered more than once", 3, 7)


def test_interval_alpha_equals_the_hand_computed_example():
    """Item 1 (1, 1): o_11 += 2. Item 2 (1, 2): o_12 += 1, o_21 += 1. Item 3 (3, 3, 2): pairs (3,3)×2,
    (3,2)×2, (2,3)×2, each 1/2: o_33 += 1, o_32 += 1, o_23 += 1.

        o =   1  2  3        n_1 = 3, n_2 = 2, n_3 = 2, n = 7
           1  2  1  0
           2  1  0  1
           3  0  1  1

    δ² = (c − k)². Observed Σ o·δ² = o_12 + o_21 + o_23 + o_32 = 4. Expected e_ck = n_c·n_k/6:
    e_12 = 1, e_13 = 1, e_23 = 2/3; Σ e·δ² = 2·(1·1 + 1·4 + 2/3·1) = 34/3. α = 1 − 4/(34/3) = 11/17."""
    assert alpha(SCORES, "interval").value == pytest.approx(float(Fraction(11, 17)), abs=1e-12)


def test_ordinal_alpha_equals_the_hand_computed_example():
    """Same coincidences as the interval example; the ordinal distance is
    δ²_ck = (n_c + … + n_k − (n_c + n_k)/2)²: δ²_12 = (5 − 5/2)² = 25/4, δ²_23 = (4 − 2)² = 4,
    δ²_13 = (7 − 5/2)² = 81/4. Observed Σ o·δ² = 2·25/4 + 2·4 = 41/2. Expected
    2·(25/4 + 81/4 + 2/3·4) = 175/3. α = 1 − (41/2)/(175/3) = 1 − 123/350 = 227/350."""
    assert alpha(SCORES, "ordinal").value == pytest.approx(float(Fraction(227, 350)), abs=1e-12)


def test_alpha_is_one_for_perfect_agreement():
    answers = [(item, coder, item % 3) for item in range(9) for coder in ("p", "q", "r")]
    for level in ("nominal", "ordinal", "interval"):
        assert alpha(answers, level).value == pytest.approx(1.0)


def test_items_with_one_answer_are_ignored():
    singles = [(100 + i, "c9", label) for i, label in enumerate("abababa")]
    assert alpha(LABELS + singles, "nominal") == alpha(LABELS, "nominal")


def test_alpha_is_none_with_a_reason_when_no_item_is_answered_twice():
    result = alpha([(1, "a", "x"), (2, "a", "y"), (3, "b", "x")], "nominal")
    assert (result.value, result.items, result.answers) == (None, 0, 0)
    assert "no item is answered more than once" in result.reason


def test_alpha_is_none_when_the_counted_answers_do_not_vary():
    result = alpha([(1, "a", 2), (1, "b", 2), (2, "a", 2), (2, "b", 2), (3, "a", 5)], "ordinal")
    assert (result.value, result.items, result.answers) == (None, 2, 4)
    assert "no variation" in result.reason


def test_a_coder_answering_an_item_twice_is_refused():
    with pytest.raises(Refused, match="answered item 1 more than once"):
        alpha([(1, "a", "x"), (1, "a", "y"), (1, "b", "x")], "nominal")


@pytest.mark.parametrize("value", ["high", float("nan"), True])
def test_a_score_that_is_not_a_finite_number_is_refused(value):
    with pytest.raises(Refused):
        alpha([(1, "a", value), (1, "b", 3)], "interval")


def test_alpha_per_criterion_uses_each_criterions_answers_and_level():
    result = alpha_per_criterion({"accuracy": SCORES, "tone": LABELS}, {"accuracy": "interval", "tone": "nominal"})
    assert list(result) == ["accuracy", "tone"]
    assert result["accuracy"] == alpha(SCORES, "interval")
    assert result["tone"].value == 0.5


def test_a_criterion_without_a_level_is_refused():
    with pytest.raises(Refused, match="no level of measurement for criterion tone"):
        alpha_per_criterion({"tone": LABELS}, {})


# Reliability data as the package takes it: coders × items, NaN where a coder did not answer.
reliability_data = st.integers(2, 5).flatmap(
    lambda coders: st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=coders, max_size=coders), min_size=1, max_size=12
    )
)


@settings(max_examples=300, deadline=None)
@given(reliability_data, st.sampled_from(["nominal", "ordinal", "interval"]))
def test_alpha_equals_the_krippendorff_package_on_the_same_data(items, level):
    answers = [(i, c, v) for i, row in enumerate(items) for c, v in enumerate(row) if v is not None]
    matrix = np.array([[math.nan if v is None else v for v in row] for row in items], dtype=float).T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 when the counted values do not vary
        try:
            expected: float | None = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
        except ValueError:  # nothing pairable, or one value in the whole domain
            expected = None
    if expected is not None and math.isnan(expected):
        expected = None
    result = alpha(answers, level)
    if expected is None:
        assert result.value is None
    else:
        assert result.value == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_consensus_leaves_the_coder_out():
    """Item 3 (b, b, b by c1, c2, c3): each compared with the other two (b, b), all match. Item 2
    (a by c1, b by c2): each compared with the other's answer, neither matches. Item 1 (a, a): both match."""
    result = agreement_with_consensus(LABELS, "nominal")
    assert {coder: (a.compared, a.matched, a.undecided) for coder, a in result.items()} == {
        "c1": (3, 2, 0),
        "c2": (3, 2, 0),
        "c3": (1, 1, 0),
    }
    assert result["c1"].share == Fraction(2, 3)


def test_a_lone_dissenter_is_not_counted_in_the_consensus_they_are_judged_by():
    """Item of three: a, a, b. Without leave-one-out the majority would be a for everyone; left out,
    each a-coder meets (a, b) — a tie, undecided — and the b-coder meets (a, a) and disagrees."""
    result = agreement_with_consensus([(1, "p", "a"), (1, "q", "a"), (1, "r", "b")], "nominal")
    assert (result["p"].compared, result["p"].undecided) == (0, 1)
    assert result["p"].share is None
    assert (result["r"].compared, result["r"].matched) == (1, 0)


def test_ordinal_consensus_is_the_median_of_the_others():
    """Item of four: 1, 2, 2, 5. Leaving out 1: others 2, 2, 5, median 2 ≠ 1. Leaving out either 2:
    others 1, 2, 5, median 2 = 2. Leaving out 5: others 1, 2, 2, median 2 ≠ 5."""
    answers = [(1, "a", 1), (1, "b", 2), (1, "c", 2), (1, "d", 5)]
    result = agreement_with_consensus(answers, "ordinal")
    assert {coder: (a.compared, a.matched) for coder, a in result.items()} == {
        "a": (1, 0),
        "b": (1, 1),
        "c": (1, 1),
        "d": (1, 0),
    }


def test_an_even_median_with_different_middles_leaves_the_answer_undecided():
    """Others 1, 3 (no single median on the scale): undecided; others 3, 3: the median is 3."""
    answers = [(1, "a", 1), (1, "b", 3), (1, "c", 3)]
    result = agreement_with_consensus(answers, "interval")
    assert (result["b"].undecided, result["a"].compared, result["a"].matched) == (1, 1, 0)


def test_coders_who_only_answered_items_answered_once_do_not_appear():
    assert "c9" not in agreement_with_consensus(LABELS + [(99, "c9", "a")], "nominal")


def test_alpha_below_the_minimum_sends_the_items_to_adjudication():
    alphas = {"accuracy": Alpha(0.9, "", 10, 30), "tone": Alpha(0.4, "", 10, 30)}
    decision = adjudication(alphas, 0.667)
    assert decision.required
    assert "tone 0.400" in decision.reason and "accuracy" not in decision.reason


def test_alpha_at_the_minimum_does_not_send_the_items_to_adjudication():
    assert not adjudication({"task": Alpha(0.667, "", 10, 30)}, 0.667).required


def test_an_undefined_alpha_does_not_send_the_items_to_adjudication():
    decision = adjudication({"task": Alpha(None, "no item is answered more than once", 0, 0)}, 0.8)
    assert not decision.required
    assert "not measured" in decision.reason


def test_without_a_minimum_nothing_goes_to_adjudication():
    assert not adjudication({"task": Alpha(-0.5, "", 10, 30)}, None).required


def test_a_minimum_outside_minus_one_to_one_is_refused():
    with pytest.raises(Refused):
        adjudication({}, 1.5)


@settings(max_examples=200, deadline=None)
@given(reliability_data, st.sampled_from(["nominal", "ordinal", "interval"]))
def test_every_answer_on_an_item_answered_twice_is_compared_or_undecided_once(items, level):
    answers = [(i, c, v) for i, row in enumerate(items) for c, v in enumerate(row) if v is not None]
    answered = {i: sum(v is not None for v in row) for i, row in enumerate(items)}
    result = agreement_with_consensus(answers, level)
    for coder, agreement in result.items():
        expected = sum(1 for i, c, _ in answers if c == coder and answered[i] >= 2)
        assert agreement.compared + agreement.undecided == expected
        assert 0 <= agreement.matched <= agreement.compared
    assert set(result) == {c for i, c, _ in answers if answered[i] >= 2}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=20))
def test_on_items_answered_twice_both_coders_match_exactly_when_they_gave_the_same_answer(pairs):
    answers = [a for i, (x, y) in enumerate(pairs) for a in ((i, "p", x), (i, "q", y))]
    result = agreement_with_consensus(answers, "ordinal")
    same = sum(x == y for x, y in pairs)
    assert (result["p"].matched, result["q"].matched) == (same, same)
    assert result["p"].compared == len(pairs) and result["p"].undecided == 0
