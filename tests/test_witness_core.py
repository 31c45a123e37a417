"""The witness's decision (provenance.core.witness) and its state file, without processes or HTTP.

Checkpoints come from an in-memory RFC 6962 tree signed with the co-op's key, so every answer the
spec names (200, 400, 403, 404, 409, 422) is reached with real proofs; each 200 is checked with the
reference verifier written from the C2SP text (tests/c2sp_cosignature_reference.py).
"""

import base64
import sqlite3

import nacl.signing
import pytest

from provenance.core import merkle
from provenance.core.cosignature import CosignatureVerifier, Cosigner, cosigned_message
from provenance.core.note import Checkpoint, NoteError, NoteSigner, sign_checkpoint
from provenance.core.witness import SIZE_CONTENT_TYPE, TrustedLog, Witnessed, decide, proof_lines
from provenance.witness.client import parse_cosignatures
from provenance.witness.state import WitnessState
from tests import c2sp_cosignature_reference as ref

ORIGIN = "test.coop/log"
LOG = NoteSigner(ORIGIN, nacl.signing.SigningKey(b"\x01" * 32))
WITNESS = Cosigner("witness.example/w1", nacl.signing.SigningKey(b"\x07" * 32))
LOGS = {ORIGIN: TrustedLog(ORIGIN, (LOG.verifier,))}
LEAVES = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(40)]
NOW = 1_790_000_000


def note(size, signer=LOG, leaves=LEAVES, origin=ORIGIN):
    root = merkle.root(size, merkle.memory_reader(leaves[:size])) if size else merkle.EMPTY_ROOT
    return sign_checkpoint(signer, Checkpoint(origin, size, root))


def proof(old, new, leaves=LEAVES):
    return merkle.consistency_proof(old, new, merkle.memory_reader(leaves[:new]))


class Memory:
    def __init__(self):
        self.state = {}

    def submit(self, body, timestamp=NOW):
        answer = decide(body, LOGS, self.state.get, WITNESS, timestamp)
        if answer.cosigned:
            self.state[answer.origin] = answer.cosigned
        return answer


def submit(witness, old, new, **kwargs):
    return witness.submit(proof_lines(old, proof(old, new) if old else [], note(new, **kwargs)))


def test_a_growing_log_is_cosigned_at_each_size_and_the_reference_verifier_accepts_it():
    witness = Memory()
    old = 0
    for size in (1, 2, 7, 8, 9, 31, 40):
        answer = submit(witness, old, size)
        assert answer.status == 200, answer.body
        cosigned = note(size) + answer.body
        assert ref.log_signature_verifies(cosigned, LOG.verifier.encode())
        assert ref.cosignature_timestamps(cosigned, [WITNESS.verifier.encode()], now=NOW) == {WITNESS.name: NOW}
        assert witness.state[ORIGIN] == Witnessed(size, Checkpoint.parse(cosigned.split("\n\n")[0] + "\n").root_hash)
        old = size


def test_the_signature_line_is_the_key_id_the_timestamp_and_the_signature_over_the_spec_message():
    text = note(5).split("\n\n")[0] + "\n"
    line = WITNESS.cosign(text, 1679315147)
    name, blob = line.removeprefix("\u2014 ").rstrip("\n").split(" ")
    raw = base64.b64decode(blob)
    assert name == WITNESS.name and raw[:4] == WITNESS.verifier.key_id and len(raw) == 76
    assert raw[4:12] == (1679315147).to_bytes(8, "big")
    message = b"cosignature/v1\ntime 1679315147\n" + text.encode()
    assert cosigned_message(text, 1679315147) == message
    WITNESS.signing_key.verify_key.verify(message, raw[12:])


def test_the_spec_example_cosignature_has_the_same_layout_as_ours():
    """tlog-cosignature's example line; its message example says `time 1679315147`."""
    example = "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA=="
    raw = base64.b64decode(example)
    assert len(raw) == 4 + 8 + 64 and int.from_bytes(raw[4:12], "big") == 1679315147
    ours = base64.b64decode(WITNESS.cosign("o\n1\n" + "A" * 43 + "=\n", 1679315147).split(" ")[2])
    assert len(ours) == len(raw) and ours[4:12] == raw[4:12]


def test_the_witness_vkey_round_trips_and_has_type_0x04():
    vkey = WITNESS.verifier.encode()
    assert base64.b64decode(vkey.split("+")[2])[0] == 0x04
    assert CosignatureVerifier.parse(vkey) == WITNESS.verifier
    assert ref.parse_vkey(vkey)[1] == 0x04
    with pytest.raises(NoteError):
        CosignatureVerifier.parse(LOG.verifier.encode())  # a log key (0x01) is not a cosigner key


def test_an_old_size_that_is_not_the_cosigned_size_is_409_with_that_size():
    witness = Memory()
    submit(witness, 0, 8)
    for old in (0, 5, 9):
        answer = witness.submit(proof_lines(old, proof(old, 20) if old else [], note(20)))
        assert (answer.status, answer.body, answer.content_type) == (409, "8\n", SIZE_CONTENT_TYPE)
    assert witness.state[ORIGIN].size == 8


def test_a_fork_at_the_same_size_is_refused_and_the_same_checkpoint_is_cosigned_again():
    witness = Memory()
    submit(witness, 0, 8)
    other = [merkle.leaf_hash(b"forked")] + LEAVES[1:]
    forked = witness.submit(proof_lines(8, [], note(8, leaves=other)))
    assert (forked.status, forked.body) == (409, "8\n")
    again = witness.submit(proof_lines(8, [], note(8)), timestamp=NOW + 60)
    assert again.status == 200
    assert ref.cosignature_timestamps(note(8) + again.body, [WITNESS.verifier.encode()]) == {WITNESS.name: NOW + 60}


def test_a_smaller_size_is_refused_whatever_old_size_is_claimed():
    witness = Memory()
    submit(witness, 0, 20)
    assert witness.submit(proof_lines(20, [], note(10))).status == 400
    assert witness.submit(proof_lines(10, [], note(10))).status == 409
    assert witness.submit(proof_lines(5, proof(5, 10), note(10))).status == 409
    assert witness.state[ORIGIN].size == 20


def test_a_proof_that_does_not_lead_from_the_cosigned_root_is_422():
    witness = Memory()
    submit(witness, 0, 8)
    bad = proof(8, 20)
    bad[0] = bytes(32)
    assert witness.submit(proof_lines(8, bad, note(20))).status == 422
    other = LEAVES[:3] + [merkle.leaf_hash(b"rewritten")] + LEAVES[4:]
    forked_later = witness.submit(proof_lines(8, proof(8, 20, leaves=other), note(20, leaves=other)))
    assert forked_later.status == 422  # a fork that grew: the proof is from its own root, not the cosigned one
    assert witness.state[ORIGIN] == Witnessed(8, merkle.root(8, merkle.memory_reader(LEAVES[:8])))


def test_a_non_empty_proof_from_size_zero_is_422():
    assert Memory().submit(proof_lines(0, [bytes(32)], note(3))).status == 422


def test_an_unknown_origin_is_404_and_a_checkpoint_without_a_trusted_signature_is_403():
    witness = Memory()
    stranger = NoteSigner("other.example/log", nacl.signing.SigningKey(b"\x09" * 32))
    assert witness.submit(proof_lines(0, [], note(3, signer=stranger, origin="other.example/log"))).status == 404
    impostor = NoteSigner(ORIGIN, nacl.signing.SigningKey(b"\x09" * 32))
    assert witness.submit(proof_lines(0, [], note(3, signer=impostor))).status == 403
    tampered = note(3).replace("\n3\n", "\n4\n", 1)
    assert witness.submit(proof_lines(0, [], tampered)).status == 403
    assert witness.state == {}


def test_signatures_by_unknown_keys_beside_the_logs_are_ignored():
    extra = WITNESS.cosign(note(3).split("\n\n")[0] + "\n", NOW)  # e.g. a cosignature already collected
    assert Memory().submit(proof_lines(0, [], note(3) + extra)).status == 200


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 0\n",
        b"old 00\n\n" + note(3).encode(),
        b"old -1\n\n" + note(3).encode(),
        b"old 0\nnot base64!\n\n" + note(3).encode(),
        b"old 0\n" + base64.b64encode(bytes(31)) + b"\n\n" + note(3).encode(),
        b"old 0\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\n" + note(3).encode(),
        b"old 0\n\nnot a checkpoint\n\n\xe2\x80\x94 x AAAAAAAA\n",
        b"old 0\n\n" + note(3).encode().replace(b"\xe2\x80\x94", b"-"),
        b"old 0\n\n" + note(3).encode()[:-1],
        b"old 0\n\n\xff" + note(3).encode(),
        b"old 0\r\n\n" + note(3).encode(),
    ],
)
def test_a_malformed_body_is_400_and_changes_nothing(body):
    witness = Memory()
    answer = witness.submit(body)
    assert answer.status == 400, answer.body
    assert witness.state == {}


def test_a_checkpoint_with_an_empty_extension_line_is_400_even_when_the_log_signed_it():
    text = note(3).split("\n\n")[0] + "\n\nextension\n"
    blob = LOG.verifier.key_id + LOG.signing_key.sign(text.encode()).signature
    signed = f"{text}\n\u2014 {LOG.name} {base64.b64encode(blob).decode()}\n"
    assert Memory().submit(proof_lines(0, [], signed)).status == 400


def test_an_old_size_above_the_checkpoint_size_is_400():
    assert Memory().submit(proof_lines(9, [], note(3))).status == 400


def test_the_client_keeps_only_lines_by_the_witness_key_and_refuses_a_bad_one():
    body = note(3)
    line = WITNESS.cosign(body.split("\n\n")[0] + "\n", NOW)
    other = Cosigner("witness.example/w2", nacl.signing.SigningKey(b"\x08" * 32)).cosign(
        body[: body.index("\n\n") + 1], NOW
    )
    assert parse_cosignatures(WITNESS.verifier, body, other + line).lines == (line,)
    forged = line[:-6] + ("A" if line[-6] != "A" else "B") + line[-5:]
    with pytest.raises(Exception, match="does not verify"):
        parse_cosignatures(WITNESS.verifier, body, forged)


def test_the_state_file_keeps_the_latest_and_refuses_a_second_root_or_a_step_back(tmp_path):
    state = WitnessState(tmp_path / "witness.db")
    for old, size in ((0, 8), (8, 20)):
        body = proof_lines(old, proof(old, size) if old else [], note(size))
        answer = state.transact(lambda latest, now, body=body: decide(body, LOGS, latest, WITNESS, now), NOW, body)
        assert answer.status == 200
    state.close()
    reopened = WitnessState(tmp_path / "witness.db")
    assert reopened.latest(ORIGIN).size == 20
    assert sorted(reopened.cosigned_sizes(ORIGIN)) == [8, 20]
    reopened.close()
    raw = sqlite3.connect(tmp_path / "witness.db")
    with pytest.raises(sqlite3.IntegrityError, match="never cosigns two roots"):
        raw.execute("INSERT INTO cosigned VALUES (?, 8, ?, 0)", (ORIGIN, bytes(32)))
    with pytest.raises(sqlite3.IntegrityError, match="never goes backwards"):
        raw.execute("UPDATE latest SET size = 8")
    with pytest.raises(sqlite3.IntegrityError, match="history"):
        raw.execute("DELETE FROM cosigned")
    raw.close()
