"""Every answer kind's controls over HTTP (issue 14, part 3): a well-formed answer through the item
page's form is accepted and stored in its normalised form; a malformed one is refused with 400 and
its reason beside the form, what was entered kept, and nothing created."""

import html
import re

import pytest

from tests.item_tasks import LABELS, RUBRIC, answers, count, open_item_task, questions, start

PASSWORD = {"password": "amara-password", "minutes": "3"}


@pytest.fixture
def author(browse, work):
    return browse(work.author)


def refused(runtime, browser, claim_path, form, reason):
    """Post a malformed answer: 400, the reason in the alert beside the form, nothing created."""
    before = (count(runtime, "contribution"), count(runtime, "contribution_answer"))
    response = browser.post(f"{claim_path}/answer", {**form, **PASSWORD})
    assert response.status_code == 400, response.text
    alert = re.search(r'role="alert" id="answer-error">([^<]*)<', response.text)
    assert alert and reason in html.unescape(alert.group(1)), response.text[:2000]
    assert 'id="answer-form"' in response.text
    assert (count(runtime, "contribution"), count(runtime, "contribution_answer")) == before
    return response


def accepted(browser, claim_path, form):
    response = browser.post(f"{claim_path}/answer", {**form, **PASSWORD})
    assert response.status_code == 303, response.text
    assert "answered=" in response.headers["location"]


@pytest.fixture
def ranking(runtime, work):
    return open_item_task(runtime, work.steward, "ranking", "ranking", {}, questions(responses=3))


@pytest.fixture
def rubric(runtime, work):
    return open_item_task(runtime, work.steward, "evaluation", "rubric", RUBRIC, questions())


@pytest.fixture
def single(runtime, work):
    config = {"labels": LABELS, "multi": False}
    return open_item_task(runtime, work.steward, "evaluation", "classification", config, questions())


@pytest.fixture
def multi(runtime, work):
    config = {"labels": LABELS, "multi": True, "min": 1, "max": 2}
    return open_item_task(runtime, work.steward, "evaluation", "classification", config, questions())


@pytest.fixture
def written(runtime, work):
    config = {"edit": "required", "min_sources": 1}
    return open_item_task(runtime, work.steward, "correction", "written", config, questions())


def test_a_ranking_is_accepted_as_the_order_of_the_ranks_given(runtime, author, ranking):
    claim_path = start(author, ranking.id)
    assert 'name="rank-C"' in author.get(claim_path).text
    accepted(author, claim_path, {"rank-A": "2", "rank-B": "3", "rank-C": "1"})
    assert answers(runtime) == [{"order": ["C", "A", "B"]}]


def test_a_ranking_with_two_equal_ranks_is_refused_and_keeps_the_ranks(runtime, author, ranking):
    claim_path = start(author, ranking.id)
    response = refused(runtime, author, claim_path, {"rank-A": "1", "rank-B": "1", "rank-C": "2"}, "different rank")
    assert 'name="rank-C" type="number" min="1" max="3" required value="2"' in response.text


def test_a_rubric_answer_is_accepted_with_a_score_per_criterion(runtime, author, rubric):
    claim_path = start(author, rubric.id)
    assert "partly right" in author.get(claim_path).text  # each score's anchor beside it
    accepted(author, claim_path, {"score-accuracy": "2", "score-tone": "0"})
    assert answers(runtime) == [{"scores": {"accuracy": 2, "tone": 0}}]


def test_a_rubric_score_below_the_scale_is_refused(runtime, author, rubric):
    claim_path = start(author, rubric.id)
    response = refused(runtime, author, claim_path, {"score-accuracy": "0", "score-tone": "1"}, "accuracy")
    assert 'name="score-tone" value="1" required checked' in response.text


def test_a_single_label_classification_is_accepted(runtime, author, single):
    claim_path = start(author, single.id)
    assert 'type="radio" name="labels" value="unclear"' in author.get(claim_path).text
    accepted(author, claim_path, {"labels": "unsafe"})
    assert answers(runtime) == [{"labels": ["unsafe"]}]


def test_two_labels_where_one_is_asked_for_are_refused(runtime, author, single):
    claim_path = start(author, single.id)
    refused(runtime, author, claim_path, {"labels": ["safe", "unsafe"]}, "exactly 1 label")


def test_a_multi_label_classification_is_accepted_in_the_label_sets_order(runtime, author, multi):
    claim_path = start(author, multi.id)
    assert 'type="checkbox" name="labels" value="safe"' in author.get(claim_path).text
    accepted(author, claim_path, {"labels": ["unclear", "safe"]})
    assert answers(runtime) == [{"labels": ["safe", "unclear"]}]


def test_a_label_outside_the_label_set_is_refused_and_the_chosen_labels_stay_checked(runtime, author, multi):
    claim_path = start(author, multi.id)
    response = refused(
        runtime, author, claim_path, {"labels": ["safe", "nope"]}, "'nope' is not in the task's label set"
    )
    assert 'value="safe" data-key="1" checked' in response.text


def test_a_written_answer_with_an_edit_and_sources_is_accepted(runtime, author, written):
    claim_path = start(author, written.id)
    shown = author.get(claim_path).text
    assert 'name="edited"' in shown and 'name="sources"' in shown
    form = {
        "text": " The dose was wrong. ",
        "edited": "Take 500 mg.",
        "sources": "https://nice.org.uk/ng28\n\nBNF 2024\n",
    }
    accepted(author, claim_path, form)
    assert answers(runtime) == [
        {"text": "The dose was wrong.", "edited": "Take 500 mg.", "sources": ["https://nice.org.uk/ng28", "BNF 2024"]}
    ]


def test_a_written_answer_without_the_required_edit_is_refused_and_keeps_its_text(runtime, author, written):
    claim_path = start(author, written.id)
    form = {"text": "The dose was wrong.", "edited": "", "sources": "BNF 2024"}
    response = refused(runtime, author, claim_path, form, "edited is required")
    assert ">The dose was wrong.</textarea>" in response.text


def test_a_written_answer_with_a_broken_url_is_refused(runtime, author, written):
    claim_path = start(author, written.id)
    form = {"text": "The dose was wrong.", "edited": "Take 500 mg.", "sources": "https://exa mple.org"}
    refused(runtime, author, claim_path, form, "is not a valid URL")
