"""Keys that never leave the member (issue 17, part 2), in a real Chromium: a custodial member moves
to a WebCrypto Ed25519 key their browser holds as non-extractable (with a backup file), then answers
an item ("Submit & next") and casts a ballot, each signed in the page. The server accepts both, the
log holds them signed by that key (checked here from the log's own bytes, and by `coop log verify`),
no request the browser sent carries the private key, and the backup file signs with `coop sign`."""

from __future__ import annotations

import base64
import json
import os
from urllib.parse import quote, quote_plus

import pytest

from tests.browser.conftest import STEWARD_EMAIL, STEWARD_PASSWORD, require_playwright

require_playwright()

from playwright.sync_api import Request, expect  # noqa: E402

from provenance.core.signing import SignedStatement, key_id, verify_statement  # noqa: E402
from tests.browser.portal import (  # noqa: E402
    join_with_a_key,
    newcomer,
    open_the_vote,
    propose,
    review_contribution,
    sign_in,
)
from tests.browser.test_item_work import pairwise_task_with_five_items  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY_FILE_HEADER = "coop-ledger ed25519 seed v1\n"

# What the page's script can learn about the keys it holds: whether each is extractable, and
# whether the browser refuses to export it.
KEYS_IN_INDEXEDDB = """async () => {
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open("coop-ledger-keys", 1);
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  const all = await new Promise((ok) => {
    const r = db.transaction("keys").objectStore("keys").getAll();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  const out = [];
  for (const k of all) {
    let exported = "refused";
    try { await crypto.subtle.exportKey("pkcs8", k.privateKey); exported = "exported"; } catch (e) {}
    const key = k.privateKey;
    out.push({publicKey: k.publicKey, extractable: key.extractable, type: key.type,
              algorithm: key.algorithm.name, exported});
  }
  return out;
}"""


def logged_statements(page, public_key: str) -> list[dict]:
    """Every log entry (the leaf bytes the log serves) signed by `public_key` or naming it."""
    found, index = [], 0
    while True:
        response = page.request.get(f"/log/entries/{index}")
        if response.status == 404:
            return found
        assert response.ok, response.text()
        entry = json.loads(response.body())
        if entry.get("key") == public_key or public_key in json.dumps(entry.get("body", {})):
            found.append({"index": index, **entry})
        index += 1


def test_a_browser_key_signs_an_answer_and_a_ballot_and_never_leaves_the_page(coop_server, new_page, tmp_path):
    steward = new_page(coop_server)
    sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
    task_path = pairwise_task_with_five_items(steward)
    person = newcomer("Noor")
    page = new_page(coop_server, accept_downloads=True)
    join_with_a_key(page, steward, person)  # a custodial key, as members have by default

    sent: list[tuple[str, bytes]] = []

    def record(request: Request) -> None:
        sent.append((request.url, request.post_data_buffer or b""))

    page.context.on("request", record)

    # One step from the custodial key to a browser key, with a backup file.
    page.goto("/me")
    move = page.get_by_test_id("browser-key-move")
    expect(move).to_be_visible()  # shown only where WebCrypto Ed25519 works
    move.get_by_label("Password, to open the custodial key one last time").fill(person.password)
    with page.expect_download() as download_info:
        move.get_by_role("button", name="Move, with a backup file").click()
    backup = tmp_path / "backup.key"
    download_info.value.save_as(backup)
    expect(page.locator("#flash")).to_contain_text("Your keys are updated.")
    keys_table = page.locator("#keys-panel table")
    expect(keys_table.get_by_role("row").filter(has_text="custodial, co-op (password)")).to_contain_text("rotated")
    expect(keys_table.get_by_role("row").filter(has_text="held in this browser")).to_contain_text("active")

    text = backup.read_text()
    assert text.startswith(KEY_FILE_HEADER)
    seed = base64.b64decode(text[len(KEY_FILE_HEADER) :].strip())
    assert len(seed) == 32
    [held] = page.evaluate(KEYS_IN_INDEXEDDB)
    assert held == {
        "publicKey": held["publicKey"],
        "extractable": False,
        "type": "private",
        "algorithm": "Ed25519",
        "exported": "refused",
    }
    public_key = held["publicKey"]

    # Submit & next: the page shows the statement, signs it with the browser key and sends it.
    page.goto(task_path)
    page.get_by_role("button", name="Start working").click()
    expect(page.get_by_test_id("item")).to_contain_text("Question 1?")
    page.locator('input[name="choice"][value="B"]').check()
    page.get_by_label("Your reason").fill("B cites the guideline")
    expect(page.get_by_text("Your key is in this browser")).to_be_visible()
    page.get_by_role("button", name="Show the statement to sign").click()
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_contain_text("Answer submitted for review")
    expect(page.get_by_test_id("item")).to_contain_text("Question 2?")
    contribution_path = receipt.get_by_role("link").get_attribute("href")
    assert contribution_path and contribution_path.startswith("/contributions/")
    # Two reviewers accept it: the co-op then logs the member's signed statement with its acceptance.
    for name in ("Rita", "Rui"):
        reviewer = new_page(coop_server)
        join_with_a_key(reviewer, steward, newcomer(name), roles=("reviewer",))
        review_contribution(reviewer, contribution_path, {"consistency": 4, "justification": 4}, "Sound.")

    # A ballot, signed the same way on the proposal page (htmx swaps the vote section).
    propose(page, "resolution", "Keys stay with members", 60)
    page.get_by_label("Resolution text").fill("Members may keep their signing keys in their browsers.")
    proposal = open_the_vote(page, "Keys stay with members")
    vote = page.locator("#vote")
    vote.get_by_role("radio", name="yes", exact=True).check()
    vote.get_by_role("button", name="Show the ballot to sign").click()
    expect(vote.get_by_test_id("my-vote")).to_have_text(
        "Your ballot counts as: yes. You may change it until the vote closes."
    )
    assert proposal.startswith("/proposals/")

    # The log holds both, signed by the browser key; every signature verifies from the log's bytes.
    logged = logged_statements(page, public_key)
    kinds = [e["kind"] for e in logged]
    assert kinds.count("contribution.accepted") == 1 and kinds.count("ballot") == 1 and "member.key-rotation" in kinds
    raw_key = base64.b64decode(public_key)
    signed_by_browser = [e for e in logged if e["key"] == public_key]
    signed_by_browser += [e["body"]["statement"] for e in logged if e["kind"] == "contribution.accepted"]
    assert sorted(e["kind"] for e in signed_by_browser) == ["ballot", "contribution"]
    for entry in signed_by_browser:
        statement = SignedStatement(entry["kind"], entry["body"], raw_key, base64.b64decode(entry["sig"]))
        verify_statement(statement)  # raises if the signature does not hold
    [ballot] = [e for e in logged if e["kind"] == "ballot"]
    assert ballot["body"]["vote"] == "yes" and ballot["body"]["proposal"] == proposal.rsplit("/", 1)[-1]
    [contribution] = [e for e in signed_by_browser if e["kind"] == "contribution"]
    assert contribution["body"]["author"] == key_id(raw_key) and contribution["key"] == public_key
    audit = coop_server.coop("log", "verify")
    assert audit.returncode == 0, audit.stdout

    # No request carried the private key, in any encoding a form or fetch would use.
    b64_seed = base64.b64encode(seed).decode()
    secrets = [
        seed,
        b64_seed.encode(),
        quote_plus(b64_seed).encode(),
        quote(b64_seed, safe="").encode(),
        seed.hex().encode(),
    ]
    assert sent, "the requests were not recorded"
    for url, body in sent:
        for secret in secrets:
            assert secret not in body and secret.decode("latin-1") not in url, f"the private key went out in {url}"

    # The backup is a key file `coop sign` reads (mode 0600, as `coop key new` makes them).
    os.chmod(backup, 0o600)
    body = {"member": "anyone", "purpose": "register this key as my co-op signing key"}
    printed = json.loads(
        coop_server.coop(
            "sign", "--key", str(backup), "--kind", "member.key-registration", "--body", json.dumps(body)
        ).stdout
    )
    assert printed["key"] == public_key
    verify_statement(SignedStatement(printed["kind"], printed["body"], raw_key, base64.b64decode(printed["sig"])))
