"""Contributions and review, in a real browser against `coop serve` (SQLite and PostgreSQL).

A steward opens a task at a rate the pay floor allows; a member signs and submits work; two
reviewers score it against the rubric; the author sees it accepted (with a provenance receipt that
this file also verifies on its own, from the public log endpoints alone), sent back for revision,
or rejected. Reviewers never see their own work in the queue.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.conftest import LOG_ORIGIN, STEWARD_EMAIL, STEWARD_PASSWORD, PageProblems, require_playwright

require_playwright()

from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.portal import (  # noqa: E402
    Person,
    TaskForm,
    fill_task_form,
    join_with_a_key,
    my_contribution_row,
    new_task,
    newcomer,
    open_task,
    review_work,
    sign_in,
    submit_work,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPERT_ANSWER_CRITERIA = ("correctness", "completeness", "clarity")  # rubric.expert-answer v1


def every_criterion(score: int) -> dict[str, int]:
    return {criterion: score for criterion in EXPERT_ANSWER_CRITERIA}


# -- shared setup: two reviewers per server -------------------------------------------------------------


@dataclass(frozen=True)
class Crew:
    """The steward and two reviewers, each with the cookies of a session they signed in to once."""

    reviewers: tuple[Person, Person]
    steward_session: dict[str, Any]
    reviewer_sessions: tuple[dict[str, Any], dict[str, Any]]


@contextmanager
def watched_pages(chromium, server) -> Iterator[Callable[[], Page]]:
    """Pages for module-scoped setup, watched like the `new_page` fixture's: CSP violations and
    script errors fail the setup."""
    problems = PageProblems()
    contexts = []

    def make() -> Page:
        context = chromium.new_context(base_url=server.url)
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    if problems.csp_violations or problems.script_errors:
        pytest.fail(
            "the browser reported CSP violations or script errors during setup:\n"
            + "\n".join(problems.csp_violations + problems.script_errors),
            pytrace=False,
        )


@pytest.fixture(scope="module")
def crew(coop_server, chromium) -> Crew:
    """Two members with password-sealed keys, admitted by the steward with the reviewer role, once
    per server; tests open their pages in those sessions, as people coming back to the portal do."""
    reviewers = (newcomer("Rita"), newcomer("Rui"))
    with watched_pages(chromium, coop_server) as make_page:
        steward = make_page()
        sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
        sessions = []
        for reviewer in reviewers:
            page = make_page()
            join_with_a_key(page, steward, reviewer, roles=("reviewer",))
            sessions.append(page.context.storage_state())
        return Crew(reviewers, steward.context.storage_state(), (sessions[0], sessions[1]))


def signed_in(new_page, server, email: str, password: str) -> Page:
    page = new_page(server)
    sign_in(page, email, password)
    return page


def back_in_session(new_page, server, session: dict[str, Any]) -> Page:
    """A page in a fresh browser context holding an earlier sign-in's cookies."""
    return new_page(server, storage_state=session)


def steward_with_task(new_page, server, crew: Crew, title_prefix: str) -> tuple[Page, TaskForm]:
    steward = back_in_session(new_page, server, crew.steward_session)
    task = new_task(title_prefix)
    open_task(steward, task)
    return steward, task


def new_member_with_key(new_page, server, steward: Page, first_name: str) -> tuple[Person, Page]:
    person = newcomer(first_name)
    page = new_page(server)
    join_with_a_key(page, steward, person)
    return person, page


def both_review(
    new_page, server, crew: Crew, task_title: str, score: int, feedback: tuple[str, str]
) -> tuple[str, str]:
    outcomes = []
    for session, text in zip(crew.reviewer_sessions, feedback):
        page = back_in_session(new_page, server, session)
        outcomes.append(review_work(page, task_title, every_criterion(score), text))
    return outcomes[0], outcomes[1]


def dd_after(scope, term: str):
    """The <dd> that a <dt> labels, in a facts list."""
    return scope.locator(f"dt:text-is('{term}') + dd")


# -- an independent verifier: RFC 6962 / RFC 9162 and C2SP signed notes, written here -----------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def rfc6962_leaf_hash(leaf: bytes) -> bytes:
    return sha256(b"\x00" + leaf)


def rfc6962_node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def root_from_inclusion_proof(index: int, size: int, leaf_hash: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root an audit path leads to (raises if the path has the wrong shape)."""
    if index >= size:
        raise ValueError(f"index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ValueError("audit path too long")
        if fn & 1 or fn == sn:
            r = rfc6962_node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = rfc6962_node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("audit path too short")
    return r


@dataclass(frozen=True)
class NoteKey:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def parse(cls, vkey: str) -> NoteKey:
        name, hex_id, encoded = vkey.strip().split("+", 2)
        raw = base64.b64decode(encoded, validate=True)
        assert raw[:1] == b"\x01" and len(raw) == 33, "an Ed25519 note key is 0x01 ‖ 32 bytes"
        key_id = bytes.fromhex(hex_id)
        assert key_id == sha256(name.encode() + b"\n" + raw)[:4], "the key id is SHA-256(name ‖ \\n ‖ 0x01 ‖ key)[:4]"
        return cls(name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:]))


def open_checkpoint(note: str, key: NoteKey) -> tuple[str, int, bytes]:
    """Check the key's signature on a C2SP signed-note checkpoint; its (origin, size, root hash)."""
    text, blank, signatures = note.partition("\n\n")
    assert blank, "a signed note has a blank line before its signatures"
    text += "\n"
    verified = False
    for line in signatures.splitlines():
        prefix = f"— {key.name} "
        if line.startswith(prefix):
            blob = base64.b64decode(line[len(prefix) :], validate=True)
            if blob[:4] == key.key_id:
                key.public_key.verify(blob[4:], text.encode())  # raises InvalidSignature
                verified = True
    assert verified, f"no signature by {key.name} on the checkpoint"
    origin, size, root = text.splitlines()[:3]
    return origin, int(size), base64.b64decode(root, validate=True)


# -- the flows ------------------------------------------------------------------------------------------


def test_work_reviewed_well_is_accepted_and_its_receipt_verifies_in_the_page_and_independently(
    coop_server, new_page, crew
):
    steward, task = steward_with_task(new_page, coop_server, crew, "Dosing in renal impairment")
    ada, author = new_member_with_key(new_page, coop_server, steward, "Ada")
    work = "Halve the dose below an eGFR of 30 mL/min; monitor levels weekly."

    with author.expect_response(lambda r: r.url.endswith("/submit") and r.request.method == "POST") as answer:
        contribution = submit_work(author, task.title, work, minutes=18, password=ada.password)
    assert answer.value.status == 201 and answer.value.request.headers.get("hx-request") == "true"

    first, second = both_review(
        new_page, coop_server, crew, task.title, 4, ("Correct and complete.", "Clear; cite the guideline next time.")
    )
    assert "pending" in first, first
    assert "accepted" in second, second

    row = my_contribution_row(author, task.title)
    expect(row.get_by_test_id("contribution-status")).to_have_text("accepted")
    entry_link = row.get_by_role("link", name=re.compile(r"^#\d+$"))
    index = int(entry_link.inner_text().removeprefix("#"))
    assert entry_link.get_attribute("href") == f"/public-log?index={index}"

    row.get_by_role("link", name=task.title).click()
    expect(author).to_have_url(f"{coop_server.url}{contribution}")
    expect(author.get_by_test_id("contribution-status")).to_have_text("accepted")
    content_sha256 = dd_after(author, "Content SHA-256").locator("code").inner_text()
    assert content_sha256 == hashlib.sha256(work.encode()).hexdigest()
    expect(author.get_by_text("Correct and complete.")).to_be_visible()
    expect(author.get_by_text("Clear; cite the guideline next time.")).to_be_visible()

    receipt = author.get_by_role("region", name="Provenance receipt")
    expect(receipt.get_by_role("link", name=f"#{index}", exact=True)).to_have_attribute(
        "href", f"/public-log?index={index}"
    )
    expect(receipt.get_by_test_id("receipt-checkpoint")).to_contain_text(f"{LOG_ORIGIN}\n")
    with author.expect_response(lambda r: r.url.endswith(f"{contribution}/verify")) as verdict_answer:
        receipt.get_by_role("link", name="Verify against the published key and the latest checkpoint").click()
    assert verdict_answer.value.request.headers.get("hx-request") == "true"
    expect(receipt.get_by_test_id("verdict")).to_have_text(re.compile(rf"^✔ Verified: entry #{index} "))
    expect(author).to_have_url(f"{coop_server.url}{contribution}")  # swapped in place

    # The receipt as shown, checked here with nothing of the project's code: signature, then audit path.
    key = NoteKey.parse(author.request.get(f"{coop_server.url}/log/key").text())
    assert key.name == LOG_ORIGIN
    leaf = author.request.get(f"{coop_server.url}/log/entries/{index}").body()
    leaf_hash = rfc6962_leaf_hash(leaf)
    shown_note = receipt.get_by_test_id("receipt-checkpoint").text_content() or ""
    origin, shown_size, shown_root = open_checkpoint(shown_note, key)
    assert origin == LOG_ORIGIN and shown_size > index
    shown_leaf_hash = base64.b64decode(dd_after(receipt, "Leaf hash").inner_text())
    shown_path = [base64.b64decode(h) for h in dd_after(receipt, "Audit path").locator("li code").all_inner_texts()]
    assert shown_leaf_hash == leaf_hash
    assert root_from_inclusion_proof(index, shown_size, leaf_hash, shown_path) == shown_root

    # …and against the latest checkpoint, with a fresh proof from the public endpoints.
    checkpoint = author.request.get(f"{coop_server.url}/log/checkpoint")
    assert checkpoint.ok and checkpoint.headers["content-type"].startswith("text/plain")
    origin, size, root = open_checkpoint(checkpoint.text(), key)
    assert origin == LOG_ORIGIN and size >= shown_size
    proof = author.request.get(f"{coop_server.url}/log/proof/inclusion?index={index}&size={size}").json()
    assert (proof["index"], proof["tree_size"]) == (index, size)
    assert base64.b64decode(proof["leaf_hash"]) == leaf_hash
    path = [base64.b64decode(h) for h in proof["hashes"]]
    assert root_from_inclusion_proof(index, size, leaf_hash, path) == root

    # The entry is this work, by hash, and holds no personal data.
    entry = json.loads(leaf)
    assert entry["kind"] == "contribution.accepted"
    assert entry["body"]["statement"]["body"]["content_sha256"] == content_sha256
    for personal in (ada.email, ada.name, work):
        assert personal.encode() not in leaf

    # The verifier is not vacuous: another leaf, or a forged checkpoint, does not pass.
    assert root_from_inclusion_proof(index, size, rfc6962_leaf_hash(leaf + b" "), path) != root
    forged = checkpoint.text().replace(f"\n{size}\n", f"\n{size + 1}\n", 1)
    with pytest.raises(InvalidSignature):
        open_checkpoint(forged, key)


def test_middling_reviews_ask_for_a_revision_which_the_author_signs_and_resubmits_as_round_two(
    coop_server, new_page, crew
):
    steward, task = steward_with_task(new_page, coop_server, crew, "Anticoagulation bridging")
    bea, author = new_member_with_key(new_page, coop_server, steward, "Bea")
    submit_work(author, task.title, "Bridge with heparin.", minutes=12, password=bea.password)

    feedback = ("Say which patients need bridging at all.", "Name the thrombotic risk score you used.")
    first, second = both_review(new_page, coop_server, crew, task.title, 3, feedback)
    assert "pending" in first, first
    assert "revision-requested" in second, second

    row = my_contribution_row(author, task.title)
    expect(row.get_by_test_id("contribution-status")).to_have_text("revision-requested")
    row.get_by_role("link", name=task.title).click()
    expect(author.get_by_test_id("contribution-status")).to_have_text("revision-requested")
    for text in feedback:
        expect(author.get_by_text(text)).to_be_visible()
    expect(author.get_by_role("region", name="Provenance receipt")).to_have_count(0)

    author.get_by_role("button", name="Revise this work").click()
    expect(author.get_by_role("heading", name=f"Draft: {task.title} round 2")).to_be_visible()
    expect(author.locator("#flash")).to_contain_text("A new draft revises your work.")
    work = author.get_by_label("Your work")
    expect(work).to_have_value("Bridge with heparin.")
    revised = "Bridge only high thrombotic risk (CHA2DS2-VASc ≥ 7) with LMWH; stop 24 h before surgery."
    work.fill(revised)
    author.get_by_label("Your password, to sign and submit now (leave empty to only save)").fill(bea.password)
    author.get_by_role("button", name="Save (and submit if you gave your password)").click()

    expect(author.get_by_role("heading", name=f"{task.title} round 2")).to_be_visible()
    expect(author.locator("#flash")).to_contain_text("Signed and submitted for review.")
    expect(author.get_by_test_id("contribution-status")).to_have_text("submitted")
    expect(dd_after(author, "Content SHA-256").locator("code")).to_have_text(
        hashlib.sha256(revised.encode()).hexdigest()
    )

    expect(my_contribution_row(author, task.title, round_number=2).get_by_test_id("contribution-status")).to_have_text(
        "submitted"
    )
    expect(my_contribution_row(author, task.title, round_number=1).get_by_test_id("contribution-status")).to_have_text(
        "revision-requested"
    )


def test_poor_reviews_reject_the_work(coop_server, new_page, crew):
    steward, task = steward_with_task(new_page, coop_server, crew, "Sepsis first hour")
    cy, author = new_member_with_key(new_page, coop_server, steward, "Cy")
    submit_work(author, task.title, "Give fluids.", minutes=5, password=cy.password)

    first, second = both_review(
        new_page, coop_server, crew, task.title, 1, ("Incomplete.", "Not an answer to the question.")
    )
    assert "pending" in first, first
    assert "rejected" in second, second

    row = my_contribution_row(author, task.title)
    expect(row.get_by_test_id("contribution-status")).to_have_text("rejected")
    row.get_by_role("link", name=task.title).click()
    expect(author.get_by_test_id("contribution-status")).to_have_text("rejected")
    expect(author.get_by_text("Not an answer to the question.")).to_be_visible()
    # The two ways forward from a rejection: appeal it, or revise the work (issue 14, part 4).
    expect(author.get_by_role("button", name="Appeal")).to_be_visible()
    expect(author.get_by_role("button", name="Revise this work")).to_be_visible()
    expect(author.get_by_role("region", name="Provenance receipt")).to_have_count(0)


def test_a_task_below_the_pay_floor_is_refused_with_the_numbers_next_to_the_form(coop_server, new_page):
    steward = signed_in(new_page, coop_server, STEWARD_EMAIL, STEWARD_PASSWORD)
    task = new_task("Underpaid triage", minutes_per_unit=10, pay_per_unit=200)
    fill_task_form(steward, task)
    floor_note = steward.get_by_role("paragraph").filter(has_text="must meet the pay floor in force")
    expect(floor_note).to_contain_text("18.00 EUR/h")
    expect(floor_note).to_contain_text("(pay-floor v1)")
    with steward.expect_response(lambda r: r.url.endswith("/tasks/new") and r.request.method == "POST") as answer:
        steward.get_by_role("button", name="Open the task").click()
    assert answer.value.status == 400

    alert = steward.locator("form[action='/tasks/new']").get_by_role("alert")
    expect(alert).to_contain_text("is 12.00 EUR per hour, below the floor of 18.00 EUR per hour (pay-floor v1)")
    expect(alert).to_contain_text("pay at least 3.00 EUR per unit")
    expect(steward.get_by_label("Title")).to_have_value(task.title)  # what was typed is kept, to correct
    expect(steward.get_by_label("Estimated minutes per unit")).to_have_value("10")
    expect(steward.get_by_label("Pay per unit", exact=True)).to_have_value("2.00")

    steward.goto("/tasks")
    expect(steward.get_by_role("heading", name="Tasks")).to_be_visible()
    expect(steward.get_by_role("link", name=task.title)).to_have_count(0)
    steward.goto("/tasks?status=")  # every status, not only open ones
    expect(steward.get_by_role("link", name=task.title)).to_have_count(0)


def test_a_reviewer_who_also_submitted_is_offered_the_others_work_but_never_their_own(coop_server, new_page, crew):
    steward, task = steward_with_task(new_page, coop_server, crew, "Pediatric fever")
    rita = crew.reviewers[0]
    reviewer = back_in_session(new_page, coop_server, crew.reviewer_sessions[0])
    own = submit_work(reviewer, task.title, "Rita's answer: paracetamol by weight.", minutes=15, password=rita.password)
    dan, other = new_member_with_key(new_page, coop_server, steward, "Dan")
    submit_work(other, task.title, "Dan's answer: ibuprofen after 3 months.", minutes=16, password=dan.password)

    reviewer.goto("/reviews")
    offered = reviewer.get_by_role("row").filter(has_text=task.title)
    expect(offered).to_have_count(1)
    offered.get_by_role("button", name="Review").click()
    expect(reviewer.get_by_test_id("review-content")).to_have_text("Dan's answer: ibuprofen after 3 months.")

    other_reviewer = back_in_session(new_page, coop_server, crew.reviewer_sessions[1])
    other_reviewer.goto("/reviews")
    expect(other_reviewer.get_by_role("row").filter(has_text=task.title)).to_have_count(2)

    answer = reviewer.goto(own.replace("/contributions/", "/reviews/"))  # straight to the form, by address
    assert answer is not None and answer.status == 403
    expect(reviewer.get_by_role("alert")).to_contain_text("you cannot review your own work")
    expect(reviewer.get_by_test_id("review-content")).to_have_count(0)


def test_a_wrong_password_on_sign_and_submit_is_said_next_to_the_form(coop_server, new_page, crew):
    steward, task = steward_with_task(new_page, coop_server, crew, "Wrong password")
    page = back_in_session(new_page, coop_server, crew.reviewer_sessions[0])
    page.goto("/tasks")
    page.get_by_role("link", name=task.title, exact=True).click()
    page.get_by_label("Your work").fill("An answer signed with the wrong password.")
    page.get_by_label("Minutes you spent").fill("4")
    page.get_by_label("Your password (opens your key to sign)").fill("not-my-password")
    with page.expect_response(lambda r: r.url.endswith("/submit") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign and submit").click()
    assert answer.value.status == 403
    assert "wrong password" in answer.value.text()  # the server says it; the page must show it

    expect(page.locator("form[hx-post$='/submit']")).not_to_have_class(
        re.compile(r"\bhtmx-request\b")
    )  # htmx has handled the answer
    expect(page.locator("#submit-result").get_by_role("alert")).to_contain_text("wrong password", timeout=5_000)
    expect(page.locator("#submit-result").get_by_role("alert")).to_contain_text("saved as a draft")
