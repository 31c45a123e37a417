"""Two witnesses as separate processes cosign the co-op's real log as it grows, refuse its forks,
and one killed with SIGKILL mid-run resumes from its state file (C2SP tlog-witness).

The log is the real ProvenanceLog on SQLite and on PostgreSQL; the cosignatures are checked by the
client (provenance.witness.client) and by the reference verifier written from the C2SP text alone.
"""

import threading

import pytest

from provenance.core.cosignature import CosignatureVerifier
from provenance.core.note import Checkpoint, sign_checkpoint
from provenance.core.signing import sign_statement
from provenance.witness.client import Cosigned, SizeConflict, WitnessError, add_checkpoint
from provenance.witness.state import WitnessState
from tests import c2sp_cosignature_reference as ref
from tests.conftest import ORIGIN
from tests.witness_processes import WitnessProcess, coop


@pytest.fixture
def witnesses(tmp_path, signer):
    started = [
        WitnessProcess(tmp_path / name, f"witness.example/{name}", [signer.verifier.encode()]).keygen().start()
        for name in ("w1", "w2")
    ]
    yield started
    for witness in started:
        witness.stop()


def grow(log, key, start, count):
    log.append_many(
        [sign_statement(key, "test.entry", {"n": n, "text": "x" * 50}) for n in range(start, start + count)]
    )
    latest = log.latest_checkpoint()
    return latest.size, latest.note


def submit(log, witness, old, size, note):
    proof = log.consistency_proof(old, size) if old else []
    return add_checkpoint(witness.url, CosignatureVerifier.parse(witness.vkey), old, proof, note)


def test_two_witnesses_cosign_a_growing_log_and_the_reference_verifier_accepts_it(log, member_key, witnesses, signer):
    old, appended = 0, 0
    for batch in (1, 3, 60, 200, 7):
        size, note = grow(log, member_key, appended, batch)
        appended += batch
        lines = []
        for witness in witnesses:
            answer = submit(log, witness, old, size, note)
            assert isinstance(answer, Cosigned), answer
            lines += answer.lines
        cosigned = note + "".join(lines)
        assert ref.log_signature_verifies(cosigned, signer.verifier.encode())
        assert set(ref.cosignature_timestamps(cosigned, [w.vkey for w in witnesses])) == {w.name for w in witnesses}
        old = size


def test_a_forked_checkpoint_is_refused_by_both_witnesses(log, member_key, witnesses, signer):
    early_size, early_note = grow(log, member_key, 0, 5)
    size, note = grow(log, member_key, 5, 20)
    for witness in witnesses:
        assert isinstance(submit(log, witness, 0, size, note), Cosigned)
    fork = sign_checkpoint(signer, Checkpoint(ORIGIN, size, bytes(32)))  # same size, another root, the co-op's key
    grown_fork = sign_checkpoint(signer, Checkpoint(ORIGIN, size + 5, bytes(32)))
    for witness in witnesses:
        vkey = CosignatureVerifier.parse(witness.vkey)
        assert add_checkpoint(witness.url, vkey, size, [], fork) == SizeConflict(size)
        with pytest.raises(WitnessError) as smaller:
            add_checkpoint(witness.url, vkey, size, [], early_note)  # a smaller size than it cosigned
        assert smaller.value.status == 400
        assert add_checkpoint(witness.url, vkey, early_size, [], early_note) == SizeConflict(size)
        with pytest.raises(WitnessError) as grown:
            add_checkpoint(witness.url, vkey, size, [bytes(32)] * 3, grown_fork)
        assert grown.value.status == 422
    next_size, next_note = grow(log, member_key, 25, 4)
    for witness in witnesses:
        assert isinstance(submit(log, witness, size, next_size, next_note), Cosigned)  # still on the real log
        witness.stop()
        state = WitnessState(witness.state_file)
        assert state.cosigned_sizes(ORIGIN) == {size: log.root(size), next_size: log.root(next_size)}
        state.close()


def test_a_witness_killed_mid_run_resumes_from_its_state_and_never_forks(log, member_key, tmp_path, signer):
    checkpoints = [grow(log, member_key, n * 3, 3) for n in range(100)]
    witness = WitnessProcess(tmp_path / "w", "witness.example/w", [signer.verifier.encode()]).keygen().start()
    acknowledged: list[int] = []
    proofs = {
        (old, size): log.consistency_proof(old, size) for (old, _), (size, _) in zip(checkpoints, checkpoints[1:])
    }
    verifier = CosignatureVerifier.parse(witness.vkey)

    def feed():
        old = 0
        for size, note in checkpoints:
            try:
                answer = add_checkpoint(witness.url, verifier, old, proofs.get((old, size), []), note, timeout=5)
            except WitnessError:
                return  # killed
            assert isinstance(answer, Cosigned)
            acknowledged.append(size)
            old = size

    feeder = threading.Thread(target=feed)
    feeder.start()
    while len(acknowledged) < 20 and feeder.is_alive():
        threading.Event().wait(0.005)
    witness.kill()
    feeder.join(timeout=30)
    assert 20 <= len(acknowledged) < len(checkpoints)
    try:
        witness.start()
        conflict = add_checkpoint(witness.url, verifier, 0, [], checkpoints[-1][1])
        assert isinstance(conflict, SizeConflict)
        resumed = conflict.size
        sizes = [size for size, _ in checkpoints]
        assert resumed in sizes and resumed >= acknowledged[-1]  # at most one committed, unanswered step ahead
        fork = sign_checkpoint(signer, Checkpoint(ORIGIN, resumed, bytes(32)))
        assert add_checkpoint(witness.url, verifier, resumed, [], fork) == SizeConflict(resumed)
        last_size, last_note = checkpoints[-1]
        answer = add_checkpoint(witness.url, verifier, resumed, log.consistency_proof(resumed, last_size), last_note)
        assert isinstance(answer, Cosigned)
        assert ref.cosignature_timestamps(last_note + "".join(answer.lines), [witness.vkey])
    finally:
        witness.stop()
    state = WitnessState(witness.state_file)
    assert state.cosigned_sizes(ORIGIN) == {size: log.root(size) for size in state.cosigned_sizes(ORIGIN)}
    assert state.latest(ORIGIN).size == checkpoints[-1][0]
    state.close()


def test_keygen_never_replaces_a_key_and_serve_refuses_an_unknown_key_file(tmp_path, signer):
    witness = WitnessProcess(tmp_path / "w", "witness.example/w", [signer.verifier.encode()]).keygen()
    assert ref.parse_vkey(witness.vkey)[0:2] == ("witness.example/w", 0x04)
    again = coop("witness", "keygen", "--name", "witness.example/w", "--out", str(tmp_path / "w" / "witness.key"))
    assert again.returncode == 2 and "refusing to replace" in again.stderr
    missing = coop("witness", "serve", "--key", str(tmp_path / "none.key"), "--state", str(tmp_path / "s.db"))
    assert missing.returncode == 2 and "at least one log" in missing.stderr
    absent = coop(
        "witness",
        "serve",
        "--key",
        str(tmp_path / "none.key"),
        "--state",
        str(tmp_path / "s.db"),
        "--log",
        signer.verifier.encode(),
    )
    assert absent.returncode == 2 and "no witness key" in absent.stderr
