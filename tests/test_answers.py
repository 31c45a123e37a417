"""Typed answers (issue 14, part 2): each answer kind's configuration and answer schema; what does not
fit is refused with a reason naming the field, and a normalised answer re-checks to itself."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.kernel.errors import Refused
from coop.rules import answers
from coop.rules.answers import (
    ANSWER_FIELDS,
    ANSWER_KINDS,
    ANSWER_KINDS_FOR_TASK,
    CONFIG_FIELDS,
    MAX_REASON_CHARS,
    MAX_SOURCES,
    MAX_TEXT_CHARS,
    check_answer,
    check_answer_kind,
    check_config,
    check_ranking,
)
from coop.rules.review import TASK_KINDS


def anchors(low, high):
    return {str(s): f"what a {s} looks like" for s in range(low, high + 1)}


CRITERION = {"name": "accuracy", "description": "Is it right?", "min": 1, "max": 5, "anchors": anchors(1, 5)}
RUBRIC = check_config("rubric", {"criteria": [CRITERION, {**CRITERION, "name": "clarity"}]})
PAIRWISE = check_config("pairwise", {"allow_tie": True})
SINGLE = check_config("classification", {"labels": ["right", "wrong", "irrelevant"], "multi": False})
MULTI = check_config("classification", {"labels": ["toxic", "false", "off-topic"], "multi": True, "min": 1, "max": 2})
WRITTEN = check_config("written", {"edit": "optional", "min_sources": 0})
CORRECTION = check_config("written", {"edit": "required", "min_sources": 1})
IDS = ["r1", "r2", "r3"]


def refused(match, kind, config, answer, response_ids=()):
    with pytest.raises(Refused, match=match):
        check_answer(kind, config, answer, response_ids)


# --- the vocabulary -------------------------------------------------------------------------------


def test_every_task_kind_takes_at_least_one_answer_kind():
    assert set(ANSWER_KINDS_FOR_TASK) == set(TASK_KINDS)
    assert all(kinds and set(kinds) <= set(ANSWER_KINDS) for kinds in ANSWER_KINDS_FOR_TASK.values())


def test_every_answer_kind_has_an_answer_schema_and_a_configuration():
    assert set(ANSWER_FIELDS) == set(CONFIG_FIELDS) == set(ANSWER_KINDS)


def test_an_answer_kind_the_task_kind_takes_is_accepted():
    assert check_answer_kind("ranking", "pairwise") == "pairwise"


def test_an_answer_kind_the_task_kind_does_not_take_is_refused():
    with pytest.raises(Refused, match="answer kind must be one of written for a correction task"):
        check_answer_kind("correction", "ranking")


def test_an_unknown_answer_kind_is_refused():
    with pytest.raises(Refused, match="answer kind must be one of pairwise, ranking, rubric, classification, written"):
        check_config("essay", {})


def test_an_answer_that_is_not_an_object_is_refused():
    refused("answer must be an object with choice, reason", "pairwise", PAIRWISE, ["A"])


def test_an_answer_with_an_unknown_field_is_refused_naming_it():
    refused("answer: unknown field 'extra'", "pairwise", PAIRWISE, {"choice": "A", "reason": "x", "extra": 1})


def test_an_answer_missing_a_field_is_refused_naming_it():
    refused("answer: reason is required", "pairwise", PAIRWISE, {"choice": "A"})


# --- pairwise -------------------------------------------------------------------------------------


@pytest.mark.parametrize("choice", ["A", "B", "tie"])
def test_a_pairwise_choice_with_a_reason_is_accepted(choice):
    assert check_answer("pairwise", PAIRWISE, {"choice": choice, "reason": " B cites the clause. "}) == {
        "choice": choice,
        "reason": "B cites the clause.",
    }


@pytest.mark.parametrize("choice", ["a", "C", "", None, 1, "Tie"])
def test_a_pairwise_choice_outside_a_b_tie_is_refused(choice):
    refused("choice must be one of A, B, tie", "pairwise", PAIRWISE, {"choice": choice, "reason": "x"})


def test_a_tie_is_refused_when_the_task_allows_none():
    no_tie = check_config("pairwise", {"allow_tie": False})
    refused("choice must be one of A, B$", "pairwise", no_tie, {"choice": "tie", "reason": "x"})


@pytest.mark.parametrize("reason", ["", "   \n", None, 3])
def test_a_pairwise_answer_without_a_reason_is_refused(reason):
    refused("reason must be non-empty text", "pairwise", PAIRWISE, {"choice": "A", "reason": reason})


def test_a_pairwise_reason_over_the_limit_is_refused():
    refused(f"reason is at most {MAX_REASON_CHARS}", "pairwise", PAIRWISE, {"choice": "A", "reason": "x" * 2001})


def test_a_reason_with_control_characters_is_refused():
    refused("reason must not contain control characters", "pairwise", PAIRWISE, {"choice": "A", "reason": "a\x00b"})


def test_a_pairwise_config_without_a_flag_is_refused():
    with pytest.raises(Refused, match="allow_tie must be true or false"):
        check_config("pairwise", {"allow_tie": "yes"})


# --- ranking --------------------------------------------------------------------------------------


def test_a_ranking_of_every_response_once_is_accepted():
    assert check_answer("ranking", {}, {"order": ["r3", "r1", "r2"]}, IDS) == {"order": ["r3", "r1", "r2"]}


def test_a_ranking_missing_a_response_is_refused_naming_it():
    refused("order must rank every response once \\(missing r3\\)", "ranking", {}, {"order": ["r1", "r2"]}, IDS)


def test_a_ranking_naming_an_unknown_response_is_refused_naming_it():
    refused("missing r3; unknown r9", "ranking", {}, {"order": ["r1", "r2", "r9"]}, IDS)


def test_a_ranking_naming_a_response_twice_is_refused():
    refused("order names a response more than once", "ranking", {}, {"order": ["r1", "r1", "r2"]}, IDS)


def test_a_ranking_longer_than_the_item_is_refused():
    refused("order ranks the item's 3 responses, not 4", "ranking", {}, {"order": ["r1", "r2", "r3", "r4"]}, IDS)


def test_a_ranking_that_is_not_a_list_of_ids_is_refused():
    refused("order must be a list of response ids", "ranking", {}, {"order": "r1,r2,r3"}, IDS)


def test_an_item_with_one_response_cannot_be_ranked():
    refused("an item to rank offers from 2 to", "ranking", {}, {"order": ["r1"]}, ["r1"])


def test_a_ranking_config_takes_no_fields():
    with pytest.raises(Refused, match="config: unknown field 'n'"):
        check_config("ranking", {"n": 3})


ids_strategy = st.lists(st.text("abcdefgh0123456789", min_size=1, max_size=8), min_size=2, max_size=20, unique=True)


@given(ids_strategy, st.randoms())
def test_any_permutation_of_all_ids_is_a_valid_ranking(ids, random):
    order = list(ids)
    random.shuffle(order)
    assert check_ranking(order, ids) == order


@given(ids_strategy, st.lists(st.text("abcdefgh0123456789xyz", min_size=1, max_size=8), max_size=22))
def test_any_list_that_is_not_a_permutation_of_all_ids_is_refused(ids, order):
    if sorted(order) == sorted(ids):
        order = order + order[:1]  # a permutation made into a non-permutation: one id twice
    with pytest.raises(Refused, match="order"):
        check_ranking(order, ids)


# --- rubric ---------------------------------------------------------------------------------------


def test_a_rubric_answer_scoring_every_criterion_is_accepted():
    assert check_answer("rubric", RUBRIC, {"scores": {"clarity": 2, "accuracy": 5}}) == {
        "scores": {"accuracy": 5, "clarity": 2}
    }


def test_a_rubric_answer_missing_a_criterion_is_refused_naming_them():
    refused("score every criterion exactly once: accuracy, clarity", "rubric", RUBRIC, {"scores": {"accuracy": 3}})


@pytest.mark.parametrize("score", [0, 6, 2.5, True, "3"])
def test_a_rubric_score_off_the_scale_is_refused_naming_the_criterion(score):
    answer = {"scores": {"accuracy": score, "clarity": 3}}
    refused("accuracy must be a whole number from 1 to 5", "rubric", RUBRIC, answer)


def test_rubric_scores_that_are_not_an_object_are_refused():
    refused("scores must be an object", "rubric", RUBRIC, {"scores": [5, 5]})


def test_a_rubric_config_keeps_one_anchor_per_score():
    assert RUBRIC["criteria"][0]["anchors"] == anchors(1, 5)


def test_a_criterion_missing_an_anchor_is_refused_naming_it():
    short = {**CRITERION, "anchors": anchors(1, 4)}
    with pytest.raises(Refused, match="accuracy: anchors must describe every score from 1 to 5"):
        check_config("rubric", {"criteria": [short]})


def test_an_empty_anchor_is_refused_naming_the_score():
    blank = {**CRITERION, "anchors": {**anchors(1, 5), "3": " "}}
    with pytest.raises(Refused, match="accuracy: anchor 3 must be non-empty text"):
        check_config("rubric", {"criteria": [blank]})


def test_a_scale_with_max_not_above_min_is_refused():
    flat = {**CRITERION, "min": 3, "max": 3, "anchors": anchors(3, 3)}
    with pytest.raises(Refused, match="accuracy: max must be a whole number from 4 to"):
        check_config("rubric", {"criteria": [flat]})


def test_a_scale_of_more_than_eleven_points_is_refused():
    wide = {**CRITERION, "min": 0, "max": 11, "anchors": anchors(0, 11)}
    with pytest.raises(Refused, match="accuracy: max must be a whole number from 1 to 10"):
        check_config("rubric", {"criteria": [wide]})


def test_a_criterion_name_over_the_limit_is_refused():
    with pytest.raises(Refused, match="criterion name is at most 40 characters"):
        check_config("rubric", {"criteria": [{**CRITERION, "name": "n" * 41}]})


def test_anchors_keyed_by_numbers_instead_of_text_are_refused():
    numeric = {**CRITERION, "anchors": {s: "x" for s in range(1, 6)}}
    with pytest.raises(Refused, match="accuracy: anchors must describe every score from 1 to 5"):
        check_config("rubric", {"criteria": [numeric]})


def test_criteria_with_the_same_name_are_refused():
    with pytest.raises(Refused, match="criterion names must be distinct"):
        check_config("rubric", {"criteria": [CRITERION, CRITERION]})


def test_a_rubric_without_criteria_is_refused():
    with pytest.raises(Refused, match="criteria must be a list of 1 to 8"):
        check_config("rubric", {"criteria": []})


def test_a_criterion_with_an_unknown_field_is_refused():
    with pytest.raises(Refused, match="criterion: unknown field 'weight'"):
        check_config("rubric", {"criteria": [{**CRITERION, "weight": 2}]})


# --- classification -------------------------------------------------------------------------------


def test_a_single_label_from_the_label_set_is_accepted():
    assert check_answer("classification", SINGLE, {"labels": ["wrong"]}) == {"labels": ["wrong"]}


def test_a_single_label_task_refuses_two_labels():
    refused("labels must hold exactly 1 label$", "classification", SINGLE, {"labels": ["right", "wrong"]})


def test_a_single_label_task_refuses_no_label():
    refused("labels must hold exactly 1 label$", "classification", SINGLE, {"labels": []})


def test_a_label_outside_the_label_set_is_refused_naming_it():
    refused("labels: 'maybe' is not in the task's label set", "classification", SINGLE, {"labels": ["maybe"]})


def test_multi_labels_are_normalised_to_label_set_order():
    answer = check_answer("classification", MULTI, {"labels": ["off-topic", "toxic"]})
    assert answer == {"labels": ["toxic", "off-topic"]}


def test_multi_labels_above_the_maximum_are_refused():
    refused("labels must hold from 1 to 2 labels", "classification", MULTI, {"labels": ["toxic", "false", "off-topic"]})


def test_a_label_named_twice_is_refused():
    refused("labels names a label more than once", "classification", MULTI, {"labels": ["toxic", "toxic"]})


def test_a_single_label_config_is_normalised_to_exactly_one():
    assert SINGLE == {"labels": ["right", "wrong", "irrelevant"], "multi": False, "min": 1, "max": 1}


def test_a_multi_label_config_without_bounds_allows_one_to_all():
    config = check_config("classification", {"labels": ["a", "b", "c"], "multi": True})
    assert (config["min"], config["max"]) == (1, 3)


def test_a_single_label_config_with_a_larger_max_is_refused():
    with pytest.raises(Refused, match="min and max are 1 when multi is false"):
        check_config("classification", {"labels": ["a", "b"], "multi": False, "max": 2})


def test_a_multi_label_max_above_the_label_count_is_refused():
    with pytest.raises(Refused, match="max must be a whole number from 1 to 2"):
        check_config("classification", {"labels": ["a", "b"], "multi": True, "min": 1, "max": 3})


def test_a_label_set_with_duplicates_is_refused():
    with pytest.raises(Refused, match="labels must be distinct"):
        check_config("classification", {"labels": ["a", "a"], "multi": False})


def test_a_label_set_of_one_label_is_refused():
    with pytest.raises(Refused, match="labels must be a list of 2 to 50 labels"):
        check_config("classification", {"labels": ["a"], "multi": False})


# --- written (expert answer, correction) ----------------------------------------------------------


def test_a_written_answer_with_sources_is_accepted():
    answer = {"text": "Use ACE inhibitors.", "edited": None, "sources": ["https://www.nice.org.uk/ng136", "NICE NG136"]}
    assert check_answer("written", WRITTEN, answer) == answer


def test_an_empty_written_answer_is_refused():
    refused("text must be non-empty text", "written", WRITTEN, {"text": "  ", "edited": None, "sources": []})


def test_a_written_answer_over_the_limit_is_refused():
    answer = {"text": "x" * (MAX_TEXT_CHARS + 1), "edited": None, "sources": []}
    refused(f"text is at most {MAX_TEXT_CHARS} characters", "written", WRITTEN, answer)


def test_a_correction_without_the_edited_version_is_refused():
    answer = {"text": "Step 3 divides by zero.", "edited": None, "sources": ["Lemma 2"]}
    refused("edited is required", "written", CORRECTION, answer)


def test_an_edited_version_is_refused_when_the_task_edits_nothing():
    plain = check_config("written", {"edit": "none", "min_sources": 0})
    refused("edited must be null", "written", plain, {"text": "x", "edited": "y", "sources": []})


def test_too_few_sources_are_refused():
    answer = {"text": "x", "edited": "fixed", "sources": []}
    refused("sources must hold at least 1", "written", CORRECTION, answer)


def test_too_many_sources_are_refused():
    answer = {"text": "x", "edited": None, "sources": [f"ref {i}" for i in range(MAX_SOURCES + 1)]}
    refused(f"sources must be a list of at most {MAX_SOURCES}", "written", WRITTEN, answer)


@pytest.mark.parametrize("url", ["https://", "http://exa mple.org/", "https://[::1/x"])
def test_a_malformed_url_source_is_refused(url):
    refused("sources: .* is not a valid URL", "written", WRITTEN, {"text": "x", "edited": None, "sources": [url]})


def test_a_source_named_twice_is_refused():
    answer = {"text": "x", "edited": None, "sources": ["NICE NG136", " NICE NG136"]}
    refused("sources names a source more than once", "written", WRITTEN, answer)


def test_an_unknown_edit_rule_is_refused():
    with pytest.raises(Refused, match="edit must be one of none, optional, required"):
        check_config("written", {"edit": "sometimes", "min_sources": 0})


def test_a_min_sources_above_the_limit_is_refused():
    with pytest.raises(Refused, match=f"min_sources must be a whole number from 0 to {MAX_SOURCES}"):
        check_config("written", {"edit": "none", "min_sources": MAX_SOURCES + 1})


# --- normalisation is a fixed point ---------------------------------------------------------------

text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60).filter(str.strip)


@given(st.sampled_from(["A", "B", "tie"]), text)
def test_a_normalised_pairwise_answer_rechecks_to_itself(choice, reason):
    once = check_answer("pairwise", PAIRWISE, {"choice": choice, "reason": reason})
    assert check_answer("pairwise", PAIRWISE, once) == once


@given(st.lists(st.sampled_from(MULTI["labels"]), min_size=1, max_size=2, unique=True))
def test_a_normalised_classification_rechecks_to_itself(labels):
    once = check_answer("classification", MULTI, {"labels": labels})
    assert check_answer("classification", MULTI, once) == once
    assert once["labels"] == sorted(labels, key=MULTI["labels"].index)


@given(st.dictionaries(st.sampled_from(["accuracy", "clarity"]), st.integers(1, 5), min_size=2))
def test_a_normalised_rubric_answer_rechecks_to_itself(scores):
    once = check_answer("rubric", RUBRIC, {"scores": scores})
    assert check_answer("rubric", RUBRIC, once) == once


@given(text, st.none() | text, st.lists(text, max_size=5, unique_by=str.strip))
def test_a_normalised_written_answer_rechecks_to_itself(body, edited, sources):
    sources = [s for s in sources if not s.strip().lower().startswith(("http://", "https://"))]
    once = check_answer("written", WRITTEN, {"text": body, "edited": edited, "sources": sources})
    assert check_answer("written", WRITTEN, once) == once


@given(ids_strategy, st.randoms())
def test_a_normalised_ranking_rechecks_to_itself(ids, random):
    order = list(ids)
    random.shuffle(order)
    once = check_answer("ranking", {}, {"order": order}, ids)
    assert check_answer("ranking", {}, once, ids) == once


@given(st.sampled_from(ANSWER_KINDS))
def test_a_normalised_config_rechecks_to_itself(kind):
    config = {"pairwise": PAIRWISE, "ranking": {}, "rubric": RUBRIC, "classification": MULTI, "written": CORRECTION}
    assert answers.check_config(kind, config[kind]) == config[kind]
