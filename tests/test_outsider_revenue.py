"""An outsider recomputes every figure of a revenue event from what the API serves: the license,
the event and its split (contributions by log index, reviewers by key id), and the log entries
themselves — with its own implementation of DESIGN.md's formula, written here from the contract,
not imported from the code it checks. The set-up uses the services; the checking uses HTTP only."""

import json

import pytest

from tests.test_revenue_database import GOOD, TERMS

BPS = 10_000


def hamilton(total, weights):
    """DESIGN.md rule 2: ⌊total·w/W⌋ each, the leftover units one each to the largest remainders
    total·w mod W, ties to the lower tie key. `weights`: {tie key: weight}."""
    whole = sum(weights.values())
    shares = {key: total * weight // whole for key, weight in weights.items()}
    order = sorted(weights, key=lambda key: (-(total * weights[key] % whole), key))
    for key in order[: total - sum(shares.values())]:
        shares[key] += 1
    return shares


def headers_for(runtime, principal):
    return {"Authorization": f"Bearer {runtime.auth.create_token(principal, 'outsider', ['read'])}"}


@pytest.fixture
def sold(runtime, work, admit):
    """Nine contributions by two authors, each reviewed by two of three reviewers in turn (so the
    reviewers' weights are equal and the reviewer pool's leftover is decided by the tie key);
    licensed for 100.01 EUR, then 1,000.03 EUR of downstream revenue reported twice with the same
    description."""
    second = admit("bo")
    runtime.keys.create_custodial_key(second, "bo-password")
    for name, reviewer in zip(("rev2", "rev3"), work.reviewers[1:], strict=True):  # rev1 has no key
        runtime.keys.create_custodial_key(reviewer, f"{name}-password")
    for i in range(9):
        author, password = (work.author, "amara-password") if i % 3 else (second, "bo-password")
        draft = runtime.contributions.draft(
            author, work.task.id, f"answer {i}".encode(), "text/plain", 5 + i, TERMS, units=1 + i % 3
        )
        submitted = runtime.contributions.submit_with_password(author, draft.id, password)
        for k in range(2):
            runtime.reviews.review(work.reviewers[(i + k) % 3], submitted.id, GOOD, "good")
    release = runtime.datasets.cut_release(work.steward, "R", "", [work.task.id], ["model-training"], 10_001, "EUR")
    buyer = runtime.members.principal(
        runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    )
    license_id = runtime.datasets.license(buyer, release.id, ["model-training"], None, True, "lic").id
    for key in ("q1", "q2"):
        runtime.revenue.report_downstream(buyer, license_id, 100_003, "EUR", "Q1 API revenue", key)
    return buyer, license_id, second


def recompute(client, headers, event):
    """Every share of the event, from its amount, the formula's parameters, the weights read off
    the log entries and the reviewers' public tie keys: {pool: ...} in the event's own terms."""
    formula, amount = event["formula"], event["amount"]
    reserve = amount * formula["reserve_bps"] // BPS
    reviewer_pool = amount * formula["reviewer_bps"] // BPS if event["reviewers"] else 0
    contributor_pool = amount - reserve - reviewer_pool
    weights = {}
    for c in event["contributions"]:
        entry = json.loads(client.get(f"/log/entries/{c['log_index']}").content)
        pay = entry["body"]["pay"]
        statement = entry["body"]["statement"]["body"]
        weights[c["log_index"]] = {
            "base_pay": pay["per_unit"] * pay["units"],
            "units": pay["units"],
            "minutes": statement["minutes"],
            "equal": 1,
        }[formula["weight"]]
        assert statement["author"] == c["author_key"]  # the contribution is named by the key that signed it
    reviews = {(r["first_review_entry"], r["key_id"]): r["reviews"] for r in event["reviewers"]}
    return {
        "reserve": reserve,
        "reviewer_pool": reviewer_pool,
        "contributor_pool": contributor_pool,
        "contributions": hamilton(contributor_pool, weights),
        "reviewers": hamilton(reviewer_pool, reviews) if reviews else {},
    }


def test_an_outsider_recomputes_every_share_of_every_event_of_a_license(runtime, client, sold):
    buyer, license_id, _ = sold
    headers = headers_for(runtime, buyer)
    license = client.get(f"/api/licenses/{license_id}", headers=headers).json()
    assert license["buyer_org"] == "Acme AI" and license["included_count"] == 9
    events = client.get("/api/revenue-events", params={"license_id": license_id}, headers=headers).json()
    assert [e["kind"] for e in events] == ["sale", "downstream", "downstream"]
    tied = 0
    for listed in events:
        event = client.get(f"/api/revenue-events/{listed['id']}", headers=headers).json()
        mine = recompute(client, headers, event)
        assert (event["reserve"], event["reviewer_pool"], event["contributor_pool"]) == (
            mine["reserve"],
            mine["reviewer_pool"],
            mine["contributor_pool"],
        )
        assert {c["log_index"]: c["amount"] for c in event["contributions"]} == mine["contributions"]
        assert {(r["first_review_entry"], r["key_id"]): r["amount"] for r in event["reviewers"]} == mine["reviewers"]
        assert (
            sum(mine["contributions"].values()) + sum(mine["reviewers"].values()) + mine["reserve"] == event["amount"]
        )
        tied += len({r["amount"] for r in event["reviewers"]}) > 1  # equal weights, unequal cents: a tie decided
    assert tied  # the reviewer pool's leftover was decided by the public tie key in some event


def test_reviewers_are_named_by_key_id_never_by_account(runtime, client, sold, work):
    buyer, license_id, _ = sold
    headers = headers_for(runtime, buyer)
    event_id = client.get("/api/revenue-events", headers=headers).json()[0]["id"]
    reviewers = client.get(f"/api/revenue-events/{event_id}", headers=headers).json()["reviewers"]
    keyed = {runtime.keys.active_key(r.account_id).key_id for r in work.reviewers[1:]}
    assert {r["key_id"] for r in reviewers} == keyed | {work.reviewers[0].account_id}
    assert all(r["reviews"] == 6 for r in reviewers)


def test_another_organisation_reads_no_license_and_no_event(runtime, client, sold):
    _, license_id, _ = sold
    other = runtime.members.principal(
        runtime.members.register_buyer("Other AI", "Olu", "olu@other.test", "olu-pw-long")
    )
    headers = headers_for(runtime, other)
    assert client.get(f"/api/licenses/{license_id}", headers=headers).status_code == 404
    assert client.get("/api/revenue-events", headers=headers).json() == []
    event_id = runtime.revenue.events(license_id)[0].id
    assert client.get(f"/api/revenue-events/{event_id}", headers=headers).status_code == 404


def test_a_members_statement_line_names_its_revenue_event(runtime, client, sold):
    buyer, license_id, second = sold
    headers = headers_for(runtime, second)
    lines = client.get("/api/me/earnings", headers=headers).json()["lines"]
    shared = [line for line in lines if line["kind"] == "revenue-share" and "Q1 API revenue" in line["description"]]
    assert len(shared) == 2 and shared[0]["description"] == shared[1]["description"]
    ids = [line["revenue_event"] for line in shared]
    assert len(set(ids)) == 2
    for line, event_id in zip(shared, ids, strict=True):
        event = client.get(f"/api/revenue-events/{event_id}", headers=headers).json()
        assert event["description"] == "Q1 API revenue" and line["arithmetic"]["event"] == event_id
        mine = {c["log_index"] for c in event["contributions"] if c["author_key"] == _key(runtime, second)}
        assert line["amount"] == sum(c["amount"] for c in event["contributions"] if c["log_index"] in mine)


def _key(runtime, principal):
    return runtime.keys.active_key(principal.account_id).key_id


def test_the_earnings_page_names_each_lines_revenue_event(runtime, sold, browse):
    _, license_id, second = sold
    page = browse(second).get("/earnings").text
    for event in runtime.revenue.events(license_id):
        assert f"(revenue event #{event.id})" in page
