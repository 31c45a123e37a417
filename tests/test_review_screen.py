"""The review screen of an answer to an item (issue 14, part 4): before the scoring form, the
item as its author saw it, the answer in words (each rubric score with its anchor), the task's
answer spec and guidelines; "Submit & next" records the review and opens the next work, claimed."""

import json
import re

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from coop.kernel.errors import NotFound
from coop.work.models import ReviewAssignment
from coop.work.tasks import TaskSpec
from tests.conftest import TERMS

GUIDELINES = "Judge the output against the reference; do not reward length."
SPEC = {
    "criteria": [
        {
            "name": "accuracy",
            "description": "Is the output right?",
            "min": 1,
            "max": 3,
            "anchors": {"1": "Wrong on the main point", "2": "Partly right", "3": "Right and complete"},
        }
    ]
}
ITEMS = "\n".join(json.dumps({"prompt": f"What is {n} + {n}?", "output": str(2 * n)}) for n in (1, 2))


@pytest.fixture
def answers(runtime, work):
    """Two answers of work.author's (oldest first) to the two items of an evaluation task whose
    answers are scored on an anchored rubric."""
    spec = TaskSpec("Maths", "Grade sums", GUIDELINES, "evaluation", "item", 20, 900, "EUR", ["model-training"])
    task = runtime.tasks.open(work.steward, spec)
    runtime.items.import_batch(work.steward, task.id, "jsonl", ITEMS)
    runtime.answer_specs.set(work.steward, task.id, "rubric", SPEC, 2)
    ids = []
    for score in (3, 2):
        claim = runtime.claims.claim_next(work.author, task.id)
        receipt = runtime.item_answers.answer_with_password(
            work.author, claim.id, {"scores": {"accuracy": score}}, 5, TERMS, "amara-password"
        )
        ids.append(receipt.contribution.id)
    return ids


def claimed_page(browse, reviewer, contribution_id):
    browser = browse(reviewer)
    assert browser.post(f"/reviews/{contribution_id}/claim").status_code == 303
    page = browser.get(f"/reviews/{contribution_id}")
    assert page.status_code == 200, page.text
    return browser, page.text


def review_form(page_text, level, then=None):
    """The scoring form filled in at `level` on every criterion of the task's rubric."""
    criteria = re.findall(r'name="score-([a-z-]+)" value="1"', page_text)
    form = {**{f"score-{c}": str(level) for c in criteria}, "feedback": "Fine."}
    return {**form, "then": then} if then else form


def test_the_item_the_answer_in_words_the_anchors_and_the_guidelines_come_before_the_scoring_form(
    browse, work, answers
):
    _, text = claimed_page(browse, work.reviewers[0], answers[0])
    form_at = text.index('name="score-')
    for shown in (
        "What is 1 + 1?",  # the item
        "Scores on the task&#39;s rubric",  # the answer in words …
        "accuracy: 3 of 1–3 — Right and complete",  # … each score with its anchor
        "Wrong on the main point",  # the spec's anchors, every one
        "Partly right",
        GUIDELINES,
        'data-testid="acceptance-rule"',
    ):
        assert shown in text, shown
        assert text.index(shown) < form_at, f"{shown!r} comes after the scoring form"


def test_free_form_work_is_shown_as_its_content_without_an_item(runtime, work, browse):
    from tests.test_contributions import submit

    contribution = submit(runtime, work, text="Metformin first.")
    _, text = claimed_page(browse, work.reviewers[0], contribution.id)
    assert 'data-testid="review-content">Metformin first.' in text and 'data-testid="item"' not in text


def test_submit_and_next_records_the_review_then_claims_and_opens_the_next_answer(runtime, work, browse, answers):
    reviewer = work.reviewers[0]
    browser, text = claimed_page(browse, reviewer, answers[0])
    response = browser.post(f"/reviews/{answers[0]}", review_form(text, 4, then="next"))
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"/reviews/{answers[1]}?done=Review%20recorded")
    with Session(runtime.engine) as session:
        assert session.get(ReviewAssignment, (answers[1], reviewer.account_id)) is not None
    shown = browser.get(location).text
    assert "What is 2 + 2?" in shown and "accuracy: 2 of 1–3 — Partly right" in shown and "Review recorded" in shown


def test_submit_and_next_with_nothing_left_goes_back_to_the_queue_and_says_so(work, browse, answers):
    browser, text = claimed_page(browse, work.reviewers[0], answers[0])
    browser.post(f"/reviews/{answers[0]}", review_form(text, 4, then="next"))
    text = browser.get(f"/reviews/{answers[1]}").text
    response = browser.post(f"/reviews/{answers[1]}", review_form(text, 4, then="next"))
    assert response.status_code == 303
    assert (
        response.headers["location"].startswith("/reviews?done=")
        and "Nothing%20is%20left" in response.headers["location"]
    )


def test_the_answered_item_is_read_in_a_fixed_number_of_queries(runtime, work, answers):
    runtime.reviews.claim(work.reviewers[0], answers[0])
    statements = []

    def count(_conn, _cursor, statement, *_rest):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        answered = runtime.contributions.answered_item(work.reviewers[0], answers[0])
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)
    assert answered is not None and answered.item["prompt"] == "What is 1 + 1?"
    assert answered.answer == {"scores": {"accuracy": 3}} and answered.guidelines == GUIDELINES
    assert len(statements) <= 3  # the contribution, the reviewer's assignment, and the one joined read


def test_a_reviewer_who_has_not_claimed_the_work_cannot_read_its_answer(runtime, work, answers):
    with pytest.raises(NotFound):
        runtime.contributions.answered_item(work.reviewers[1], answers[0])


def test_free_form_work_has_no_answered_item(runtime, work):
    from tests.test_contributions import submit

    contribution = submit(runtime, work)
    assert runtime.contributions.answered_item(work.author, contribution.id) is None
    with Session(runtime.engine) as session:
        assert session.scalars(select(ReviewAssignment)).all() == []


KINDS = {
    "pairwise": (
        "ranking",
        {"allow_tie": True},
        {"prompt": "Which is kinder?", "responses": ["Go away.", "Happy to help."]},
        {"choice": "B", "reason": "It offers help."},
        ["Prefers B", "It offers help.", "or call it a tie"],
    ),
    "ranking": (
        "ranking",
        {},
        {"prompt": "Rank the summaries", "responses": ["short", "long", "wrong"]},
        {"order": ["B", "A", "C"]},
        ["<li>B: long</li><li>A: short</li><li>C: wrong</li>", "Rank all of the item"],
    ),
    "classification": (
        "evaluation",
        {"labels": ["safe", "unsafe"], "multi": False},
        {"prompt": "Is this advice safe?", "output": "Double the dose."},
        {"labels": ["unsafe"]},
        ["<li>unsafe</li>", "One label from: safe, unsafe"],
    ),
    "written": (
        "correction",
        {"edit": "required", "min_sources": 1},
        {"prompt": "Correct the dose", "response": "500 g"},
        {"text": "The unit is wrong.", "edited": "500 mg", "sources": ["BNF"]},
        ["A written answer", "The unit is wrong.", "500 mg", "<li>BNF</li>", "citing at least 1 source"],
    ),
}


@pytest.mark.parametrize("answer_kind", sorted(KINDS))
def test_each_kind_of_answer_is_shown_in_words_beside_its_item(runtime, work, browse, answer_kind):
    task_kind, config, item, answer, expected = KINDS[answer_kind]
    spec = TaskSpec("P", f"A {answer_kind} task", GUIDELINES, task_kind, "item", 20, 900, "EUR", ["model-training"])
    task = runtime.tasks.open(work.steward, spec)
    runtime.items.import_batch(work.steward, task.id, "jsonl", json.dumps(item))
    runtime.answer_specs.set(work.steward, task.id, answer_kind, config, 1)
    claim = runtime.claims.claim_next(work.author, task.id)
    receipt = runtime.item_answers.answer_with_password(work.author, claim.id, answer, 5, TERMS, "amara-password")
    _, text = claimed_page(browse, work.reviewers[0], receipt.contribution.id)
    form_at = text.index('name="score-')
    for shown in [item["prompt"], *expected]:
        assert shown in text, shown
        assert text.index(shown) < form_at, f"{shown!r} comes after the scoring form"
