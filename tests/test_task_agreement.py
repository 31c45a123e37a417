"""Agreement on a task's items (issue 14, part 5): the figures the service reads from the stored
answers equal a hand computation and the `krippendorff` package on the same data; who sees what."""

import json
from fractions import Fraction
from types import SimpleNamespace

import krippendorff
import numpy as np
import pytest

from coop.kernel.errors import NotAllowed, NotFound
from coop.work.tasks import TaskSpec
from tests.conftest import TERMS

NAN = np.nan


def open_task(runtime, steward, kind, answer_kind, config, items, k=3):
    """An open task of `kind` with `items` (dicts) and an answer spec; its items, oldest first."""
    spec = TaskSpec("Agreement", f"A {answer_kind} task", "Answer.", kind, "item", 6, 300, "EUR", ["research"])
    task = runtime.tasks.open(steward, spec)
    runtime.items.import_batch(steward, task.id, "jsonl", "\n".join(json.dumps(i) for i in items))
    runtime.answer_specs.set(steward, task.id, answer_kind, config, k)
    return task, runtime.items.page(task.id).items


def contributor(runtime, admit, name):
    person = admit(name)
    runtime.keys.create_custodial_key(person, f"{name}-password")
    return person


def answer_next(runtime, person, task, answer):
    """Claim the next item and answer it."""
    claim = runtime.claims.claim_next(person, task.id)
    password = f"{person.display_name.lower()}-password"
    runtime.item_answers.answer_with_password(person, claim.id, answer, 5, TERMS, password)


def pick(choice):
    return {"choice": choice, "reason": "clearer"}


# The hand-computed example. Items 1-4, contributors P, Q, R (and S, whose answer stays a draft):
#   item 1: A A A    item 2: A A B    item 3: B B B    item 4: P=A, R=A (S=B, a draft: not counted)
# Coincidences (each item's ordered pairs / (m - 1)): o(A,A) = 3 + 1 + 0 + 2 = 6, o(A,B) = o(B,A) = 1,
# o(B,B) = 3; n(A) = 7, n(B) = 4, n = 11. Nominal alpha = 1 - (n - 1)·Σ o(c≠k) / Σ n(c)·n(k≠c)
# = 1 - 10·2 / (2·7·4) = 1 - 20/56 = 9/14.
HAND_ALPHA = 9 / 14
ANSWERS = {"P": "AABA", "Q": "AAB", "R": "ABBA"}
# Leave-one-out consensus: P matches on items 1, 3, 4 and is undecided on 2 (the others A, B tie);
# Q matches on 1 and 3, undecided on 2; R matches on 1, 3, 4 and not on 2 (the others are A, A).
HAND_CONTRIBUTORS = {"P": (3, 3, 1), "Q": (2, 2, 1), "R": (4, 3, 0)}


@pytest.fixture
def pairwise(runtime, steward, admit):
    """The hand-computed example, answered through the services as members would."""
    runtime.policies.seed_defaults()
    items = [{"prompt": f"Which reply is better? {n}", "responses": ["a", "b"]} for n in range(1, 5)]
    task, _ = open_task(runtime, steward, "ranking", "pairwise", {"allow_tie": True}, items)
    people = {name: contributor(runtime, admit, name.lower() * 2) for name in ("P", "Q", "R", "S")}
    for name in ("P", "Q", "R"):
        for choice in ANSWERS[name]:
            answer_next(runtime, people[name], task, pick(choice))
    claim = runtime.claims.claim_next(people["S"], task.id)  # item 4, whose answer is left a draft
    with pytest.raises(NotAllowed):
        runtime.item_answers.answer_with_password(people["S"], claim.id, pick("B"), 5, TERMS, "wrong-password")
    reviewers = [admit(n, roles=("member", "reviewer")) for n in ("rev1", "rev2", "rev3")]
    return SimpleNamespace(task=task, people=people, reviewers=reviewers, steward=steward)


def test_the_task_alpha_equals_the_hand_computation_and_the_krippendorff_package(runtime, pairwise):
    view = runtime.agreement.for_task(pairwise.steward, pairwise.task.id)
    coded = {"A": 0.0, "B": 1.0}
    matrix = [[coded[c] for c in ANSWERS[n]] + [NAN] * (4 - len(ANSWERS[n])) for n in ("P", "Q", "R")]
    package = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert view.measured.task.value == pytest.approx(HAND_ALPHA) == pytest.approx(package)
    assert (view.measured.level, view.measured.items, view.measured.answers) == ("nominal", 4, 11)


def test_each_contributors_agreement_with_the_consensus_equals_the_hand_count(runtime, pairwise):
    view = runtime.agreement.for_task(pairwise.steward, pairwise.task.id)
    ids = {p.account_id: n for n, p in pairwise.people.items()}
    by_name = {ids[member]: figure for member, figure in view.contributors.items()}
    assert {n: (f.compared, f.matched, f.undecided) for n, f in by_name.items()} == HAND_CONTRIBUTORS
    assert by_name["R"].share == Fraction(3, 4)


def test_a_draft_answer_does_not_count(runtime, pairwise):
    view = runtime.agreement.for_task(pairwise.steward, pairwise.task.id)
    assert pairwise.people["S"].account_id not in view.contributors and view.measured.answers == 11


def test_a_contributor_sees_only_their_own_figure_and_a_reviewer_everyones(runtime, pairwise):
    own = runtime.agreement.for_task(pairwise.people["P"], pairwise.task.id)
    assert list(own.contributors) == [pairwise.people["P"].account_id]
    assert len(runtime.agreement.for_task(pairwise.reviewers[0], pairwise.task.id).contributors) == 3


def test_reading_agreement_writes_nothing(runtime, pairwise, log):
    size = log.size()
    runtime.agreement.for_task(pairwise.steward, pairwise.task.id)
    runtime.agreement.mine(pairwise.people["P"])
    assert log.size() == size


def test_an_unknown_task_is_not_found(runtime, pairwise):
    with pytest.raises(NotFound):
        runtime.agreement.for_task(pairwise.steward, "0" * 32)


def test_no_minimum_alpha_is_in_force_by_default(runtime, pairwise):
    view = runtime.agreement.for_task(pairwise.steward, pairwise.task.id)
    assert not view.verdict.required and "no minimum alpha" in view.verdict.reason
    assert view.policy == {"policy": "adjudication", "version": 1}


RUBRIC = {
    "criteria": [
        {"name": name, "description": name, "min": 1, "max": 3, "anchors": {"1": "poor", "2": "fair", "3": "good"}}
        for name in ("accuracy", "tone")
    ]
}


def test_rubric_alpha_is_ordinal_per_criterion_and_pooled_as_the_package_computes_it(runtime, steward, admit):
    runtime.policies.seed_defaults()
    task, _ = open_task(runtime, steward, "evaluation", "rubric", RUBRIC, [{"prompt": f"Rate {n}"} for n in "xyz"])
    scores = {"aa": [(3, 1), (2, 2), (1, 3)], "bb": [(3, 2), (2, 2), (2, 3)], "cc": [(2, 1), (1, 2)]}
    for name, given in scores.items():
        person = contributor(runtime, admit, name)
        for accuracy, tone in given:
            answer_next(runtime, person, task, {"scores": {"accuracy": accuracy, "tone": tone}})
    measured = runtime.agreement.for_task(steward, task.id).measured

    def package(index):
        rows = [[s[index] for s in given] + [NAN] * (3 - len(given)) for given in scores.values()]
        return krippendorff.alpha(reliability_data=rows, level_of_measurement="ordinal", value_domain=[1, 2, 3])

    assert measured.criteria["accuracy"].value == pytest.approx(package(0))
    assert measured.criteria["tone"].value == pytest.approx(package(1))
    pooled = [[s[i] for s in given] + [NAN] * (3 - len(given)) for given in scores.values() for i in (0, 1)]
    pooled = [pooled[r * 2] + pooled[r * 2 + 1] for r in range(3)]  # each coder: accuracy units, then tone units
    assert measured.task.value == pytest.approx(
        krippendorff.alpha(reliability_data=pooled, level_of_measurement="ordinal", value_domain=[1, 2, 3])
    )
    assert measured.level == "ordinal"


def test_a_ranking_is_measured_per_response_position(runtime, steward, admit):
    runtime.policies.seed_defaults()
    items = [{"prompt": f"Rank {n}", "responses": ["x", "y", "z"]} for n in (1, 2)]
    task, _ = open_task(runtime, steward, "ranking", "ranking", {}, items, k=2)
    orders = {"aa": [["A", "B", "C"], ["C", "B", "A"]], "bb": [["A", "C", "B"], ["C", "A", "B"]]}
    for name, given in orders.items():
        person = contributor(runtime, admit, name)
        for order in given:
            answer_next(runtime, person, task, {"order": order})
    measured = runtime.agreement.for_task(steward, task.id).measured
    rows = [[order.index(r) + 1 for order in given for r in "ABC"] for given in orders.values()]
    expected = krippendorff.alpha(reliability_data=rows, level_of_measurement="ordinal", value_domain=[1, 2, 3])
    assert measured.task.value == pytest.approx(expected) and measured.level == "ordinal"


def test_several_labels_are_measured_per_label_as_chosen_or_not(runtime, steward, admit):
    runtime.policies.seed_defaults()
    config = {"labels": ["safe", "rude", "wrong"], "multi": True, "min": 0, "max": 3}
    task, _ = open_task(runtime, steward, "evaluation", "classification", config, [{"prompt": "p1"}, {"prompt": "p2"}])
    chosen = {"aa": [["safe"], ["rude", "wrong"]], "bb": [["safe", "rude"], ["rude"]]}
    for name, given in chosen.items():
        person = contributor(runtime, admit, name)
        for labels in given:
            answer_next(runtime, person, task, {"labels": labels})
    measured = runtime.agreement.for_task(steward, task.id).measured
    for label in config["labels"]:
        rows = [[float(label in labels) for labels in given] for given in chosen.values()]
        figure = measured.criteria[label]
        if len({v for row in rows for v in row}) < 2:
            assert figure.value is None and "no variation" in figure.reason
        else:
            expected = krippendorff.alpha(reliability_data=rows, level_of_measurement="nominal")
            assert figure.value == pytest.approx(expected)


def test_written_answers_are_not_measurable_and_say_why(runtime, steward, admit):
    runtime.policies.seed_defaults()
    config = {"edit": "none", "min_sources": 0}
    task, _ = open_task(runtime, steward, "expert-answer", "written", config, [{"prompt": "Why?"}])
    view = runtime.agreement.for_task(steward, task.id)
    assert view.measured.task is None and "free text" in view.measured.reason


# -- the API ----------------------------------------------------------------------------------------


def test_the_api_shows_a_contributor_their_own_figure_and_a_steward_everyones(runtime, pairwise, client):
    from tests.test_log_schemas import api_token

    url = f"/api/tasks/{pairwise.task.id}/agreement"
    mine = client.get(url, headers=api_token(client, "pp@coop.test", "pp-password")).json()
    assert [c["member"] for c in mine["contributors"]] == [pairwise.people["P"].account_id]
    assert mine["task_alpha"]["alpha"] == pytest.approx(HAND_ALPHA) and mine["level"] == "nominal"
    everyone = client.get(url, headers=api_token(client, "steward@coop.test", "steward-password")).json()
    assert len(everyone["contributors"]) == 3 and everyone["adjudication"]["required"] is False


def test_the_api_refuses_agreement_to_the_signed_out(runtime, pairwise, client):
    assert client.get(f"/api/tasks/{pairwise.task.id}/agreement").status_code == 401


# -- the portal -------------------------------------------------------------------------------------


def test_the_agreement_page_shows_alpha_level_items_and_each_contributor(runtime, pairwise, browse):
    page = browse(pairwise.steward).get(f"/tasks/{pairwise.task.id}/agreement").text
    assert f"{HAND_ALPHA:.3f}" in page and "nominal" in page
    assert 'data-testid="items">4 (11 answers)' in page
    assert all(pairwise.people[n].account_id in page for n in "PQR")
    assert "75.0%" in page  # R: 3 of 4


def test_the_task_page_links_to_its_agreement(runtime, pairwise, browse):
    page = browse(pairwise.people["P"]).get(f"/tasks/{pairwise.task.id}").text
    assert f'href="/tasks/{pairwise.task.id}/agreement"' in page


def test_me_shows_a_contributor_their_own_agreement(runtime, pairwise, browse):
    page = browse(pairwise.people["R"]).get("/me").text
    assert 'data-testid="my-agreement"' in page and "3 of 4 (75.0%)" in page
