"""Revising and editing answers to items (issue 14, part 3): a revision of an answer sent back by its
reviewers answers the same item and starts from the answer given, the earlier one kept as it was;
a draft answer is edited (checked like any answer) and deleted; submitted work never is."""

import pytest

from coop.kernel.errors import Conflict, NotFound, Refused
from tests.item_tasks import RUBRIC, answers, count, open_item_task, questions, start

FIRST = {"scores": {"accuracy": 2, "tone": 1}}


@pytest.fixture
def rubric(runtime, work):
    return open_item_task(runtime, work.steward, "evaluation", "rubric", RUBRIC, questions())


@pytest.fixture
def terms(runtime):
    return runtime.policies.in_force("consent-rules").body["default_terms"]


def answered(runtime, work, task, terms, answer=FIRST):
    claim = runtime.claims.claim_next(work.author, task.id)
    return runtime.item_answers.answer_with_password(work.author, claim.id, answer, 5, terms, "amara-password")


def sent_back(runtime, work, contribution_id):
    """Two middling reviews: the reviewers ask for a revision."""
    criteria = runtime.reviews.rubric_for(contribution_id)["criteria"]
    middling = {c["name"]: 3 for c in criteria}
    for reviewer in work.reviewers[:2]:
        decision = runtime.reviews.review(reviewer, contribution_id, middling, "say why")
    assert decision.outcome == "revision-requested"


@pytest.fixture
def revision(runtime, work, rubric, terms):
    first = answered(runtime, work, rubric, terms)
    sent_back(runtime, work, first.contribution.id)
    return first, runtime.contributions.revise(work.author, first.contribution.id)


def test_a_revision_answers_the_same_item_starting_from_the_answer_given(runtime, work, revision):
    first, draft = revision
    carried = runtime.item_answers.draft_answer(work.author, draft.id)
    assert carried.item.id == first.item_id and carried.answer == FIRST
    assert draft.revises_id == first.contribution.id and draft.content_sha256 == first.contribution.content_sha256


def test_the_earlier_answer_is_kept_as_it_was(runtime, work, revision):
    first, _ = revision
    again = runtime.item_answers.receipt(work.author, first.claim_id)
    assert again.answer == FIRST and again.contribution.status == "revision-requested"
    assert again.contribution.statement == first.contribution.statement


def test_revising_twice_returns_the_same_draft(runtime, work, revision):
    first, draft = revision
    assert runtime.contributions.revise(work.author, first.contribution.id).id == draft.id


def test_a_revision_never_comes_back_as_the_next_item_to_work_on(runtime, work, revision):
    first, _ = revision
    assert runtime.claims.claim_next(work.author, first.contribution.task_id).item.id != first.item_id


def test_a_revised_answer_is_signed_with_the_item_and_links_the_earlier_statement(runtime, work, revision):
    first, draft = revision
    runtime.item_answers.edit_draft(work.author, draft.id, {"scores": {"accuracy": 3, "tone": 1}}, 7)
    submitted = runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")
    assert submitted.statement["item"] == first.item_id
    assert submitted.statement["answer"] == {"scores": {"accuracy": 3, "tone": 1}}
    assert submitted.statement["revises"] is not None and submitted.minutes == 7


def test_an_item_retired_since_cannot_be_revised_against(runtime, work, rubric, terms):
    first = answered(runtime, work, rubric, terms)
    sent_back(runtime, work, first.contribution.id)
    runtime.items.retire(work.steward, first.item_id, "ambiguous question")
    with pytest.raises(Conflict, match="retired"):
        runtime.contributions.revise(work.author, first.contribution.id)
    assert count(runtime, "contribution") == 1


def test_a_malformed_edit_of_a_draft_answer_changes_nothing(runtime, work, revision):
    _, draft = revision
    with pytest.raises(Refused, match="accuracy"):
        runtime.item_answers.edit_draft(work.author, draft.id, {"scores": {"accuracy": 9, "tone": 1}}, 7)
    assert runtime.item_answers.draft_answer(work.author, draft.id).answer == FIRST


def test_a_submitted_answer_is_never_edited_nor_deleted(runtime, work, rubric, terms):
    first = answered(runtime, work, rubric, terms)
    with pytest.raises(Conflict):
        runtime.item_answers.edit_draft(work.author, first.contribution.id, FIRST, 5)
    with pytest.raises(Conflict):
        runtime.contributions.delete_draft(work.author, first.contribution.id)
    assert runtime.contributions.get(work.author, first.contribution.id).status == "submitted"


def test_a_deleted_draft_answer_is_gone_and_the_earlier_work_stays(runtime, work, revision):
    first, draft = revision
    runtime.contributions.delete_draft(work.author, draft.id)
    with pytest.raises(NotFound):
        runtime.contributions.get(work.author, draft.id)
    assert answers(runtime) == [FIRST]  # only the earlier answer's row is left
    assert runtime.contributions.revise(work.author, first.contribution.id).id != draft.id  # revise afresh


def test_someone_else_cannot_delete_a_draft(runtime, work, revision, admit):
    _, draft = revision
    with pytest.raises(NotFound):
        runtime.contributions.delete_draft(admit("bo"), draft.id)


# -- the pages ---------------------------------------------------------------------------


def test_the_revision_opens_on_its_answer_page_with_the_item_and_the_earlier_answer(browse, work, revision):
    first, _ = revision
    author = browse(work.author)
    revised = author.post(f"/contributions/{first.contribution.id}/revise")
    edit = author.get(revised.headers["location"])
    assert edit.status_code == 303 and "/answer" in edit.headers["location"]
    page = author.get(edit.headers["location"]).text
    assert "Question 1?" in page and "A new draft revises your work." in page
    assert 'name="score-accuracy" value="2" required checked' in page


def test_a_revised_answer_is_saved_then_signed_through_its_page(runtime, browse, work, revision):
    _, draft = revision
    author = browse(work.author)
    form = {"score-accuracy": "3", "score-tone": "0", "minutes": "6"}
    saved = author.post(f"/contributions/{draft.id}/answer", form)
    assert saved.status_code == 303 and "Draft saved" in author.get(saved.headers["location"]).text
    assert runtime.item_answers.draft_answer(work.author, draft.id).answer == {"scores": {"accuracy": 3, "tone": 0}}
    signed = author.post(f"/contributions/{draft.id}/answer", {**form, "password": "amara-password"})
    assert signed.status_code == 303
    assert runtime.contributions.get(work.author, draft.id).status == "submitted"


def test_a_malformed_answer_on_the_draft_page_is_shown_back_and_changes_nothing(runtime, browse, work, revision):
    _, draft = revision
    author = browse(work.author)
    response = author.post(f"/contributions/{draft.id}/answer", {"score-accuracy": "3", "minutes": "6"})
    assert response.status_code == 400 and 'role="alert"' in response.text and "tone" in response.text
    assert 'name="score-accuracy" value="3" required checked' in response.text
    assert runtime.item_answers.draft_answer(work.author, draft.id).answer == FIRST


def test_a_draft_is_deleted_from_its_page(runtime, browse, work, revision):
    _, draft = revision
    author = browse(work.author)
    response = author.post(f"/contributions/{draft.id}/delete")
    assert response.status_code == 303 and "Draft deleted" in author.get(response.headers["location"]).text
    assert count(runtime, "contribution") == 1


def test_a_first_answer_left_as_a_draft_is_edited_under_its_live_claim(runtime, browse, work, rubric, terms):
    claim = runtime.claims.claim_next(work.author, rubric.id)
    runtime.item_answers.prepare(work.author, claim.id, FIRST, 5, terms)  # e.g. a statement fetched, never signed
    (draft,) = [c for c in runtime.contributions.mine(work.author) if c.status == "draft"]
    runtime.item_answers.edit_draft(work.author, draft.id, {"scores": {"accuracy": 1, "tone": 0}}, 5)
    assert answers(runtime) == [{"scores": {"accuracy": 1, "tone": 0}}]
    assert start(browse(work.author), rubric.id) == f"/claims/{claim.id}"  # still the claim to answer


def test_a_submitted_revision_does_not_take_a_second_place_among_the_items_k_answers(runtime, work, revision):
    first, draft = revision
    runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")
    other = work.reviewers[2]
    assert runtime.claims.claim_next(other, first.contribution.task_id).item.id == first.item_id
