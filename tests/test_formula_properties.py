"""Properties of the revenue formula for any revenue, weights and parameters.

The Fraction split below is written independently of ledger.formula, straight from DESIGN.md, with
`fractions.Fraction`: exact quotas, sorted by fractional part descending, then log index ascending.
"""

from fractions import Fraction
from math import floor

from hypothesis import assume, given
from hypothesis import strategies as st

from ledger.formula import ContributionWeightInput, FormulaParams, ReviewerInput
from ledger.formula.reference import largest_remainder, split_revenue

AMOUNTS = st.one_of(st.integers(0, 1000), st.integers(0, 10**9), st.integers(0, 10**15))
MEMBERS = st.sampled_from(["alice", "bob", "carol", "dan", "eve"])


@st.composite
def params(draw) -> FormulaParams:
    reserve = draw(st.one_of(st.integers(0, 10_000), st.sampled_from([0, 500, 1000, 10_000])))
    reviewer = draw(st.integers(0, 10_000 - reserve))
    return FormulaParams(reserve, reviewer, draw(st.sampled_from(["base_pay", "units", "minutes", "equal"])))


@st.composite
def contributions(draw) -> list[ContributionWeightInput]:
    indexes = draw(st.lists(st.integers(0, 10_000), min_size=1, max_size=12, unique=True))
    small = st.integers(0, 12)  # small weights make equal remainders, and so ties, common
    weights = st.one_of(small, st.integers(0, 10**6))
    return [ContributionWeightInput(i, draw(MEMBERS), draw(weights), draw(small), draw(weights)) for i in indexes]


REVIEWERS = st.lists(
    st.tuples(st.sampled_from(["ana", "Ben", "cai", "dora", "émile"]), st.integers(1, 6)),
    max_size=5,
    unique_by=lambda r: r[0],
).map(lambda rows: [ReviewerInput(name, count) for name, count in rows])


def weight_of(c: ContributionWeightInput, rule: str) -> int:
    return 1 if rule == "equal" else getattr(c, rule)


def has_weight(rows: list[ContributionWeightInput], p: FormulaParams) -> bool:
    return sum(weight_of(c, p.weight) for c in rows) > 0


def hamilton_reference(pool: int, weights: dict, tie) -> dict:
    """DESIGN.md's rule with exact fractions: floors, then one unit per largest fractional part."""
    whole = sum(weights.values())
    quotas = {key: Fraction(pool * w, whole) for key, w in weights.items()}
    shares = {key: floor(q) for key, q in quotas.items()}
    order = sorted(weights, key=lambda key: (-(quotas[key] - floor(quotas[key])), tie(key)))
    for key in order[: pool - sum(shares.values())]:
        shares[key] += 1
    return shares


@given(AMOUNTS, params(), contributions(), REVIEWERS)
def test_shares_sum_to_their_pools_and_pools_to_the_amount(amount, p, rows, reviewers):
    assume(has_weight(rows, p))
    split = split_revenue(amount, "EUR", p, rows, reviewers)
    assert split.reserve + split.reviewer_pool + split.contributor_pool == amount
    assert sum(s.amount for s in split.contributor_shares) == split.contributor_pool
    assert sum(s.amount for s in split.reviewer_shares) == split.reviewer_pool
    assert split.reviewer_pool + split.reviewer_pool_redirected == amount * p.reviewer_bps // 10_000


@given(AMOUNTS, params(), contributions(), REVIEWERS)
def test_every_share_is_the_floor_or_the_floor_plus_one_of_its_quota(amount, p, rows, reviewers):
    assume(has_weight(rows, p))
    split = split_revenue(amount, "EUR", p, rows, reviewers)
    for share in split.contributor_shares + split.reviewer_shares:
        quota = Fraction(share.pool * share.weight, share.total_weight)
        assert share.amount in (floor(quota), floor(quota) + 1)
        assert share.amount >= 0
        assert (share.floor, share.remainder) == divmod(share.pool * share.weight, share.total_weight)
        assert not (share.weight == 0 and share.leftover)


@given(AMOUNTS, params(), contributions(), REVIEWERS)
def test_matches_an_independent_fraction_reference(amount, p, rows, reviewers):
    assume(has_weight(rows, p))
    split = split_revenue(amount, "EUR", p, rows, reviewers)
    reserve = floor(Fraction(amount * p.reserve_bps, 10_000))
    reviewer_pool = floor(Fraction(amount * p.reviewer_bps, 10_000)) if reviewers else 0
    pool = amount - reserve - reviewer_pool
    expected = hamilton_reference(pool, {c.log_index: weight_of(c, p.weight) for c in rows}, tie=lambda index: index)
    assert (split.reserve, split.reviewer_pool, split.contributor_pool) == (reserve, reviewer_pool, pool)
    assert {s.log_index: s.amount for s in split.contributor_shares} == expected
    authors = {c.log_index: c.author for c in rows}
    assert all(s.member == authors[s.log_index] for s in split.contributor_shares)
    if reviewers:
        by_reviewer = hamilton_reference(
            reviewer_pool, {r.reviewer: r.accepted_reviews for r in reviewers}, tie=lambda name: name
        )
        assert {s.member: s.amount for s in split.reviewer_shares} == by_reviewer


@given(AMOUNTS, params(), contributions(), REVIEWERS, st.randoms(use_true_random=False))
def test_permuting_the_inputs_never_changes_a_share(amount, p, rows, reviewers, rng):
    assume(has_weight(rows, p))
    shuffled_rows, shuffled_reviewers = rows[:], reviewers[:]
    rng.shuffle(shuffled_rows)
    rng.shuffle(shuffled_reviewers)
    assert split_revenue(amount, "EUR", p, shuffled_rows, shuffled_reviewers) == split_revenue(
        amount, "EUR", p, rows, reviewers
    )


@given(AMOUNTS, contributions(), st.data())
def test_raising_one_weight_never_lowers_its_share_and_raises_no_other_by_more_than_one(amount, rows, data):
    """Stronger than "never falls by more than one unit": with the others fixed it never falls at all
    (proof in ledger.formula.apportion). Other shares can rise, but by one unit at most."""
    p = FormulaParams(1000, 1000, "base_pay")
    assume(has_weight(rows, p))
    position = data.draw(st.integers(0, len(rows) - 1))
    raised = rows[:]
    c = rows[position]
    raised[position] = ContributionWeightInput(
        c.log_index, c.author, c.base_pay + data.draw(st.integers(1, 10**6)), c.units, c.minutes
    )
    before = {s.log_index: s.amount for s in split_revenue(amount, "EUR", p, rows).contributor_shares}
    after = {s.log_index: s.amount for s in split_revenue(amount, "EUR", p, raised).contributor_shares}
    assert after[c.log_index] >= before[c.log_index]
    assert all(after[i] <= before[i] + 1 for i in before if i != c.log_index)


@given(st.integers(0, 10**6), st.lists(st.integers(0, 50), min_size=1, max_size=8), st.integers(1, 1000))
def test_a_larger_pool_lowers_no_share_by_more_than_one_unit(total, weights, more):
    assume(sum(weights) > 0)
    keyed = list(enumerate(weights))
    before = largest_remainder(total, keyed)
    after = largest_remainder(total + more, keyed)
    assert all(b.amount - a.amount <= 1 for a, b in zip(after, before))


def test_raising_one_weight_can_move_a_unit_between_two_others():
    # P = 3 by 1, 1, 3: quotas 0.6, 0.6, 1.8 → floors 0, 0, 1; two leftovers to remainders 4/5, 3/5 (#0 before #1).
    # By 2, 1, 3: quotas 1, 0.5, 1.5 → floors 1, 0, 1; one leftover, tied at 1/2: #1 before #2. #2 loses a unit.
    assert [a.amount for a in largest_remainder(3, [(0, 1), (1, 1), (2, 3)])] == [1, 0, 2]
    assert [a.amount for a in largest_remainder(3, [(0, 2), (1, 1), (2, 3)])] == [1, 1, 1]


def test_a_larger_pool_can_give_a_share_one_unit_less_alabama_paradox():
    # P = 3 by 1, 3, 3: quotas 3/7, 9/7, 9/7 → 0, 1, 1 + one leftover to #0 (remainder 3/7 beats 2/7).
    # P = 4: quotas 4/7, 12/7, 12/7 → 0, 1, 1 + two leftovers to #1, #2 (5/7 beats 4/7). #0 drops to 0.
    assert [a.amount for a in largest_remainder(3, [(0, 1), (1, 3), (2, 3)])] == [1, 1, 1]
    assert [a.amount for a in largest_remainder(4, [(0, 1), (1, 3), (2, 3)])] == [0, 2, 2]
