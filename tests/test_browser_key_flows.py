"""The server's side of keys held in the member's browser (docs/browser-keys.md): a custodial
member moves to a key of their own in one step (one rotation, signed by the custodial key, with the
new key's proof of possession checked); a member whose key is their own casts a ballot on the
proposal page by signing the statement the page shows (what the browser key does in the page)."""

import html
import json
import re

import nacl.signing
import pytest
from sqlalchemy import select

from coop.kernel.errors import Conflict, NotAllowed, Refused
from coop.membership.keys import REGISTRATION, ROTATION
from coop.membership.models import KeyEvent
from provenance.core.signing import b64, key_id, sign_statement


def registration(runtime, member, key):
    return sign_statement(key, REGISTRATION, runtime.keys.registration_body(member))


def log_entry(runtime, index):
    """The statement logged at `index` (an entry is the statement's JSON)."""
    return json.loads(runtime.log.entry(index))


def test_a_custodial_member_moves_to_their_own_key_in_one_logged_rotation(runtime, admit, clock):
    bo = admit("bo")
    custodial = runtime.keys.create_custodial_key(bo, "bo-password")
    clock.advance(minutes=2)
    browser_key = nacl.signing.SigningKey.generate()
    moved = runtime.keys.move_custodial_to_own(bo, "bo-password", registration(runtime, bo, browser_key))
    assert moved.custody == "own" and moved.public_key == bytes(browser_key.verify_key)
    assert moved.key_id == key_id(bytes(browser_key.verify_key))
    keys = {k.key_id: k for k in runtime.keys.keys_of(bo.account_id)}
    assert keys[custodial.key_id].ended_by == "rotated" and keys[moved.key_id].valid_until is None
    with runtime.engine.connect() as connection:
        ended = connection.execute(select(KeyEvent).where(KeyEvent.key_id == custodial.key_id)).all()
    assert [e.event for e in ended] == ["registered", "rotated"] and ended[1].log_index == moved.log_index
    rotation = log_entry(runtime, moved.log_index)
    assert rotation["kind"] == ROTATION and rotation["body"]["old_key"] == custodial.key_id
    assert rotation["body"]["new_key"] == b64(bytes(browser_key.verify_key))
    assert rotation["key"] == b64(custodial.public_key)  # announced by the custodial key
    signed = sign_statement(browser_key, "contribution", {"task": "t1", "content_sha256": "ab" * 32, "minutes": 3})
    assert runtime.keys.verify_member_statement(signed).key_id == moved.key_id
    with pytest.raises(Conflict):  # the custodial key is closed for good
        runtime.keys.sign_as(bo, "bo-password", "contribution", {"task": "t1"})


def test_moving_needs_the_password_and_the_new_keys_proof_and_changes_nothing_otherwise(runtime, admit):
    bo, cy = admit("bo"), admit("cy")
    custodial = runtime.keys.create_custodial_key(bo, "bo-password")
    browser_key = nacl.signing.SigningKey.generate()
    with pytest.raises(NotAllowed):
        runtime.keys.move_custodial_to_own(bo, "wrong-password", registration(runtime, bo, browser_key))
    with pytest.raises(Refused):  # a statement for another member proves nothing for bo
        runtime.keys.move_custodial_to_own(bo, "bo-password", registration(runtime, cy, browser_key))
    forged = registration(runtime, bo, browser_key)
    other = nacl.signing.SigningKey.generate()
    with pytest.raises(Refused):  # signed by another key than the one it names
        runtime.keys.move_custodial_to_own(
            bo, "bo-password", type(forged)(forged.kind, forged.body, bytes(other.verify_key), forged.signature)
        )
    [only] = runtime.keys.keys_of(bo.account_id)
    assert only.key_id == custodial.key_id and only.valid_until is None


def test_a_member_whose_key_is_their_own_cannot_move_from_custodial(runtime, admit):
    bo = admit("bo")
    runtime.keys.register_own_key(bo, registration(runtime, bo, nacl.signing.SigningKey.generate()))
    with pytest.raises(Conflict):
        runtime.keys.move_custodial_to_own(
            bo, "bo-password", registration(runtime, bo, nacl.signing.SigningKey.generate())
        )


def test_the_keys_panel_moves_a_custodial_member_to_the_key_their_browser_made(runtime, admit, browse):
    bo = admit("bo")
    runtime.keys.create_custodial_key(bo, "bo-password")
    b = browse(bo)
    panel = b.get("/me").text
    assert "custodial, co-op (password)" in panel and 'data-testid="browser-key-move"' in panel
    move_form = re.search(r'<form [^>]*data-testid="browser-key-move"[^>]*>', panel).group(0)
    assert " hidden " in move_form  # without the script (or WebCrypto Ed25519) the form stays out of sight
    assert "Rotate (to a new custodial key)" in panel  # the custodial way stays
    browser_key = nacl.signing.SigningKey.generate()
    signed = registration(runtime, bo, browser_key)
    statement = {
        "kind": signed.kind,
        "body": dict(signed.body),
        "key": b64(signed.public_key),
        "sig": b64(signed.signature),
    }
    moved = b.post("/me/keys/custodial-to-own", {"password": "bo-password", "statement": json.dumps(statement)})
    assert moved.status_code == 303, moved.text
    assert runtime.keys.active_key(bo.account_id).public_key == bytes(browser_key.verify_key)
    refused = b.post("/me/keys/custodial-to-own", {"password": "bo-password", "statement": "{}"})
    assert refused.status_code == 400 and "paste the JSON" in refused.text


@pytest.fixture
def own_key_voter(runtime, admit):
    runtime.policies.seed_defaults()
    ana = admit("ana")
    key = nacl.signing.SigningKey.generate()
    runtime.keys.register_own_key(ana, registration(runtime, ana, key))
    return ana, key


def test_a_member_with_their_own_key_signs_the_ballot_the_page_shows(runtime, own_key_voter, browse):
    ana, key = own_key_voter
    proposal = runtime.governance.propose(ana, "resolution", "R", "", {"text": "t"}, voting_minutes=60)
    b = browse(ana)
    page = b.get(f"/proposals/{proposal.id}").text
    assert "Show the ballot to sign" in page and 'name="password"' not in page.split('id="vote"')[1]
    shown = b.client.post(
        f"/proposals/{proposal.id}/vote", data={"vote": "yes", "_csrf_token": b.csrf}, headers={"hx-request": "true"}
    )
    assert shown.status_code == 200 and 'data-browser-sign="ballot"' in shown.text
    body_text = html.unescape(re.search(r'name="statement_body" value="([^"]*)"', shown.text).group(1))
    body = json.loads(body_text)
    assert body["vote"] == "yes" and body["member"] == ana.account_id
    signature = b64(sign_statement(key, "ballot", body).signature)
    bad = b.client.post(
        f"/proposals/{proposal.id}/vote",
        data={"vote": "yes", "signed": b64(bytes(64)), "statement_body": body_text, "_csrf_token": b.csrf},
        headers={"hx-request": "true"},
    )
    assert bad.status_code == 400 and runtime.governance.my_vote(ana, proposal.id) is None
    cast = b.client.post(
        f"/proposals/{proposal.id}/vote",
        data={"vote": "yes", "signed": signature, "statement_body": body_text, "_csrf_token": b.csrf},
        headers={"hx-request": "true"},
    )
    assert cast.status_code == 200 and 'data-testid="my-vote"' in cast.text, cast.text
    assert runtime.governance.my_vote(ana, proposal.id) == "yes"
