"""What the money fast paths (bench/money_bench.py) must keep exactly as before: the request
digest, the reviewer counts and the statement's legs."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.books import Leg
from ledger.service import _digest
from ledger.statements import member_statement
from provenance.core.canonical import NotCanonicalizable, canonical_json


@settings(max_examples=100, deadline=None)
@given(
    details=st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=12,
    ),
    ref=st.none() | st.text(max_size=8),
    reverses=st.none() | st.integers(1, 10**6),
    amount=st.integers(1, 10**12),
)
def test_the_spliced_digest_is_the_digest_of_the_whole_request(details, ref, reverses, amount):
    details = {"d": details}
    legs = [Leg("Assets:Coop:Cash", amount, "EUR"), Leg("Income:Sales", -amount, "EUR")]
    try:
        encoded = canonical_json(details)
    except NotCanonicalizable:
        return
    assert _digest("revenue-share", legs, ref, None, reverses, encoded) == _digest(
        "revenue-share", legs, ref, details, reverses
    )


def test_a_shared_event_stores_the_canonical_split_and_counts_reviews_per_reviewer(runtime, work):
    """Two contributions, each reviewed by the same two reviewers: each reviewer weighs 2."""
    from tests.test_money import GOOD

    items = []
    for text in ("a1", "a2"):
        draft = runtime.contributions.draft(
            work.author,
            work.task.id,
            text.encode(),
            "text/plain",
            20,
            {"permitted_uses": ["model-training"], "excluded_sectors": [], "expires": None},
        )
        c = runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")
        for reviewer in work.reviewers[:2]:
            runtime.reviews.review(reviewer, c.id, GOOD, "good")
        items.append(c)
    release = runtime.datasets.cut_release(work.steward, "R", "", [work.task.id], ["model-training"], 100_001, "EUR")
    buyer = runtime.members.principal(
        runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    )
    license = runtime.datasets.license(buyer, release.id, ["model-training"], None, True, "lic")
    [event] = runtime.revenue.events(license.id)
    assert [(r.member, r.weight) for r in runtime.revenue.summaries(event.id) if r.pool == "reviewer"] == sorted(
        (r.account_id, 2) for r in work.reviewers[:2]
    )
    [tx] = [t for t in runtime.ledger.transactions(ref_prefix=f"license:{license.id}") if t.kind == "revenue-share"]
    assert canonical_json(tx.details) == canonical_json(event.split)
    assert sum(leg.amount for leg in tx.legs) == 0 and runtime.ledger.unbalanced_transactions() == []
    lines = [line for line in member_statement(runtime.ledger, work.author.account_id)]
    assert [line.kind for line in lines] == ["base-pay", "base-pay", "revenue-share"]
    assert lines[-1].amount == event.split["contributor_pool"] and len(lines[-1].arithmetic["contributions"]) == 2
    assert json.loads(json.dumps(lines[-1].arithmetic["formula"])) == event.split["formula"]
    # The recomputed lines are the full split's, member by member (the compact record loses nothing).
    full = runtime.revenue.full_split(event.id)
    for member in {s.member for s in full.contributor_shares + full.reviewer_shares}:
        [line] = [line for line in member_statement(runtime.ledger, member) if line.kind == "revenue-share"]
        assert line.arithmetic["contributions"] == [_line(s) for s in full.contributor_shares if s.member == member]
        assert line.arithmetic["reviews"] == [_line(s) for s in full.reviewer_shares if s.member == member]
        assert line.amount == sum(
            s.amount for s in full.contributor_shares + full.reviewer_shares if s.member == member
        )


def _line(share):
    """A share as a statement line: Share.to_dict() without the rule written out (ledger.formula.share_line)."""
    return {key: value for key, value in share.to_dict().items() if key != "rule"}
