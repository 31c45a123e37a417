"""Finding 3 of issue 12: every statement kind the co-op writes has an exact schema (unknown keys
refused, bounded text, exact types), free text stays beside the log, and no entry is too large for
a C2SP entry bundle. Checked where the services append, and at the API for what members send."""

import hashlib
import re
from types import SimpleNamespace

import nacl.signing
import pytest

from coop.statements import SCHEMAS, StatementRefused, check_statement
from governance.defaults import (
    ADJUDICATION,
    CONSENT_RULES,
    GOVERNANCE_RULES,
    PAY_CEILING,
    PAY_FLOOR,
    PAYOUT_APPROVALS,
    REVENUE_FORMULA,
    RUBRICS,
    WITNESSES,
)
from provenance.core.signing import b64, key_id, sign_statement
from provenance.writer import LeafTooLarge

ID = "0123456789abcdef0123456789abcdef"
ID2 = "fedcba9876543210fedcba9876543210"
SHA = "ab" * 32
KEY = b64(b"\x07" * 32)
SIG = b64(b"\x08" * 64)
T = "2026-11-25T09:00:00+00:00"
REF = {"policy": "pay-floor", "version": 1}
TERMS = {"permitted_uses": ["model-training"], "excluded_sectors": ["military"], "expires": None}
CONTRIBUTION = {
    "task": ID,
    "content_sha256": SHA,
    "author": key_id(b"\x07" * 32),
    "terms": TERMS,
    "minutes": 20,
    "units": 1,
    "time": T,
    "revises": None,
}
QUORUM = {"eligible": 4, "turnout": 3, "quorum_bps": 3000, "required": 2, "met": True}
RESULT = {
    "method": "yes-no",
    "outcome": "adopted",
    "counts": {"yes": 2, "no": 1, "abstain": 0},
    "quorum": QUORUM,
    "threshold": {"numerator": 1, "denominator": 2, "strict": True, "rule": "yes·2 > 1·(yes+no)", "met": True},
    "counted": {"count": 3, "root": SHA},
    "superseded": {"count": 0, "root": SHA},
    "rejected": {"count": 0, "root": SHA},
}

# One valid body per kind, shaped as the services build them.
VALID = {
    "member.admitted": {"member": ID, "by": "bootstrap", "roles": ["member", "steward"], "time": T},
    "member.roles-changed": {"member": ID, "by": ID2, "roles": ["member", "reviewer"], "time": T},
    "member.status-changed": {"member": ID, "by": ID2, "status": "suspended", "time": T},
    "member.key-registration": {"member": ID, "purpose": "register this key as my co-op signing key"},
    "member.key-rotation": {"member": ID, "old_key": key_id(b"\x07" * 32), "new_key": KEY},
    "member.key-acknowledged": {
        "member": ID,
        "key": KEY,
        "key_id": key_id(b"\x07" * 32),
        "entry": 3,
        "replaces": None,
        "time": T,
    },
    "member.key-revocation": {"member": ID, "key": key_id(b"\x07" * 32), "by": ID, "reason_sha256": SHA},
    "task.opened": {
        "task": ID,
        "kind": "evaluation",
        "rubric": {"policy": "rubric.evaluation", "version": 1},
        "pay_floor": REF,
        "pay_per_unit": 350,
        "currency": "EUR",
        "minutes_per_unit": 10,
        "unit": "item",
        "intended_uses": ["model-training"],
        "opened_by": ID2,
        "time": T,
    },
    "task.rate-raised": {"task": ID, "pay_per_unit": 400, "pay_floor": REF, "by": ID2, "time": T},
    "task.flagged": {"task": ID, "hourly_rate": 1500, "pay_floor": REF, "time": T},
    "task.items-imported": {"task": ID, "batch": ID2, "item_count": 3, "items_root": SHA, "by": ID2, "time": T},
    "task.item-retired": {"task": ID, "item": ID2, "item_sha256": SHA, "reason_sha256": SHA, "by": ID2, "time": T},
    "task.answer-spec": {
        "task": ID,
        "answer_kind": "pairwise",
        "config": {"allow_tie": True},
        "answers_per_item": 3,
        "by": ID2,
        "time": T,
    },
    "contribution": CONTRIBUTION,
    "contribution.appealed": {"appeal": ID2, "contribution": ID, "author": ID2, "reason_sha256": SHA, "time": T},
    "contribution.appeal-decided": {
        "appeal": ID2,
        "contribution": ID,
        "outcome": "overturned",
        "reason_sha256": SHA,
        "by": ID2,
        "time": T,
    },
    "contribution.adjudication-opened": {
        "adjudication": ID2,
        "contribution": ID,
        "task": ID,
        "policy": {"policy": "adjudication", "version": 2},
        "items": 12,
        "below": [{"figure": "task", "alpha_bps": 4210}, {"figure": "criterion accuracy", "alpha_bps": -350}],
        "time": T,
    },
    "contribution.adjudication-decided": {
        "adjudication": ID2,
        "contribution": ID,
        "outcome": "accepted",
        "reason_sha256": SHA,
        "by": ID2,
        "time": T,
    },
    "contribution.accepted": {
        "statement": {"kind": "contribution", "body": CONTRIBUTION, "key": KEY, "sig": SIG},
        "review_digest": SHA,
        "rubric": {"policy": "rubric.evaluation", "version": 1},
        "pay_floor": REF,
        "pay": {"per_unit": 350, "units": 1, "currency": "EUR"},
        "accepted_at": T,
    },
    "consent.revocation": {"contribution_entry": 12, "content_sha256": SHA, "revokes": "all future licenses"},
    "ballot": {"proposal": ID, "member": ID2, "vote": "yes", "cast_at": T},
    "proposal.opened": {
        "proposal": ID,
        "kind": "pay-floor",
        "method": "yes-no",
        "options": {"body": PAY_FLOOR},
        "policy": "pay-floor",
        "quorum_bps": 3000,
        "threshold": "simple-majority",
        "opens_at": T,
        "closes_at": T,
        "effective_at": None,
        "eligible_count": 2,
        "eligible_root": SHA,
        "rules": {"policy": "governance-rules", "version": 1},
        "proposer": ID,
    },
    "proposal.result": {"proposal": ID, "result": RESULT, "closed_at": T},
    "payout.proposed": {
        "run": ID,
        "by": ID2,
        "currency": "EUR",
        "minimum": 100,
        "lines": 2,
        "total": 5_000_000_00,
        "lines_root": SHA,
        "policy": {"policy": "payout-approvals", "version": 1},
        "time": T,
    },
    "payout.approved": {
        "run": ID,
        "member": ID2,
        "lines_root": SHA,
        "total": 1_000,
        "currency": "EUR",
        "approved_at": T,
    },
    "payout.sent": {"run": ID, "by": ID2, "time": T},
    "policy.adopted": {
        "policy": "pay-floor",
        "version": 2,
        "body_sha256": SHA,
        "body": PAY_FLOOR,
        "effective_at": T,
        "adopted_via": f"proposal:{ID}",
    },
    "release.published": {
        "release": ID,
        "title": "Clinical answers",
        "intended_uses": ["research"],
        "items_root": SHA,
        "item_count": 1,
        "excluded": {"consent": 2},
        "price": {"amount": 100, "currency": "EUR"},
        "policies": {"consent-rules": 1, "revenue-formula": 1},
        "published_at": T,
        "sample": [3, 7],
    },
    "license.granted": {
        "license": ID,
        "release": ID2,
        "release_entry": 9,
        "buyer_org": ID,
        "uses": ["research"],
        "sector": None,
        "price": {"amount": 100, "currency": "EUR"},
        "included_count": 1,
        "included_root": SHA,
        "excluded": {},
        "granted_at": T,
        "consent_rules": {"policy": "consent-rules", "version": 1},
        "terms": {"version": 1, "sha256": SHA},
    },
    "license.withdrawal": {
        "license": ID,
        "license_entry": 10,
        "sequence": 1,
        "revocation_entry": 12,
        "contribution_entry": 4,
        "content_sha256": SHA,
        "noticed_at": T,
    },
    "task.approval": {
        "task": ID,
        "approver": ID2,
        "pay_per_unit": 500_000_000,
        "currency": "EUR",
        "budget_minor": 500_000_000,
        "time": T,
    },
    "revenue.reported": {
        "report": ID,
        "license": ID2,
        "license_entry": 10,
        "amount": 100_000,
        "currency": "EUR",
        "description_sha256": SHA,
        "reported_by": ID2,
        "time": T,
    },
    "revenue.confirmation": {
        "report": ID,
        "report_entry": 11,
        "license": ID2,
        "amount": 100_000,
        "currency": "EUR",
        "confirmer": ID,
        "time": T,
    },
    "license.files": {
        "license": ID,
        "license_entry": 10,
        "records": 1,
        "format": "coop-judgments/1",
        "row_group_rows": 4096,
        "parquet_writer": "parquet-cpp-arrow version 26.0.1",
        "files": [
            {"name": "judgments.jsonl", "media_type": "application/jsonlines", "sha256": SHA, "size": 10},
            {"name": "judgments.parquet", "media_type": "application/x-parquet", "sha256": SHA, "size": 20},
        ],
        "made_at": T,
    },
    "books.committed": {"txs": [{"tx": 7, "sha256": SHA}, {"tx": 8, "sha256": SHA}]},
}


def test_every_kind_the_coop_writes_has_a_sample_here():
    assert set(VALID) == set(SCHEMAS)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_a_well_formed_statement_of_each_kind_passes_its_schema(kind):
    check_statement(kind, VALID[kind])


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_kind_refuses_an_unknown_key_and_the_log_stays_as_it_was(kind, log, engine):
    """A co-op statement with an extra key (say, an email) is refused where the services append."""
    statement = sign_statement(log.signer.signing_key, kind, {**VALID[kind], "email": "elena@example.org"})
    with engine.begin() as conn, pytest.raises(StatementRefused, match="unknown field `email`"):
        log.append_in_transaction(conn, [statement])
    assert log.size() == 0


@pytest.mark.parametrize(
    "kind, field, value",
    [
        ("member.admitted", "roles", ["member", "owner"]),
        ("task.opened", "unit", "u" * 41),
        ("task.opened", "pay_per_unit", 3.5),
        ("task.opened", "pay_per_unit", True),
        ("ballot", "vote", "v" * 81),
        ("ballot", "cast_at", "yesterday"),
        ("release.published", "title", "t" * 201),
        ("member.key-revocation", "reason_sha256", "my neighbour John stole my laptop"),
        ("proposal.opened", "options", {"body": {**PAY_FLOOR, "note": "x"}}),
        ("policy.adopted", "body", {**PAY_FLOOR, "hourly_minimum": {"EUR": -1}}),
    ],
)
def test_bounded_text_and_exact_types_are_enforced(kind, field, value):
    with pytest.raises(StatementRefused, match=field if field not in ("options", "body") else "note|hourly_minimum"):
        check_statement(kind, {**VALID[kind], field: value})


@pytest.mark.parametrize(
    "name, body",
    [
        ("pay-floor", PAY_FLOOR),
        ("consent-rules", CONSENT_RULES),
        ("revenue-formula", REVENUE_FORMULA),
        ("governance-rules", GOVERNANCE_RULES),
        ("adjudication", ADJUDICATION),
        ("payout-approvals", PAYOUT_APPROVALS),
        ("pay-ceiling", PAY_CEILING),
        ("witnesses", WITNESSES),
        *((f"rubric.{k}", v) for k, v in RUBRICS.items()),
    ],
)
def test_every_default_policy_fits_its_schema(name, body):
    check_statement("policy.adopted", {**VALID["policy.adopted"], "policy": name, "body": body})


def test_a_kind_the_coop_does_not_write_is_refused_by_the_services_path(log, engine):
    with engine.begin() as conn, pytest.raises(StatementRefused, match="not one the co-op writes"):
        log.append_in_transaction(conn, [sign_statement(log.signer.signing_key, "member.note", {"text": "hello"})])


# -- the entry size limit -------------------------------------------------------------------------


def test_the_writer_refuses_a_leaf_of_65536_bytes_and_writes_nothing(log):
    with pytest.raises(LeafTooLarge, match="65535"):
        log.writer.append([b"x" * 65_536])
    assert log.size() == 0


def test_the_largest_leaf_the_writer_takes_is_served_in_its_entry_bundle(log):
    assert log.writer.append([b"x" * 65_535]) == [0]
    bundle = log.entry_bundle(0, 1)
    assert bundle[:2] == b"\xff\xff" and len(bundle) == 2 + 65_535


def test_an_oversized_statement_over_http_is_refused_and_nothing_is_logged(client, log):
    key = nacl.signing.SigningKey(b"\x05" * 32)
    s = sign_statement(key, "test.entry", {"pad": "x" * 70_000})
    response = client.post(
        "/log/entries",
        json={
            "statements": [{"kind": s.kind, "body": dict(s.body), "key": b64(s.public_key), "sig": b64(s.signature)}]
        },
        headers={"Authorization": "Bearer test-append-token"},
    )
    assert response.status_code == 400 and "at most 65535 bytes" in response.json()["detail"]
    assert log.size() == 0


# -- through the API: proposals and member-signed statements ----------------------------------------


def api_token(client, email, password):
    response = client.post(
        "/api/tokens", json={"email": email, "password": password, "label": "test", "scopes": ["read", "write"]}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def ana(runtime, admit, client):
    runtime.policies.seed_defaults()
    principal = admit("ana")
    return SimpleNamespace(principal=principal, headers=api_token(client, "ana@coop.test", "ana-password"))


@pytest.mark.parametrize(
    "kind, options, field",
    [
        ("admit-member", {"member": ID, "name": "Elena Example", "email": "elena@example.org"}, "unknown field `name`"),
        (
            "resolution",
            {"text": "We adopt this.", "signatories": ["Elena Example <elena@example.org>"]},
            "unknown field `signatories`",
        ),
        ("resolution", {"text": "x" * 70_000}, r"length <= 20000 - at `\$.text`"),
        ("pay-floor", {"body": PAY_FLOOR, "comment": "c" * 60_000}, "unknown field `comment`"),
        (
            "rubric",
            {"task_kind": "ranking", "drafts": [{"label": "A", "body": RUBRICS["ranking"], "author": "Elena"}]},
            "unknown field `author`",
        ),
    ],
)
def test_proposal_options_with_unknown_keys_or_oversized_text_are_refused_and_nothing_is_logged(
    client, ana, log, kind, options, field
):
    before = log.size()
    response = client.post(
        "/api/proposals", json={"kind": kind, "title": "Test", "options": options}, headers=ana.headers
    )
    assert response.status_code == 400 and re.search(field, response.json()["detail"]), response.text
    assert log.size() == before


def test_a_resolution_is_logged_as_the_hash_of_its_text_kept_beside_the_log(client, ana, runtime, log):
    from sqlalchemy import text

    from provenance.core.entry import parse_leaf

    wording = "The co-op thanks Elena Example for her years of service."
    response = client.post(
        "/api/proposals",
        json={"kind": "resolution", "title": "Thanks", "options": {"text": wording}},
        headers=ana.headers,
    )
    assert response.status_code == 201, response.text
    body = parse_leaf(log.entry(response.json()["log_index"])).body
    digest = hashlib.sha256(wording.encode()).hexdigest()
    assert (
        body["options"] == {"text_sha256": digest} and "Elena" not in log.entry(response.json()["log_index"]).decode()
    )
    with runtime.engine.connect() as conn:
        assert conn.execute(text("SELECT text FROM log_text WHERE sha256 = :d"), {"d": digest}).scalar() == wording
    assert response.json()["options"] == {"text": wording}  # members still read the wording itself


def test_a_ballot_with_an_unknown_key_is_refused_with_a_400_naming_it(client, ana, runtime, log):
    key = nacl.signing.SigningKey.generate()
    runtime.keys.register_own_key(
        ana.principal, sign_statement(key, "member.key-registration", runtime.keys.registration_body(ana.principal))
    )
    proposal = client.post(
        "/api/proposals", json={"kind": "resolution", "title": "T", "options": {"text": "t"}}, headers=ana.headers
    ).json()
    body = {**runtime.governance.ballot_body(ana.principal, proposal["id"], "yes"), "note": "Elena Example"}
    s = sign_statement(key, "ballot", body)
    before = log.size()
    response = client.post(
        f"/api/proposals/{proposal['id']}/ballots",
        headers=ana.headers,
        json={"statement": {"kind": "ballot", "body": body, "key": b64(s.public_key), "sig": b64(s.signature)}},
    )
    assert response.status_code == 400 and "unknown field `note`" in response.json()["detail"], response.text
    assert log.size() == before


def test_a_revocation_reason_is_kept_beside_the_log_as_its_hash(runtime, admit, log):
    from provenance.core.entry import parse_leaf

    bo = admit("bo")
    key = runtime.keys.create_custodial_key(bo, "bo-password")
    index = runtime.keys.revoke(bo, key.key_id, "left my laptop at Elena's flat")
    body = parse_leaf(log.entry(index)).body
    assert body["reason_sha256"] == hashlib.sha256(b"left my laptop at Elena's flat").hexdigest()
    assert b"Elena" not in log.entry(index)
