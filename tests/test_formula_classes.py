"""The largest-remainder method over weight classes (ledger.formula.classes) places every unit
exactly where `apportion` places it key by key, whatever the order of the tie keys."""

import heapq
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.formula import (
    FormulaError,
    FormulaParams,
    ReviewerInput,
    Weight,
    apportion,
    cut_classes,
    plan_split,
)

weights = st.lists(st.integers(0, 12), min_size=1, max_size=60).filter(lambda ws: sum(ws) > 0)


@settings(max_examples=300, deadline=None)
@given(total=st.integers(0, 10**6), weights=weights, data=st.data())
def test_each_key_gets_what_apportion_gives_it(total, weights, data):
    keys = data.draw(st.permutations([3 * i + 1 for i in range(len(weights))]))
    parts = apportion(total, list(zip(keys, weights)))
    cut = cut_classes(total, Counter(weights))
    tie = (
        heapq.nsmallest(cut.rank, (k for k, w in zip(keys, weights) if w in cut.tied))[-1]
        if cut.cut is not None
        else None
    )
    expected = {key: floor + bonus for key, floor, bonus in zip(parts.keys, parts.floors, parts.bonuses())}
    groups = [
        (str(key), w, 1, 1 if tie is not None and w in cut.tied and key <= tie else 0) for key, w in zip(keys, weights)
    ]
    got = {int(key): units for key, (_, _, units) in cut.member_totals(groups).items()}
    assert got == expected
    assert (cut.whole, cut.leftover) == (parts.whole, parts.leftover)
    assert ((cut.cut, tie) if cut.cut is not None else None) == parts.threshold


def test_classes_are_refused_like_keys():
    for counts, message in (
        ({}, "nothing to apportion"),
        ({-1: 2}, "at least 0"),
        ({2: 0}, "at least 1"),
        ({0: 5}, "sum to 0"),
        ({1.5: 1}, "whole number"),
    ):
        with pytest.raises(FormulaError, match=message):
            cut_classes(10, counts)


def test_finishing_refuses_groups_that_do_not_add_up_to_the_classes():
    plan = plan_split(1_000, "EUR", FormulaParams(1000, 0, Weight.UNITS, 1), {1: 2, 2: 1}, [ReviewerInput("r", 1)])
    tie = 3 if plan.contributors.cut is not None else None
    with pytest.raises(FormulaError, match="do not add up"):
        plan.finish(tie, [("a", 1, 2, 0)])  # the contribution of weight 2 is missing
    with pytest.raises(FormulaError, match="tie key"):
        plan.finish(None if tie is not None else 7, [("a", 1, 2, 0), ("b", 2, 1, 0)])
