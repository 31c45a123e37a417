"""Reviewing answers and appealing a rejection, in a real browser (issue 14, part 4).

A reviewer reviews two answers to items in a row with "Submit & next", reading each item, the
answer in words (each score with its anchor), the task's anchors and guidelines before scoring.
A rejected contribution is appealed by its author with a reason; a third member, who took no part
in its reviews, overturns the rejection; the author sees the outcome.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import STEWARD_EMAIL, STEWARD_PASSWORD, require_playwright

require_playwright()

from playwright.sync_api import Locator, Page, expect  # noqa: E402

from tests.browser.portal import (  # noqa: E402
    join_with_a_key,
    new_task,
    newcomer,
    open_task,
    review_contribution,
    sign_in,
    submit_work,
)
from tests.browser.test_item_work import api_token  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GUIDELINES = "Judge the output against the reference answer; do not reward length."
ANCHORS = {"1": "Wrong on the main point", "2": "Partly right", "3": "Right and complete"}
SPEC = {
    "answer_kind": "rubric",
    "config": {
        "criteria": [{"name": "sum", "description": "Is the sum right?", "min": 1, "max": 3, "anchors": ANCHORS}]
    },
    "answers_per_item": 2,
}
ITEMS = "\n".join(json.dumps({"prompt": f"What is {n} + {n}?", "output": str(2 * n)}) for n in (1, 2))
EVALUATION_CRITERIA = ("accuracy", "evidence")  # rubric.evaluation v1, what reviewers score


def graded_task(steward: Page) -> str:
    """An evaluation task with two items whose answers are scored on an anchored rubric; its path."""
    path = open_task(steward, new_task("Grade sums", kind="evaluation", unit="item", instructions=GUIDELINES))
    steward.goto(f"{path}/items")
    steward.get_by_label("Format").select_option("jsonl")
    steward.get_by_label("…or paste it").fill(ITEMS)
    steward.get_by_role("button", name="Import").click()
    expect(steward.get_by_text("What is 2 + 2?")).to_be_visible()
    response = steward.request.put(
        f"/api/tasks/{urlparse(path).path.rsplit('/', 1)[-1]}/answer-spec",
        headers={"Authorization": f"Bearer {api_token(steward)}"},
        data=SPEC,
    )
    assert response.ok, response.text()
    return path


def answer_both_items(page: Page, task_path: str, password: str) -> None:
    """A contributor grades item 1 with a 3 and item 2 with a 2 on the work page."""
    page.goto(task_path)
    page.get_by_role("button", name="Start working").click()
    for n, score in ((1, "3"), (2, "2")):
        expect(page.get_by_test_id("item")).to_contain_text(f"What is {n} + {n}?")
        page.get_by_role("group", name=re.compile(r"^sum:")).get_by_label(f"{score} — {ANCHORS[score]}").check()
        page.get_by_label("Your password (opens your key to sign)").fill(password)
        page.get_by_role("button", name="Submit & next").click()
        expect(page.get_by_test_id("receipt")).to_contain_text("Answer submitted for review")
    expect(page.get_by_test_id("nothing-left")).to_be_visible()


def precedes(first: Locator, second: Locator) -> bool:
    """Whether `first` comes before `second` in the page (what a reader meets first)."""
    return bool(
        first.evaluate(
            "(a, b) => !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)", second.element_handle()
        )
    )


def expect_answer_shown_before_scoring(page: Page, n: int, score: str) -> None:
    form = page.locator("form").filter(has=page.get_by_role("button", name="Submit & next"))
    expect(page.get_by_test_id("item")).to_contain_text(f"What is {n} + {n}?")
    expect(page.get_by_test_id("answer-points")).to_have_text(f"sum: {score} of 1–3 — {ANCHORS[score]}")
    spec = page.get_by_test_id("answer-spec")
    for anchor in ANCHORS.values():
        expect(spec).to_contain_text(anchor)
    expect(page.get_by_test_id("guidelines")).to_contain_text(GUIDELINES)
    expect(page.get_by_test_id("acceptance-rule")).to_be_visible()
    for section in ("item", "answer", "answer-spec", "guidelines", "acceptance-rule"):
        assert precedes(page.get_by_test_id(section), form), f"{section} comes after the scoring form"


def score_every_criterion(page: Page, level: int) -> None:
    for criterion in EVALUATION_CRITERIA:
        page.get_by_role("group", name=re.compile(rf"^{criterion}:")).get_by_role(
            "radio", name=str(level), exact=True
        ).check()


def test_a_reviewer_reviews_two_answers_in_a_row_with_submit_and_next(start_coop_server, new_page):
    server = start_coop_server()  # a queue of this test's own: "next" is the next answer here
    steward = new_page(server)
    sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
    task_path = graded_task(steward)
    author, reviewer = newcomer("Ada"), newcomer("Rex")
    author_page, page = new_page(server), new_page(server)
    join_with_a_key(author_page, steward, author)
    answer_both_items(author_page, task_path, author.password)
    join_with_a_key(page, steward, reviewer, roles=("reviewer",))

    page.goto("/reviews")
    page.get_by_role("button", name="Review").first.click()
    expect_answer_shown_before_scoring(page, 1, "3")
    score_every_criterion(page, 5)
    page.get_by_label("Feedback for the author").fill("Right, and the anchor fits.")
    page.get_by_role("button", name="Submit & next").click()

    expect(page.locator("#flash")).to_contain_text("Review recorded:")
    expect_answer_shown_before_scoring(page, 2, "2")
    score_every_criterion(page, 3)
    page.get_by_role("button", name="Submit & next").click()

    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Nothing is left in your queue.")
    expect(page.get_by_text("Nothing to review right now.")).to_be_visible()


def test_a_rejection_is_appealed_and_overturned_by_a_member_who_took_no_part(coop_server, new_page):
    steward = new_page(coop_server)
    sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
    task = new_task("Appealed")
    open_task(steward, task)
    author, first, second, third = newcomer("Amy"), newcomer("Rob"), newcomer("Ria"), newcomer("Tess")
    author_page = new_page(coop_server)
    join_with_a_key(author_page, steward, author)
    contribution = submit_work(author_page, task.title, "Metformin first, unless eGFR < 30.", 15, author.password)
    rejecters = []
    for person in (first, second):
        page = new_page(coop_server)
        join_with_a_key(page, steward, person, roles=("reviewer",))
        review_contribution(page, contribution, {c: 1 for c in ("correctness", "completeness", "clarity")}, "No.")
        rejecters.append(page)

    author_page.goto(contribution)
    expect(author_page.get_by_test_id("contribution-status")).to_have_text("rejected")
    appeal_form = author_page.get_by_test_id("appeal-form")
    appeal_form.get_by_label("Why the rejection is wrong").fill("The answer follows NICE NG28 exactly.")
    appeal_form.get_by_role("button", name="Appeal").click()
    expect(author_page.locator("#flash")).to_contain_text("Appeal filed")
    expect(author_page.get_by_test_id("appeal")).to_contain_text("Awaiting a decision.")

    contribution_id = contribution.rsplit("/", 1)[-1]
    rejecters[0].goto("/appeals")  # who reviewed it does not decide its appeal
    expect(rejecters[0].get_by_role("heading", name="Open appeals")).to_be_visible()
    expect(rejecters[0].get_by_test_id("appeal").filter(has_text=contribution_id)).to_have_count(0)

    decider = new_page(coop_server)
    join_with_a_key(decider, steward, third, roles=("reviewer",))
    decider.goto("/appeals")
    appeal = decider.get_by_test_id("appeal").filter(has_text=contribution_id)
    expect(appeal).to_contain_text("The answer follows NICE NG28 exactly.")
    appeal.get_by_label("Overturn it: accept the work").check()
    appeal.get_by_label("Reason").fill("The guideline supports the answer.")
    appeal.get_by_role("button", name="Decide").click()
    expect(decider.locator("#flash")).to_contain_text("Appeal decided: overturned.")

    author_page.goto(contribution)
    expect(author_page.get_by_test_id("contribution-status")).to_have_text("accepted")
    expect(author_page.get_by_test_id("appeal")).to_contain_text(
        "Decided: overturned — The guideline supports the answer."
    )
    expect(author_page.get_by_role("heading", name="Provenance receipt")).to_be_visible()
