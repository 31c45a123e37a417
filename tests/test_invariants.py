"""DESIGN.md's invariants, checked over a whole demo co-op (members, work, votes' policies, money)."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.work.models import Acceptance
from provenance import store
from provenance.audit import audit_log
from provenance.core import merkle
from tests.conftest import ORIGIN
from web.demo import DEMO_APPLICANTS, DEMO_BUYER, DEMO_MEMBERS, DEMO_SECOND_STEWARD, DEMO_STEWARD, seed_demo


@pytest.fixture
def demo(runtime):
    runtime.policies.seed_defaults()
    seed_demo(runtime)
    return runtime


def all_leaves(engine):
    with engine.connect() as conn:
        return [leaf for _, _, leaf in store.iter_entries(conn)]


def test_the_log_audits_clean(demo, engine, signer):
    assert audit_log(engine, signer.verifier, ORIGIN).entries == demo.log.size()


def test_every_entry_the_demo_logs_matches_its_kinds_schema_and_fits_an_entry_bundle(demo, engine):
    from coop.statements import check_statement
    from provenance.core.entry import parse_leaf
    from provenance.writer import MAX_LEAF_BYTES

    for leaf in all_leaves(engine):
        entry = parse_leaf(leaf)
        check_statement(entry.kind, entry.body)
        assert len(leaf) <= MAX_LEAF_BYTES


def test_the_log_holds_no_names_or_emails(demo, engine):
    people = [
        DEMO_STEWARD,
        *[(n, e) for n, e, *_ in [*DEMO_MEMBERS, DEMO_SECOND_STEWARD]],
        *[(n, e) for n, e, *_ in DEMO_APPLICANTS],
        (DEMO_BUYER[1], DEMO_BUYER[2]),
    ]
    text = b"\n".join(all_leaves(engine)).decode("utf-8")
    for name, email in people:
        assert email not in text and name not in text


def test_every_accepted_contribution_has_exactly_one_entry_whose_proof_verifies(demo, engine):
    latest = demo.log.latest_checkpoint()
    with Session(engine) as session:
        indexes = list(session.scalars(select(Acceptance.log_index)))
    assert indexes and len(indexes) == len(set(indexes))
    kinds = [json.loads(leaf)["kind"] for leaf in all_leaves(engine)]
    assert kinds.count("contribution.accepted") == len(indexes)
    for index in indexes:
        leaf_hash, proof = demo.log.inclusion_proof(index, latest.size)
        merkle.verify_inclusion(leaf_hash, index, latest.size, proof, latest.root_hash)


def test_every_journal_transaction_balances(demo):
    assert demo.ledger.unbalanced_transactions() == []
    totals: dict[str, int] = {}
    for (_, currency), amount in demo.ledger.trial_balance().items():
        totals[currency] = totals.get(currency, 0) + amount
    assert all(total == 0 for total in totals.values())


def test_every_revenue_event_is_shared_exactly(demo):
    for event in demo.revenue.events():
        split = event.split
        assert split["reserve"] + split["reviewer_pool"] + split["contributor_pool"] == event.amount
        rows = demo.revenue.summaries(event.id)
        assert sum(r.cents for r in rows if r.pool == "contributor") == split["contributor_pool"]
        assert sum(r.cents for r in rows if r.pool == "reviewer") == split["reviewer_pool"]
        full = demo.revenue.full_split(event.id)
        assert sum(s.amount for s in full.contributor_shares) == split["contributor_pool"]
        assert sum(s.amount for s in full.reviewer_shares) == split["reviewer_pool"]
        assert {(r.member, r.pool): r.cents for r in rows} == {
            **{
                (m, "contributor"): sum(s.amount for s in full.contributor_shares if s.member == m)
                for m in {s.member for s in full.contributor_shares}
            },
            **{(s.member, "reviewer"): s.amount for s in full.reviewer_shares},
        }


def test_the_demo_shows_a_run_approved_by_a_second_steward_and_one_pending(demo):
    views = demo.payouts.run_views()
    assert sorted(v.status for v in views) == ["pending", "sent"]
    paid = next(v for v in views if v.status == "sent")
    assert paid.approvals and paid.approvals[0].approver_id != paid.proposed_by
