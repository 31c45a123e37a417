"""What the money fast paths (bench/money_bench.py) must keep exactly as before: the canonical
bytes of a split, the request digest, the reviewer counts and the statement's legs."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.books import Leg
from ledger.formula import ContributionWeightInput, FormulaParams, ReviewerInput, Weight, split_revenue
from ledger.service import _digest
from ledger.split_json import split_json
from provenance.core.canonical import NotCanonicalizable, canonical_json

MEMBERS = st.text(min_size=1, max_size=6)  # any code point: quotes, controls, non-ASCII, astral, lone surrogates


@settings(max_examples=150, deadline=None)
@given(amount=st.integers(0, 2**60), members=st.lists(MEMBERS, min_size=1, max_size=5), weights=st.lists(st.integers(0, 2**55), min_size=1, max_size=8),
       index0=st.integers(0, 2**60), currency=st.text(min_size=1, max_size=4), reviewers=st.lists(st.integers(1, 5), max_size=3))
def test_split_json_is_canonical_json_or_its_error(amount, members, weights, index0, currency, reviewers):
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    cs = [ContributionWeightInput(index0 + i, members[i % len(members)], w, 1, 1) for i, w in enumerate(weights)]
    rs = [ReviewerInput(f"r{i}\u2028\x07", n) for i, n in enumerate(reviewers)]
    split = split_revenue(amount, currency, FormulaParams(1000, 500, Weight.BASE_PAY, 3), cs, rs)
    try:
        expected = canonical_json(split.to_dict())
    except NotCanonicalizable:
        with pytest.raises(NotCanonicalizable):
            split_json(split)
        return
    assert split_json(split) == expected


@settings(max_examples=100, deadline=None)
@given(details=st.recursive(st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=5),
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=12),
       ref=st.none() | st.text(max_size=8), reverses=st.none() | st.integers(1, 10**6), amount=st.integers(1, 10**12))
def test_the_spliced_digest_is_the_digest_of_the_whole_request(details, ref, reverses, amount):
    details = {"d": details}
    legs = [Leg("Assets:Coop:Cash", amount, "EUR"), Leg("Income:Sales", -amount, "EUR")]
    try:
        encoded = canonical_json(details)
    except NotCanonicalizable:
        return
    assert _digest("revenue-share", legs, ref, None, reverses, encoded) == _digest("revenue-share", legs, ref, details, reverses)


def test_a_shared_event_stores_the_canonical_split_and_counts_reviews_per_reviewer(runtime, work):
    """Two contributions, each reviewed by the same two reviewers: each reviewer weighs 2."""
    from tests.test_money import GOOD

    items = []
    for text in ("a1", "a2"):
        draft = runtime.contributions.draft(work.author, work.task.id, text.encode(), "text/plain", 20, {"permitted_uses": ["model-training"], "excluded_sectors": [], "expires": None})
        c = runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")
        for reviewer in work.reviewers[:2]:
            runtime.reviews.review(reviewer, c.id, GOOD, "good")
        items.append(c)
    release = runtime.datasets.cut_release(work.steward, "R", "", [work.task.id], ["model-training"], 100_001, "EUR")
    buyer = runtime.members.principal(runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password"))
    license = runtime.datasets.license(buyer, release.id, ["model-training"], None, True, "lic")
    [event] = runtime.revenue.events(license.id)
    assert [(r.member, r.weight) for r in runtime.revenue.summaries(event.id) if r.pool == "reviewer"] == sorted((r.account_id, 2) for r in work.reviewers[:2])
    [tx] = [t for t in runtime.ledger.transactions(ref_prefix=f"license:{license.id}") if t.kind == "revenue-share"]
    assert canonical_json(tx.details) == canonical_json(event.split)
    assert sum(leg.amount for leg in tx.legs) == 0 and runtime.ledger.unbalanced_transactions() == []
    lines = [line for line in __import__("ledger.statements", fromlist=["x"]).member_statement(runtime.ledger, work.author.account_id)]
    assert [line.kind for line in lines] == ["base-pay", "base-pay", "revenue-share"]
    assert lines[-1].amount == event.split["contributor_pool"] and len(lines[-1].arithmetic["contributions"]) == 2
    assert json.loads(json.dumps(lines[-1].arithmetic["formula"])) == event.split["formula"]
    # The recomputed lines are the full split's, member by member (the compact record loses nothing).
    full = runtime.revenue.full_split(event.id)
    for member in {s.member for s in full.contributor_shares + full.reviewer_shares}:
        [line] = [line for line in __import__("ledger.statements", fromlist=["x"]).member_statement(runtime.ledger, member) if line.kind == "revenue-share"]
        assert line.arithmetic["contributions"] == [s.to_dict() for s in full.contributor_shares if s.member == member]
        assert line.arithmetic["reviews"] == [s.to_dict() for s in full.reviewer_shares if s.member == member]
        assert line.amount == sum(s.amount for s in full.contributor_shares + full.reviewer_shares if s.member == member)
