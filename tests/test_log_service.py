"""The provenance log service on a real database (SQLite and PostgreSQL)."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from provenance.audit import AuditFailure, audit_log
from provenance.core import merkle
from provenance.core.entry import statement_leaf
from provenance.core.merkle import ProofError
from provenance.core.note import verify_checkpoint
from provenance.core.signing import InvalidStatement, SignedStatement, sign_statement
from provenance.service import NotFound
from tests import merkle_reference as ref
from tests.conftest import ORIGIN


def statement(key, n):
    return sign_statement(key, "test.entry", {"n": n, "text": "x" * 200})


def test_appends_get_consecutive_indices_from_zero(log, member_key):
    assert log.append_many([statement(member_key, i) for i in range(3)]) == [0, 1, 2]
    assert log.append(statement(member_key, 3)) == 3


def test_each_batch_signs_a_checkpoint_over_the_exact_leaves(log, member_key, signer):
    statements = [statement(member_key, i) for i in range(300)]
    log.append_many(statements[:100])
    log.append_many(statements[100:])
    checkpoint = verify_checkpoint(log.latest_checkpoint().note, signer.verifier, ORIGIN)
    assert checkpoint.size == 300
    assert checkpoint.root_hash == ref.mth([statement_leaf(s) for s in statements])


def test_an_append_returns_a_receipt_whose_proof_verifies(log, member_key, signer):
    log.append_many([statement(member_key, i) for i in range(10)])
    index = log.append(statement(member_key, 10))
    receipt = log.receipt(index)
    checkpoint = verify_checkpoint(receipt.checkpoint.note, signer.verifier, ORIGIN)
    merkle.verify_inclusion(receipt.leaf_hash, index, checkpoint.size, receipt.proof, checkpoint.root_hash)
    assert receipt.leaf_hash == merkle.leaf_hash(log.entry(index))


def test_proofs_across_tile_boundaries_match_the_reference(log, member_key):
    statements = [statement(member_key, i) for i in range(700)]
    for start in range(0, 700, 97):
        log.append_many(statements[start : start + 97])
    leaves = [statement_leaf(s) for s in statements]
    for size in (1, 255, 256, 257, 511, 512, 513, 700):
        assert log.root(size) == ref.mth(leaves[:size])
        for index in {0, size // 2, size - 1}:
            _, proof = log.inclusion_proof(index, size)
            assert proof == ref.path(index, leaves[:size])
    for first, second in [(1, 700), (256, 700), (300, 513), (700, 700)]:
        assert log.consistency_proof(first, second) == (ref.proof(first, leaves[:second]) if first < second else [])


def test_batches_that_fill_tiles_on_two_levels_store_every_tile_hash(log):
    """65,536 leaves complete a level-2 tile; uneven batches cross tile edges on every level."""
    leaves = [i.to_bytes(4, "big") for i in range(65536 + 300)]
    for start, stop in [(0, 1), (1, 4000), (4000, 65530), (65530, 65537), (65537, len(leaves))]:
        log.writer.append(leaves[start:stop])
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    assert log.hash_tile(2, 0, 1) == merkle.perfect_root(hashes[:65536])
    assert log.hash_tile(1, 0, 256)[-32:] == merkle.perfect_root(hashes[65280:65536])
    assert log.hash_tile(1, 1, 1) == merkle.perfect_root(hashes[65536:65792])
    for size in (65535, 65536, 65537, len(leaves)):
        assert log.root(size) == merkle.root(size, merkle.memory_reader(hashes[:size]))


def test_a_bad_signature_appends_nothing(log, member_key):
    good = statement(member_key, 1)
    bad = SignedStatement(good.kind, {"n": 2}, good.public_key, good.signature)
    with pytest.raises(InvalidStatement):
        log.append_many([good, bad])
    assert log.size() == 0


def test_reading_beyond_the_log_is_refused(log, member_key):
    log.append_many([statement(member_key, i) for i in range(5)])
    with pytest.raises(NotFound):
        log.entry(5)
    with pytest.raises(ProofError):
        log.inclusion_proof(0, 6)
    with pytest.raises(ProofError):
        log.inclusion_proof(5, 5)
    with pytest.raises(ProofError):
        log.consistency_proof(4, 3)


def test_tiles_hold_the_stored_hashes(log, member_key):
    statements = [statement(member_key, i) for i in range(300)]
    log.append_many(statements)
    leaves = [statement_leaf(s) for s in statements]
    tile = log.hash_tile(0, 0, 256)
    assert tile == b"".join(merkle.leaf_hash(leaf) for leaf in leaves[:256])
    assert log.hash_tile(0, 1, 44) == b"".join(merkle.leaf_hash(leaf) for leaf in leaves[256:])
    assert log.hash_tile(1, 0, 1) == ref.mth(leaves[:256])
    bundle = log.entry_bundle(1, 44)
    assert bundle[:2] == len(leaves[256]).to_bytes(2, "big") and leaves[256] in bundle
    with pytest.raises(NotFound):
        log.hash_tile(0, 1, 45)
    with pytest.raises(NotFound):
        log.hash_tile(1, 1, 1)


@pytest.mark.parametrize("table", ["log_entry", "log_tile_hash", "log_checkpoint"])
@pytest.mark.parametrize("statement_sql", ["UPDATE {t} SET {c} = {c}", "DELETE FROM {t}"])
def test_the_database_refuses_to_change_log_rows(log, member_key, engine, table, statement_sql):
    log.append_many([statement(member_key, i) for i in range(300)])
    column = {"log_entry": "leaf", "log_tile_hash": "hash", "log_checkpoint": "note"}[table]
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement_sql.format(t=table, c=column)))
    assert log.size() == 300


def test_the_log_head_cannot_be_deleted(engine):
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM log_head"))


def test_audit_passes_on_an_honest_log(log, member_key, engine, signer):
    for start in range(0, 600, 150):
        log.append_many([statement(member_key, i) for i in range(start, start + 150)])
    report = audit_log(engine, signer.verifier, ORIGIN)
    assert (report.entries, report.checkpoints, report.tile_hashes) == (600, 4, 2)
    assert report.root_hash == log.root(600)


def test_audit_names_the_entry_whose_bytes_were_tampered_with(log, member_key, engine, signer, db_kind):
    log.append_many([statement(member_key, i) for i in range(20)])
    _bypass_triggers(
        engine,
        db_kind,
        "UPDATE log_entry SET leaf = :leaf WHERE idx = 7",
        leaf=statement_leaf(statement(member_key, 99)),
    )
    with pytest.raises(AuditFailure, match="entry 7"):
        audit_log(engine, signer.verifier, ORIGIN)


def test_audit_refuses_a_checkpoint_signed_by_another_key(log, member_key, engine, db_kind):
    log.append_many([statement(member_key, i) for i in range(5)])
    from provenance.core.note import NoteSigner

    with pytest.raises(AuditFailure, match="checkpoint of size 5"):
        audit_log(engine, NoteSigner(ORIGIN, member_key).verifier, ORIGIN)


def _bypass_triggers(engine, db_kind, sql, **params):
    """Simulate an attacker with raw database access (the triggers are a guard, not a proof)."""
    with engine.begin() as conn:
        if db_kind == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(sql), params)
        else:
            conn.execute(text("DROP TRIGGER log_entry_no_update"))
            conn.execute(text(sql), params)
