"""A typed answer in words, as the reviewer reads it (coop.rules.answer_words)."""

from coop.rules.answer_words import answer_in_words, response_ids, response_texts

ITEM = {"prompt": "Which is safer?", "responses": ["Rest and fluids.", "Antibiotics at once."]}
RUBRIC = {
    "criteria": [
        {
            "name": "accuracy",
            "description": "Right?",
            "min": 1,
            "max": 3,
            "anchors": {"1": "Wrong", "2": "Partly", "3": "Right"},
        },
        {"name": "tone", "description": "Kind?", "min": 0, "max": 1, "anchors": {"0": "Curt", "1": "Kind"}},
    ]
}


def test_a_pairwise_answer_reads_as_the_preference_with_its_reason():
    words = answer_in_words("pairwise", {"allow_tie": True}, {"choice": "B", "reason": "It cites NICE."}, ITEM)
    assert words.headline == "Prefers B" and words.passages == [("Reason", "It cites NICE.")]


def test_a_tie_reads_as_a_tie():
    assert answer_in_words(
        "pairwise", {"allow_tie": True}, {"choice": "tie", "reason": "Both fine."}, ITEM
    ).headline == ("Calls it a tie")


def test_a_ranking_reads_as_the_responses_in_order_best_first_with_their_text():
    item = {"prompt": "Rank", "responses": ["x", "y", "z"]}
    words = answer_in_words("ranking", {}, {"order": ["C", "A", "B"]}, item)
    assert words.ordered and words.points == ["C: z", "A: x", "B: y"]


def test_a_ranking_of_responses_with_ids_but_no_texts_lists_the_ids():
    words = answer_in_words("ranking", {}, {"order": ["r2", "r1"]}, {"response_ids": ["r1", "r2"]})
    assert words.points == ["r2", "r1"]


def test_rubric_scores_read_with_the_anchor_of_each_chosen_score():
    words = answer_in_words("rubric", RUBRIC, {"scores": {"accuracy": 2, "tone": 0}}, ITEM)
    assert words.points == ["accuracy: 2 of 1–3 — Partly", "tone: 0 of 0–1 — Curt"]


def test_labels_read_as_the_labels_chosen():
    config = {"labels": ["safe", "unsafe", "unsure"], "multi": True, "min": 1, "max": 2}
    words = answer_in_words("classification", config, {"labels": ["unsafe", "unsure"]}, ITEM)
    assert (words.headline, words.points) == ("Labels", ["unsafe", "unsure"])


def test_a_written_answer_reads_as_its_text_corrected_response_and_sources():
    answer = {"text": "Rest.", "edited": "Rest and fluids, then review.", "sources": ["NICE NG84"]}
    words = answer_in_words("written", {"edit": "optional", "min_sources": 1}, answer, ITEM)
    assert words.passages == [("Answer", "Rest."), ("Corrected response", "Rest and fluids, then review.")]
    assert words.sources == ["NICE NG84"]


def test_a_written_answer_without_an_edit_has_no_corrected_response():
    words = answer_in_words(
        "written", {"edit": "none", "min_sources": 0}, {"text": "Rest.", "edited": None, "sources": []}, ITEM
    )
    assert words.passages == [("Answer", "Rest.")] and words.sources == []


def test_response_ids_are_letters_unless_the_item_names_them():
    assert response_ids(ITEM) == ["A", "B"]
    assert response_ids({"response_ids": ["x1", "x2"], "responses": ["a", "b"]}) == ["x1", "x2"]
    assert response_texts({"response_ids": ["x1", "x2"], "responses": ["a", {"t": 1}]}) == {"x1": "a", "x2": '{"t": 1}'}
