"""Issue 16, "no one alone moves money": the outside review's self-payment scenario stops at the first
step that needs a second steward — a task above the governed pay ceiling cannot be worked until
another steward approves it, and downstream revenue a steward invents is not posted until another
steward confirms it. Approvals and confirmations are signed, logged, idempotent, and never the first
steward's own."""

import json

import pytest
from litestar.testing import TestClient

from coop.kernel.errors import Conflict, NotAllowed, Refused
from coop.work.tasks import TaskSpec
from tests.conftest import TERMS
from tests.test_money import market  # noqa: F401  (the fixture: three accepted contributions, a release, a buyer)
from web.app import create_app

FIVE_MILLION_EUR = 500_000_000  # minor units
GOOD = {"correctness": 5, "completeness": 5, "clarity": 5}


def spec(pay_per_unit, title="Self-payment"):
    return TaskSpec("P", title, "Anything.", "expert-answer", "answer", 20, pay_per_unit, "EUR", ["model-training"])


@pytest.fixture
def hands(runtime, steward, admit):
    """Sam (the first steward, custodial key), Tess (a second steward), two reviewers Sam admitted."""
    from types import SimpleNamespace

    runtime.policies.seed_defaults()
    runtime.keys.create_custodial_key(steward, "steward-password")
    tess = admit("tess", roles=("member", "steward"))
    runtime.keys.create_custodial_key(tess, "tess-password")
    reviewers = [admit(name, roles=("member", "reviewer")) for name in ("shill1", "shill2")]
    return SimpleNamespace(sam=steward, tess=tess, reviewers=reviewers)


def api(runtime, principal):
    client = TestClient(app=create_app(runtime=runtime))
    client.__enter__()
    client.headers["Authorization"] = f"Bearer {runtime.auth.create_token(principal, 'test', ['read', 'write'])}"
    return client


def test_a_steward_paying_itself_five_million_stops_at_the_task_until_a_second_steward_approves(runtime, hands):
    task = runtime.tasks.open(hands.sam, spec(FIVE_MILLION_EUR))  # opened: the ceiling does not refuse the task
    with pytest.raises(Conflict, match="awaiting a second steward's approval") as refused:
        runtime.contributions.draft(hands.sam, task.id, b"my own work", "text/plain", 20, TERMS)
    assert "500000000 EUR minor units per unit" in str(refused.value) and "pay-ceiling v1" in str(refused.value)
    standing = runtime.task_approvals.standing(task.id)
    assert standing.awaiting and [h.what for h in standing.holds] == ["rate"]

    with pytest.raises(NotAllowed, match="cannot approve their own task"):
        runtime.task_approvals.approve_with_password(hands.sam, task.id, "steward-password")
    assert runtime.task_approvals.standing(task.id).awaiting  # still: nothing was approved

    approval = runtime.task_approvals.approve_with_password(hands.tess, task.id, "tess-password", FIVE_MILLION_EUR)
    entry = json.loads(runtime.log.entry(approval.log_index))
    assert entry["kind"] == "task.approval" and entry["body"]["approver"] == hands.tess.account_id
    assert entry["body"] == {
        "task": task.id,
        "approver": hands.tess.account_id,
        "pay_per_unit": FIVE_MILLION_EUR,
        "currency": "EUR",
        "budget_minor": FIVE_MILLION_EUR,
        "time": entry["body"]["time"],
    }
    assert not runtime.task_approvals.standing(task.id).awaiting
    draft = runtime.contributions.draft(hands.sam, task.id, b"my own work", "text/plain", 20, TERMS)
    assert draft.status == "draft"  # a second hand was there: the work may go on, in the open


def test_the_same_approval_twice_changes_nothing(runtime, hands):
    task = runtime.tasks.open(hands.sam, spec(FIVE_MILLION_EUR))
    first = runtime.task_approvals.approve_with_password(hands.tess, task.id, "tess-password", FIVE_MILLION_EUR)
    size = runtime.log.size()
    again = runtime.task_approvals.approve_with_password(hands.tess, task.id, "tess-password", FIVE_MILLION_EUR)
    assert again == first and runtime.log.size() == size


def test_a_task_within_the_ceiling_needs_no_approval_and_refuses_one(runtime, hands):
    task = runtime.tasks.open(hands.sam, spec(900))
    assert not runtime.task_approvals.standing(task.id).awaiting
    runtime.contributions.draft(hands.sam, task.id, b"fine", "text/plain", 20, TERMS)
    with pytest.raises(Conflict, match="nothing to approve"):
        runtime.task_approvals.approve_with_password(hands.tess, task.id, "tess-password")


def test_a_modest_rate_cannot_add_up_past_the_per_task_ceiling_alone(runtime, hands, admit):
    """5,000 minor units per unit is within the per-unit ceiling, but 1,000 units of it (50,000.00 EUR) is
    above the 25,000.00 EUR one steward may let a task commit alone: the work may be submitted (the
    budget is judged where pay is posted, not summed on every submission), but it is not accepted or
    paid until a second steward approves the budget."""
    author = admit("ann")
    runtime.keys.create_custodial_key(author, "ann-password")
    task = runtime.tasks.open(hands.sam, spec(5000))
    draft = runtime.contributions.draft(author, task.id, b"a lot", "text/plain", 20, TERMS, units=1000)
    work = runtime.contributions.submit_with_password(author, draft.id, "ann-password")
    runtime.reviews.review(hands.reviewers[0], work.id, GOOD, "good")
    with pytest.raises(Conflict, match="would total 5000000 EUR minor units, above the 2500000"):
        runtime.reviews.review(hands.reviewers[1], work.id, GOOD, "good")
    assert runtime.ledger.member_balance(author.account_id) == {}
    runtime.task_approvals.approve_with_password(hands.tess, task.id, "tess-password", 5_000_000)
    runtime.reviews.review(hands.reviewers[1], work.id, GOOD, "good")
    assert runtime.ledger.member_balance(author.account_id) == {"EUR": 5_000_000}


def test_a_rate_raised_above_the_ceiling_holds_acceptance_and_base_pay(runtime, hands, admit):
    author = admit("ann")
    runtime.keys.create_custodial_key(author, "ann-password")
    task = runtime.tasks.open(hands.sam, spec(900))
    draft = runtime.contributions.draft(author, task.id, b"answer", "text/plain", 20, TERMS)
    work = runtime.contributions.submit_with_password(author, draft.id, "ann-password")
    runtime.tasks.raise_rate(hands.sam, task.id, FIVE_MILLION_EUR)
    runtime.reviews.review(hands.reviewers[0], work.id, GOOD, "good")
    with pytest.raises(Conflict, match="cannot be paid for accepted work yet"):
        runtime.reviews.review(hands.reviewers[1], work.id, GOOD, "good")
    assert runtime.ledger.member_balance(author.account_id) == {}
    runtime.task_approvals.approve_with_password(hands.tess, task.id, "tess-password", FIVE_MILLION_EUR)
    runtime.reviews.review(hands.reviewers[1], work.id, GOOD, "good")
    assert runtime.ledger.member_balance(author.account_id) == {"EUR": FIVE_MILLION_EUR}


def test_an_approval_signed_for_another_rate_or_by_someone_else_is_refused(runtime, hands):
    task = runtime.tasks.open(hands.sam, spec(FIVE_MILLION_EUR))
    body = runtime.task_approvals.approval_body(hands.tess, task.id)
    cheap = runtime.keys.sign_as(hands.tess, "tess-password", "task.approval", {**body, "pay_per_unit": 6000})
    with pytest.raises(Conflict, match="sign the current rate"):
        runtime.task_approvals.approve(hands.tess, task.id, cheap)
    borrowed = runtime.keys.sign_as(hands.tess, "tess-password", "task.approval", body)
    with pytest.raises(NotAllowed, match="signed by your own valid key"):
        runtime.task_approvals.approve(hands.sam, task.id, borrowed)  # Sam hands in Tess's signature as his
    assert runtime.task_approvals.standing(task.id).awaiting


def test_the_api_shows_the_wait_and_refuses_the_creator_with_a_reason(runtime, hands):
    sam, tess = api(runtime, hands.sam), api(runtime, hands.tess)
    opened = sam.post(
        "/api/tasks",
        json={
            "project": "P",
            "title": "Self-payment",
            "instructions": "x",
            "kind": "expert-answer",
            "unit": "answer",
            "minutes_per_unit": 20,
            "pay_per_unit": FIVE_MILLION_EUR,
            "currency": "EUR",
            "intended_uses": ["model-training"],
        },
    ).json()
    assert opened["approval"]["awaiting_approval"] is True
    assert opened["approval"]["status"] == "awaiting a second steward's approval"
    task_id = opened["id"]
    mine = sam.post(f"/api/tasks/{task_id}/approvals", json={"password": "steward-password"})
    assert mine.status_code == 403 and "another steward must" in mine.json()["detail"]
    awaiting = tess.get("/api/task-approvals/awaiting").json()
    assert [t["task"] for t in awaiting] == [task_id]
    done = tess.post(f"/api/tasks/{task_id}/approvals", json={"password": "tess-password"})
    assert done.status_code == 200, done.text
    assert done.json()["task"]["awaiting_approval"] is False
    assert sam.get(f"/api/tasks/{task_id}").json()["approval"]["approvals"][0]["approver"] == hands.tess.account_id
    for client in (sam, tess):
        client.__exit__(None, None, None)


def test_the_task_page_says_it_awaits_a_second_steward_and_another_approves_there(runtime, hands, browse):
    task = runtime.tasks.open(hands.sam, spec(FIVE_MILLION_EUR))
    page = browse(hands.sam).get(f"/tasks/{task.id}")
    assert (
        "awaiting a second steward&#39;s approval" in page.text or "awaiting a second steward's approval" in page.text
    )
    assert "You opened this task: another steward must approve it." in page.text
    tess = browse(hands.tess)
    approved = tess.post(f"/tasks/{task.id}/approve", {"password": "tess-password", "budget": ""})
    assert approved.status_code == 303, approved.text
    assert 'data-testid="approved"' in tess.get(f"/tasks/{task.id}").text


def test_a_steward_reporting_invented_revenue_posts_nothing_until_a_second_steward_confirms(
    runtime, market, work, admit
):  # noqa: F811
    sam = work.steward
    runtime.keys.create_custodial_key(sam, "steward-password")
    tess = admit("tess", roles=("member", "steward"))
    runtime.keys.create_custodial_key(tess, "tess-password")
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    balances = {m: runtime.ledger.member_balance(m) for m in (work.author.account_id, market.bo.account_id)}
    events = runtime.revenue.events(license.id)

    reported = runtime.revenue.report_downstream(sam, license.id, FIVE_MILLION_EUR, "EUR", "invented", "inv-1")
    assert reported.pending and reported.event_id is None
    assert runtime.revenue.events(license.id) == events  # nothing posted, nothing shared
    assert {m: runtime.ledger.member_balance(m) for m in balances} == balances
    again = runtime.revenue.report_downstream(sam, license.id, FIVE_MILLION_EUR, "EUR", "invented", "inv-1")
    assert again == reported  # a retried report is the same pending report
    [pending] = runtime.revenue_reports.list(tess, "pending")
    entry = json.loads(runtime.log.entry(pending.log_index))
    assert entry["kind"] == "revenue.reported" and entry["body"]["reported_by"] == sam.account_id

    with pytest.raises(NotAllowed, match="another steward must confirm it"):
        runtime.revenue_reports.confirm_with_password(sam, reported.report_id, "steward-password")
    assert runtime.revenue.events(license.id) == events

    confirmed = runtime.revenue_reports.confirm_with_password(tess, reported.report_id, "tess-password")
    assert confirmed.status == "confirmed" and confirmed.event_id is not None
    assert json.loads(runtime.log.entry(confirmed.confirmation_log_index))["kind"] == "revenue.confirmation"
    posted = [e for e in runtime.revenue.events(license.id) if e.id == confirmed.event_id]
    assert posted and posted[0].amount == FIVE_MILLION_EUR and posted[0].kind == "downstream"
    assert runtime.ledger.member_balance(work.author.account_id) != balances[work.author.account_id]
    size = runtime.log.size()
    assert runtime.revenue_reports.confirm_with_password(tess, reported.report_id, "tess-password") == confirmed
    assert runtime.log.size() == size and len(runtime.revenue.events(license.id)) == len(events) + 1


def test_the_buyers_own_report_stays_one_step(runtime, market):  # noqa: F811
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    reported = runtime.revenue.report_downstream(market.buyer, license.id, 10_000, "EUR", "Q1 royalty", "q1")
    assert not reported.pending and reported.event_id in [e.id for e in runtime.revenue.events(license.id)]


def test_pending_reports_are_shown_to_members_and_confirmed_through_the_api(runtime, market, work, admit):  # noqa: F811
    runtime.keys.create_custodial_key(work.steward, "steward-password")
    tess = admit("tess", roles=("member", "steward"))
    runtime.keys.create_custodial_key(tess, "tess-password")
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    sam_api, tess_api, bo_api = (api(runtime, p) for p in (work.steward, tess, market.bo))
    reported = sam_api.post(
        f"/api/licenses/{license.id}/revenue", json={"amount": 77_700, "description": "API", "idempotency_key": "k1"}
    ).json()
    assert reported["status"] == "pending" and reported["revenue_event"] is None
    assert "until another steward confirms it" in reported["reason"]
    listed = bo_api.get("/api/revenue-reports?status=pending").json()
    assert [r["id"] for r in listed] == [reported["pending_report"]] and listed[0]["amount"] == 77_700
    own = sam_api.post(f"/api/revenue-reports/{reported['pending_report']}/confirmations", json={"password": "x"})
    assert own.status_code == 403 and "another steward must confirm it" in own.json()["detail"]
    confirmed = tess_api.post(
        f"/api/revenue-reports/{reported['pending_report']}/confirmations", json={"password": "tess-password"}
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert bo_api.get("/api/revenue-reports?status=pending").json() == []
    for client in (sam_api, tess_api, bo_api):
        client.__exit__(None, None, None)


def test_the_pay_ceiling_is_governed_and_its_proposal_refuses_floats_and_unknown_currencies(runtime, hands):
    from governance import proposal_rules

    assert runtime.policies.in_force("pay-ceiling").body["per_unit_minor"]["EUR"] == 5000
    assert proposal_rules.policy_name("pay-ceiling", {}) == "pay-ceiling"
    with pytest.raises(Refused, match="whole number of minor units"):
        proposal_rules.check_options("pay-ceiling", {"body": {"per_unit_minor": {"EUR": 50.5}, "per_task_minor": {}}})
    with pytest.raises(Refused, match="XXQ"):
        proposal_rules.check_options("pay-ceiling", {"body": {"per_unit_minor": {"XXQ": 1}, "per_task_minor": {}}})
    body = {"per_unit_minor": {"EUR": 10**9}, "per_task_minor": {"EUR": 10**12}}
    assert proposal_rules.check_options("pay-ceiling", {"body": body}) == "yes-no"


def test_members_raise_the_pay_ceiling_by_proposal_and_it_binds_from_adoption(runtime, hands, admit, clock):
    task = runtime.tasks.open(hands.sam, spec(7500))  # 75.00 EUR a unit: above version 1's ceiling
    assert runtime.task_approvals.standing(task.id).awaiting
    voters = [hands.tess, *(admit(name) for name in ("ana", "ben"))]
    for voter in voters[1:]:
        runtime.keys.create_custodial_key(voter, f"{voter.email.split('@')[0]}-password")
    body = {"per_unit_minor": {"EUR": 10_000}, "per_task_minor": {"EUR": 5_000_000}}
    proposal = runtime.governance.propose(voters[1], "pay-ceiling", "Senior rates", "", {"body": body}, 60)
    assert proposal.policy == "pay-ceiling"
    for voter in voters:
        runtime.governance.vote_with_password(voter, proposal.id, "yes", f"{voter.email.split('@')[0]}-password")
    clock.advance(minutes=61)
    runtime.governance.close_due()
    assert runtime.policies.in_force("pay-ceiling").version == 2
    assert not runtime.task_approvals.standing(task.id).awaiting  # the members' ceiling, not one steward's
    with pytest.raises(Conflict, match="ceiling of 10000 EUR, pay-ceiling v2"):
        runtime.contributions.draft(
            hands.sam, runtime.tasks.open(hands.sam, spec(10_001)).id, b"x", "text/plain", 20, TERMS
        )


def test_a_database_seeded_before_the_pay_ceiling_existed_gets_it_from_coop_init(runtime):
    from governance.defaults import all_defaults

    for name, body in all_defaults().items():
        if name != "pay-ceiling":  # a co-op initialised before this policy existed
            runtime.policies.adopt(name, body, runtime.clock(), "seed")
    assert [p.name for p in runtime.policies.seed_defaults()] == ["pay-ceiling"]  # what `coop init` runs


def test_members_see_what_awaits_a_second_steward_and_another_confirms_in_the_portal(
    runtime,
    market,  # noqa: F811
    work,
    admit,
    browse,
):
    runtime.keys.create_custodial_key(work.steward, "steward-password")
    tess = admit("tess", roles=("member", "steward"))
    runtime.keys.create_custodial_key(tess, "tess-password")
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    runtime.tasks.open(work.steward, spec(FIVE_MILLION_EUR, title="A very well paid task"))
    sam = browse(work.steward)
    reported = sam.post(
        f"/licenses/{license.id}/revenue", {"amount": "1,234.00", "description": "invented", "idempotency_key": "p1"}
    )
    assert reported.status_code == 303 and reported.headers["location"].startswith("/second-hand?done=")
    seen = browse(market.bo).get("/second-hand").text
    assert "A very well paid task" in seen and "invented" in seen and 'data-testid="pending-report"' in seen
    assert "You reported it: another steward must confirm it." in sam.get("/second-hand").text
    [pending] = runtime.revenue_reports.list(tess, "pending")
    refused = sam.post(f"/revenue-reports/{pending.id}/confirm", {"password": "steward-password"})
    assert refused.status_code == 403 and "another steward must confirm it" in refused.text
    confirmed = browse(tess).post(f"/revenue-reports/{pending.id}/confirm", {"password": "tess-password"})
    assert confirmed.status_code == 303
    assert runtime.revenue_reports.get(tess, pending.id).status == "confirmed"
    assert 'data-testid="confirmed-report"' in browse(market.bo).get("/second-hand").text
