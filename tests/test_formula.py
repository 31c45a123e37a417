"""The revenue formula by example: hand-worked splits, the documented choices, and what it refuses."""

import json

import pytest

from coop.kernel.errors import Refused
from coop.statements import WEIGHTS
from governance.defaults import REVENUE_FORMULA
from governance.proposal_rules import check_formula
from ledger.formula import (
    ContributionWeightInput,
    FormulaError,
    FormulaParams,
    ReviewerInput,
    Weight,
)
from ledger.formula.reference import per_member_totals, split_revenue

DEFAULT = FormulaParams(1000, 1000, "base_pay")


def contribution(
    log_index: int, author: str, base_pay: int = 900, units: int = 1, minutes: int = 30
) -> ContributionWeightInput:
    return ContributionWeightInput(log_index, author, base_pay, units, minutes)


# The hand-worked example, as a member would check it on their statement:
#   R = 100000 cents (1000.00 EUR); reserve 1000 bps, reviewers 1000 bps, weight = base pay.
#   reserve       = ⌊100000·1000/10000⌋ = 10000
#   reviewer pool = ⌊100000·1000/10000⌋ = 10000
#   P             = 100000 − 10000 − 10000 = 80000
#   W = 900 + 900 + 1200 = 3000
#   #7  alice  ⌊80000·900/3000⌋  = 24000, remainder 0
#   #12 bob    ⌊80000·900/3000⌋  = 24000, remainder 0
#   #31 carol  ⌊80000·1200/3000⌋ = 32000, remainder 0   (no leftover units: 24000+24000+32000 = 80000)
# Reviewers: ana 4 accepted reviews, ben 1, cai 1; W = 6
#   ana ⌊10000·4/6⌋ = 6666 remainder 4;  ben ⌊10000·1/6⌋ = 1666 remainder 4;  cai the same
#   6666+1666+1666 = 9998: 2 leftover units, all remainders equal (4), so by lower id: ana, ben.
#   ana 6667, ben 1667, cai 1666.
HAND_CONTRIBUTIONS = (contribution(7, "alice", 900), contribution(12, "bob", 900), contribution(31, "carol", 1200))
HAND_REVIEWERS = (ReviewerInput("cai", 1), ReviewerInput("ana", 4), ReviewerInput("ben", 1))


def test_hand_worked_example_gives_the_exact_cents():
    split = split_revenue(100_000, "EUR", DEFAULT, HAND_CONTRIBUTIONS, HAND_REVIEWERS)
    assert (split.reserve, split.reviewer_pool, split.contributor_pool) == (10_000, 10_000, 80_000)
    assert split.contributor_weight == 3000
    assert [
        (s.log_index, s.member, s.weight, s.floor, s.remainder, s.leftover, s.amount) for s in split.contributor_shares
    ] == [
        (7, "alice", 900, 24_000, 0, False, 24_000),
        (12, "bob", 900, 24_000, 0, False, 24_000),
        (31, "carol", 1200, 32_000, 0, False, 32_000),
    ]
    assert split.reviewer_weight == 6
    assert [(s.member, s.weight, s.floor, s.remainder, s.leftover, s.amount) for s in split.reviewer_shares] == [
        ("ana", 4, 6666, 4, True, 6667),
        ("ben", 1, 1666, 4, True, 1667),
        ("cai", 1, 1666, 4, False, 1666),
    ]


def test_leftover_units_go_to_the_largest_remainders():
    # R = 100003: reserve ⌊10000.3⌋ = 10000, reviewers 10000, P = 80003, W = 3000.
    # #7, #12: 80003·900 = 72002700 = 24000·3000 + 2700;  #31: 80003·1200 = 96003600 = 32001·3000 + 600.
    # Floors sum to 80001; the 2 leftover units go to the remainders 2700, 2700 (not 600).
    split = split_revenue(100_003, "EUR", DEFAULT, HAND_CONTRIBUTIONS, HAND_REVIEWERS)
    assert split.contributor_pool == 80_003
    assert [(s.remainder, s.amount) for s in split.contributor_shares] == [
        (2700, 24_001),
        (2700, 24_001),
        (600, 32_001),
    ]


def test_equal_remainders_go_to_the_lower_log_index_whatever_the_input_order():
    params = FormulaParams(0, 0, "equal")
    split = split_revenue(4, "EUR", params, [contribution(30, "c"), contribution(10, "a"), contribution(20, "b")])
    assert [(s.log_index, s.amount) for s in split.contributor_shares] == [(10, 2), (20, 1), (30, 1)]


def test_equal_reviewer_remainders_go_to_the_lower_member_id():
    params = FormulaParams(0, 5000, "equal")
    reviewers = [ReviewerInput("zoe", 1), ReviewerInput("Zed", 1), ReviewerInput("amy", 1)]
    split = split_revenue(4, "EUR", params, [contribution(1, "x")], reviewers)
    # Pool 2 among three equal reviewers: code-point order puts "Zed" before "amy" before "zoe".
    assert [(s.member, s.amount) for s in split.reviewer_shares] == [("Zed", 1), ("amy", 1), ("zoe", 0)]


def test_no_reviewers_sends_the_reviewer_pool_to_contributors():
    split = split_revenue(100_000, "EUR", DEFAULT, HAND_CONTRIBUTIONS)
    assert (split.reserve, split.reviewer_pool, split.reviewer_pool_redirected, split.contributor_pool) == (
        10_000,
        0,
        10_000,
        90_000,
    )
    assert split.reviewer_shares == ()
    assert [s.amount for s in split.contributor_shares] == [27_000, 27_000, 36_000]


def test_zero_revenue_is_all_zeros():
    split = split_revenue(0, "EUR", DEFAULT, HAND_CONTRIBUTIONS, HAND_REVIEWERS)
    assert (split.reserve, split.reviewer_pool, split.contributor_pool) == (0, 0, 0)
    assert all(s.amount == 0 and not s.leftover for s in split.contributor_shares + split.reviewer_shares)


def test_very_large_amounts_stay_exact():
    amount = 10**15 + 7
    split = split_revenue(
        amount,
        "EUR",
        FormulaParams(333, 777, "minutes"),
        [contribution(1, "a", minutes=7), contribution(2, "b", minutes=11)],
    )
    assert split.reserve == amount * 333 // 10_000 == 33_300_000_000_000
    assert split.reserve + split.reviewer_pool + split.contributor_pool == amount
    assert sum(s.amount for s in split.contributor_shares) == split.contributor_pool


@pytest.mark.parametrize(
    ("weight", "expected"),
    [("base_pay", [100, 300]), ("units", [300, 100]), ("minutes", [200, 200]), ("equal", [200, 200])],
)
def test_each_weight_rule_reads_its_own_field(weight, expected):
    rows = [contribution(1, "a", base_pay=1, units=3, minutes=5), contribution(2, "b", base_pay=3, units=1, minutes=5)]
    split = split_revenue(400, "EUR", FormulaParams(0, 0, weight), rows)
    assert [s.amount for s in split.contributor_shares] == expected


def test_a_zero_weight_contribution_is_listed_with_nothing():
    rows = [contribution(1, "a", base_pay=0), contribution(2, "b", base_pay=1), contribution(3, "c", base_pay=1)]
    split = split_revenue(5, "EUR", FormulaParams(0, 0, "base_pay"), rows)
    assert [(s.member, s.amount, s.leftover) for s in split.contributor_shares] == [
        ("a", 0, False),
        ("b", 3, True),
        ("c", 2, False),
    ]


def test_per_member_totals_add_contributor_and_reviewer_shares():
    rows = [contribution(1, "alice", 900), contribution(2, "bob", 900), contribution(3, "alice", 1200)]
    split = split_revenue(100_000, "EUR", DEFAULT, rows, [ReviewerInput("bob", 1), ReviewerInput("carol", 1)])
    assert per_member_totals(split) == {"alice": 24_000 + 32_000, "bob": 24_000 + 5000, "carol": 5000}


def test_the_split_is_json_for_statements_and_logs():
    split = split_revenue(
        100_003, "EUR", FormulaParams(1000, 1000, "base_pay", version=2), HAND_CONTRIBUTIONS, HAND_REVIEWERS
    )
    data = json.loads(json.dumps(split.to_dict()))
    assert data["formula"] == {"reserve_bps": 1000, "reviewer_bps": 1000, "weight": "base_pay", "version": 2}
    assert data["contributor_shares"][0] == {
        "member": "alice",
        "log_index": 7,
        "weight": 900,
        "total_weight": 3000,
        "pool": 80_003,
        "floor": 24_000,
        "remainder": 2700,
        "leftover": True,
        "amount": 24_001,
        "rule": "⌊80003·900/3000⌋ = 24000 (remainder 2700) + 1 leftover unit = 24001",
    }
    assert data["reviewer_shares"][0]["log_index"] is None
    assert data["reserve"] + data["reviewer_pool"] + data["contributor_pool"] == data["amount"]


def test_params_come_from_the_governed_policy_body():
    params = FormulaParams.from_policy(REVENUE_FORMULA, version=1)
    assert params == FormulaParams(1000, 1000, Weight.BASE_PAY, 1)
    assert params.weight is Weight.BASE_PAY


# --- what it refuses ------------------------------------------------------------------------------


def test_refusals_are_rule_violations_and_value_errors():
    assert issubclass(FormulaError, Refused) and issubclass(FormulaError, ValueError)


def test_negative_revenue_is_refused_as_a_refund():
    with pytest.raises(FormulaError, match="reversal"):
        split_revenue(-1, "EUR", DEFAULT, HAND_CONTRIBUTIONS)


def test_no_contributions_is_refused():
    with pytest.raises(FormulaError, match="no contributions"):
        split_revenue(100, "EUR", DEFAULT, [])


def test_zero_total_weight_is_refused_with_the_weight_rule():
    with pytest.raises(FormulaError, match="weighs 0 by base_pay"):
        split_revenue(100, "EUR", DEFAULT, [contribution(1, "a", base_pay=0), contribution(2, "b", base_pay=0)])


def test_zero_total_weight_is_refused_even_for_zero_revenue():
    with pytest.raises(FormulaError, match="weighs 0 by units"):
        split_revenue(0, "EUR", FormulaParams(0, 0, "units"), [contribution(1, "a", units=0)])


def test_duplicate_log_indexes_are_refused():
    with pytest.raises(FormulaError, match="log indexes must be distinct: 7 repeated"):
        split_revenue(100, "EUR", DEFAULT, [contribution(7, "a"), contribution(7, "b")])


def test_duplicate_reviewers_are_refused():
    with pytest.raises(FormulaError, match="ana repeated"):
        split_revenue(100, "EUR", DEFAULT, HAND_CONTRIBUTIONS, [ReviewerInput("ana", 1), ReviewerInput("ana", 2)])


def test_a_reviewer_without_accepted_reviews_is_refused():
    with pytest.raises(FormulaError, match="accepted reviews of ana must be at least 1"):
        ReviewerInput("ana", 0)


@pytest.mark.parametrize(("reserve", "reviewer"), [(-1, 0), (0, -1), (10_001, 0), (0, 10_001), (6000, 4001)])
def test_basis_points_out_of_range_are_refused(reserve, reviewer):
    with pytest.raises(FormulaError, match="basis points|at least 0"):
        FormulaParams(reserve, reviewer, "equal")


def test_reserve_and_reviewers_may_take_everything_exactly():
    split = split_revenue(
        10_001, "EUR", FormulaParams(5000, 5000, "equal"), [contribution(1, "a")], [ReviewerInput("r", 1)]
    )
    assert (split.reserve, split.reviewer_pool, split.contributor_pool) == (5000, 5000, 1)


def test_an_unknown_weight_rule_is_refused():
    with pytest.raises(FormulaError, match="weight must be one of base_pay, units, minutes, equal"):
        FormulaParams(0, 0, "hours")


@pytest.mark.parametrize("amount", [100.0, True, "100"])
def test_non_integer_amounts_are_refused(amount):
    with pytest.raises(FormulaError, match="whole number"):
        split_revenue(amount, "EUR", DEFAULT, HAND_CONTRIBUTIONS)


def test_float_weights_are_refused():
    with pytest.raises(FormulaError, match="base_pay of contribution 1 must be a whole number"):
        ContributionWeightInput(1, "a", 9.5, 1, 1)  # type: ignore[arg-type]


def test_negative_weights_are_refused():
    with pytest.raises(FormulaError, match="minutes of contribution 1 must be at least 0"):
        ContributionWeightInput(1, "a", 1, 1, -5)


def test_a_missing_currency_is_refused():
    with pytest.raises(FormulaError, match="currency"):
        split_revenue(100, "", DEFAULT, HAND_CONTRIBUTIONS)


def test_a_policy_body_with_other_keys_is_refused():
    with pytest.raises(FormulaError, match="reserve_bps, reviewer_bps, weight"):
        FormulaParams.from_policy({"reserve_bps": 0, "reviewer_bps": 0})


@pytest.mark.parametrize(
    "body",
    [
        {"reserve_bps": 0, "reviewer_bps": 0},
        ["reserve_bps", "reviewer_bps", "weight"],
        {"reserve_bps": -1, "reviewer_bps": 0, "weight": "equal"},
        {"reserve_bps": 0, "reviewer_bps": 10_001, "weight": "equal"},
        {"reserve_bps": 1.5, "reviewer_bps": 0, "weight": "equal"},
        {"reserve_bps": True, "reviewer_bps": 0, "weight": "equal"},
        {"reserve_bps": 6000, "reviewer_bps": 6000, "weight": "equal"},
        {"reserve_bps": 0, "reviewer_bps": 0, "weight": "hours"},
        {"reserve_bps": 0, "reviewer_bps": 0, "weight": ["equal"]},
    ],
)
def test_a_proposed_formula_is_refused_as_the_formula_in_force_would_refuse_it(body):
    with pytest.raises(FormulaError) as at_the_vote:
        check_formula(body)
    with pytest.raises(FormulaError) as in_force:
        FormulaParams.from_policy(body, 2)
    assert str(at_the_vote.value) == str(in_force.value)


def test_a_proposed_formula_the_formula_accepts_passes_the_vote_check():
    check_formula(REVENUE_FORMULA)
    check_formula({"reserve_bps": 5000, "reviewer_bps": 5000, "weight": "minutes"})


def test_the_formula_weighs_by_the_weights_the_policy_schema_names():
    assert tuple(rule.value for rule in Weight) == WEIGHTS
