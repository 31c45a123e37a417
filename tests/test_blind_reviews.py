"""Reviews stay blind wherever one looks (issue 14, part 4): while work is under review, no one reads
its reviews on the contribution's page or through the API — not a steward who also reviews, not a
steward who does not, not its author. A reviewer reads the others' once their own is in (on the
review page); once review is closed, the author and stewards see every review."""

import pytest

from tests.test_contributions import GOOD, POOR, submit

FEEDBACK = "Cites the wrong guideline."


@pytest.fixture
def under_review(runtime, work):
    """work.author's contribution, reviewed once (by reviewer 0) of the two reviews it needs."""
    contribution = submit(runtime, work)
    decision = runtime.reviews.review(work.reviewers[0], contribution.id, GOOD, FEEDBACK)
    assert decision.outcome not in ("accepted", "rejected", "revision-requested")
    return contribution


@pytest.fixture
def steward_not_reviewing(admit):
    """A steward who holds no reviewer role."""
    return admit("stella", roles=("member", "steward"))


def api_as(client, runtime, principal):
    client.headers["Authorization"] = f"Bearer {runtime.auth.create_token(principal, 'test', ['read'])}"
    return client


def test_a_steward_who_reviews_reads_no_reviews_of_work_under_review(runtime, work, under_review):
    assert work.steward.has_role("reviewer")
    assert runtime.contributions.get(work.steward, under_review.id).reviews == []


def test_a_steward_who_reviews_sees_no_reviews_on_the_contribution_page_while_under_review(work, under_review, browse):
    page = browse(work.steward).get(f"/contributions/{under_review.id}")
    assert page.status_code == 200
    assert FEEDBACK not in page.text and "Review feedback" not in page.text


def test_a_steward_who_reviews_gets_no_reviews_from_the_api_while_under_review(runtime, work, under_review, client):
    response = api_as(client, runtime, work.steward).get(f"/api/contributions/{under_review.id}")
    assert response.status_code == 200, response.text
    assert response.json()["reviews"] == [] and FEEDBACK not in response.text


def test_a_steward_without_the_reviewer_role_reads_no_reviews_while_under_review(
    runtime, under_review, steward_not_reviewing
):
    assert runtime.contributions.get(steward_not_reviewing, under_review.id).reviews == []


def test_the_author_reads_no_reviews_while_the_work_is_under_review(runtime, work, under_review):
    assert runtime.contributions.get(work.author, under_review.id).reviews == []
    assert runtime.contributions.mine(work.author)[0].reviews == []


def test_a_steward_who_then_reviews_sees_the_others_on_the_review_page_once_their_own_is_in(
    runtime, work, under_review
):
    assert runtime.reviews.reviews_seen_by(work.steward, under_review.id) == []
    runtime.reviews.review(work.steward, under_review.id, GOOD, "Agreed.")
    seen = runtime.reviews.reviews_seen_by(work.steward, under_review.id)
    assert [r["feedback"] for r in seen] == [FEEDBACK, "Agreed."]


def test_once_review_is_closed_the_author_and_stewards_see_every_review(runtime, work, client, steward_not_reviewing):
    contribution = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], contribution.id, POOR, FEEDBACK)
    runtime.reviews.review(work.reviewers[1], contribution.id, POOR, "Unsafe.")
    assert runtime.contributions.get(work.author, contribution.id).status == "rejected"
    for viewer in (work.author, work.steward, steward_not_reviewing):
        assert [r["feedback"] for r in runtime.contributions.get(viewer, contribution.id).reviews] == [
            FEEDBACK,
            "Unsafe.",
        ]
    response = api_as(client, runtime, work.steward).get(f"/api/contributions/{contribution.id}")
    assert [r["feedback"] for r in response.json()["reviews"]] == [FEEDBACK, "Unsafe."]
