"""Doing the work on items (issue 14, part 3): a task's answer spec, claiming the next item (k per
item, claims that expire, skips), and submitting a typed answer through the contribution path."""

import hashlib
import json
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.work.claims import CLAIM_TTL, ClaimView
from provenance.core.canonical import canonical_json
from tests.conftest import TERMS

GOOD = {"correctness": 5, "completeness": 4, "clarity": 4}
WRITTEN = {"edit": "none", "min_sources": 0}
ITEMS = "\n".join(json.dumps({"prompt": f"Question {n}?"}) for n in range(1, 5))


def answer(words="Metformin first."):
    return {"text": words, "edited": None, "sources": []}


@pytest.fixture
def items(runtime, work):
    """The work task's four items (oldest first), with a written-answer spec and k = 2."""
    runtime.items.import_batch(work.steward, work.task.id, "jsonl", ITEMS)
    runtime.answer_specs.set(work.steward, work.task.id, "written", WRITTEN, 2)
    return runtime.items.page(work.task.id).items


def member(runtime, admit, name):
    person = admit(name)
    runtime.keys.create_custodial_key(person, f"{name}-password")
    return person


def submit(runtime, person, claim, password, words="Metformin first.", minutes=5):
    return runtime.item_answers.answer_with_password(person, claim.id, answer(words), minutes, TERMS, password)


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_the_spec_is_logged_and_set_once(runtime, work, items, log):
    spec = runtime.answer_specs.get(work.task.id)
    entry = json.loads(log.entry(spec.log_index))
    assert entry["kind"] == "task.answer-spec" and entry["body"]["answers_per_item"] == 2
    assert runtime.answer_specs.set(work.steward, work.task.id, "written", WRITTEN, 2) == spec  # the same: kept
    with pytest.raises(Conflict):
        runtime.answer_specs.set(work.steward, work.task.id, "written", WRITTEN, 3)


def test_an_answer_kind_the_task_kind_does_not_take_is_refused(runtime, work):
    with pytest.raises(Refused):
        runtime.answer_specs.set(work.steward, work.task.id, "pairwise", {"allow_tie": True}, 2)


def test_claims_hand_out_the_oldest_item_not_yet_answered_by_the_member(runtime, work, items):
    first = runtime.claims.claim_next(work.author, work.task.id)
    assert first.item.id == items[0].id
    submit(runtime, work.author, first, "amara-password")
    assert runtime.claims.claim_next(work.author, work.task.id).item.id == items[1].id


def test_claiming_twice_returns_the_same_live_claim(runtime, work, items):
    first = runtime.claims.claim_next(work.author, work.task.id)
    assert runtime.claims.claim_next(work.author, work.task.id).id == first.id


def test_an_item_is_held_by_at_most_k_people(runtime, work, items, admit):
    claims = [runtime.claims.claim_next(admit(name), work.task.id) for name in ("bo", "cy", "di")]
    assert [c.item.id for c in claims] == [items[0].id, items[0].id, items[1].id]


def test_k_holds_when_contributors_race_for_the_last_slot(runtime, work, admit):
    runtime.items.import_batch(work.steward, work.task.id, "jsonl", '{"prompt": "Only one?"}')
    runtime.answer_specs.set(work.steward, work.task.id, "written", WRITTEN, 2)
    people = [admit(f"racer{n}") for n in range(6)]
    outcomes: list[str] = []
    start = threading.Barrier(len(people))

    def race(person):
        start.wait()
        try:
            runtime.claims.claim_next(person, work.task.id)
            outcomes.append("claimed")
        except NotFound:
            outcomes.append("none left")

    threads = [threading.Thread(target=race, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["claimed"] * 2 + ["none left"] * 4


def test_an_expired_claim_frees_its_slot(runtime, work, items, admit, clock):
    runtime.claims.claim_next(admit("bo"), work.task.id)
    runtime.claims.claim_next(admit("cy"), work.task.id)
    assert runtime.claims.claim_next(admit("di"), work.task.id).item.id == items[1].id
    clock.advance(seconds=CLAIM_TTL.total_seconds() + 1)
    assert runtime.claims.claim_next(admit("ed"), work.task.id).item.id == items[0].id


def test_an_expired_claim_takes_no_answer(runtime, work, items, clock):
    claim = runtime.claims.claim_next(work.author, work.task.id)
    clock.advance(seconds=CLAIM_TTL.total_seconds())
    with pytest.raises(Conflict):
        submit(runtime, work.author, claim, "amara-password")


def test_a_skipped_item_goes_to_others_and_not_back_to_the_skipper(runtime, work, items, admit, engine):
    bo = admit("bo")
    claim = runtime.claims.claim_next(bo, work.task.id)
    with pytest.raises(Refused):
        runtime.claims.skip(bo, claim.id, "  ")
    runtime.claims.skip(bo, claim.id, "I do not know this field")
    assert count(engine, "claim_skip") == 1
    assert runtime.claims.claim_next(bo, work.task.id).item.id == items[1].id
    assert runtime.claims.claim_next(admit("cy"), work.task.id).item.id == items[0].id


def test_a_malformed_answer_is_refused_naming_the_field_and_changes_nothing(runtime, work, items, engine):
    claim = runtime.claims.claim_next(work.author, work.task.id)
    with pytest.raises(Refused, match="sources"):
        runtime.item_answers.answer_with_password(
            work.author, claim.id, {"text": "x", "edited": None, "sources": "nope"}, 5, TERMS, "amara-password"
        )
    assert count(engine, "contribution") == 0 and count(engine, "contribution_answer") == 0


def test_the_measured_seconds_are_the_time_from_claim_to_submit(runtime, work, items, clock):
    claim = runtime.claims.claim_next(work.author, work.task.id)
    clock.advance(minutes=7, seconds=13)
    receipt = submit(runtime, work.author, claim, "amara-password", minutes=30)
    assert receipt.measured_seconds == 7 * 60 + 13 and receipt.contribution.minutes == 30


def test_a_double_submit_creates_one_contribution(runtime, work, items, engine):
    claim = runtime.claims.claim_next(work.author, work.task.id)
    first = submit(runtime, work.author, claim, "amara-password")
    again = submit(runtime, work.author, claim, "amara-password", words="Something else.")
    assert again.contribution.id == first.contribution.id and again.answer == answer()
    assert count(engine, "contribution") == 1


def test_a_failed_signing_leaves_a_draft_that_the_retry_rewrites(runtime, work, items, engine):
    claim = runtime.claims.claim_next(work.author, work.task.id)
    with pytest.raises(NotAllowed):
        submit(runtime, work.author, claim, "wrong-password", words="First try.")
    receipt = submit(runtime, work.author, claim, "amara-password", words="Second try.")
    assert receipt.answer["text"] == "Second try." and receipt.contribution.status == "submitted"
    assert count(engine, "contribution") == 1


def test_the_signed_and_logged_statement_commits_to_the_item_hash_and_the_answer(runtime, work, items):
    claim = runtime.claims.claim_next(work.author, work.task.id)
    receipt = submit(runtime, work.author, claim, "amara-password")
    for reviewer in work.reviewers[:2]:
        runtime.reviews.review(reviewer, receipt.contribution.id, GOOD, "clear")
    index = runtime.contributions.get(work.author, receipt.contribution.id).acceptance_index
    logged = json.loads(runtime.log.entry(index))["body"]["statement"]["body"]
    assert logged["item"] == items[0].id and logged["item_sha256"] == items[0].sha256
    assert logged["answer"] == answer()
    assert receipt.contribution.content_sha256 == hashlib.sha256(canonical_json(answer())).hexdigest()


def test_a_task_without_a_spec_hands_out_no_items(runtime, work):
    runtime.items.import_batch(work.steward, work.task.id, "jsonl", ITEMS)
    with pytest.raises(Conflict, match="answer spec"):
        runtime.claims.claim_next(work.author, work.task.id)


def test_an_item_to_rank_is_answered_with_its_response_ids(runtime, steward, admit):
    from coop.work.tasks import TaskSpec

    runtime.policies.seed_defaults()
    spec = TaskSpec("Contracts", "Rank summaries", "Rank them.", "ranking", "item", 6, 300, "EUR", ["research"])
    task = runtime.tasks.open(steward, spec)
    runtime.items.import_batch(steward, task.id, "jsonl", '{"prompt": "Clause 4", "responses": ["x", "y", "z"]}')
    runtime.answer_specs.set(steward, task.id, "ranking", {}, 1)
    bo = member(runtime, admit, "bo")
    claim = runtime.claims.claim_next(bo, task.id)
    with pytest.raises(Refused, match="order"):
        runtime.item_answers.answer_with_password(bo, claim.id, {"order": ["A", "B"]}, 5, TERMS, "bo-password")
    receipt = runtime.item_answers.answer_with_password(
        bo, claim.id, {"order": ["C", "A", "B"]}, 5, TERMS, "bo-password"
    )
    assert receipt.answer == {"order": ["C", "A", "B"]}


def test_a_member_with_their_own_key_signs_the_answer_statement(runtime, work, items, admit):
    import nacl.signing

    from coop.membership.keys import REGISTRATION
    from provenance.core.signing import sign_statement

    bo = admit("bo")
    own = nacl.signing.SigningKey.generate()
    runtime.keys.register_own_key(bo, sign_statement(own, REGISTRATION, runtime.keys.registration_body(bo)))
    claim = runtime.claims.claim_next(bo, work.task.id)
    body = runtime.item_answers.statement_body(bo, claim.id, answer(), 5, TERMS, bytes(own.verify_key))
    assert body["item_sha256"] == items[0].sha256 and body["answer"] == answer()
    statement = sign_statement(own, "contribution", body)
    receipt = runtime.item_answers.answer_signed(bo, claim.id, answer(), 5, TERMS, statement)
    assert receipt.contribution.status == "submitted"


def test_over_http_a_malformed_answer_is_a_400_naming_the_field_and_changes_nothing(
    client, runtime, work, items, engine
):
    from tests.test_log_schemas import api_token

    headers = api_token(client, "amara@coop.test", "amara-password")
    claim = client.post(f"/api/tasks/{work.task.id}/claim", headers=headers)
    assert claim.status_code == 200, claim.text
    assert claim.json()["item"]["id"] == items[0].id
    url = f"/api/claims/{claim.json()['claim_id']}/answer"
    bad = {"answer": {"text": "x", "edited": "y", "sources": []}, "minutes": 5, "terms": TERMS}
    refused = client.post(url, headers=headers, json={**bad, "password": "amara-password"})
    assert refused.status_code == 400 and "edited" in refused.text
    assert count(engine, "contribution") == 0
    good = {"answer": answer(), "minutes": 5, "terms": TERMS, "password": "amara-password"}
    first = client.post(url, headers=headers, json=good)
    again = client.post(url, headers=headers, json=good)
    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["contribution"]["id"] == again.json()["contribution"]["id"]
    assert count(engine, "contribution") == 1


def test_an_answer_draft_is_not_edited_as_free_form_content(runtime, work, items):
    claim = runtime.claims.claim_next(work.author, work.task.id)
    with pytest.raises(NotAllowed):
        submit(runtime, work.author, claim, "wrong-password")
    draft_id = runtime.contributions.mine(work.author)[0].id
    with pytest.raises(Conflict, match="edited as an answer"):
        runtime.contributions.edit_draft(work.author, draft_id, b"other", "text/plain", 5, TERMS)


ACTIONS = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["claim", "skip", "answer", "wait"])), min_size=1, max_size=12
)
NAMES = ("pa", "pb", "pc", "pd")


@pytest.fixture
def four(runtime, admit):
    """Four members with custodial keys (made once: hypothesis runs every example in one test)."""
    runtime.policies.seed_defaults()
    return [member(runtime, admit, name) for name in NAMES]


def holders_per_item(engine, task_id, now):
    """Claims holding one of their item's places (answered, or live), counted here without the
    service's own queries."""
    from sqlalchemy.orm import Session

    from coop.work.claim_models import ClaimSkip, ContributionAnswer, ItemClaim
    from coop.work.models import Contribution

    counts: dict[str, int] = {}
    with Session(engine) as session:
        skipped = set(session.scalars(select(ClaimSkip.claim_id)))
        submitted = set(
            session.scalars(
                select(ContributionAnswer.claim_id)
                .join(Contribution, Contribution.id == ContributionAnswer.contribution_id)
                .where(Contribution.status != "draft")
            )
        )
        for claim in session.scalars(select(ItemClaim).where(ItemClaim.task_id == task_id)):
            if claim.id in submitted or (claim.expires_at > now and claim.id not in skipped):
                counts[claim.item_id] = counts.get(claim.item_id, 0) + 1
    return counts


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(1, 3), actions=ACTIONS)
def test_no_item_is_ever_held_by_more_than_k_people(runtime, steward, four, clock, engine, k, actions):
    from coop.work.tasks import TaskSpec

    spec = TaskSpec("P", "Answer", "Answer it.", "expert-answer", "answer", 20, 900, "EUR", ["model-training"])
    task = runtime.tasks.open(steward, spec)
    runtime.items.import_batch(steward, task.id, "jsonl", '{"prompt": "one"}\n{"prompt": "two"}')
    runtime.answer_specs.set(steward, task.id, "written", WRITTEN, k)
    held: dict[int, ClaimView] = {}
    for who, action in actions:
        person = four[who]
        try:
            if action == "claim":
                held[who] = runtime.claims.claim_next(person, task.id)
            elif action == "skip" and who in held:
                runtime.claims.skip(person, held.pop(who).id, "not for me")
            elif action == "answer" and who in held:
                submit(runtime, person, held.pop(who), f"{NAMES[who]}-password")
            elif action == "wait":
                clock.advance(minutes=20)
        except (NotFound, Conflict):
            held.pop(who, None)
        counts = holders_per_item(engine, task.id, clock())
        assert all(n <= k for n in counts.values()), counts


def work_mark(engine, task_id):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT max(position) FROM item_work_mark WHERE task_id = :t"), {"t": task_id}
        ).scalar()


def test_claims_start_past_the_items_done_for_good_but_not_past_an_item_only_held(
    runtime, work, items, admit, clock, engine
):
    for name in ("bo", "cy"):  # item 1 gets its k = 2 submitted answers: done for good
        person = member(runtime, admit, name)
        submit(runtime, person, runtime.claims.claim_next(person, work.task.id), f"{name}-password")
    runtime.claims.claim_next(admit("di"), work.task.id)  # item 2: held by a live claim only
    assert runtime.claims.claim_next(admit("ed"), work.task.id).item.id == items[1].id
    assert work_mark(engine, work.task.id) == items[1].position
    clock.advance(seconds=CLAIM_TTL.total_seconds() + 1)  # both claims on item 2 expire: it is open again
    assert runtime.claims.claim_next(admit("fa"), work.task.id).item.id == items[1].id


def test_once_every_item_is_done_for_good_a_new_batch_is_handed_out(runtime, work, items, admit):
    people = [member(runtime, admit, name) for name in ("bo", "cy")]
    for _ in items:
        for person in people:
            password = f"{person.display_name.lower()}-password"
            submit(runtime, person, runtime.claims.claim_next(person, work.task.id), password)
    with pytest.raises(NotFound):
        runtime.claims.claim_next(admit("di"), work.task.id)
    runtime.items.import_batch(work.steward, work.task.id, "jsonl", json.dumps({"prompt": "Question 5?"}))
    assert runtime.claims.claim_next(admit("ed"), work.task.id).item.content == {"prompt": "Question 5?"}
