"""Doing the work on items in a real browser (issue 14, part 3): a contributor answers five items
of a pairwise task with the keyboard only — A / B / T to choose, Tab to the reason and the password,
Enter to submit — and sees each answer's receipt, then the "nothing left" message."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import STEWARD_EMAIL, STEWARD_PASSWORD, require_playwright

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.portal import join_with_a_key, new_task, newcomer, open_task, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ITEMS = "\n".join(
    json.dumps({"prompt": f"Question {n}?", "responses": [f"first answer {n}", f"second answer {n}"]})
    for n in range(1, 6)
)


def api_token(steward: Page) -> str:
    """A steward's write token, made on /me (shown once)."""
    steward.goto("/me")
    tokens = steward.locator("#tokens")
    tokens.get_by_label("Label").fill("answer spec")
    tokens.get_by_label("write", exact=True).check()
    tokens.get_by_role("button", name="Create token").click()
    token = tokens.get_by_test_id("new-token")
    expect(token).to_be_visible()
    return token.inner_text().strip()


def pairwise_task_with_five_items(steward: Page) -> str:
    """A ranking task with five items and a pairwise answer spec; returns the task's path."""
    path = open_task(steward, new_task("Prefer", kind="ranking", unit="pair"))
    steward.goto(f"{path}/items")
    steward.get_by_label("Format").select_option("jsonl")
    steward.get_by_label("…or paste it").fill(ITEMS)
    steward.get_by_role("button", name="Import").click()
    expect(steward.get_by_text("Question 5?")).to_be_visible()
    spec = {"answer_kind": "pairwise", "config": {"allow_tie": True}, "answers_per_item": 2}
    response = steward.request.put(
        f"/api/tasks/{urlparse(path).path.rsplit('/', 1)[-1]}/answer-spec",
        headers={"Authorization": f"Bearer {api_token(steward)}"},
        data=spec,
    )
    assert response.ok, response.text()
    return path


def test_a_contributor_answers_five_items_with_the_keyboard_and_sees_each_receipt(coop_server, new_page):
    steward = new_page(coop_server)
    sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
    task_path = pairwise_task_with_five_items(steward)
    person = newcomer("Kim")
    page = new_page(coop_server)
    join_with_a_key(page, steward, person)

    page.goto(task_path)
    page.get_by_role("button", name="Start working").focus()
    page.keyboard.press("Enter")
    for n, key in zip(range(1, 6), "abtab", strict=True):
        expect(page.get_by_test_id("item")).to_contain_text(f"Question {n}?")
        # The shortcuts are a deferred script: the item's text is on screen before it has run.
        page.wait_for_load_state("load")
        page.keyboard.press(key)
        expect(page.locator('input[name="choice"]:checked')).to_have_value({"a": "A", "b": "B", "t": "tie"}[key])
        page.keyboard.press("Tab")  # from the choice to the reason
        page.keyboard.type(f"reason {n}")
        page.keyboard.press("Tab")  # minutes, prefilled with the task's estimate
        page.keyboard.press("Tab")  # the password
        page.keyboard.type(person.password)
        page.keyboard.press("Enter")
        receipt = page.get_by_test_id("receipt")
        expect(receipt).to_contain_text("Answer submitted for review")
        expect(receipt.get_by_role("link")).to_have_attribute("href", re.compile(r"^/contributions/"))
    expect(page.get_by_test_id("nothing-left")).to_be_visible()


def test_a_double_clicked_submit_creates_one_contribution(coop_server, new_page):
    steward = new_page(coop_server)
    sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
    task_path = pairwise_task_with_five_items(steward)
    person = newcomer("Lee")
    page = new_page(coop_server)
    join_with_a_key(page, steward, person)

    page.goto(task_path)
    page.get_by_role("button", name="Start working").click()
    expect(page.get_by_test_id("item")).to_contain_text("Question 1?")
    page.locator('input[name="choice"][value="A"]').check()
    page.locator("#f-reason").fill("The first one is clearer.")
    page.locator("#f-password").fill(person.password)
    page.locator("#submit-next").dblclick()
    expect(page.get_by_test_id("receipt")).to_contain_text("Answer submitted for review")

    page.goto("/contributions")
    expect(page.get_by_test_id("contribution-status")).to_have_count(1)
    expect(page.get_by_test_id("contribution-status")).to_have_text("submitted")
