"""Sharing in the database: a license keeps what the formula weighs, and the grouped queries of
coop.datasets.share_inputs.share_split give exactly the in-memory compact split of the same contributions
(which tests/test_revenue_compact.py pins to split_revenue, share by share)."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from coop.datasets.models import LicenseItem, LicenseReviewer
from coop.datasets.share_inputs import contribution_columns, share_split
from coop.work.models import Acceptance, Contribution, Review
from ledger.formula import FormulaParams, Weight
from ledger.formula.in_memory import compact_split
from ledger.formula.reference import per_member_totals
from migrations.schema import downgrade, upgrade

TERMS = {"permitted_uses": ["model-training"], "excluded_sectors": [], "expires": None}
GOOD = {"correctness": 5, "completeness": 4, "clarity": 4}
AMOUNTS = [*range(0, 60), 99, 100, 101, 997, 1000, 1001, 12_345, 99_991, 10**9 + 7, 123_456_789_00]


@pytest.fixture
def licensed(runtime, work, admit):
    """Nine contributions by two authors, of 1–3 units and a few minute counts (so weights repeat
    and remainders tie), reviewed by two of three reviewers in turn; licensed in full for free."""
    second = admit("bo")
    runtime.keys.create_custodial_key(second, "bo-password")
    for i in range(9):
        author, password = (work.author, "amara-password") if i % 3 else (second, "bo-password")
        draft = runtime.contributions.draft(
            author, work.task.id, f"answer {i}".encode(), "text/plain", 5 + (i * 7) % 4, TERMS, units=1 + i % 3
        )
        submitted = runtime.contributions.submit_with_password(author, draft.id, password)
        for k in range(2):
            runtime.reviews.review(work.reviewers[(i + k) % 3], submitted.id, GOOD, "good")
    release = runtime.datasets.cut_release(work.steward, "R", "", [work.task.id], ["model-training"], 0, "EUR")
    buyer = runtime.members.principal(
        runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    )
    return runtime.datasets.license(buyer, release.id, ["model-training"], None, True, "lic").id


def test_a_license_keeps_each_contributions_weights_as_they_stood(runtime, licensed):
    with Session(runtime.engine) as session:
        kept = {
            (r.contribution_id, r.entry, r.author_id, r.base_pay, r.units, r.minutes)
            for r in session.scalars(select(LicenseItem))
        }
        source = {
            (c.id, a.log_index, c.author_id, a.pay_per_unit * c.units, c.units, c.minutes)
            for c, a in session.execute(
                select(Contribution, Acceptance).join(Acceptance, Acceptance.contribution_id == Contribution.id)
            )
        }
    assert kept == source and len(kept) == 9


def test_a_license_counts_each_reviewers_reviews_of_its_contributions(runtime, licensed, work):
    with Session(runtime.engine) as session:
        kept = {
            r.reviewer_id: r.accepted_reviews
            for r in session.scalars(select(LicenseReviewer).where(LicenseReviewer.license_id == licensed))
        }
        reviews = [r.reviewer_id for r in session.scalars(select(Review))]
    assert (
        kept == {reviewer.account_id: reviews.count(reviewer.account_id) for reviewer in work.reviewers}
        and sum(kept.values()) == 18
    )


@pytest.mark.parametrize("rule", list(Weight))
def test_the_database_shares_exactly_as_the_in_memory_split(runtime, licensed, rule):
    params = FormulaParams(1000, 500, rule, 1)
    with Session(runtime.engine) as session:
        columns, reviewers = contribution_columns(session, licensed)
        for amount in AMOUNTS:
            assert share_split(session, licensed, amount, "EUR", params) == compact_split(
                amount, "EUR", params, columns, reviewers
            ), amount


def test_a_reported_revenue_is_shared_member_by_member_as_the_full_split(runtime, licensed, work, admit):
    """A steward's report is shared once a second steward confirms it (docs/two-hands.md)."""
    report = runtime.revenue.report_downstream(work.steward, licensed, 100_003, "EUR", "royalty", "royalty-1")
    second = admit("tess", roles=("member", "steward"))
    runtime.keys.create_custodial_key(second, "tess-password")
    event_id = runtime.revenue_reports.confirm_with_password(second, report.report_id, "tess-password").event_id
    assert event_id is not None
    totals: dict[str, int] = {}
    for summary in runtime.revenue.summaries(event_id):
        totals[summary.member] = totals.get(summary.member, 0) + summary.cents
    assert totals == per_member_totals(runtime.revenue.full_split(event_id))


def test_migrating_down_and_up_keeps_what_licenses_weigh(runtime, engine, licensed):
    """Migration 0010 backfills existing licenses from their contributions, acceptances and reviews."""
    with Session(engine) as session:
        before = sorted(
            session.execute(
                select(
                    LicenseItem.entry,
                    LicenseItem.author_id,
                    LicenseItem.base_pay,
                    LicenseItem.units,
                    LicenseItem.minutes,
                )
            ).all()
        )
        reviewers = sorted(session.execute(select(LicenseReviewer.reviewer_id, LicenseReviewer.accepted_reviews)).all())
    downgrade(engine, "0009")
    upgrade(engine)
    with Session(engine) as session:
        assert (
            sorted(
                session.execute(
                    select(
                        LicenseItem.entry,
                        LicenseItem.author_id,
                        LicenseItem.base_pay,
                        LicenseItem.units,
                        LicenseItem.minutes,
                    )
                ).all()
            )
            == before
        )
        assert (
            sorted(session.execute(select(LicenseReviewer.reviewer_id, LicenseReviewer.accepted_reviews)).all())
            == reviewers
        )
    with pytest.raises(Exception, match="append-only|refused"), engine.begin() as conn:
        conn.execute(text("UPDATE dataset_license_item SET units = 99"))
