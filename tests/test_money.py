"""Releases, licenses, revenue sharing and payouts on a real database, checked to the cent."""

import json

import pytest

from coop.kernel.errors import Conflict
from ledger.books import member_payable
from provenance.core.commitment import list_root
from tests.conftest import TERMS, pay_out

GOOD = {"correctness": 5, "completeness": 4, "clarity": 4}
COMMERCIAL = {**TERMS, "permitted_uses": ["model-training", "commercial"]}


@pytest.fixture
def market(runtime, work, admit):
    """Two accepted contributions by Amara (commercial use allowed) and one by Bo (not), a release, a buyer."""
    bo = admit("bo")
    runtime.keys.create_custodial_key(bo, "bo-password")

    def accepted(author, password, text, terms):
        draft = runtime.contributions.draft(author, work.task.id, text.encode(), "text/plain", 20, terms)
        c = runtime.contributions.submit_with_password(author, draft.id, password)
        for reviewer in work.reviewers[:2]:
            runtime.reviews.review(reviewer, c.id, GOOD, "good")
        return runtime.contributions.get(author, c.id)

    items = [
        accepted(work.author, "amara-password", "a1", COMMERCIAL),
        accepted(work.author, "amara-password", "a2", COMMERCIAL),
        accepted(bo, "bo-password", "b1", TERMS),
    ]
    release = runtime.datasets.cut_release(
        work.steward, "Clinical QA v1", "Answers", [work.task.id], ["model-training"], 300_000, "EUR"
    )
    buyer = runtime.members.principal(
        runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    )
    from types import SimpleNamespace

    return SimpleNamespace(items=items, release=release, buyer=buyer, bo=bo)


def test_a_release_manifest_is_logged_with_its_items_root(runtime, market):
    entry = json.loads(runtime.log.entry(market.release.log_index))
    assert entry["kind"] == "release.published"
    assert entry["body"]["items_root"] == market.release.items_root and entry["body"]["item_count"] == 3
    listed = [
        {"entry": c.acceptance_index, "content_sha256": c.content_sha256}
        for c in sorted(market.items, key=lambda c: c.acceptance_index)
    ]
    assert (
        "items" not in entry["body"] and list_root(listed) == market.release.items_root
    )  # the list is beside the log, in the bundle


def test_the_consent_check_counts_what_a_declared_use_may_license(runtime, market):
    check = runtime.datasets.check(market.release.id, ["model-training", "commercial"], "other")
    assert (check.total, check.licensable, check.excluded) == (3, 2, {"use-not-permitted": 1})
    assert check.price_subset == 200_000


def test_licensing_a_partial_release_needs_confirmation(runtime, market):
    with pytest.raises(Conflict, match="2 of 3 items"):
        runtime.datasets.license(
            market.buyer, market.release.id, ["model-training", "commercial"], "other", False, "lic-1"
        )


def test_a_license_is_logged_and_its_sale_shared_exactly(runtime, market, work):
    license = runtime.datasets.license(
        market.buyer, market.release.id, ["model-training", "commercial"], "other", True, "lic-1"
    )
    assert license.included_count == 2 and license.price == 200_000
    assert json.loads(runtime.log.entry(license.log_index))["kind"] == "license.granted"
    [event] = runtime.revenue.events(license.id)
    split = event.split
    assert split["reserve"] + split["reviewer_pool"] + split["contributor_pool"] == 200_000
    rows = runtime.revenue.summaries(event.id)
    assert sum(r.cents for r in rows if r.pool == "contributor") == split["contributor_pool"]
    assert sum(r.cents for r in rows if r.pool == "reviewer") == split["reviewer_pool"]
    full = runtime.revenue.full_split(event.id)
    assert sum(s.amount for s in full.contributor_shares) == split["contributor_pool"] == full.contributor_pool
    # Bo excluded commercial use: he earns nothing from this license (his base pay only).
    assert runtime.ledger.member_balance(market.bo.account_id) == {"EUR": 900}
    assert runtime.ledger.member_balance(work.author.account_id) == {"EUR": 2 * 900 + split["contributor_pool"]}
    assert runtime.ledger.unbalanced_transactions() == []


def test_licensing_twice_with_the_same_key_changes_nothing(runtime, market):
    first = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "same")
    again = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "same")
    assert first.id == again.id and len(runtime.revenue.events()) == 1


def test_a_revocation_binds_later_licenses_but_not_earlier_ones(runtime, market, work):
    before = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "before")
    runtime.contributions.revoke_consent_with_password(work.author, market.items[0].id, "amara-password")
    after = runtime.datasets.check(market.release.id, ["model-training"], None)
    assert after.licensable == 2 and after.excluded == {"revoked": 1}
    assert runtime.datasets.license_of(market.buyer, before.id).included_count == 3


def test_downstream_revenue_is_shared_and_a_retry_changes_nothing(runtime, market):
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    runtime.revenue.report_downstream(market.buyer, license.id, 12_345, "EUR", "Q1 royalty", "royalty-q1")
    runtime.revenue.report_downstream(market.buyer, license.id, 12_345, "EUR", "Q1 royalty", "royalty-q1")
    events = runtime.revenue.events(license.id)
    assert [e.kind for e in events] == ["sale", "downstream"]
    split = events[1].split
    assert split["reserve"] + split["reviewer_pool"] + split["contributor_pool"] == 12_345


def test_only_the_licensee_or_a_steward_reports_revenue(runtime, market):
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    other = runtime.members.principal(
        runtime.members.register_buyer("Other Co", "Oz", "oz@other.test", "oz-password-1")
    )
    from coop.kernel.errors import NotFound

    with pytest.raises(NotFound):
        runtime.revenue.report_downstream(other, license.id, 100, "EUR", "x", "k")


def test_payouts_settle_payables_and_a_failed_payout_is_reversed(runtime, market, work, approver):
    run = pay_out(runtime, work.steward, approver)
    assert runtime.payouts.propose(work.steward, "EUR", 100, "run-1") == run
    lines = {line.member_id: line for line in runtime.payouts.lines(run)}
    assert lines[market.bo.account_id].amount == 900
    assert runtime.ledger.member_balance(market.bo.account_id) == {}
    assert "member_id" in runtime.payouts.export_csv(run).splitlines()[0]
    runtime.payouts.record_outcome(approver, lines[market.bo.account_id].payout_id, "failed")
    assert runtime.ledger.member_balance(market.bo.account_id) == {"EUR": 900}
    runtime.payouts.record_outcome(approver, lines[work.author.account_id].payout_id, "settled")
    assert runtime.ledger.balances("Assets:Coop:Cash")["EUR"] == -lines[work.author.account_id].amount
    assert runtime.ledger.unbalanced_transactions() == []
    assert runtime.ledger.balances(member_payable(work.author.account_id)) == {}


def test_the_books_export_to_beancount_which_bean_check_accepts_with_the_same_balances(runtime, market, tmp_path):
    from beancount import loader
    from beancount.core import realization

    from ledger.beancount_export import balances, export

    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    runtime.revenue.report_downstream(market.buyer, license.id, 9_999, "EUR", 'Royalty "Q1"', "q1")
    path = tmp_path / "books.beancount"
    transactions = runtime.ledger.transactions()
    path.write_text("".join(export(runtime.ledger.accounts(), transactions)))
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    real = realization.realize(entries)
    for (account, currency), minor in runtime.ledger.trial_balance().items():
        position = realization.get(real, account).balance.get_currency_units(currency)
        assert int(position.number * 100) == minor, account
    assert balances(transactions) == runtime.ledger.trial_balance()


def test_bean_check_passes_on_the_exported_file(runtime, market, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from ledger.beancount_export import export

    runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    path = tmp_path / "books.beancount"
    path.write_text("".join(export(runtime.ledger.accounts(), runtime.ledger.transactions())))
    bean_check = shutil.which("bean-check") or str(Path(sys.executable).with_name("bean-check"))
    result = subprocess.run([bean_check, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
