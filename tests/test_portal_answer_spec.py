"""A steward's answer-spec form and the retire button on a task's items page (issue 14, parts 1–3):
each kind's spec set through the form is the normalised spec of coop.rules.answers; a bad spec is
shown back (400) with its reason and what was entered, nothing set; an item is retired only with a
reason, by a steward."""

import html
import json
import re

import pytest

from coop.kernel.errors import Conflict
from coop.work.tasks import TaskSpec
from tests.item_tasks import count, questions


def open_task(runtime, steward, kind):
    task = runtime.tasks.open(
        steward, TaskSpec("Items", f"{kind} task", "Do it.", kind, "item", 3, 100, "EUR", ["model-training"])
    )
    runtime.items.import_batch(steward, task.id, "jsonl", "\n".join(json.dumps(q) for q in questions()))
    return task


@pytest.fixture
def evaluation(runtime, work):
    return open_task(runtime, work.steward, "evaluation")


@pytest.fixture
def sam(browse, work):
    """The steward, signed in."""
    return browse(work.steward)


def set_spec(browser, task_id, form):
    return browser.post(f"/tasks/{task_id}/items/answer-spec", form)


def alert(response):
    found = re.search(r'role="alert" id="spec-error">([^<]*)<', response.text)
    return html.unescape(found.group(1)) if found else None


RUBRIC_FORM = {
    "answer_kind": "rubric",
    "answers_per_item": "3",
    "criterion-1-name": "accuracy",
    "criterion-1-description": "Is it right?",
    "criterion-1-min": "1",
    "criterion-1-max": "3",
    "criterion-1-anchors": "1: wrong\n2: partly right\n3: right",
    "criterion-2-name": "",
}


def test_the_items_page_offers_the_answer_kinds_of_the_task_kind(sam, evaluation):
    shown = sam.get(f"/tasks/{evaluation.id}/items").text
    kinds = re.findall(r'<option value="([a-z]+)"', shown.split('id="f-answer-kind"')[1].split("</select>")[0])
    assert kinds == ["rubric", "classification", "pairwise"]


def test_a_rubric_spec_with_an_anchor_per_score_is_set_through_the_form(runtime, sam, evaluation):
    response = set_spec(sam, evaluation.id, RUBRIC_FORM)
    assert response.status_code == 303, response.text
    spec = runtime.answer_specs.get(evaluation.id)
    assert (spec.answer_kind, spec.answers_per_item) == ("rubric", 3)
    assert spec.config == {
        "criteria": [
            {
                "name": "accuracy",
                "description": "Is it right?",
                "min": 1,
                "max": 3,
                "anchors": {"1": "wrong", "2": "partly right", "3": "right"},
            }
        ]
    }
    assert 'data-testid="answer-spec"' in sam.get(f"/tasks/{evaluation.id}/items").text


def test_a_multi_label_classification_spec_is_set_through_the_form(runtime, sam, evaluation):
    form = {"answer_kind": "classification", "answers_per_item": "2", "labels": "safe\nunsafe\n\nunclear\n"}
    response = set_spec(sam, evaluation.id, {**form, "multi": "yes", "min": "1", "max": "2"})
    assert response.status_code == 303, response.text
    assert runtime.answer_specs.get(evaluation.id).config == {
        "labels": ["safe", "unsafe", "unclear"],
        "multi": True,
        "min": 1,
        "max": 2,
    }


def test_a_single_label_classification_spec_leaves_min_and_max_at_one(runtime, sam, evaluation):
    form = {"answer_kind": "classification", "answers_per_item": "2", "labels": "yes\nno", "min": "", "max": "3"}
    assert set_spec(sam, evaluation.id, form).status_code == 303
    assert runtime.answer_specs.get(evaluation.id).config == {
        "labels": ["yes", "no"],
        "multi": False,
        "min": 1,
        "max": 1,
    }


def test_a_pairwise_spec_without_ties_is_set_through_the_form(runtime, sam, evaluation):
    assert set_spec(sam, evaluation.id, {"answer_kind": "pairwise", "answers_per_item": "2"}).status_code == 303
    assert runtime.answer_specs.get(evaluation.id).config == {"allow_tie": False}


def test_a_written_spec_with_a_required_edit_and_sources_is_set_through_the_form(runtime, sam, work):
    task = open_task(runtime, work.steward, "correction")
    form = {"answer_kind": "written", "answers_per_item": "1", "edit": "required", "min_sources": "2"}
    assert set_spec(sam, task.id, form).status_code == 303
    assert runtime.answer_specs.get(task.id).config == {"edit": "required", "min_sources": 2}


def test_a_ranking_spec_needs_nothing_but_the_kind(runtime, sam, work):
    task = open_task(runtime, work.steward, "ranking")
    assert set_spec(sam, task.id, {"answer_kind": "ranking", "answers_per_item": "2"}).status_code == 303
    assert runtime.answer_specs.get(task.id).config == {}


def test_a_rubric_missing_an_anchor_is_shown_back_with_the_reason_and_sets_nothing(runtime, sam, evaluation):
    entries = count(runtime, "log_entry")
    response = set_spec(sam, evaluation.id, {**RUBRIC_FORM, "criterion-1-anchors": "wrong\nright"})
    assert response.status_code == 400
    assert alert(response) == "accuracy: anchors must describe every score from 1 to 3, one line each (3 lines, not 2)"
    assert 'name="criterion-1-description" value="Is it right?"' in response.text
    assert ">wrong\nright</textarea>" in response.text
    with pytest.raises(Conflict):
        runtime.answer_specs.get(evaluation.id)
    assert count(runtime, "log_entry") == entries


def test_an_answer_kind_the_task_kind_does_not_take_is_refused(runtime, sam, evaluation):
    response = set_spec(
        sam, evaluation.id, {"answer_kind": "written", "answers_per_item": "1", "edit": "none", "min_sources": "0"}
    )
    assert response.status_code == 400
    assert alert(response) == "answer kind must be one of rubric, classification, pairwise for a evaluation task"
    with pytest.raises(Conflict):
        runtime.answer_specs.get(evaluation.id)


def test_a_classification_with_one_label_is_refused_and_keeps_the_labels(runtime, sam, evaluation):
    response = set_spec(
        sam, evaluation.id, {"answer_kind": "classification", "answers_per_item": "2", "labels": "only"}
    )
    assert response.status_code == 400 and alert(response) == "labels must be a list of 2 to 50 labels"
    assert ">only</textarea>" in response.text


def test_a_different_spec_after_one_is_set_is_a_conflict(runtime, sam, evaluation):
    assert set_spec(sam, evaluation.id, RUBRIC_FORM).status_code == 303
    # the form is gone once a spec is set; a forged post is still refused
    response = set_spec(sam, evaluation.id, {"answer_kind": "pairwise", "answers_per_item": "2"})
    assert response.status_code == 409
    assert runtime.answer_specs.get(evaluation.id).answer_kind == "rubric"


def test_only_a_steward_sets_the_answer_spec(runtime, browse, work, evaluation):
    member = browse(work.author)
    assert 'id="answer-spec-form"' not in member.get(f"/tasks/{evaluation.id}/items").text
    assert set_spec(member, evaluation.id, RUBRIC_FORM).status_code == 403


def first_item(runtime, task_id):
    return runtime.items.page(task_id).items[0]


def test_a_steward_retires_an_item_with_a_reason(runtime, sam, evaluation):
    item = first_item(runtime, evaluation.id)
    response = sam.post(f"/tasks/{evaluation.id}/items/{item.id}/retire", {"reason": "duplicate of item 3"})
    assert response.status_code == 303, response.text
    retired = runtime.items.get(item.id)
    assert retired.retirement_reason == "duplicate of item 3" and retired.retirement_log_index is not None
    listed = sam.get(response.headers["location"]).text
    assert "Item 1 retired" in listed and "Question 1?" not in listed


def test_retiring_without_a_reason_is_refused_beside_the_item(runtime, sam, evaluation):
    item = first_item(runtime, evaluation.id)
    response = sam.post(f"/tasks/{evaluation.id}/items/{item.id}/retire", {"reason": "  "})
    assert response.status_code == 400
    assert f'id="e-retire-{item.id}">a reason for retiring the item is required' in response.text
    assert runtime.items.get(item.id).retired_at is None


def test_retiring_an_item_twice_is_a_conflict(runtime, sam, work, evaluation):
    item = first_item(runtime, evaluation.id)
    runtime.items.retire(work.steward, item.id, "stale")
    assert sam.post(f"/tasks/{evaluation.id}/items/{item.id}/retire", {"reason": "again"}).status_code == 409


def test_only_a_steward_retires_an_item(runtime, browse, work, evaluation):
    item = first_item(runtime, evaluation.id)
    member = browse(work.author)
    assert "Retire" not in member.get(f"/tasks/{evaluation.id}/items").text
    assert member.post(f"/tasks/{evaluation.id}/items/{item.id}/retire", {"reason": "no"}).status_code == 403
    assert runtime.items.get(item.id).retired_at is None


def test_an_item_of_another_task_is_not_found_under_this_one(runtime, sam, work, evaluation):
    other = open_task(runtime, work.steward, "ranking")
    item = first_item(runtime, other.id)
    assert sam.post(f"/tasks/{evaluation.id}/items/{item.id}/retire", {"reason": "x"}).status_code == 404
