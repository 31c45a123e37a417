"""Tasks, contributions, review and acceptance on a real database."""

import hashlib
import json

import nacl.signing
import pytest

from coop.kernel.errors import Conflict, NotAllowed, Refused
from coop.membership.keys import REGISTRATION
from coop.work.tasks import TaskSpec
from provenance.core import merkle
from provenance.core.canonical import canonical_json
from provenance.core.entry import parse_leaf
from provenance.core.note import verify_checkpoint
from provenance.core.signing import SignedStatement, sign_statement
from tests.conftest import ORIGIN, TERMS

GOOD = {"correctness": 5, "completeness": 4, "clarity": 4}
MIDDLING = {"correctness": 3, "completeness": 3, "clarity": 3}
POOR = {"correctness": 1, "completeness": 2, "clarity": 1}


def submit(runtime, work, text="Metformin is first-line for type 2 diabetes.", minutes=18):
    draft = runtime.contributions.draft(work.author, work.task.id, text.encode(), "text/plain", minutes, TERMS)
    return runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")


def test_opening_a_task_below_the_floor_is_refused_with_the_numbers(runtime, work):
    spec = TaskSpec(
        project="P",
        title="Cheap",
        instructions="-",
        kind="ranking",
        unit="pair",
        minutes_per_unit=10,
        pay_per_unit=200,
        currency="EUR",
        intended_uses=["research"],
    )
    with pytest.raises(Refused, match="12.00 EUR per hour, below the floor of 18.00 EUR"):
        runtime.tasks.open(work.steward, spec)


def test_a_task_records_the_rubric_and_floor_versions_it_was_opened_under(runtime, work):
    assert (work.task.rubric_version, work.task.pay_floor_version, work.task.hourly_rate) == (1, 1, 2700)
    entry = json.loads(runtime.log.entry(work.task.log_index))
    assert entry["kind"] == "task.opened" and entry["body"]["pay_floor"] == {"policy": "pay-floor", "version": 1}


def test_a_submitted_contribution_is_signed_by_its_author_and_cannot_be_edited(runtime, work):
    contribution = submit(runtime, work)
    assert contribution.status == "submitted"
    assert contribution.statement["content_sha256"] == contribution.content_sha256
    assert contribution.signer_key_id == runtime.keys.active_key(work.author.account_id).key_id
    with pytest.raises(Conflict, match="never edited"):
        runtime.contributions.edit_draft(work.author, contribution.id, b"changed", "text/plain", 10, TERMS)


def test_drafts_can_be_edited_until_submitted(runtime, work):
    draft = runtime.contributions.draft(work.author, work.task.id, b"first", "text/plain", 10, TERMS)
    edited = runtime.contributions.edit_draft(work.author, draft.id, b"second", "text/plain", 12, TERMS)
    assert edited.content_sha256 != draft.content_sha256 and edited.minutes == 12


def test_submitting_the_same_signed_statement_twice_is_idempotent(runtime, work):
    draft = runtime.contributions.draft(work.author, work.task.id, b"answer", "text/plain", 10, TERMS)
    key = runtime.keys.active_key(work.author.account_id)
    body = runtime.contributions.statement_body(work.author, draft.id, key.public_key)
    statement = runtime.keys.sign_as(work.author, "amara-password", "contribution", body)
    first = runtime.contributions.submit_signed(work.author, draft.id, statement)
    again = runtime.contributions.submit_signed(work.author, draft.id, statement)
    assert first.id == again.id and again.status == "submitted"


def test_a_member_with_their_own_key_submits_a_client_signed_statement(runtime, work, admit):
    bo = admit("bo")
    own = nacl.signing.SigningKey.generate()
    runtime.keys.register_own_key(bo, sign_statement(own, REGISTRATION, runtime.keys.registration_body(bo)))
    draft = runtime.contributions.draft(bo, work.task.id, b'{"answer": 42}', "application/json", 15, TERMS)
    body = runtime.contributions.statement_body(bo, draft.id, bytes(own.verify_key))
    submitted = runtime.contributions.submit_signed(bo, draft.id, sign_statement(own, "contribution", body))
    assert submitted.status == "submitted"


def test_a_statement_that_does_not_match_the_draft_is_refused(runtime, work):
    draft = runtime.contributions.draft(work.author, work.task.id, b"answer", "text/plain", 10, TERMS)
    body = runtime.contributions.statement_body(
        work.author, draft.id, runtime.keys.active_key(work.author.account_id).public_key
    )
    body["minutes"] = 1
    with pytest.raises(Refused, match="does not match the draft"):
        runtime.contributions.submit_signed(
            work.author, draft.id, runtime.keys.sign_as(work.author, "amara-password", "contribution", body)
        )


def test_terms_that_exclude_the_tasks_intended_use_are_refused(runtime, work):
    terms = {**TERMS, "permitted_uses": ["research"]}
    draft = runtime.contributions.draft(work.author, work.task.id, b"answer", "text/plain", 10, terms)
    with pytest.raises(Refused, match="meant for model-training"):
        runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")


def test_content_over_the_limit_or_bad_json_is_refused(runtime, work):
    with pytest.raises(Refused, match="limit"):
        runtime.contributions.draft(
            work.author, work.task.id, b"x" * (runtime.settings.max_content_bytes + 1), "text/plain", 10, TERMS
        )
    with pytest.raises(Refused, match="not valid JSON"):
        runtime.contributions.draft(work.author, work.task.id, b"{nope", "application/json", 10, TERMS)


def test_authors_cannot_review_their_own_work_nor_work_they_declared_a_conflict_with(runtime, work, admit):
    contribution = submit(runtime, work)
    author_as_reviewer = admit("selfrev", roles=("member", "reviewer"))
    other = runtime.contributions.draft(author_as_reviewer, work.task.id, b"mine", "text/plain", 10, TERMS)
    runtime.keys.create_custodial_key(author_as_reviewer, "selfrev-password")
    mine = runtime.contributions.submit_with_password(author_as_reviewer, other.id, "selfrev-password")
    with pytest.raises(NotAllowed, match="your own work"):
        runtime.reviews.review(author_as_reviewer, mine.id, GOOD, "great")
    runtime.reviews.declare_conflict(work.reviewers[0], work.author.account_id)
    with pytest.raises(NotAllowed, match="conflict"):
        runtime.reviews.claim(work.reviewers[0], contribution.id)
    assert contribution.id not in [i.contribution_id for i in runtime.reviews.queue(work.reviewers[0])]


def test_two_good_reviews_accept_and_the_receipt_proves_inclusion(runtime, work, signer):
    contribution = submit(runtime, work)
    assert runtime.reviews.review(work.reviewers[0], contribution.id, GOOD, "clear").outcome == "pending"
    assert runtime.reviews.review(work.reviewers[1], contribution.id, GOOD, "good").outcome == "accepted"
    receipt = runtime.contributions.receipt(work.author, contribution.id)
    checkpoint = verify_checkpoint(receipt.checkpoint.note, signer.verifier, ORIGIN)
    merkle.verify_inclusion(receipt.leaf_hash, receipt.index, checkpoint.size, receipt.proof, checkpoint.root_hash)
    entry = json.loads(runtime.log.entry(receipt.index))
    assert entry["kind"] == "contribution.accepted"
    assert entry["body"]["statement"]["body"]["content_sha256"] == contribution.content_sha256
    assert entry["body"]["rubric"] == {"policy": "rubric.expert-answer", "version": 1}
    assert "Metformin" not in runtime.log.entry(receipt.index).decode()  # content never enters the log


def test_a_revision_is_a_new_contribution_linked_to_the_old(runtime, work):
    first = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], first.id, MIDDLING, "add dosing")
    decision = runtime.reviews.review(work.reviewers[1], first.id, MIDDLING, "cite guidance")
    assert decision.outcome == "revision-requested"
    feedback = runtime.contributions.get(work.author, first.id).reviews
    assert [r["feedback"] for r in feedback] == ["add dosing", "cite guidance"]
    revision = runtime.contributions.revise(work.author, first.id)
    assert revision.revises_id == first.id and revision.round == 2
    edited = runtime.contributions.edit_draft(
        work.author, revision.id, b"better answer with dosing", "text/plain", 25, TERMS
    )
    submitted = runtime.contributions.submit_with_password(work.author, edited.id, "amara-password")
    assert submitted.statement["revises"] == hashlib.sha256(canonical_json(first.statement)).hexdigest()


def test_poor_reviews_reject(runtime, work):
    contribution = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], contribution.id, POOR, "wrong drug")
    assert runtime.reviews.review(work.reviewers[1], contribution.id, POOR, "unsafe").outcome == "rejected"
    assert runtime.contributions.get(work.author, contribution.id).status == "rejected"


def test_a_task_whose_median_time_breaks_the_floor_is_flagged_and_stops_taking_work(runtime, work):
    for n in range(5):
        c = submit(runtime, work, text=f"answer {n}", minutes=45)  # 900 per 45 min = 1200/h < 1800/h
        runtime.reviews.review(work.reviewers[0], c.id, GOOD, "ok")
        runtime.reviews.review(work.reviewers[1], c.id, GOOD, "ok")
    task = runtime.tasks.get(work.task.id)
    assert task.status == "flagged" and "below the floor of 1800" in task.flag_reason
    with pytest.raises(Conflict, match="flagged"):
        runtime.contributions.draft(work.author, work.task.id, b"more", "text/plain", 10, TERMS)
    reopened = runtime.tasks.raise_rate(work.steward, work.task.id, 1400)
    assert reopened.status == "open"


def test_consent_revocation_is_a_signed_log_entry_by_the_author(runtime, work):
    contribution = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], contribution.id, GOOD, "ok")
    runtime.reviews.review(work.reviewers[1], contribution.id, GOOD, "ok")
    index = runtime.contributions.revoke_consent_with_password(work.author, contribution.id, "amara-password")
    entry = parse_leaf(runtime.log.entry(index))
    assert entry.kind == "consent.revocation"
    signed = SignedStatement(entry.kind, entry.body, entry.public_key, entry.signature)
    assert runtime.keys.verify_member_statement(signed).account_id == work.author.account_id
    assert runtime.contributions.get(work.author, contribution.id).revoked


def test_acceptance_posts_the_base_pay_to_the_author(runtime, work):
    contribution = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], contribution.id, GOOD, "ok")
    runtime.reviews.review(work.reviewers[1], contribution.id, GOOD, "ok")
    assert runtime.ledger.member_balance(work.author.account_id) == {"EUR": 900}
    [tx] = runtime.ledger.transactions(ref_prefix=f"contribution:{contribution.id}")
    assert (
        tx.kind == "base-pay"
        and tx.log_index == runtime.contributions.get(work.author, contribution.id).acceptance_index
    )


def test_rejected_work_earns_no_base_pay(runtime, work):
    contribution = submit(runtime, work)
    runtime.reviews.review(work.reviewers[0], contribution.id, POOR, "no")
    runtime.reviews.review(work.reviewers[1], contribution.id, POOR, "no")
    assert runtime.ledger.member_balance(work.author.account_id) == {}


def test_a_steward_assigns_a_reviewer_who_must_still_be_eligible(runtime, work):
    contribution = submit(runtime, work)
    runtime.reviews.assign(work.steward, contribution.id, work.reviewers[2])
    assert [i.assigned_to_me for i in runtime.reviews.queue(work.reviewers[2])] == [True]
    with pytest.raises(NotAllowed, match="your own work"):
        runtime.reviews.assign(work.steward, contribution.id, _as_reviewer(runtime, work))


def _as_reviewer(runtime, work):
    runtime.members.set_roles(work.steward, work.author.account_id, ["reviewer"])
    return runtime.members.principal(work.author.account_id)


def test_the_queue_length_leaves_out_own_conflicted_and_already_reviewed_work_once_each(runtime, work, admit):
    by_author = [submit(runtime, work, text=f"Answer number {i} about metformin dosing.") for i in range(3)]
    reviewer = admit("selfrev", roles=("member", "reviewer"))
    other = admit("bea")
    by_other = []
    for who, count in ((reviewer, 1), (other, 2)):
        runtime.keys.create_custodial_key(who, f"{who.email.split('@')[0]}-password")
        for i in range(count):
            draft = runtime.contributions.draft(
                who, work.task.id, f"work {i} of {who.display_name}".encode(), "text/plain", 10, TERMS
            )
            done = runtime.contributions.submit_with_password(who, draft.id, f"{who.email.split('@')[0]}-password")
            if who is other:
                by_other.append(done)
    assert runtime.reviews.queue_page(work.reviewers[1], 0, 50)[1] == 6
    runtime.reviews.review(reviewer, by_author[0].id, GOOD, "clear")  # reviewed, and later conflicted: left out once
    runtime.reviews.review(reviewer, by_other[0].id, GOOD, "clear")
    runtime.reviews.declare_conflict(reviewer, work.author.account_id)
    items, total = runtime.reviews.queue_page(reviewer, 0, 50)
    assert [i.contribution_id for i in items] == [by_other[1].id] and total == 1
    assert runtime.reviews.queue_page(work.reviewers[1], 0, 2)[1] == 6
