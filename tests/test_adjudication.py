"""Adjudication under the governed minimum alpha (issue 14, part 5): work its reviews would accept is
held instead while the task's agreement is below the minimum, nothing is paid until a reviewer who
took no part decides, and the decision accepts through the normal acceptance path or rejects."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coop.kernel.errors import Conflict, NotAllowed, Refused
from provenance.core.entry import parse_leaf
from tests.test_task_agreement import HAND_ALPHA, pairwise  # noqa: F401 - the fixture

FIVES = {"consistency": 5, "justification": 5}


def set_minimum(runtime, bps, items=2):
    """A new version of the adjudication policy, in force now (as an adopted proposal would make it)."""
    runtime.policies.adopt("adjudication", {"minimum_alpha_bps": bps, "minimum_items": items}, runtime.clock(), "seed")


def reviewed(runtime, pairwise, who="P"):
    """Reviewers 0 and 1 score one of `who`'s answers top marks: what the rubric would accept."""
    contribution = runtime.contributions.mine(pairwise.people[who])[0]
    decisions = [runtime.reviews.review(r, contribution.id, FIVES, "fine") for r in pairwise.reviewers[:2]]
    return contribution, decisions[-1]


def held(runtime, pairwise, who="P"):
    set_minimum(runtime, 8000)
    contribution, _ = reviewed(runtime, pairwise, who)
    [adjudication] = runtime.adjudications.open_adjudications(pairwise.reviewers[2])
    return contribution, adjudication


def test_below_the_minimum_work_the_reviews_accept_is_held_and_not_paid(runtime, pairwise, log):
    set_minimum(runtime, 8000)
    contribution, decision = reviewed(runtime, pairwise)
    after = runtime.contributions.get(pairwise.people["P"], contribution.id)
    assert decision.outcome == "adjudication" and "below the minimum 0.8" in decision.reason
    assert after.status == "in-adjudication" and after.acceptance_index is None
    assert runtime.ledger.member_balance(pairwise.people["P"].account_id) == {}
    entry = parse_leaf(log.entry(log.size() - 1))
    assert entry.kind == "contribution.adjudication-opened"
    assert entry.body["below"] == [{"figure": "task", "alpha_bps": round(HAND_ALPHA * 10_000)}]
    assert entry.body["policy"] == {"policy": "adjudication", "version": 2} and entry.body["items"] == 4


def test_at_or_above_the_minimum_work_is_accepted_as_usual(runtime, pairwise):
    set_minimum(runtime, 6000)
    contribution, decision = reviewed(runtime, pairwise)
    assert decision.outcome == "accepted"
    assert runtime.ledger.member_balance(pairwise.people["P"].account_id) == {"EUR": 300}


def test_with_fewer_items_answered_twice_than_the_policy_needs_work_is_accepted(runtime, pairwise):
    set_minimum(runtime, 8000, items=5)
    _, decision = reviewed(runtime, pairwise)
    assert decision.outcome == "accepted"


def test_work_that_answers_no_item_is_never_held(runtime, work):
    from tests.test_contributions import GOOD, submit

    set_minimum(runtime, 10_000, items=1)
    contribution = submit(runtime, work)
    decisions = [runtime.reviews.review(r, contribution.id, GOOD, "ok") for r in work.reviewers[:2]]
    assert decisions[-1].outcome == "accepted"


def test_accepting_an_adjudication_logs_and_pays_as_a_normal_acceptance(runtime, pairwise, log):
    contribution, adjudication = held(runtime, pairwise)
    decided = runtime.adjudications.decide(pairwise.reviewers[2], adjudication.id, "accepted", "A is defensible.")
    after = runtime.contributions.get(pairwise.people["P"], contribution.id)
    assert decided.outcome == "accepted" and after.status == "accepted"
    assert parse_leaf(log.entry(after.acceptance_index)).kind == "contribution.accepted"
    assert parse_leaf(log.entry(decided.decision_log_index)).kind == "contribution.adjudication-decided"
    [tx] = runtime.ledger.transactions(ref_prefix=f"contribution:{contribution.id}")
    assert tx.kind == "base-pay" and tx.log_index == after.acceptance_index
    assert runtime.ledger.member_balance(pairwise.people["P"].account_id) == {"EUR": 300}


def test_rejecting_an_adjudication_rejects_the_work_and_pays_nothing(runtime, pairwise):
    contribution, adjudication = held(runtime, pairwise)
    decided = runtime.adjudications.decide(pairwise.reviewers[2], adjudication.id, "rejected", "B was right.")
    after = runtime.contributions.get(pairwise.people["P"], contribution.id)
    assert decided.outcome == "rejected" and after.status == "rejected" and after.acceptance_index is None
    assert runtime.ledger.member_balance(pairwise.people["P"].account_id) == {}


def test_a_reviewer_who_reviewed_the_work_cannot_decide_its_adjudication(runtime, pairwise):
    _, adjudication = held(runtime, pairwise)
    with pytest.raises(NotAllowed, match="you reviewed"):
        runtime.adjudications.decide(pairwise.reviewers[0], adjudication.id, "accepted", "fine")
    assert runtime.adjudications.open_adjudications(pairwise.reviewers[0]) == []


def test_the_author_cannot_decide_the_adjudication_of_their_own_work(runtime, pairwise):
    _, adjudication = held(runtime, pairwise)
    author = pairwise.people["P"]
    runtime.members.set_roles(pairwise.steward, author.account_id, ["member", "reviewer"])
    with pytest.raises(NotAllowed, match="your own work"):
        runtime.adjudications.decide(runtime.members.principal(author.account_id), adjudication.id, "accepted", "mine")


def test_a_reviewer_in_conflict_with_the_author_cannot_decide(runtime, pairwise):
    _, adjudication = held(runtime, pairwise)
    runtime.reviews.declare_conflict(pairwise.reviewers[2], pairwise.people["P"].account_id)
    assert runtime.adjudications.open_adjudications(pairwise.reviewers[2]) == []
    with pytest.raises(NotAllowed, match="conflict of interest"):
        runtime.adjudications.decide(pairwise.reviewers[2], adjudication.id, "accepted", "fine")


def test_a_member_who_is_not_a_reviewer_cannot_decide(runtime, pairwise):
    _, adjudication = held(runtime, pairwise)
    with pytest.raises(NotAllowed, match="only reviewers"):
        runtime.adjudications.decide(pairwise.people["Q"], adjudication.id, "accepted", "fine")


def test_an_adjudication_is_decided_once(runtime, pairwise):
    _, adjudication = held(runtime, pairwise)
    runtime.adjudications.decide(pairwise.reviewers[2], adjudication.id, "rejected", "no")
    with pytest.raises(Conflict, match="already been decided"):
        runtime.adjudications.decide(pairwise.steward, adjudication.id, "accepted", "yes")


@pytest.mark.parametrize("outcome, reason", [("maybe", "x"), ("accepted", "  "), ("accepted", "x" * 2001)])
def test_a_decision_needs_a_known_outcome_and_a_bounded_reason(runtime, pairwise, outcome, reason):
    _, adjudication = held(runtime, pairwise)
    with pytest.raises(Refused):
        runtime.adjudications.decide(pairwise.reviewers[2], adjudication.id, outcome, reason)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE adjudication SET reason = 'x'",
        "DELETE FROM adjudication",
        "UPDATE adjudication_decision SET outcome = 'accepted'",
        "DELETE FROM adjudication_decision",
    ],
)
def test_the_database_refuses_to_change_adjudications(runtime, pairwise, engine, statement):
    _, adjudication = held(runtime, pairwise)
    runtime.adjudications.decide(pairwise.reviewers[2], adjudication.id, "rejected", "no")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))


# -- the policy -------------------------------------------------------------------------------------


def test_the_adjudication_policy_is_seeded_off(runtime):
    runtime.policies.seed_defaults()
    policy = runtime.policies.in_force("adjudication")
    assert policy.version == 1 and policy.body == {"minimum_alpha_bps": None, "minimum_items": 10}


def test_a_database_seeded_before_the_policy_existed_gets_it_from_coop_init(runtime):
    from governance.defaults import all_defaults

    for name, body in all_defaults().items():
        if name != "adjudication":  # a co-op initialised before this policy existed
            runtime.policies.adopt(name, body, runtime.clock(), "seed")
    assert [p.name for p in runtime.policies.seed_defaults()] == ["adjudication"]  # what `coop init` runs


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"minimum_alpha_bps": 6670}, "minimum_alpha_bps, minimum_items"),
        ({"minimum_alpha_bps": 0.667, "minimum_items": 10}, "whole number from 0 to 10000"),
        ({"minimum_alpha_bps": 10_001, "minimum_items": 10}, "whole number from 0 to 10000"),
        ({"minimum_alpha_bps": True, "minimum_items": 10}, "whole number from 0 to 10000"),
        ({"minimum_alpha_bps": 6670, "minimum_items": 0}, "minimum_items is a whole number"),
        ({"minimum_alpha_bps": None, "minimum_items": 10, "extra": 1}, "minimum_alpha_bps, minimum_items"),
        ("6670", "minimum_alpha_bps, minimum_items"),
    ],
)
def test_a_proposal_with_a_bad_adjudication_policy_is_refused_with_its_reason(runtime, admit, body, reason):
    runtime.policies.seed_defaults()
    with pytest.raises(Refused, match=reason):
        runtime.governance.propose(admit("ana"), "adjudication", "Minimum alpha", "", {"body": body}, 60)


def test_members_propose_a_minimum_alpha_through_the_proposal_machinery(runtime, admit):
    runtime.policies.seed_defaults()
    body = {"minimum_alpha_bps": 6670, "minimum_items": 20}
    proposal = runtime.governance.propose(admit("ana"), "adjudication", "Minimum alpha 0.667", "", {"body": body}, 60)
    assert proposal.kind == "adjudication" and proposal.policy == "adjudication"


# -- the API and the portal -------------------------------------------------------------------------


def test_the_api_lists_and_decides_adjudications(runtime, pairwise, client):
    from tests.test_log_schemas import api_token

    contribution, adjudication = held(runtime, pairwise)
    judge = api_token(client, "rev3@coop.test", "rev3-password")
    listed = client.get("/api/adjudications?status=open", headers=judge).json()
    assert [(a["id"], a["contribution_id"]) for a in listed] == [(adjudication.id, contribution.id)]
    decided = client.post(
        f"/api/adjudications/{adjudication.id}/decide", json={"outcome": "accepted", "reason": "ok"}, headers=judge
    )
    assert decided.status_code == 200 and decided.json()["outcome"] == "accepted"
    member = api_token(client, "qq@coop.test", "qq-password")
    assert client.get("/api/adjudications?status=open", headers=member).status_code == 403


def test_a_reviewer_decides_an_adjudication_from_the_adjudications_page(runtime, pairwise, browse):
    contribution, adjudication = held(runtime, pairwise)
    judge = browse(pairwise.reviewers[2])
    assert adjudication.id in judge.get("/adjudications").text
    response = judge.post(f"/adjudications/{adjudication.id}/decide", {"outcome": "accepted", "reason": "fine"})
    assert response.status_code == 303 and "accepted" in response.headers["location"]
    assert runtime.contributions.get(pairwise.people["P"], contribution.id).status == "accepted"
    assert adjudication.id not in judge.get("/adjudications").text


def test_the_agreement_page_says_adjudication_is_required_below_the_minimum(runtime, pairwise, browse):
    set_minimum(runtime, 8000)
    page = browse(pairwise.reviewers[0]).get(f"/tasks/{pairwise.task.id}/agreement").text
    assert "required: alpha below the minimum 0.8" in page and "adjudication policy v2" in page


def test_work_held_for_adjudication_keeps_its_reviews_hidden_until_decided(runtime, pairwise):
    contribution, adjudication = held(runtime, pairwise)
    author = pairwise.people["P"]
    assert runtime.contributions.get(author, contribution.id).reviews == []
    runtime.adjudications.decide(pairwise.reviewers[2], adjudication.id, "accepted", "A is defensible.")
    assert [r["feedback"] for r in runtime.contributions.get(author, contribution.id).reviews] == ["fine", "fine"]
