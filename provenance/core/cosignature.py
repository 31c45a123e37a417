"""C2SP tlog-cosignature v1 (Ed25519): a witness's timestamped signature over a checkpoint.

From https://c2sp.org/tlog-cosignature and https://c2sp.org/signed-note:
  key id          SHA-256(<name> ‖ "\\n" ‖ 0x04 ‖ 32-byte Ed25519 public key)[:4]
  vkey            <name>+<hex key id>+<base64(0x04 ‖ public key)>
  signed message  "cosignature/v1\\n" ‖ "time <unix seconds>\\n" ‖ <checkpoint note text>
  signature line  — <name> <base64(key id ‖ u64 big-endian timestamp ‖ Ed25519 signature)>
The signed message does not name the witness, so one witness key must never serve two names
(the spec says so); a vkey here always carries its name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from provenance.core.note import NoteError, split_vkey

COSIGNATURE_V1 = 0x04
_HEADER = b"cosignature/v1\n"
_EM_DASH = "\u2014 "
_MAX_TIMESTAMP = 2**63 - 1


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The exact bytes a v1 cosignature covers: the header, the time line, the whole note text."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp} is out of range")
    return _HEADER + f"time {timestamp}\n".encode("ascii") + checkpoint_text.encode("utf-8")


def _check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"witness name {name!r} must be non-empty, without spaces or '+'")
    return name


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness as a verifier knows it: name and Ed25519 public key (its vkey, type 0x04)."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return cosigner_key_id(self.name, self.public_key)

    @classmethod
    def parse(cls, vkey: str) -> CosignatureVerifier:
        name, key_id, raw = split_vkey(vkey, "witness vkey")
        if len(raw) != 33 or raw[0] != COSIGNATURE_V1:
            raise NoteError("witness vkey must hold a cosignature/v1 key (0x04 ‖ 32-byte Ed25519 key)")
        verifier = cls(name, raw[1:])
        if len(key_id) != 4 or verifier.key_id != key_id:
            raise NoteError("witness vkey id does not match its name and key")
        return verifier

    def encode(self) -> str:
        raw = bytes([COSIGNATURE_V1]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def verify_line(self, checkpoint_text: str, line: str) -> int | None:
        """The timestamp of `line` if it is this witness's valid cosignature over the text; None when
        the line belongs to another key (ignored, as signed-note requires); NoteError when it is this
        key's line and does not verify."""
        line = line.rstrip("\n")
        if not line.startswith(_EM_DASH):
            raise NoteError(f"not a signature line: {line[:80]!r}")
        name, _, blob_b64 = line[len(_EM_DASH) :].partition(" ")
        try:
            blob = base64.b64decode(blob_b64, validate=True)
        except (ValueError, binascii.Error) as error:
            raise NoteError("signature line is not base64") from error
        if name != self.name or blob[:4] != self.key_id:
            return None
        if len(blob) != 4 + 8 + 64:
            raise NoteError(f"cosignature by {self.name} has {len(blob)} bytes, not 76")
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        try:
            message = cosigned_message(checkpoint_text, timestamp)
            nacl.signing.VerifyKey(self.public_key).verify(message, blob[12:])
        except nacl.exceptions.BadSignatureError as error:
            raise NoteError(f"cosignature by {self.name} does not verify") from error
        return int(timestamp)


@dataclass(frozen=True)
class Cosigner:
    """A witness's signing key under its name."""

    name: str
    signing_key: nacl.signing.SigningKey

    def __post_init__(self) -> None:
        _check_name(self.name)

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, bytes(self.signing_key.verify_key))

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """One signature line (ending in a newline) cosigning the checkpoint note text at `timestamp`."""
        signature = self.signing_key.sign(cosigned_message(checkpoint_text, timestamp)).signature
        blob = self.verifier.key_id + struct.pack(">Q", timestamp) + signature
        return f"{_EM_DASH}{self.name} {base64.b64encode(blob).decode()}\n"
