"""The work pages over HTTP, as a browser uses them (forms with the CSRF token, session cookie)."""

import re

import pytest
from litestar.testing import TestClient

from web.app import create_app


class Browser:
    """A signed-in user agent: keeps its cookies, sends each form with the page's CSRF token."""

    def __init__(self, runtime, principal):
        self.client = TestClient(app=create_app(runtime=runtime))
        self.client.__enter__()
        self.client.cookies.set("coop_session", runtime.auth.start_session(principal))
        self.client.get("/")
        self.csrf = self.client.cookies.get("csrftoken")

    def get(self, path):
        return self.client.get(path, follow_redirects=False)

    def post(self, path, data=None, files=None):
        return self.client.post(
            path, data={**(data or {}), "_csrf_token": self.csrf}, files=files, follow_redirects=False
        )


@pytest.fixture
def browsers(browse, work):
    return browse


def submit_through_the_form(author, task_id, text, minutes="15"):
    form = {
        "content": text,
        "media_type": "text/plain",
        "minutes": minutes,
        "permitted_uses": ["model-training", "research"],
        "excluded_sectors": ["military"],
        "password": "amara-password",
        "action": "submit",
    }
    response = author.post(f"/tasks/{task_id}/submit", form, files={"file": ("", b"")})
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0].rsplit("/", 1)[-1]


def review_through_the_form(reviewer, contribution_id, level, feedback):
    claimed = reviewer.post(f"/reviews/{contribution_id}/claim")
    assert (claimed.status_code, claimed.headers["location"]) == (303, f"/reviews/{contribution_id}"), claimed.text
    page = reviewer.get(f"/reviews/{contribution_id}")
    assert page.status_code == 200
    criteria = re.findall(r'name="score-([a-z-]+)" value="1"', page.text)
    response = reviewer.post(
        f"/reviews/{contribution_id}", {**{f"score-{c}": str(level) for c in criteria}, "feedback": feedback}
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_submitted_work_reviewed_twice_is_accepted_and_its_receipt_verifies(runtime, work, browsers):
    author = browsers(work.author)
    contribution_id = submit_through_the_form(author, work.task.id, "Start metformin unless contraindicated.")
    for reviewer in work.reviewers[:2]:
        review_through_the_form(browsers(reviewer), contribution_id, 5, "Well cited.")
    page = author.get(f"/contributions/{contribution_id}")
    assert 'data-testid="contribution-status">accepted' in page.text
    assert runtime.log.latest_checkpoint().note.splitlines()[1] in page.text or "Provenance receipt" in page.text
    verdict = author.get(f"/contributions/{contribution_id}/verify")
    assert verdict.text.startswith("✔ Verified")


def test_a_revision_request_shows_the_feedback_and_a_revised_draft_can_be_submitted(runtime, work, browsers):
    author = browsers(work.author)
    contribution_id = submit_through_the_form(author, work.task.id, "Give metformin.")
    for reviewer, note in zip(work.reviewers[:2], ("Mention kidney function.", "Cite the guideline.")):
        review_through_the_form(browsers(reviewer), contribution_id, 3, note)
    page = author.get(f"/contributions/{contribution_id}")
    assert "revision-requested" in page.text and "Mention kidney function." in page.text
    revised = author.post(f"/contributions/{contribution_id}/revise")
    edit_path = revised.headers["location"].split("?")[0]
    saved = author.post(
        edit_path,
        {"content": "Give metformin if eGFR ≥ 30 (NICE NG28).", "minutes": "25", "password": "amara-password"},
    )
    assert saved.status_code == 303
    new_page = author.get(saved.headers["location"].split("?")[0])
    assert 'data-testid="contribution-status">submitted' in new_page.text and "round 2" in new_page.text


def test_poor_work_is_rejected(runtime, work, browsers):
    author = browsers(work.author)
    contribution_id = submit_through_the_form(author, work.task.id, "Any antibiotic will do.")
    for reviewer in work.reviewers[:2]:
        review_through_the_form(browsers(reviewer), contribution_id, 1, "Unsafe advice.")
    assert 'data-testid="contribution-status">rejected' in author.get(f"/contributions/{contribution_id}").text


def test_a_wrong_password_at_submission_is_refused_next_to_the_form_and_keeps_the_text(work, browsers):
    author = browsers(work.author)
    form = {
        "content": "My careful answer",
        "media_type": "text/plain",
        "minutes": "15",
        "permitted_uses": ["model-training"],
        "excluded_sectors": [],
        "password": "wrong-password",
        "action": "submit",
    }
    response = author.post(f"/tasks/{work.task.id}/submit", form, files={"file": ("", b"")})
    assert response.status_code == 403
    assert "wrong password" in response.text and "My careful answer" in response.text


def test_a_file_can_be_submitted(runtime, work, browsers):
    author = browsers(work.author)
    form = {
        "content": "",
        "media_type": "application/json",
        "minutes": "15",
        "permitted_uses": ["model-training"],
        "excluded_sectors": [],
        "password": "amara-password",
        "action": "submit",
    }
    response = author.post(
        f"/tasks/{work.task.id}/submit",
        form,
        files={"file": ("answer.json", b'{"answer": "metformin"}', "application/json")},
    )
    assert response.status_code == 303, response.text
    contribution_id = response.headers["location"].split("?")[0].rsplit("/", 1)[-1]
    assert author.get(f"/contributions/{contribution_id}/content").content == b'{"answer": "metformin"}'


def test_a_steward_opening_a_task_below_the_floor_sees_the_numbers(work, browsers):
    steward = browsers(work.steward)
    form = {
        "project": "P",
        "title": "Cheap",
        "instructions": "-",
        "kind": "ranking",
        "unit": "pair",
        "minutes_per_unit": "10",
        "pay_per_unit": "2.00",
        "currency": "EUR",
        "intended_uses": ["research"],
        "buyer_org": "",
    }
    response = steward.post("/tasks/new", form)
    assert response.status_code == 400
    assert "12.00 EUR per hour, below the floor of 18.00 EUR per hour" in response.text


def _submitted_work(runtime, work):
    from tests.conftest import TERMS

    draft = runtime.contributions.draft(work.author, work.task.id, b"Start metformin.", "text/plain", 10, TERMS)
    return runtime.contributions.submit_with_password(work.author, draft.id, "amara-password").id


def _claimed_by(runtime, contribution_id):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from coop.work.models import ReviewAssignment

    with Session(runtime.engine) as session:
        return list(
            session.scalars(
                select(ReviewAssignment.reviewer_id).where(ReviewAssignment.contribution_id == contribution_id)
            )
        )


def test_opening_a_review_page_claims_nothing_and_shows_only_a_claim_button(runtime, work, browsers):
    contribution_id = _submitted_work(runtime, work)
    page = browsers(work.reviewers[0]).get(f"/reviews/{contribution_id}")
    assert page.status_code == 200
    assert f'action="/reviews/{contribution_id}/claim"' in page.text and "Claim and review" in page.text
    assert 'data-testid="review-content"' not in page.text and "Start metformin." not in page.text
    assert _claimed_by(runtime, contribution_id) == []


def test_a_claim_without_the_forms_csrf_token_is_refused_and_claims_nothing(runtime, work, browsers):
    contribution_id = _submitted_work(runtime, work)
    reviewer = browsers(work.reviewers[0])
    refused = reviewer.client.post(f"/reviews/{contribution_id}/claim", follow_redirects=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert _claimed_by(runtime, contribution_id) == []


def test_claiming_from_the_queue_opens_the_review_form_with_the_work(runtime, work, browsers):
    contribution_id = _submitted_work(runtime, work)
    reviewer = browsers(work.reviewers[0])
    assert f'action="/reviews/{contribution_id}/claim"' in reviewer.get("/reviews").text
    claimed = reviewer.post(f"/reviews/{contribution_id}/claim")
    assert (claimed.status_code, claimed.headers["location"]) == (303, f"/reviews/{contribution_id}")
    assert _claimed_by(runtime, contribution_id) == [work.reviewers[0].account_id]
    page = reviewer.get(f"/reviews/{contribution_id}")
    assert 'data-testid="review-content">Start metformin.' in page.text and "Submit review" in page.text
    assert reviewer.post(f"/reviews/{contribution_id}/claim").status_code == 303  # again: nothing more to claim
    assert _claimed_by(runtime, contribution_id) == [work.reviewers[0].account_id]


def test_reviewers_never_see_their_own_work_in_the_queue(runtime, work, browsers, admit):
    from tests.conftest import TERMS

    reviewer = work.reviewers[0]
    runtime.keys.create_custodial_key(reviewer, "rev1-password")
    draft = runtime.contributions.draft(reviewer, work.task.id, b"mine", "text/plain", 10, TERMS)
    mine = runtime.contributions.submit_with_password(reviewer, draft.id, "rev1-password")
    queue = browsers(reviewer).get("/reviews").text
    assert mine.id not in queue
    assert mine.id in browsers(work.reviewers[1]).get("/reviews").text


def test_a_members_contributions_are_paged_with_previous_and_next_links(work, browsers, monkeypatch):
    monkeypatch.setattr("web.portal.common.PAGE_SIZE", 1)
    author = browsers(work.author)
    for text in ("First answer.", "Second answer."):
        submit_through_the_form(author, work.task.id, text)
    first = author.get("/contributions")
    assert "2 in all; page 1 of 2" in first.text
    assert 'href="?page=2">Next' in first.text and ">Previous<" not in first.text
    second = author.get("/contributions?page=2")
    assert "page 2 of 2" in second.text
    assert 'href="?page=1">Previous' in second.text and ">Next<" not in second.text
