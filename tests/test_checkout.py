"""The buyer's checkout (issue 15, parts 1, 2 and 6): the release page sells (sample, schema, terms,
price, the consent check with its count), the buyer confirms exactly the quote they saw, a double
click or a retry grants one license and posts one sale, a second license is a deliberate choice,
and money is typed and shown in major units."""

import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.datasets.checkout import Confirmation
from coop.datasets.models import License, Release
from coop.datasets.terms import CURRENT, TERMS, terms
from coop.kernel.errors import Conflict, Refused
from coop.kernel.money import parse_major
from coop.rules.sampling import sample_entries
from ledger.models import JournalTx, RevenueEvent
from tests.test_api_keys_flow import api_token
from tests.test_money import market  # noqa: F401  (fixture: 3 items, 3,000.00 EUR, Acme AI)
from tests.test_review_screen import answers  # noqa: F401  (fixture: two rubric answers to items)
from web.formatting import money

USES = ["model-training"]


def confirm_form(buyer, release_id, uses, sector="other"):
    """What the terms page's confirmation form posts, with the terms accepted."""
    page = buyer.get(f"/releases/{release_id}/terms?" + "&".join([f"uses={u}" for u in uses] + [f"sector={sector}"]))
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    return {**fields, "uses": uses, "accept_terms": "yes"}


def books(engine):
    with Session(engine) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) for table in (License, RevenueEvent, JournalTx)
        )


def licensed(runtime, buyer, release, key, **options):
    quote = runtime.storefront.quote(buyer, release.id, USES, None)
    confirmed = Confirmation(quote.terms.version, quote.check.licensable, quote.total)
    return runtime.datasets.license(buyer, release.id, USES, None, True, key, confirmed=confirmed, **options)


@pytest.fixture
def rival(runtime):
    return runtime.members.principal(
        runtime.members.register_buyer("Rival Labs", "Rae", "rae@rival.test", "rae-password-1")
    )


@pytest.fixture
def graded(runtime, work, answers):  # noqa: F811
    """A release (1,800.00 EUR) of the two accepted rubric answers to items."""
    for contribution_id in answers:
        for reviewer in work.reviewers[:2]:
            scores = {c["name"]: 5 for c in runtime.reviews.rubric_for(contribution_id)["criteria"]}
            runtime.reviews.review(reviewer, contribution_id, scores, "fine")
    task_id = runtime.contributions.get(work.author, answers[0]).task_id
    return runtime.datasets.cut_release(work.steward, "Graded sums", "", [task_id], USES, 180_000, "EUR")


# -- the release page sells -------------------------------------------------------------------------------


def test_the_release_page_shows_item_count_task_kinds_answer_schema_sample_terms_and_price(
    runtime, graded, browse, market
):
    page = browse(market.buyer).get(f"/releases/{graded.id}").text
    assert 'data-testid="item-count">2 accepted contributions' in page
    assert 'data-testid="task-kinds">evaluation (2)' in page
    assert "rubric, 2 per item" in page and "Right and complete" in page  # the answer schema, anchors included
    assert page.count('data-testid="sample-item"') == 2
    assert "What is 1 + 1?" in page and "Scores on the task&#39;s rubric" in page  # an item and its judgment
    assert "accuracy: 3 of 1–3 — Right and complete" in page
    assert f'data-testid="terms-version">version {CURRENT}' in page
    assert 'data-testid="price">1,800.00 EUR for all 2 items' in page


def test_free_form_work_is_sampled_as_its_text(runtime, market, browse):
    page = browse(market.buyer).get(f"/releases/{market.release.id}").text
    assert page.count('data-testid="sample-item"') == 3 and "a1" in page and "free-form contribution" in page


def test_task_kinds_are_counted_over_every_task_of_the_kind(runtime, market):
    show = runtime.storefront.showcase(market.buyer, market.release.id)
    [task] = show.tasks
    twice = replace(show, tasks=[task, replace(task, title="Another", items=4)])
    assert show.kinds == {"expert-answer": 3} and twice.kinds == {"expert-answer": 7}


def test_the_sample_is_chosen_by_the_release_and_logged_with_its_manifest(runtime, market):
    entry = json.loads(runtime.log.entry(market.release.log_index))
    entries = sorted(c.acceptance_index for c in market.items)
    assert entry["body"]["sample"] == sample_entries(market.release.items_root, entries)
    assert market.release.manifest["sample"] == entry["body"]["sample"]


def test_the_sample_rule_takes_the_smallest_hashes_in_entry_order():
    entries = list(range(40))
    chosen = sample_entries("ab" * 32, entries, 5)
    ranked = sorted(entries, key=lambda e: hashlib.sha256(f"{'ab' * 32}:{e}".encode()).digest())
    assert chosen == sorted(ranked[:5]) and sample_entries("cd" * 32, entries, 5) != chosen


def test_an_item_whose_consent_is_withdrawn_leaves_the_sample(runtime, market, work):
    runtime.contributions.revoke_consent_with_password(work.author, market.items[0].id, "amara-password")
    show = runtime.storefront.showcase(market.buyer, market.release.id)
    assert len(show.sample) == 2 and show.withdrawn_from_sample == 1
    assert all(s.text != "a1" for s in show.sample)


def test_the_consent_check_shows_the_items_that_pass_and_their_total(runtime, market, browse):
    check = browse(market.buyer).client.get(
        f"/releases/{market.release.id}/check",
        params={"uses": ["model-training", "commercial"], "sector": "other"},
        headers={"hx-request": "true"},
    )
    assert 'data-testid="licensable"><strong>2</strong> of 3' in check.text
    assert "Total for these 2 items: <strong>2,000.00 EUR</strong>, under license terms version 1." in check.text


def test_the_terms_page_shows_the_exact_count_the_total_and_the_terms_text(runtime, market, browse):
    page = browse(market.buyer).get(f"/releases/{market.release.id}/terms?uses=model-training&uses=commercial")
    assert page.status_code == 200
    assert re.search(r'data-testid="order-items"><strong>2</strong> of 3', page.text)
    assert 'data-testid="order-total"><strong>2,000.00 EUR</strong>' in page.text
    assert terms().text.splitlines()[0] in page.text and terms().sha256 in page.text
    assert 'name="total" value="200000"' in page.text and 'name="items" value="2"' in page.text


# -- checkout ---------------------------------------------------------------------------------------------


def test_confirming_grants_the_license_and_shows_its_receipt(runtime, market, browse):
    buyer = browse(market.buyer)
    response = buyer.post(f"/releases/{market.release.id}/license", confirm_form(buyer, market.release.id, USES))
    assert response.status_code == 303
    receipt_path = response.headers["location"].split("?")[0]
    [license] = runtime.datasets.licenses(market.buyer)
    assert receipt_path == f"/licenses/{license.id}/receipt"
    receipt = buyer.get(receipt_path).text
    assert 'data-testid="receipt-total"><strong>3,000.00 EUR</strong>' in receipt and terms().sha256 in receipt


def test_checkout_without_accepting_the_terms_is_refused_and_grants_nothing(runtime, market, browse):
    buyer = browse(market.buyer)
    form = confirm_form(buyer, market.release.id, USES)
    del form["accept_terms"]
    before = books(runtime.engine)
    response = buyer.post(f"/releases/{market.release.id}/license", form)
    assert response.status_code == 400 and "accept the license terms" in response.text
    assert books(runtime.engine) == before


def test_checkout_with_a_stale_total_is_refused_and_grants_nothing(runtime, market, browse, work):
    buyer = browse(market.buyer)
    form = confirm_form(buyer, market.release.id, USES)
    runtime.contributions.revoke_consent_with_password(work.author, market.items[0].id, "amara-password")
    before = books(runtime.engine)
    response = buyer.post(f"/releases/{market.release.id}/license", form)
    assert (
        response.status_code == 409 and "the quote changed since you saw it: 2 items for 2000.00 EUR" in response.text
    )
    assert books(runtime.engine) == before


def test_checkout_with_another_terms_version_is_refused(runtime, market):
    quote = runtime.storefront.quote(market.buyer, market.release.id, USES, None)
    stale = Confirmation(CURRENT + 1, quote.check.licensable, quote.total)
    with pytest.raises(Conflict, match=f"version {CURRENT} is in force"):
        runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "k", confirmed=stale)
    assert runtime.datasets.licenses(market.buyer) == []


def test_a_double_post_of_the_confirmation_grants_one_license_and_posts_one_sale(runtime, market, browse):
    buyer = browse(market.buyer)
    form = confirm_form(buyer, market.release.id, USES)
    first = buyer.post(f"/releases/{market.release.id}/license", form)
    second = buyer.post(f"/releases/{market.release.id}/license", form)
    assert first.headers["location"] == second.headers["location"]
    assert books(runtime.engine)[:2] == (1, 1)  # one license, one sale
    [event] = runtime.revenue.events()
    assert event.amount == 300_000 and runtime.ledger.unbalanced_transactions() == []


def test_two_confirmations_at_the_same_moment_grant_one_license(runtime, market):
    quote = runtime.storefront.quote(market.buyer, market.release.id, USES, None)
    confirmed = Confirmation(quote.terms.version, quote.check.licensable, quote.total)

    def confirm(_):
        return runtime.datasets.license(
            market.buyer, market.release.id, USES, None, True, "double-click", confirmed=confirmed
        ).id

    with ThreadPoolExecutor(2) as pool:
        ids = set(pool.map(confirm, range(2)))
    assert len(ids) == 1 and books(runtime.engine)[:2] == (1, 1)


def test_a_second_license_of_the_same_release_is_refused_unless_chosen_explicitly(runtime, market):
    first = licensed(runtime, market.buyer, market.release, "first")
    with pytest.raises(Conflict, match="already holds 1 license of this release"):
        licensed(runtime, market.buyer, market.release, "second")
    assert books(runtime.engine)[:2] == (1, 1)
    again = licensed(runtime, market.buyer, market.release, "second", again=True)
    assert again.id != first.id and books(runtime.engine)[:2] == (2, 2)


def test_the_terms_page_of_an_owned_release_asks_for_the_explicit_choice(runtime, market, browse):
    licensed(runtime, market.buyer, market.release, "first")
    buyer = browse(market.buyer)
    page = buyer.get(f"/releases/{market.release.id}/terms?uses=model-training").text
    assert 'data-testid="already-owned"' in page and 'name="again" value="yes" required' in page
    refused = buyer.post(f"/releases/{market.release.id}/license", confirm_form(buyer, market.release.id, USES))
    assert refused.status_code == 409 and "choose to license it again explicitly" in refused.text
    chosen = buyer.post(
        f"/releases/{market.release.id}/license", {**confirm_form(buyer, market.release.id, USES), "again": "yes"}
    )
    assert chosen.status_code == 303 and len(runtime.datasets.licenses(market.buyer)) == 2


def test_owned_shows_for_the_licensees_organisation_and_not_for_another(runtime, market, browse, rival):
    licensed(runtime, market.buyer, market.release, "first")
    ours, theirs = browse(market.buyer), browse(rival)
    assert 'data-testid="owned"' in ours.get("/releases").text
    assert 'data-testid="owned"' in ours.get(f"/releases/{market.release.id}").text
    assert 'data-testid="owned"' in ours.get("/licenses").text
    assert 'data-testid="owned"' not in theirs.get("/releases").text
    assert 'data-testid="owned"' not in theirs.get(f"/releases/{market.release.id}").text
    assert runtime.storefront.owned(rival) == {}


def test_a_license_commits_the_terms_version_and_hash_in_its_log_entry(runtime, market):
    license = licensed(runtime, market.buyer, market.release, "first")
    body = json.loads(runtime.log.entry(license.log_index))["body"]
    assert body["terms"] == {"version": CURRENT, "sha256": terms().sha256}


def test_each_terms_version_is_fixed_forever():
    """Edit a version's text and this fails: a new text is a new version (coop/datasets/terms.py)."""
    pinned = {1: "f83c14feb56636d05c626b0e1f9c70ce44775af23a67bfaeb6bb6870f585cbe9"}
    assert {v: terms(v).sha256 for v in TERMS} == pinned


# -- the API, step by step --------------------------------------------------------------------------------


def test_over_the_api_a_quote_is_confirmed_once_and_its_receipt_read(client, runtime, market, rival):
    ours = api_token(client, "dana@acme.test", "dana-password")
    quote = client.get(f"/api/releases/{market.release.id}/quote", params={"uses": USES}, headers=ours).json()
    assert (quote["items"], quote["total"], quote["terms_version"]) == (3, 300_000, CURRENT)
    body = {
        "release_id": market.release.id,
        "uses": USES,
        "idempotency_key": "order-1",
        **{k: quote[k] for k in ("terms_version", "items", "total")},
    }
    first = client.post("/api/licenses", json=body, headers=ours)
    assert first.status_code == 201 and client.post("/api/licenses", json=body, headers=ours).json() == first.json()
    receipt = client.get(f"/api/licenses/{first.json()['id']}/receipt", headers=ours).json()
    assert receipt["total"] == {"amount": 300_000, "currency": "EUR"} and receipt["terms"]["sha256"] == terms().sha256
    theirs = api_token(client, "rae@rival.test", "rae-password-1")
    assert client.get(f"/api/licenses/{first.json()['id']}/receipt", headers=theirs).status_code == 404


def test_over_the_api_a_stale_total_is_a_409_and_a_missing_confirmation_a_400(client, runtime, market):
    ours = api_token(client, "dana@acme.test", "dana-password")
    body = {"release_id": market.release.id, "uses": USES, "idempotency_key": "k", "terms_version": 1, "items": 3}
    stale = client.post("/api/licenses", json={**body, "total": 299_999}, headers=ours)
    assert stale.status_code == 409 and "the quote changed" in stale.json()["detail"]
    missing = client.post("/api/licenses", json=body, headers=ours)
    assert missing.status_code == 400 and "total" in missing.text
    assert runtime.datasets.licenses(market.buyer) == []


def test_the_showcase_api_lists_the_tasks_schema_and_sample(client, runtime, graded, market):
    ours = api_token(client, "dana@acme.test", "dana-password")
    show = client.get(f"/api/releases/{graded.id}/showcase", headers=ours).json()
    [task] = show["tasks"]
    assert (task["kind"], task["answer_kind"], task["items"]) == ("evaluation", "rubric", 2)
    assert show["task_kinds"] == {"evaluation": 2}
    assert len(show["sample"]) == 2 and show["terms"]["version"] == CURRENT


# -- money as people read it ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,minor", [("1,800.00", 180_000), ("12.5", 1_250), ("1800", 180_000), ("1,800.00 EUR", 180_000), ("0.07", 7)]
)
def test_major_units_are_read_exactly_into_minor_units(typed, minor):
    assert parse_major(typed, "EUR") == minor


@pytest.mark.parametrize("typed", ["1,80", "12.345", "-5", "", "abc", "1e5", "1,800 USD", "12.5.0"])
def test_a_malformed_amount_is_refused_with_its_reason(typed):
    with pytest.raises(Refused, match="amount"):
        parse_major(typed, "EUR")


def test_a_currency_without_minor_units_takes_no_decimals():
    assert parse_major("1,800", "JPY") == 1_800 and money(1_800, "JPY") == "1,800 JPY"
    with pytest.raises(Refused, match="JPY has 0 decimal places"):
        parse_major("18.5", "JPY")


def test_amounts_are_shown_grouped_with_their_currency():
    assert (money(180_000, "EUR"), money(5, "EUR"), money(-123_456, "USD")) == (
        "1,800.00 EUR",
        "0.05 EUR",
        "-1,234.56 USD",
    )


def test_a_release_priced_in_major_units_costs_that_many_minor_units(runtime, market, browse, work):
    steward = browse(work.steward)
    form = {
        "title": "Priced",
        "task_ids": [work.task.id],
        "intended_uses": USES,
        "price": "1,800.00",
        "currency": "EUR",
    }
    response = steward.post("/releases", form)
    assert response.status_code == 303
    with Session(runtime.engine) as session:
        assert session.scalar(select(Release.price).where(Release.title == "Priced")) == 180_000


@pytest.mark.parametrize("price", ["12.345", "1,80", "-5", "ten euros"])
def test_a_release_with_a_malformed_price_is_refused_with_the_reason_and_not_cut(runtime, market, browse, work, price):
    steward = browse(work.steward)
    form = {"title": "Bad", "task_ids": [work.task.id], "intended_uses": USES, "price": price, "currency": "EUR"}
    response = steward.post("/releases", form)
    assert response.status_code == 400 and "the price" in response.text
    assert [r.title for r in runtime.datasets.releases()] == ["Clinical QA v1"]


def test_downstream_revenue_is_typed_in_major_units(runtime, market, browse):
    license = licensed(runtime, market.buyer, market.release, "first")
    buyer = browse(market.buyer)
    response = buyer.post(
        f"/licenses/{license.id}/revenue", {"amount": "1,234.50", "description": "royalty", "idempotency_key": "r1"}
    )
    assert response.status_code == 303
    assert [e.amount for e in runtime.revenue.events(license.id)] == [300_000, 123_450]
