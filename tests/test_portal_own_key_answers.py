"""Answering an item with one's own key in the portal (issue 14, part 3): the page shows the exact
statement to sign and the `coop sign` command; what `coop sign` prints (or only the signature),
pasted back, submits the answer signed by the member's Ed25519 key, which never reaches the co-op.
A bad signature is refused with its reason and submits nothing. Custodial members keep signing with
their password."""

import html
import json
import re

import nacl.signing
import pytest

from coop.membership.keys import REGISTRATION
from provenance.core.canonical import canonical_json
from provenance.core.signing import SignedStatement, b64, key_id, sign_statement, verify_statement
from tests.item_tasks import count, open_item_task, questions, start

ANSWER = {"choice": "B", "reason": "it cites the guideline", "minutes": "4"}


@pytest.fixture
def pairwise(runtime, work):
    return open_item_task(runtime, work.steward, "ranking", "pairwise", {"allow_tie": True}, questions())


@pytest.fixture
def kim(runtime, admit):
    """A member who holds her own key (registered with proof of possession)."""
    member = admit("kim")
    key = nacl.signing.SigningKey.generate()
    runtime.keys.register_own_key(member, sign_statement(key, REGISTRATION, runtime.keys.registration_body(member)))
    return member, key


def statement_shown(response):
    found = re.search(r'name="statement_body" value="([^"]*)"', response.text)
    assert found, response.text[:3000]
    return html.unescape(found.group(1))


def prepared(browse, kim, pairwise):
    """Kim fills the form and presses submit: the page shows the statement to sign."""
    browser = browse(kim[0])
    claim_path = start(browser, pairwise.id)
    response = browser.post(f"{claim_path}/answer", ANSWER)
    assert response.status_code == 200, response.text
    return browser, claim_path, response


def coop_sign_output(key, body):
    """What `coop sign` prints for the body."""
    signed = sign_statement(key, "contribution", body)
    return json.dumps(
        {"kind": "contribution", "body": body, "key": b64(signed.public_key), "sig": b64(signed.signature)}
    )


def test_the_page_shows_the_statement_to_sign_and_the_coop_sign_command(runtime, browse, kim, pairwise):
    _, _, response = prepared(browse, kim, pairwise)
    body_text = statement_shown(response)
    body = json.loads(body_text)
    assert body_text == canonical_json(body).decode()  # exactly the canonical bytes that are signed
    assert body["answer"] == {"choice": "B", "reason": "it cites the guideline"} and body["minutes"] == 4
    assert body["author"] == key_id(bytes(kim[1].verify_key))
    assert "coop sign --key my.key --kind contribution --body &#39;{" in response.text
    signed_bytes = re.search(r'data-testid="signed-bytes">([^<]*)<', response.text).group(1)
    assert html.unescape(signed_bytes) == "coop-ledger statement v1\ncontribution\n" + body_text
    assert 'name="signed"' in response.text and 'name="password"' not in response.text
    assert 'value="it cites the guideline"' in response.text or ">it cites the guideline</textarea>" in response.text


def test_pasting_what_coop_sign_printed_submits_the_answer_signed_by_the_members_key(runtime, browse, kim, pairwise):
    browser, claim_path, response = prepared(browse, kim, pairwise)
    body_text = statement_shown(response)
    pasted = coop_sign_output(kim[1], json.loads(body_text))
    submitted = browser.post(f"{claim_path}/answer", {**ANSWER, "signed": pasted, "statement_body": body_text})
    assert submitted.status_code == 303, submitted.text
    receipt = runtime.item_answers.receipt(kim[0], claim_path.rsplit("/", 1)[-1])
    contribution = receipt.contribution
    assert contribution.status == "submitted"
    assert contribution.signer_key_id == key_id(bytes(kim[1].verify_key))
    assert contribution.statement["answer"] == {"choice": "B", "reason": "it cites the guideline"}


def test_pasting_only_the_signature_is_enough(runtime, browse, kim, pairwise):
    browser, claim_path, response = prepared(browse, kim, pairwise)
    body_text = statement_shown(response)
    signature = sign_statement(kim[1], "contribution", json.loads(body_text)).signature
    submitted = browser.post(f"{claim_path}/answer", {**ANSWER, "signed": b64(signature), "statement_body": body_text})
    assert submitted.status_code == 303, submitted.text
    contribution = runtime.item_answers.receipt(kim[0], claim_path.rsplit("/", 1)[-1]).contribution
    stored = SignedStatement("contribution", contribution.statement, bytes(kim[1].verify_key), signature)
    verify_statement(stored)  # the stored statement is what Kim's key signed


def refused_and_nothing_submitted(runtime, browser, claim_path, form, reason, status=400):
    before = (count(runtime, "contribution"), count(runtime, "log_entry"))
    response = browser.post(f"{claim_path}/answer", form)
    assert response.status_code == status, response.text
    alert = re.search(r'role="alert" id="answer-error">([^<]*)<', response.text)
    assert alert and reason in html.unescape(alert.group(1)), alert
    assert (count(runtime, "contribution"), count(runtime, "log_entry")) == before
    with runtime.engine.connect() as conn:
        statuses = conn.exec_driver_sql("SELECT status FROM contribution").scalars().all()
    assert "submitted" not in statuses
    return response


def test_a_signature_that_does_not_verify_is_refused_and_submits_nothing(runtime, browse, kim, pairwise):
    browser, claim_path, response = prepared(browse, kim, pairwise)
    body_text = statement_shown(response)
    signature = bytearray(sign_statement(kim[1], "contribution", json.loads(body_text)).signature)
    signature[0] ^= 1
    form = {**ANSWER, "signed": b64(bytes(signature)), "statement_body": body_text}
    refused = refused_and_nothing_submitted(runtime, browser, claim_path, form, "signature")
    assert "Show the statement to sign" in refused.text  # a fresh statement is a click away


def test_a_statement_signed_by_a_key_that_is_not_the_members_is_refused(runtime, browse, kim, pairwise):
    browser, claim_path, response = prepared(browse, kim, pairwise)
    body_text = statement_shown(response)
    pasted = coop_sign_output(nacl.signing.SigningKey.generate(), json.loads(body_text))
    form = {**ANSWER, "signed": pasted, "statement_body": body_text}
    refused_and_nothing_submitted(runtime, browser, claim_path, form, "key", status=403)


def test_a_signed_statement_for_another_answer_is_refused(runtime, browse, kim, pairwise):
    browser, claim_path, response = prepared(browse, kim, pairwise)
    body_text = statement_shown(response)
    pasted = coop_sign_output(kim[1], json.loads(body_text))
    form = {**ANSWER, "choice": "A", "signed": pasted, "statement_body": body_text}
    refused_and_nothing_submitted(runtime, browser, claim_path, form, "does not match the draft")


def test_pasted_text_that_is_neither_a_statement_nor_a_signature_is_refused(runtime, browse, kim, pairwise):
    browser, claim_path, response = prepared(browse, kim, pairwise)
    form = {**ANSWER, "signed": "not a signature!", "statement_body": statement_shown(response)}
    refused_and_nothing_submitted(runtime, browser, claim_path, form, "paste the JSON printed by `coop sign`")


def test_a_custodial_member_signs_with_the_password_by_default(browse, work, pairwise):
    page = browse(work.author).get(start(browse(work.author), pairwise.id)).text
    assert 'name="password"' in page and 'name="signed"' not in page and "coop sign" not in page


def test_a_revision_of_an_answer_is_signed_with_the_members_own_key_on_its_page(runtime, browse, work, kim, pairwise):
    browser, claim_path, response = prepared(browse, kim, pairwise)
    body_text = statement_shown(response)
    pasted = coop_sign_output(kim[1], json.loads(body_text))
    browser.post(f"{claim_path}/answer", {**ANSWER, "signed": pasted, "statement_body": body_text})
    first = runtime.item_answers.receipt(kim[0], claim_path.rsplit("/", 1)[-1]).contribution
    criteria = runtime.reviews.rubric_for(first.id)["criteria"]
    for reviewer in work.reviewers[:2]:
        runtime.reviews.review(reviewer, first.id, {c["name"]: 3 for c in criteria}, "say more")
    draft = runtime.contributions.revise(kim[0], first.id)
    form = {"choice": "A", "reason": "on reflection, A is safer", "minutes": "5"}
    shown = browser.post(f"/contributions/{draft.id}/answer", {**form, "action": "sign"})
    assert shown.status_code == 200 and 'data-testid="sign-command"' in shown.text
    revised_body = statement_shown(shown)
    assert json.loads(revised_body)["revises"] is not None
    signed = coop_sign_output(kim[1], json.loads(revised_body))
    done = browser.post(f"/contributions/{draft.id}/answer", {**form, "signed": signed, "statement_body": revised_body})
    assert done.status_code == 303, done.text
    revision = runtime.contributions.get(kim[0], draft.id)
    assert revision.status == "submitted" and revision.signer_key_id == key_id(bytes(kim[1].verify_key))
    assert revision.statement["answer"] == {"choice": "A", "reason": "on reflection, A is safer"}
