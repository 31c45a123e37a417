"""Appeals of rejected work, blind reviews and reviewers' overturn rates (issue 14, part 4)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from provenance.core.entry import parse_leaf
from tests.test_contributions import GOOD, POOR, submit


def rejected(runtime, work, text="Aspirin cures diabetes."):
    """A contribution of work.author's rejected by reviewers 0 and 1."""
    contribution = submit(runtime, work, text=text)
    runtime.reviews.review(work.reviewers[0], contribution.id, POOR, "wrong")
    runtime.reviews.review(work.reviewers[1], contribution.id, POOR, "unsafe")
    return contribution


def appealed(runtime, work, text="Aspirin cures diabetes."):
    contribution = rejected(runtime, work, text)
    return contribution, runtime.appeals.appeal(work.author, contribution.id, "The reviewers misread the question.")


def test_the_author_appeals_a_rejection_and_it_is_logged_with_the_reason_beside_the_log(runtime, work, log):
    contribution, appeal = appealed(runtime, work)
    entry = parse_leaf(log.entry(appeal.log_index))
    assert entry.kind == "contribution.appealed" and entry.body["contribution"] == contribution.id
    assert "misread" not in str(entry.body) and appeal.reason == "The reviewers misread the question."
    assert appeal.outcome is None


def test_someone_other_than_the_author_cannot_appeal(runtime, work):
    contribution = rejected(runtime, work)
    with pytest.raises(NotFound):
        runtime.appeals.appeal(work.reviewers[2], contribution.id, "unfair")


def test_work_that_is_not_rejected_cannot_be_appealed(runtime, work):
    contribution = submit(runtime, work)
    with pytest.raises(Conflict, match="only rejected work"):
        runtime.appeals.appeal(work.author, contribution.id, "please")


def test_a_contribution_is_appealed_only_once(runtime, work):
    contribution, _ = appealed(runtime, work)
    with pytest.raises(Conflict, match="already been appealed"):
        runtime.appeals.appeal(work.author, contribution.id, "again")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_an_appeal_needs_a_bounded_reason(runtime, work, reason):
    contribution = rejected(runtime, work)
    with pytest.raises(Refused, match="reason"):
        runtime.appeals.appeal(work.author, contribution.id, reason)


def test_a_reviewer_who_reviewed_the_work_cannot_decide_its_appeal(runtime, work):
    _, appeal = appealed(runtime, work)
    with pytest.raises(NotAllowed, match="you reviewed"):
        runtime.appeals.decide(work.reviewers[0], appeal.id, "upheld", "fair rejection")


def test_the_author_cannot_decide_their_own_appeal(runtime, work):
    _, appeal = appealed(runtime, work)
    runtime.members.set_roles(work.steward, work.author.account_id, ["member", "reviewer"])
    as_reviewer = runtime.members.principal(work.author.account_id)
    with pytest.raises(NotAllowed, match="your own work"):
        runtime.appeals.decide(as_reviewer, appeal.id, "overturned", "I was right")


def test_a_reviewer_in_conflict_with_the_author_neither_sees_nor_decides_the_appeal(runtime, work):
    _, appeal = appealed(runtime, work)
    runtime.reviews.declare_conflict(work.reviewers[2], work.author.account_id)
    assert runtime.appeals.open_appeals(work.reviewers[2]) == []
    with pytest.raises(NotAllowed, match="conflict of interest"):
        runtime.appeals.decide(work.reviewers[2], appeal.id, "overturned", "fine")


def test_a_member_who_is_not_a_reviewer_cannot_decide(runtime, work, admit):
    _, appeal = appealed(runtime, work)
    with pytest.raises(NotAllowed, match="only reviewers"):
        runtime.appeals.decide(admit("bystander"), appeal.id, "upheld", "fine")


def test_overturning_accepts_logs_and_pays_as_a_normal_acceptance(runtime, work, log):
    contribution, appeal = appealed(runtime, work)
    decided = runtime.appeals.decide(work.reviewers[2], appeal.id, "overturned", "The answer is defensible.")
    after = runtime.contributions.get(work.author, contribution.id)
    assert decided.outcome == "overturned" and after.status == "accepted"
    accepted = parse_leaf(log.entry(after.acceptance_index))
    assert accepted.kind == "contribution.accepted" and accepted.body["pay"]["per_unit"] == 900
    assert parse_leaf(log.entry(decided.decision_log_index)).kind == "contribution.appeal-decided"
    assert runtime.ledger.member_balance(work.author.account_id) == {"EUR": 900}
    [tx] = runtime.ledger.transactions(ref_prefix=f"contribution:{contribution.id}")
    assert tx.kind == "base-pay" and tx.log_index == after.acceptance_index


def test_upholding_changes_nothing_but_the_decision(runtime, work, log):
    contribution, appeal = appealed(runtime, work)
    decided = runtime.appeals.decide(work.reviewers[2], appeal.id, "upheld", "The rejection was right.")
    after = runtime.contributions.get(work.author, contribution.id)
    assert decided.outcome == "upheld" and after.status == "rejected" and after.acceptance_index is None
    assert runtime.ledger.member_balance(work.author.account_id) == {}
    assert log.size() == decided.decision_log_index + 1


def test_an_appeal_is_decided_once(runtime, work, admit):
    _, appeal = appealed(runtime, work)
    runtime.appeals.decide(work.reviewers[2], appeal.id, "upheld", "right")
    with pytest.raises(Conflict, match="already been decided"):
        runtime.appeals.decide(admit("rev4", roles=("member", "reviewer")), appeal.id, "overturned", "wrong")


def test_open_appeals_leave_out_decided_ones_and_those_the_reviewer_took_part_in(runtime, work):
    _, appeal = appealed(runtime, work)
    assert [a.id for a in runtime.appeals.open_appeals(work.reviewers[2])] == [appeal.id]
    assert runtime.appeals.open_appeals(work.reviewers[0]) == []
    runtime.appeals.decide(work.reviewers[2], appeal.id, "upheld", "right")
    assert runtime.appeals.open_appeals(work.reviewers[2]) == []


def test_overturn_rates_count_decided_appeals_of_work_each_reviewer_reviewed(runtime, work, admit):
    judge = admit("judge", roles=("member", "reviewer"))
    first, a1 = appealed(runtime, work, "first wrong answer")
    _, a2 = appealed(runtime, work, "second wrong answer")
    _, a3 = appealed(runtime, work, "third wrong answer")  # left undecided: not counted
    runtime.appeals.decide(judge, a1.id, "overturned", "defensible")
    runtime.appeals.decide(judge, a2.id, "upheld", "wrong indeed")
    rates = {r.reviewer_id: (r.decided, r.overturned, r.percent) for r in runtime.appeals.overturn_rates()}
    assert rates == {work.reviewers[0].account_id: (2, 1, 50), work.reviewers[1].account_id: (2, 1, 50)}
    assert a3.outcome is None and first.id == a1.contribution_id


def test_a_reviewer_sees_no_other_review_before_their_own_is_in(runtime, work):
    contribution = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], contribution.id, GOOD, "solid")
    assert runtime.reviews.reviews_seen_by(work.reviewers[1], contribution.id) == []


def test_after_their_own_review_a_reviewer_sees_the_others(runtime, work):
    contribution = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], contribution.id, GOOD, "solid")
    runtime.reviews.review(work.reviewers[1], contribution.id, POOR, "weak")
    seen = runtime.reviews.reviews_seen_by(work.reviewers[1], contribution.id)
    assert [(r["mine"], r["scores"], r["feedback"]) for r in seen] == [(False, GOOD, "solid"), (True, POOR, "weak")]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE appeal SET reason_sha256 = 'x'",
        "DELETE FROM appeal",
        "UPDATE appeal_decision SET outcome = 'overturned'",
        "DELETE FROM appeal_decision",
    ],
)
def test_the_database_refuses_to_change_appeals(runtime, work, engine, statement):
    _, appeal = appealed(runtime, work)
    runtime.appeals.decide(work.reviewers[2], appeal.id, "upheld", "right")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))


# -- the API ----------------------------------------------------------------------------------------


def test_the_api_appeals_decides_and_shows_the_overturn_rates(runtime, work, client):
    from tests.test_log_schemas import api_token

    contribution = rejected(runtime, work)
    author = api_token(client, "amara@coop.test", "amara-password")
    judge = api_token(client, "rev3@coop.test", "rev3-password")
    appealed = client.post(f"/api/contributions/{contribution.id}/appeal", json={"reason": "misread"}, headers=author)
    assert appealed.status_code == 201, appealed.text
    appeal_id = appealed.json()["id"]
    assert [a["id"] for a in client.get("/api/appeals?status=open", headers=judge).json()] == [appeal_id]
    decided = client.post(
        f"/api/appeals/{appeal_id}/decide", json={"outcome": "overturned", "reason": "fine"}, headers=judge
    )
    assert decided.status_code == 200 and decided.json()["outcome"] == "overturned"
    rates = client.get("/api/reviewers/overturn-rates", headers=author).json()
    assert {(r["decided"], r["overturned"], r["percent"]) for r in rates} == {(1, 1, 100)}


def test_an_unknown_outcome_over_the_api_is_refused_400(runtime, work, client):
    from tests.test_log_schemas import api_token

    _, appeal = appealed(runtime, work)
    judge = api_token(client, "rev3@coop.test", "rev3-password")
    response = client.post(f"/api/appeals/{appeal.id}/decide", json={"outcome": "maybe", "reason": "x"}, headers=judge)
    assert response.status_code == 400


def test_the_api_keeps_other_reviews_blind_until_mine_is_in(runtime, work, client):
    from tests.test_log_schemas import api_token

    contribution = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], contribution.id, GOOD, "solid")
    second = api_token(client, "rev2@coop.test", "rev2-password")
    assert client.get(f"/api/reviews/{contribution.id}/reviews", headers=second).json() == []
    client.post(f"/api/reviews/{contribution.id}", json={"scores": GOOD, "feedback": "agree"}, headers=second)
    seen = client.get(f"/api/reviews/{contribution.id}/reviews", headers=second).json()
    assert [r["feedback"] for r in seen] == ["solid", "agree"]


def test_the_acceptance_rule_in_words_carries_the_tasks_numbers(runtime, work):
    contribution = submit(runtime, work)
    words = " ".join(runtime.reviews.acceptance_rule(contribution.id))
    acceptance = runtime.reviews.rubric_for(contribution.id)["acceptance"]
    assert f"{work.task.reviews_required} reviews are required" in words
    assert f"{acceptance['accept_min_average_pct']}% or more accepts" in words


# -- the portal -------------------------------------------------------------------------------------


def test_the_author_appeals_from_the_rejected_contributions_page(runtime, work, browse):
    contribution = rejected(runtime, work)
    author = browse(work.author)
    assert 'data-testid="appeal-form"' in author.get(f"/contributions/{contribution.id}").text
    response = author.post(f"/contributions/{contribution.id}/appeal", {"reason": "They misread the question."})
    assert response.status_code == 303
    page = author.get(f"/contributions/{contribution.id}").text
    assert "appeal-form" not in page and "Awaiting a decision" in page


def test_a_reviewer_decides_an_appeal_from_the_appeals_page(runtime, work, browse):
    contribution, appeal = appealed(runtime, work)
    judge = browse(work.reviewers[2])
    assert appeal.id in judge.get("/appeals").text
    response = judge.post(f"/appeals/{appeal.id}/decide", {"outcome": "overturned", "reason": "defensible"})
    assert response.status_code == 303 and "overturned" in response.headers["location"]
    assert runtime.contributions.get(work.author, contribution.id).status == "accepted"
    assert "No appeal of work you reviewed has been decided yet" in judge.get("/reviews").text
    assert "1 of 1 decided were overturned (100%)" in browse(work.reviewers[0]).get("/reviews").text


def test_the_review_page_shows_the_scales_and_the_acceptance_rule_before_scoring(runtime, work, browse):
    contribution = submit(runtime, work)
    reviewer = browse(work.reviewers[0])
    reviewer.post(f"/reviews/{contribution.id}/claim")
    page = reviewer.get(f"/reviews/{contribution.id}").text
    assert "correctness</strong> (1–5)" in page
    assert f"{work.task.reviews_required} reviews are required" in page
    assert "other-reviews" not in page and "Submit &amp; next" in page


def test_submit_and_next_goes_to_the_next_contribution_in_the_queue(runtime, work, browse):
    first = submit(runtime, work, text="first answer")
    second = submit(runtime, work, text="second answer")
    reviewer = browse(work.reviewers[0])
    reviewer.post(f"/reviews/{first.id}/claim")
    form = {f"score-{name}": str(value) for name, value in GOOD.items()}
    response = reviewer.post(f"/reviews/{first.id}", {**form, "feedback": "ok", "then": "next"})
    assert response.status_code == 303 and response.headers["location"].startswith(f"/reviews/{second.id}?done=")
