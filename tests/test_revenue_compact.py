"""The compact record of a split (ledger.formula.compact) gives every member the same lines and
cents as the full split (ledger.formula.reference.split_revenue) it replaces in storage."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.formula import (
    CONTRIBUTOR,
    REVIEWER,
    ContributionWeightInput,
    FormulaParams,
    ReviewerInput,
    Weight,
    contribution_lines,
    review_line,
)
from ledger.formula.in_memory import compact_split
from ledger.formula.reference import per_member_totals, split_revenue

MEMBERS = ["a", "b", "c", "Zed"]


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(0, 10**9),
    rule=st.sampled_from(list(Weight)),
    reserve=st.integers(0, 5000),
    reviewer=st.integers(0, 5000),
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 40), st.integers(0, 5), st.integers(0, 90)), min_size=1, max_size=40
    ),
    reviews=st.lists(st.integers(1, 6), max_size=4),
    firsts=st.lists(st.integers(0, 3), min_size=4, max_size=4),
    public=st.booleans(),
)
def test_each_member_sees_the_full_splits_lines_and_cents(
    amount, rule, reserve, reviewer, rows, reviews, firsts, public
):
    cs = [
        ContributionWeightInput(3 * i + 1, MEMBERS[m], pay, units, minutes)
        for i, (m, pay, units, minutes) in enumerate(rows)
    ]
    if rule is not Weight.EQUAL and sum(c.weight(rule) for c in cs) == 0:
        cs[0] = ContributionWeightInput(1, cs[0].author, 1, 1, 1)
    rs = [
        ReviewerInput(MEMBERS[i], n, firsts[i], f"key{3 - i}") if public else ReviewerInput(MEMBERS[i], n)
        for i, n in enumerate(reviews)
    ]
    params = FormulaParams(reserve, reviewer, rule, 2)
    full, compact = split_revenue(amount, "EUR", params, cs, rs), compact_split(amount, "EUR", params, cs, rs)
    stored = compact.to_dict()
    assert {k: v for k, v in full.to_dict().items() if not k.endswith("_shares")} == {
        k: stored[k] for k in stored if k in full.to_dict()
    }
    assert compact.totals() == per_member_totals(full)
    for member in MEMBERS:
        mine = [c for c in cs if c.author == member]
        assert contribution_lines(stored, mine, member) == [
            _line(s) for s in full.contributor_shares if s.member == member
        ]
        summary = {row.pool: row for row in compact.members if row.member == member}
        if mine:
            assert summary[CONTRIBUTOR].weight == sum(c.weight(rule) for c in mine) and summary[
                CONTRIBUTOR
            ].count == len(mine)
        reviewed = [_line(s) for s in full.reviewer_shares if s.member == member]
        assert (
            [review_line(stored, member, summary[REVIEWER].weight, summary[REVIEWER].cents)]
            if REVIEWER in summary
            else []
        ) == reviewed
    assert sum(row.cents for row in compact.members if row.pool == CONTRIBUTOR) == compact.contributor_pool
    assert sum(row.cents for row in compact.members if row.pool == REVIEWER) == compact.reviewer_pool


def test_columns_are_checked_like_contribution_inputs():
    import pytest

    from ledger.formula import ContributionColumns, FormulaError

    params = FormulaParams(1000, 500, Weight.EQUAL, 1)
    for bad in ([1, True], [1, -2], [1, 2.0]):
        with pytest.raises(FormulaError, match="must be"):
            compact_split(100, "EUR", params, ContributionColumns([1, 2], ["a", "b"], [1, 1], bad, [1, 1]))
    with pytest.raises(FormulaError, match="member id"):
        compact_split(100, "EUR", params, ContributionColumns([1, 2], ["a", ""], [1, 1], [1, 1], [1, 1]))
    with pytest.raises(FormulaError, match="distinct"):
        compact_split(100, "EUR", params, ContributionColumns([2, 2], ["a", "b"], [1, 1], [1, 1], [1, 1]))
    with pytest.raises(FormulaError, match="no contributions"):
        compact_split(100, "EUR", params, ContributionColumns([], [], [], [], []))
    with pytest.raises(FormulaError, match="weighs 0"):
        compact_split(
            100, "EUR", FormulaParams(1000, 500, Weight.UNITS, 1), ContributionColumns([1], ["a"], [0], [0], [0])
        )
    with pytest.raises(FormulaError, match="negative"):
        compact_split(-1, "EUR", params, ContributionColumns([1], ["a"], [0], [0], [0]))


def _line(share):
    """A share as a statement line: Share.to_dict() without the rule written out (ledger.formula.share_line)."""
    return {key: value for key, value in share.to_dict().items() if key != "rule"}
