"""Doing the work on items in the portal (issue 14, part 3): "Start working" claims the next item,
"Submit & next" signs an answer and moves on, "Skip" gives an item back; a malformed answer is
refused next to the form, changing nothing."""

import re

import pytest
from sqlalchemy import text

from coop.work.tasks import TaskSpec

ITEMS = "\n".join(f'{{"prompt": "Question {n}?", "responses": ["first {n}", "second {n}"]}}' for n in (1, 2, 3))


@pytest.fixture
def pairwise(runtime, work):
    """An open ranking task of three items, each answered A / B / tie by two people."""
    task = runtime.tasks.open(
        work.steward,
        TaskSpec(
            "Prefs",
            "Which answer is better?",
            "Pick the better one.",
            "ranking",
            "pair",
            2,
            100,
            "EUR",
            ["model-training"],
        ),
    )
    runtime.items.import_batch(work.steward, task.id, "jsonl", ITEMS)
    runtime.answer_specs.set(work.steward, task.id, "pairwise", {"allow_tie": True}, 2)
    return task


def start(browser, task_id):
    response = browser.post(f"/tasks/{task_id}/work")
    assert response.status_code == 303, response.text
    return response.headers["location"]


def answer(choice="A", reason="clearer", password="amara-password", minutes="2"):
    return {"choice": choice, "reason": reason, "password": password, "minutes": minutes}


def contributions(runtime):
    with runtime.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM contribution")).scalar()


def test_the_task_page_offers_start_working_when_the_task_has_an_answer_spec(browse, work, pairwise):
    author = browse(work.author)
    assert f'action="/tasks/{pairwise.id}/work"' in author.get(f"/tasks/{pairwise.id}").text
    without_spec = author.get(f"/tasks/{work.task.id}")
    assert without_spec.status_code == 200 and "Start working" not in without_spec.text


def test_start_working_shows_the_first_item_with_the_pairwise_controls(browse, work, pairwise):
    author = browse(work.author)
    location = start(author, pairwise.id)
    assert location.startswith("/claims/")
    shown = author.get(location)
    assert shown.status_code == 200
    assert "Question 1?" in shown.text and 'value="tie"' in shown.text and 'name="reason"' in shown.text


def test_submit_and_next_shows_the_receipt_and_the_next_item(browse, work, pairwise):
    author = browse(work.author)
    claim_path = start(author, pairwise.id)
    response = author.post(f"{claim_path}/answer", answer())
    assert response.status_code == 303, response.text
    shown = author.get(response.headers["location"])
    assert 'data-testid="receipt"' in shown.text and "/contributions/" in shown.text
    assert "Question 2?" in shown.text


def test_a_double_submit_of_the_same_claim_makes_one_contribution(browse, runtime, work, pairwise):
    author = browse(work.author)
    claim_path = start(author, pairwise.id)
    before = contributions(runtime)
    first = author.post(f"{claim_path}/answer", answer())
    second = author.post(f"{claim_path}/answer", answer())
    assert (first.status_code, second.status_code) == (303, 303)
    assert contributions(runtime) == before + 1


def test_a_malformed_answer_is_400_with_the_reason_and_changes_nothing(browse, runtime, work, pairwise):
    author = browse(work.author)
    claim_path = start(author, pairwise.id)
    before = contributions(runtime)
    response = author.post(f"{claim_path}/answer", answer(choice="C"))
    assert response.status_code == 400
    assert re.search(r'role="alert"[^>]*>choice must be one of A, B, tie', response.text)
    assert contributions(runtime) == before
    assert author.get(claim_path).status_code == 200  # the claim is still there to answer


def test_a_wrong_password_is_refused_next_to_the_form(browse, runtime, work, pairwise):
    author = browse(work.author)
    claim_path = start(author, pairwise.id)
    response = author.post(f"{claim_path}/answer", answer(password="not-it"))
    assert response.status_code in (400, 403) and 'role="alert"' in response.text
    assert 'name="choice"' in response.text


def test_skip_with_a_reason_moves_to_the_next_item(browse, work, pairwise):
    author = browse(work.author)
    claim_path = start(author, pairwise.id)
    response = author.post(f"{claim_path}/skip", {"skip_reason": "not my field"})
    assert response.status_code == 303
    shown = author.get(response.headers["location"])
    assert "Item skipped" in shown.text and "Question 2?" in shown.text


def test_skip_without_a_reason_is_refused(browse, work, pairwise):
    author = browse(work.author)
    claim_path = start(author, pairwise.id)
    response = author.post(f"{claim_path}/skip", {"skip_reason": " "})
    assert response.status_code == 400 and "reason" in response.text


def test_when_nothing_is_left_the_page_says_so(browse, work, pairwise):
    author = browse(work.author)
    location = start(author, pairwise.id)
    for _ in range(3):
        location = author.post(f"{location.split('?')[0]}/answer", answer()).headers["location"]
    assert location.startswith(f"/tasks/{pairwise.id}/work")
    shown = author.get(location)
    assert 'data-testid="nothing-left"' in shown.text and 'data-testid="receipt"' in shown.text
    assert start(author, pairwise.id).startswith(f"/tasks/{pairwise.id}/work")


def test_someone_elses_claim_is_not_found(browse, work, pairwise, admit):
    claim_path = start(browse(work.author), pairwise.id)
    other = browse(admit("bo"))
    assert other.get(claim_path).status_code == 404
    assert other.post(f"{claim_path}/answer", answer()).status_code == 404
