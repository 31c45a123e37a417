"""Tampering with the log's tables (issue 16), on SQLite and PostgreSQL: each change is refused by the
database, and, once someone who owns the database drops the guards, detected and named by the audit
(`coop log verify`). None goes unnoticed."""

from pathlib import Path

import nacl.signing
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from provenance.audit import AuditFailure, audit_log
from provenance.core.entry import statement_leaf
from provenance.core.merkle import leaf_hash
from provenance.core.signing import sign_statement
from provenance.writer import LogHeadMismatch
from tests.conftest import ORIGIN

LOG_TABLES = ["log_entry", "log_tile_hash", "log_checkpoint", "log_head"]


def statement(key, n):
    return sign_statement(key, "test.entry", {"n": n, "text": "x" * 100})


@pytest.fixture
def filled(log, member_key):
    """300 entries in two batches: checkpoints of size 150 and 300, one tile hash (level 1, index 0)."""
    log.append_many([statement(member_key, i) for i in range(150)])
    log.append_many([statement(member_key, i) for i in range(150, 300)])
    return log


def refused(engine, sql, **params):
    with pytest.raises(DBAPIError, match="refused") as caught, engine.begin() as conn:
        conn.execute(text(sql), params)
    return str(caught.value)


def as_owner(engine, db_kind, *statements, **params):
    """What whoever owns the database can do: drop the guards (every trigger on the log's tables), then
    change rows at will."""
    with engine.begin() as conn:
        if db_kind == "postgresql":
            for table in LOG_TABLES:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            names = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'log_%'")
            ).scalars()
            for name in list(names):
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        for sql in statements:
            conn.execute(text(sql), params)


def audit_fails(engine, signer, match, known=()):
    with pytest.raises(AuditFailure, match=match):
        audit_log(engine, signer.verifier, ORIGIN, known=known)


def leaf_at(engine, idx):
    with engine.connect() as conn:
        return bytes(conn.execute(text("SELECT leaf FROM log_entry WHERE idx = :i"), {"i": idx}).scalar_one())


def test_one_changed_byte_of_an_entry_is_refused_then_named_by_the_audit(filled, engine, signer, db_kind):
    leaf = bytearray(leaf_at(engine, 7))
    leaf[40] ^= 0x01
    refused(engine, "UPDATE log_entry SET leaf = :leaf WHERE idx = 7", leaf=bytes(leaf))
    as_owner(engine, db_kind, "UPDATE log_entry SET leaf = :leaf WHERE idx = 7", leaf=bytes(leaf))
    audit_fails(engine, signer, "entry 7: stored leaf hash does not match")


def test_a_changed_byte_with_its_leaf_hash_recomputed_is_named_by_its_signature(filled, engine, signer, db_kind):
    leaf = bytearray(leaf_at(engine, 7))
    leaf[-70] ^= 0x01  # inside the statement's signature
    as_owner(
        engine,
        db_kind,
        "UPDATE log_entry SET leaf = :leaf, leaf_hash = :digest WHERE idx = 7",
        leaf=bytes(leaf),
        digest=leaf_hash(bytes(leaf)),
    )
    audit_fails(engine, signer, "entry 7")


def test_an_entry_replaced_by_a_validly_re_signed_one_breaks_the_signed_root(filled, engine, signer, db_kind):
    forged = statement_leaf(statement(nacl.signing.SigningKey(b"\x09" * 32), 7))
    refused(
        engine,
        "UPDATE log_entry SET leaf = :leaf, leaf_hash = :digest WHERE idx = 7",
        leaf=forged,
        digest=leaf_hash(forged),
    )
    as_owner(
        engine,
        db_kind,
        "UPDATE log_entry SET leaf = :leaf, leaf_hash = :digest WHERE idx = 7",
        leaf=forged,
        digest=leaf_hash(forged),
    )
    audit_fails(engine, signer, "checkpoint of size 150: signed root is not the root of the stored entries")


def test_an_edited_checkpoint_is_refused_then_named(filled, engine, signer, db_kind):
    refused(engine, "UPDATE log_checkpoint SET root_hash = :h WHERE size = 150", h=b"\x00" * 32)
    as_owner(engine, db_kind, "UPDATE log_checkpoint SET root_hash = :h WHERE size = 150", h=b"\x00" * 32)
    audit_fails(engine, signer, "checkpoint of size 150: signed note and stored columns disagree")


def test_a_checkpoint_note_edited_to_another_root_fails_its_signature(filled, engine, signer, db_kind, log):
    note = log.latest_checkpoint().note
    lines = note.split("\n")
    lines[2] = leaf_hash(b"other").hex()[:43] + "="  # the root line, no longer what was signed
    as_owner(engine, db_kind, "UPDATE log_checkpoint SET note = :note WHERE size = 300", note="\n".join(lines))
    audit_fails(engine, signer, "checkpoint of size 300")


def test_a_deleted_latest_checkpoint_is_refused_then_named(filled, engine, signer, db_kind):
    refused(engine, "DELETE FROM log_checkpoint WHERE size = 300")
    as_owner(engine, db_kind, "DELETE FROM log_checkpoint WHERE size = 300")
    audit_fails(engine, signer, "the latest checkpoint covers 150 of the 300 stored entries")


def test_a_deleted_earlier_checkpoint_is_named_against_a_receipt_that_holds_it(filled, engine, signer, db_kind, log):
    receipt = log.receipt(100)  # a member's receipt, kept outside the database
    assert receipt.checkpoint.size == 300
    kept = [c.note for c in _checkpoints(log, engine)]
    refused(engine, "DELETE FROM log_checkpoint WHERE size = 150")
    as_owner(engine, db_kind, "DELETE FROM log_checkpoint WHERE size = 150")
    audit_fails(engine, signer, "known checkpoint of size 150 is missing from the stored checkpoints", known=kept)


def test_a_rollback_of_the_head_is_refused_then_named(filled, engine, signer, db_kind, log):
    message = refused(engine, "UPDATE log_head SET size = 150 WHERE id = 1")
    assert "only grows" in message
    assert log.size() == 300
    as_owner(engine, db_kind, "UPDATE log_head SET size = 150 WHERE id = 1")
    audit_fails(engine, signer, "log head says 150 entries but 300 are stored")


def test_a_whole_rollback_to_an_earlier_checkpoint_is_named_against_any_later_signed_checkpoint(
    filled, engine, signer, db_kind, log
):
    later = log.latest_checkpoint().note  # e.g. a witness's or a receipt's copy
    for sql in [
        "DELETE FROM log_entry WHERE idx >= 150",
        "DELETE FROM log_tile_hash",
        "DELETE FROM log_checkpoint WHERE size > 150",
    ]:
        refused(engine, sql)
    as_owner(
        engine,
        db_kind,
        "DELETE FROM log_entry WHERE idx >= 150",
        "DELETE FROM log_tile_hash",
        "DELETE FROM log_checkpoint WHERE size > 150",
        "UPDATE log_head SET size = 150 WHERE id = 1",
    )
    audit_fails(
        engine, signer, "rolled back: a checkpoint of size 300 was signed but only 150 entries are stored", [later]
    )


def test_an_entry_past_the_head_is_refused_and_appends_go_on(filled, engine, signer, member_key, log):
    leaf = statement_leaf(statement(member_key, 999))
    message = refused(
        engine, "INSERT INTO log_entry (idx, leaf_hash, leaf) VALUES (300, :d, :l)", d=leaf_hash(leaf), l=leaf
    )
    assert "past the log head" in message
    refused(engine, "INSERT INTO log_entry (idx, leaf_hash, leaf) VALUES (5000, :d, :l)", d=leaf_hash(leaf), l=leaf)
    refused(engine, "INSERT INTO log_tile_hash (level, idx, hash) VALUES (1, 1, :h)", h=b"\x01" * 32)
    refused(
        engine,
        "INSERT INTO log_checkpoint (size, root_hash, note, signed_at) VALUES (301, :h, 'x', '2026-01-01')",
        h=b"\x01" * 32,
    )
    assert log.append_many([statement(member_key, i) for i in range(300, 310)]) == list(range(300, 310))
    assert audit_log(engine, signer.verifier, ORIGIN).entries == 310


def test_an_entry_past_the_head_with_the_guard_dropped_stops_the_writer_by_name(
    filled, engine, signer, member_key, log, db_kind
):
    leaf = statement_leaf(statement(member_key, 999))
    as_owner(
        engine, db_kind, "INSERT INTO log_entry (idx, leaf_hash, leaf) VALUES (300, :d, :l)", d=leaf_hash(leaf), l=leaf
    )
    with pytest.raises(LogHeadMismatch, match="the log head says 300 entries but entries 0..300 are stored"):
        log.append(statement(member_key, 300))
    assert log.size() == 300
    audit_fails(engine, signer, "log head says 300 entries but 301 are stored")


def test_a_head_raised_to_slip_in_an_entry_stops_the_writer_and_is_named(filled, engine, signer, member_key, log):
    """Growing the head is allowed, and an entry below it too; but the head may grow only from a size
    that has its checkpoint, so the next append refuses to build on an unsigned head."""
    leaf = statement_leaf(statement(member_key, 999))
    with engine.begin() as conn:
        conn.execute(text("UPDATE log_head SET size = 301 WHERE id = 1"))
        conn.execute(
            text("INSERT INTO log_entry (idx, leaf_hash, leaf) VALUES (300, :d, :l)"), {"d": leaf_hash(leaf), "l": leaf}
        )
    refused(engine, "UPDATE log_head SET size = 302 WHERE id = 1")
    with pytest.raises(LogHeadMismatch, match="no checkpoint of that size"):
        log.append(statement(member_key, 301))
    audit_fails(engine, signer, "the latest checkpoint covers 300 of the 301 stored entries")


def test_a_head_raised_with_a_planted_checkpoint_is_named_by_that_checkpoint(filled, engine, signer, member_key, log):
    leaf = statement_leaf(statement(member_key, 999))
    fake = log.latest_checkpoint()
    with engine.begin() as conn:
        conn.execute(text("UPDATE log_head SET size = 301 WHERE id = 1"))
        conn.execute(
            text("INSERT INTO log_entry (idx, leaf_hash, leaf) VALUES (300, :d, :l)"), {"d": leaf_hash(leaf), "l": leaf}
        )
        conn.execute(
            text("INSERT INTO log_checkpoint (size, root_hash, note, signed_at) VALUES (301, :h, :n, :t)"),
            {"h": fake.root_hash, "n": fake.note, "t": fake.signed_at},
        )
    log.append(statement(member_key, 301))  # the writer cannot tell; the audit can
    audit_fails(engine, signer, "checkpoint of size 301")


def _checkpoints(log, engine):
    from provenance import store

    with engine.connect() as conn:
        return list(store.iter_checkpoints(conn))


def test_coop_log_verify_names_a_rollback_against_a_kept_checkpoint(
    filled, engine, db_kind, database_url, coop_key, tmp_path
):
    """The operator's command: a consistent rollback passes a self-contained audit, and is named as
    soon as a checkpoint kept from before (a receipt's, a witness's) is given."""
    import base64
    import os
    import subprocess
    import sys

    key_file = tmp_path / "coop.key"
    key_file.write_text("coop-ledger ed25519 seed v1\n" + base64.b64encode(bytes(coop_key)).decode() + "\n")
    key_file.chmod(0o600)
    kept = tmp_path / "checkpoint.txt"
    kept.write_text(filled.latest_checkpoint().note)
    env = {
        **os.environ,
        "COOP_DATA_DIR": str(tmp_path / "var"),
        "COOP_DATABASE_URL": database_url,
        "COOP_KEY_FILE": str(key_file),
        "COOP_LOG_ORIGIN": ORIGIN,
    }

    def verify(*extra):
        return subprocess.run(
            [sys.executable, "-m", "web.cli", "log", "verify", *extra],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert verify("--checkpoint", str(kept)).returncode == 0
    as_owner(
        engine,
        db_kind,
        "DELETE FROM log_entry WHERE idx >= 150",
        "DELETE FROM log_tile_hash",
        "DELETE FROM log_checkpoint WHERE size > 150",
        "UPDATE log_head SET size = 150 WHERE id = 1",
    )
    assert verify().returncode == 0  # what a database consistent with itself cannot show
    result = verify("--checkpoint", str(kept))
    assert result.returncode == 1
    assert "LOG VERIFICATION FAILED: the log was rolled back: a checkpoint of size 300 was signed" in result.stderr


def test_an_append_over_http_onto_rows_past_the_head_answers_503_by_name_and_changes_nothing(
    filled, client, engine, db_kind, member_key
):
    from provenance.core.signing import b64

    leaf = statement_leaf(statement(member_key, 999))
    as_owner(
        engine, db_kind, "INSERT INTO log_entry (idx, leaf_hash, leaf) VALUES (300, :d, :l)", d=leaf_hash(leaf), l=leaf
    )
    s = statement(member_key, 300)
    body = {"statements": [{"kind": s.kind, "body": s.body, "key": b64(s.public_key), "sig": b64(s.signature)}]}
    response = client.post("/log/entries", json=body, headers={"Authorization": "Bearer test-append-token"})
    assert response.status_code == 503
    assert "log needs its operator" in response.text
    assert filled.size() == 300
