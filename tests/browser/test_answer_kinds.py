"""Answering an item of each non-pairwise kind in a real browser (issue 14, part 3): a steward opens
four tasks, imports an item into each and sets its answer spec through the items page's form; a
contributor then answers the item of each — a ranking, a rubric, a multi-label classification and
a written correction with sources — through the item page, and sees each answer's receipt."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import STEWARD_EMAIL, STEWARD_PASSWORD, require_playwright

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.portal import Person, join_with_a_key, new_task, newcomer, open_task, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ITEM = {"prompt": "How should type 2 diabetes be treated first?", "responses": ["Metformin", "Insulin", "Diet alone"]}


def task_with_one_item(steward: Page, kind: str, set_spec) -> str:
    """Open a task of `kind`, import one item and set the answer spec with `set_spec(page)`."""
    path = open_task(steward, new_task("Items", kind=kind, unit="item"))
    steward.goto(f"{path}/items")
    steward.get_by_label("Format").select_option("jsonl")
    steward.get_by_label("…or paste it").fill(json.dumps(ITEM))
    steward.get_by_role("button", name="Import").click()
    expect(steward.get_by_text("1 items imported").first).to_be_visible()
    steward.get_by_label("People who answer each item").fill("2")
    set_spec(steward)
    steward.get_by_role("button", name="Set the answer spec").click()
    expect(steward.get_by_test_id("answer-spec")).to_be_visible()
    return path


def ranking_spec(page: Page) -> None:
    page.get_by_label("Answer kind").select_option("ranking")


def rubric_spec(page: Page) -> None:
    page.get_by_label("Answer kind").select_option("rubric")
    page.locator("#f-criterion-1-name").fill("accuracy")
    page.locator("#f-criterion-1-description").fill("Is the advice right?")
    page.locator("#f-criterion-1-min").fill("1")
    page.locator("#f-criterion-1-max").fill("3")
    page.locator("#f-criterion-1-anchors").fill("1: unsafe advice\n2: partly right\n3: what a guideline says")


def classification_spec(page: Page) -> None:
    page.get_by_label("Answer kind").select_option("classification")
    page.get_by_label("Labels, one a line").fill("correct\nincomplete\nharmful")
    page.get_by_label("Several labels per answer").check()


def written_spec(page: Page) -> None:
    page.get_by_label("An edited version of the item's response").select_option("required")
    page.get_by_label("Sources required (at least)").fill("1")


def answer(page: Page, task_path: str, person: Person, fill) -> None:
    """Start working on the task, answer its one item with `fill(page)`, sign and see the receipt."""
    page.goto(task_path)
    page.get_by_role("button", name="Start working").click()
    expect(page.get_by_test_id("item")).to_contain_text("type 2 diabetes")
    page.wait_for_load_state("load")
    fill(page)
    page.get_by_label("Your password (opens your key to sign)").fill(person.password)
    page.get_by_role("button", name="Submit & next").click()
    expect(page.get_by_test_id("receipt")).to_contain_text("Answer submitted for review")
    expect(page.get_by_test_id("nothing-left")).to_be_visible()


def rank(page: Page) -> None:
    page.get_by_label("Response A").fill("1")
    page.get_by_label("Response B").fill("3")
    page.get_by_label("Response C").fill("2")


def score(page: Page) -> None:
    page.get_by_label("3 — what a guideline says").check()


def classify(page: Page) -> None:
    page.get_by_label("correct", exact=True).check()
    page.get_by_label("incomplete", exact=True).check()


def write(page: Page) -> None:
    page.get_by_role("textbox", name="Your answer", exact=True).fill("Metformin first, unless contraindicated.")
    page.get_by_label("The corrected response").fill("Metformin, with lifestyle advice.")
    page.get_by_label("Sources, one a line (at least 1)").fill("https://www.nice.org.uk/guidance/ng28")


def test_a_contributor_answers_an_item_of_each_kind_through_the_page(coop_server, new_page):
    steward = new_page(coop_server)
    sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
    tasks = [
        (task_with_one_item(steward, "ranking", ranking_spec), rank),
        (task_with_one_item(steward, "evaluation", rubric_spec), score),
        (task_with_one_item(steward, "evaluation", classification_spec), classify),
        (task_with_one_item(steward, "correction", written_spec), write),
    ]
    person = newcomer("Ines")
    page = new_page(coop_server)
    join_with_a_key(page, steward, person)
    for task_path, fill in tasks:
        answer(page, task_path, person, fill)
    page.goto("/contributions")
    expect(page.get_by_role("cell", name="submitted")).to_have_count(4)
