"""The statements a member signs with their own key, done from docs/signed-statements.md alone: the
key id from its recipe, the signed bytes from its recipe, the bodies as the OpenAPI document types them."""

import base64
import hashlib
import json
import re
from datetime import UTC
from pathlib import Path

import nacl.signing
import pytest

DOC = (Path(__file__).parent.parent / "docs" / "signed-statements.md").read_text()


def documented_key_id(public_key: bytes) -> str:
    """The doc's recipe, as written there: hex(SHA-256(b"coop-ledger key\\n" + public_key))[:32]."""
    assert 'hex(SHA-256(b"coop-ledger key\\n" + public_key))[:32]' in DOC
    return hashlib.sha256(b"coop-ledger key\n" + public_key).hexdigest()[:32]


def jcs(value) -> bytes:
    """RFC 8785 for bodies of strings, integers, lists and objects: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(key: nacl.signing.SigningKey, kind: str, body: dict) -> dict:
    message = b"coop-ledger statement v1\n" + kind.encode("ascii") + b"\n" + jcs(body)
    return {
        "kind": kind,
        "body": body,
        "key": base64.b64encode(bytes(key.verify_key)).decode(),
        "sig": base64.b64encode(key.sign(message).signature).decode(),
    }


@pytest.fixture
def own_key(runtime, client, admit):
    """A member who registered a key of their own over the API, signed from the doc's recipe."""
    member = admit("bo")
    headers = {"Authorization": f"Bearer {runtime.auth.create_token(member, 't', ['read', 'write'])}"}
    key = nacl.signing.SigningKey(b"\x07" * 32)
    body = {"member": member.account_id, "purpose": "register this key as my co-op signing key"}
    registered = client.post("/api/me/keys", json=sign(key, "member.key-registration", body), headers=headers)
    assert registered.status_code == 201, registered.text
    return member, headers, key, registered.json()


def test_a_key_id_is_what_the_documented_recipe_derives(own_key):
    _, _, key, registered = own_key
    assert registered["key_id"] == documented_key_id(bytes(key.verify_key))


def test_the_documented_example_bytes_are_the_canonical_json_of_the_example_body():
    body = json.loads(re.search(r"Body as sent.*?```json\n(.*?)```", DOC, re.S).group(1))
    signed = re.search(r"The exact bytes signed.*?```\n(.*?)\n```", DOC, re.S).group(1)
    assert signed.encode() == b"coop-ledger statement v1\nballot\n" + jcs(body)


@pytest.fixture
def proposal(runtime, own_key, admit):
    runtime.policies.seed_defaults()
    return runtime.governance.propose(own_key[0], "resolution", "Tea", "", {"text": "Yes, tea."}, voting_minutes=60)


def test_a_ballot_signed_from_the_documented_recipe_is_counted(runtime, client, own_key, proposal, clock):
    member, headers, key, _ = own_key
    body = {"proposal": proposal.id, "member": member.account_id, "vote": "yes", "cast_at": clock().isoformat()}
    cast = client.post(
        f"/api/proposals/{proposal.id}/ballots", json={"statement": sign(key, "ballot", body)}, headers=headers
    )
    assert cast.status_code == 201, cast.text
    assert client.get(f"/api/proposals/{proposal.id}/recount").json()["computed"]["counts"]["yes"] == 1


def test_a_cast_at_without_a_timezone_is_refused_as_such(runtime, client, own_key, proposal, clock):
    member, headers, key, _ = own_key
    naive = clock().astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    body = {"proposal": proposal.id, "member": member.account_id, "vote": "yes", "cast_at": naive}
    cast = client.post(
        f"/api/proposals/{proposal.id}/ballots", json={"statement": sign(key, "ballot", body)}, headers=headers
    )
    assert cast.status_code == 400 and "has no timezone" in cast.json()["detail"]


def test_an_unknown_field_in_a_signed_body_is_refused_by_name(client, own_key, proposal):
    member, headers, key, _ = own_key
    body = {"proposal": proposal.id, "member": member.account_id, "vote": "yes", "cast_at": "x", "extra": 1}
    cast = client.post(
        f"/api/proposals/{proposal.id}/ballots", json={"statement": sign(key, "ballot", body)}, headers=headers
    )
    assert cast.status_code == 400 and "extra" in cast.text


@pytest.mark.parametrize(
    "path,method,schema_field",
    [
        ("/api/proposals/{proposal_id}/ballots", "post", "statement"),
        ("/api/me/keys", "post", None),
        ("/api/me/keys/rotate", "post", None),
        ("/api/contributions/{contribution_id}/revoke-consent", "post", "statement"),
        ("/api/contributions/{contribution_id}/submit", "post", "statement"),
        ("/api/claims/{claim_id}/answer", "post", "statement"),
    ],
)
def test_every_member_signed_body_is_typed_in_openapi_with_its_signed_bytes(client, path, method, schema_field):
    document = client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]

    def resolve(node):
        while "$ref" in node or "oneOf" in node or "allOf" in node:
            if "allOf" in node:
                node = node["allOf"][0]
            elif "oneOf" in node:
                node = next(n for n in node["oneOf"] if n.get("type") != "null")
            else:
                node = schemas[node["$ref"].rsplit("/", 1)[1]]
        return node

    request = resolve(document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"])
    statement = resolve(request["properties"][schema_field]) if schema_field else request
    assert set(statement["required"]) == {"kind", "body", "key", "sig"}
    assert "coop-ledger statement v1" in statement["properties"]["sig"]["description"]
    body = resolve(statement["properties"]["body"])
    assert body["required"]
    assert all("description" in field or "$ref" in field or "oneOf" in field for field in body["properties"].values())


def test_the_contribution_body_is_typed_in_openapi_with_its_fields_and_an_example_of_the_bytes_signed(client):
    document = client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]

    def named(node):
        return schemas[node["$ref"].rsplit("/", 1)[1]]

    for path in ("/api/contributions/{contribution_id}/submit", "/api/claims/{claim_id}/answer"):
        request = named(document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"])
        statement = named(next(n for n in request["properties"]["statement"]["oneOf"] if "$ref" in n))
        assert statement["properties"]["kind"]["const"] == "contribution"
        given = statement["properties"]["body"]
        body = named(given["allOf"][0])
        signed_fields = {"task", "content_sha256", "author", "terms", "minutes", "units", "time", "revises"}
        assert set(body["required"]) == signed_fields
        assert set(body["properties"]) == signed_fields | {"item", "item_sha256", "answer"}
        assert all("description" in field for field in body["properties"].values())
        terms = named(body["properties"]["terms"]["allOf"][0])
        assert set(terms["required"]) == {"permitted_uses", "excluded_sectors", "expires"}
        # The example is complete, and the bytes the description gives are what the doc's recipe signs.
        example = given["examples"][0]
        assert set(example) == set(body["properties"]) and set(example["terms"]) == set(terms["required"])
        assert example["content_sha256"] == hashlib.sha256(jcs(example["answer"])).hexdigest()
        message = b"coop-ledger statement v1\ncontribution\n" + jcs(example)
        assert message.decode().replace("\n", "\\n") in given["description"]
        signed = re.search(r"Contribution: the exact bytes signed.*?```\n(.*?)\n```", DOC, re.S).group(1)
        assert signed.encode() == message


def test_free_form_work_signed_from_the_typed_body_without_the_item_fields_is_submitted(runtime, client, own_key, work):
    member, headers, key, _ = own_key
    terms = {"permitted_uses": ["model-training"], "excluded_sectors": [], "expires": None}
    draft = client.post(
        "/api/contributions/",
        json={"task_id": work.task.id, "minutes": 15, "terms": terms, "text": "Start metformin."},
        headers=headers,
    )
    assert draft.status_code == 201, draft.text
    draft_id = draft.json()["id"]
    public = base64.b64encode(bytes(key.verify_key)).decode()
    to_sign = client.get(f"/api/contributions/{draft_id}/statement", params={"key": public}, headers=headers).json()
    assert to_sign["kind"] == "contribution"
    body = to_sign["body"]
    assert not {"item", "item_sha256", "answer"} & set(body)  # absent, not null: the bytes signed stay the same
    submitted = client.post(
        f"/api/contributions/{draft_id}/submit", json={"statement": sign(key, "contribution", body)}, headers=headers
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    extra = client.post(
        f"/api/contributions/{draft_id}/submit",
        json={"statement": sign(key, "contribution", {**body, "note": "x"})},
        headers=headers,
    )
    assert extra.status_code == 400 and "note" in extra.text
