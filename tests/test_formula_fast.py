"""The list-based apportionment (ledger.formula.apportion) against the plain reference it
replaced: sort every (remainder, tie key) pair and give the first `leftover` a unit. Same results
on any input, and the stored threshold reproduces every single share's leftover unit."""

from hypothesis import given
from hypothesis import strategies as st

from ledger.formula import apportion, gets_leftover
from ledger.formula.reference import largest_remainder


def reference(total, weights, tie_key=lambda key: key):
    whole = sum(weight for _, weight in weights)
    parts = [(key, weight, *divmod(total * weight, whole)) for key, weight in weights]
    leftover = total - sum(floor for _, _, floor, _ in parts)
    ranked = sorted(parts, key=lambda part: (-part[3], tie_key(part[0])))
    bonus = {tie_key(key) for key, _, _, _ in ranked[:leftover]}
    ordered = sorted(parts, key=lambda part: tie_key(part[0]))
    return [(key, weight, floor, rest, tie_key(key) in bonus) for key, weight, floor, rest in ordered]


weights_lists = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 50)), min_size=1, max_size=60, unique_by=lambda kw: kw[0]
).filter(lambda ws: sum(w for _, w in ws) > 0)


@given(st.integers(0, 10**12), weights_lists)
def test_same_results_as_the_full_sort(total, weights):
    got = [(a.key, a.weight, a.floor, a.remainder, a.leftover) for a in largest_remainder(total, weights)]
    assert got == reference(total, weights)


@given(st.integers(0, 10**6), weights_lists)
def test_same_results_with_a_reversed_tie_key(total, weights):
    got = [
        (a.key, a.weight, a.floor, a.remainder, a.leftover)
        for a in largest_remainder(total, weights, tie_key=lambda k: -k)
    ]
    assert got == reference(total, weights, tie_key=lambda k: -k)


@given(st.integers(0, 10**9), weights_lists)
def test_the_threshold_alone_decides_each_leftover_unit(total, weights):
    parts = apportion(total, weights)
    bonus = [gets_leftover(rest, key, parts.threshold) for key, rest in zip(parts.keys, parts.remainders)]
    assert sum(bonus) == parts.leftover == total - sum(parts.floors)
    assert bonus == [r[4] for r in reference(total, weights)]


@given(
    st.integers(0, 10**6),
    st.lists(
        st.tuples(st.text(min_size=1, max_size=3), st.integers(1, 9)),
        min_size=1,
        max_size=20,
        unique_by=lambda kw: kw[0],
    ),
)
def test_string_keys_break_ties_in_code_point_order(total, weights):
    got = [(a.key, a.weight, a.floor, a.remainder, a.leftover) for a in largest_remainder(total, weights)]
    assert got == reference(total, weights)
