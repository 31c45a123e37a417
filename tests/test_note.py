"""C2SP signed notes and checkpoints, checked against the spec with an independent verifier."""

import base64
import hashlib

import nacl.signing
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from provenance.core.note import (
    Checkpoint,
    NoteError,
    NoteSigner,
    NoteVerifier,
    open_note,
    sign_checkpoint,
    verify_checkpoint,
)

SEED = bytes(range(32))


def signer(name="coop.example/log"):
    return NoteSigner(name, nacl.signing.SigningKey(SEED))


def independent_verify(note: str, vkey: str) -> str:
    """Verify a signed note the way the spec reads, with `cryptography` instead of our code."""
    name, hex_id, key_b64 = vkey.split("+", 2)
    raw = base64.b64decode(key_b64)
    assert raw[0] == 1
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == hex_id
    text, sigs = note.split("\n\n", 1)
    text += "\n"
    for line in sigs.splitlines():
        dash, sig_name, blob = line.split(" ")
        assert dash == "\u2014"
        blob = base64.b64decode(blob)
        if sig_name == name and blob[:4].hex() == hex_id:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], text.encode())
            return text
    raise AssertionError("no signature by the key")


def test_checkpoint_verifies_with_an_independent_signed_note_verifier():
    s = signer()
    note = sign_checkpoint(s, Checkpoint("coop.example/log", 42, b"\x07" * 32))
    text = independent_verify(note, s.verifier.encode())
    root_b64 = base64.b64encode(b"\x07" * 32).decode()
    assert text == f"coop.example/log\n42\n{root_b64}\n"


def test_verifier_key_round_trips_and_has_spec_key_id():
    vkey = signer().verifier.encode()
    parsed = NoteVerifier.parse(vkey)
    assert parsed.encode() == vkey
    assert vkey.startswith("coop.example/log+")


def test_note_signed_by_other_key_is_refused():
    other = NoteSigner("coop.example/log", nacl.signing.SigningKey(bytes(32)))
    note = other.sign("hello\n")
    with pytest.raises(NoteError, match="not signed by the co-op key"):
        open_note(note, signer().verifier)


def test_cosignatures_by_unknown_keys_are_ignored():
    s = signer()
    note = s.sign("hello\n")
    cosigned = note + "\u2014 witness.example AAAAAAAAAAAAAAAA\n"
    assert open_note(cosigned, s.verifier) == "hello\n"


def test_tampered_checkpoint_is_refused():
    s = signer()
    note = sign_checkpoint(s, Checkpoint("coop.example/log", 42, b"\x07" * 32))
    with pytest.raises(NoteError):
        verify_checkpoint(note.replace("\n42\n", "\n43\n"), s.verifier)


def test_checkpoint_from_another_origin_is_refused():
    s = signer()
    note = sign_checkpoint(s, Checkpoint("coop.example/log", 1, b"\x00" * 32))
    with pytest.raises(NoteError, match="origin"):
        verify_checkpoint(note, s.verifier, origin="other.example/log")


@pytest.mark.parametrize("text", ["x\n1\n", "x\n01\nAAAA\n", "x\n1\nnot base64!\n", "x\n1\nAAAA\n"])
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


@pytest.mark.parametrize("name", ["", "has space", "a+b"])
def test_bad_key_names_are_refused(name):
    with pytest.raises(NoteError):
        NoteSigner(name, nacl.signing.SigningKey(SEED))


def test_a_signature_of_the_wrong_length_is_refused_not_crashed_on():
    s = signer()
    note = s.sign("hello\n")
    short = note.rsplit(" ", 1)[0] + " " + base64.b64encode(s.verifier.key_id + b"\x00" * 10).decode() + "\n"
    with pytest.raises(NoteError):
        open_note(short, s.verifier)
