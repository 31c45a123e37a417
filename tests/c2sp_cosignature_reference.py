"""A verifier of C2SP cosigned checkpoints written from the spec text alone, for the tests.

It shares no code with the production modules (provenance/core/note.py, cosignature.py, witness.py):
only the standard library and PyNaCl's Ed25519, each step quoting the spec it follows, so a
misreading of the spec in the production code does not cancel out here.
  signed-note:        text ending in newline, a blank line, lines `— <name> <base64(keyid ‖ sig)>`;
                      the text is separated from the signatures by the *last* empty line.
  tlog-cosignature:   key ID = SHA-256(<name> ‖ "\\n" ‖ 0x04 ‖ pubkey)[:4]; signature =
                      u64 big-endian timestamp ‖ Ed25519 signature over
                      "cosignature/v1\\n" "time <timestamp>\\n" <whole note body>.
  vkey:               <name>+<hex key id>+<base64(type byte ‖ pubkey)>.
"""

import base64
import hashlib

import nacl.exceptions
import nacl.signing

DASH = "\u2014"


def parse_vkey(vkey):
    """(name, signature type, public key), checking the key id the way signed-note recommends."""
    name, key_hash, material = vkey.split("+", 2)  # base64 may hold "+" too
    raw = base64.standard_b64decode(material)
    kind, public = raw[0], raw[1:]
    expected = hashlib.sha256(name.encode() + b"\x0a" + bytes([kind]) + public).digest()[:4]
    assert bytes.fromhex(key_hash) == expected, "vkey id is not SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]"
    return name, kind, public


def split_note(note):
    body_end = note.rindex("\n\n") + 1
    text = note[:body_end]
    signatures = []
    for line in note[body_end + 1 :].splitlines():
        dash, name, blob = line.split(" ")
        assert dash == DASH
        signatures.append((name, base64.standard_b64decode(blob)))
    return text, signatures


def cosignature_timestamps(note, witness_vkeys, now=None):
    """{witness name: timestamp} of each witness (0x04 vkey) with a valid cosignature on `note`.

    Lines by unknown keys are ignored; a line by a known key that fails raises AssertionError.
    """
    text, signatures = split_note(note)
    found = {}
    for vkey in witness_vkeys:
        name, kind, public = parse_vkey(vkey)
        assert kind == 0x04, "an Ed25519 cosignature key has type 0x04"
        key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + public).digest()[:4]
        for signer, blob in signatures:
            if signer != name or blob[:4] != key_id:
                continue
            assert len(blob) == 4 + 8 + 64, "timestamped_signature is u64 ‖ 64-byte Ed25519 signature"
            timestamp = int.from_bytes(blob[4:12], "big")
            assert timestamp <= 2**63 - 1
            assert now is None or timestamp <= now, "cosignature from the future"
            message = b"cosignature/v1\n" + b"time " + str(timestamp).encode() + b"\n" + text.encode()
            try:
                nacl.signing.VerifyKey(public).verify(message, blob[12:])
            except nacl.exceptions.BadSignatureError as error:
                raise AssertionError(f"cosignature by {name} does not verify") from error
            found[name] = timestamp
    return found


def log_signature_verifies(note, log_vkey):
    """signed-note Ed25519 (type 0x01): the log's own signature over the note text."""
    text, signatures = split_note(note)
    name, kind, public = parse_vkey(log_vkey)
    assert kind == 0x01
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
    for signer, blob in signatures:
        if signer == name and blob[:4] == key_id:
            try:
                nacl.signing.VerifyKey(public).verify(text.encode(), blob[4:])
                return True
            except nacl.exceptions.BadSignatureError:
                return False
    return False
