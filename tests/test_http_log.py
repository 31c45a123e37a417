"""The public log over HTTP, checked the way an outside RFC 6962 / signed-note client would."""

import base64

import pytest

from provenance.core import merkle
from provenance.core.note import NoteVerifier, verify_checkpoint
from provenance.core.signing import b64, sign_statement
from tests.conftest import ORIGIN
from tests.test_note import independent_verify

AUTH = {"Authorization": "Bearer test-append-token"}


def statement_json(key, n):
    s = sign_statement(key, "test.entry", {"n": n})
    return {"kind": s.kind, "body": s.body, "key": b64(s.public_key), "sig": b64(s.signature)}


@pytest.fixture
def filled(client, member_key):
    for start in range(0, 300, 100):
        response = client.post(
            "/log/entries",
            json={"statements": [statement_json(member_key, i) for i in range(start, start + 100)]},
            headers=AUTH,
        )
        assert response.status_code == 201, response.text
    return client


def test_checkpoint_verifies_with_the_published_key_by_an_independent_verifier(filled):
    note = filled.get("/log/checkpoint")
    assert note.headers["content-type"].startswith("text/plain")
    vkey = filled.get("/log/key").text.strip()
    text = independent_verify(note.text, vkey)
    assert text.startswith(f"{ORIGIN}\n300\n")


def test_inclusion_proof_verifies_against_the_checkpoint(filled):
    checkpoint = verify_checkpoint(
        filled.get("/log/checkpoint").text, NoteVerifier.parse(filled.get("/log/key").text), ORIGIN
    )
    leaf = filled.get("/log/entries/123")
    assert leaf.headers["content-type"] == "application/octet-stream"
    proof = filled.get("/log/proof/inclusion", params={"index": 123, "size": checkpoint.size}).json()
    assert proof["index"] == 123 and proof["tree_size"] == 300
    assert base64.b64decode(proof["leaf_hash"]) == merkle.leaf_hash(leaf.content)
    merkle.verify_inclusion(
        merkle.leaf_hash(leaf.content), 123, 300, [base64.b64decode(h) for h in proof["hashes"]], checkpoint.root_hash
    )


def test_consistency_proof_links_every_earlier_checkpoint(filled, log):
    latest = log.latest_checkpoint()
    for earlier in (100, 200):
        proof = filled.get("/log/proof/consistency", params={"from": earlier, "to": 300}).json()
        assert (proof["from"], proof["to"]) == (earlier, 300)
        merkle.verify_consistency(
            earlier, 300, log.root(earlier), latest.root_hash, [base64.b64decode(h) for h in proof["hashes"]]
        )


def test_tiles_are_served_in_c2sp_layout(filled, log):
    full = filled.get("/log/tile/0/000")
    assert len(full.content) == 256 * 32
    partial = filled.get("/log/tile/0/001.p/44")
    assert len(partial.content) == 44 * 32
    assert filled.get("/log/tile/1/000.p/1").content == log.root(256)
    bundle = filled.get("/log/tile/entries/001.p/44").content
    first = int.from_bytes(bundle[:2], "big")
    assert bundle[2 : 2 + first] == filled.get("/log/entries/256").content


@pytest.mark.parametrize(
    "url,status,reason",
    [
        ("/log/entries/300", 404, "does not exist"),
        ("/log/entries/abc", 400, "non-negative decimal"),
        ("/log/entries/-1", 400, "non-negative decimal"),
        ("/log/proof/inclusion?index=5&size=301", 400, "larger than the log"),
        ("/log/proof/inclusion?index=300&size=300", 400, "out of range"),
        ("/log/proof/inclusion?index=1", 400, "'size' is required"),
        ("/log/proof/inclusion?index=1e3&size=5", 400, "non-negative decimal"),
        ("/log/proof/consistency?from=200&to=100", 400, "larger than to"),
        ("/log/proof/consistency?from=1&to=999", 400, "larger than the log"),
        ("/log/tile/0/002", 404, "does not exist"),
        ("/log/tile/0/001.p/45", 404, "only 44"),
        ("/log/tile/0/x1/2", 400, "3 digits"),
        ("/log/tile/9x/000", 400, "tile level"),
    ],
)
def test_bad_requests_get_a_clear_client_error(filled, url, status, reason):
    response = filled.get(url)
    assert response.status_code == status
    assert reason in response.json()["detail"]


def test_empty_log_has_no_checkpoint(client):
    response = client.get("/log/checkpoint")
    assert response.status_code == 404


def test_append_without_the_token_is_refused_and_writes_nothing(client, member_key, log):
    response = client.post("/log/entries", json={"statements": [statement_json(member_key, 1)]})
    assert response.status_code == 401
    assert log.size() == 0


def test_append_with_a_bad_signature_is_refused_with_the_reason(client, member_key, log):
    bad = statement_json(member_key, 1)
    bad["body"] = {"n": 2}
    response = client.post("/log/entries", json={"statements": [statement_json(member_key, 0), bad]}, headers=AUTH)
    assert response.status_code == 400
    assert "signature does not verify" in response.json()["detail"]
    assert log.size() == 0


def test_openapi_documents_the_log_endpoints(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path in ["/log/checkpoint", "/log/key", "/log/proof/inclusion", "/log/proof/consistency"]:
        assert path in paths
