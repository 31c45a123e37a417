"""C2SP signed-note and tlog-checkpoint: how the co-op publishes its tree heads.

Formats (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint):
  verifier key   <name>+<hex key id>+<base64(0x01 ‖ Ed25519 public key)>
  key id         SHA-256(<name> ‖ "\\n" ‖ 0x01 ‖ public key)[:4]
  signed note    <text ending in \\n>\\n— <name> <base64(key id ‖ signature over text)>\\n
  checkpoint     <origin>\\n<size>\\n<base64 root>\\n[extension lines]
Any implementation of those specs verifies what this module signs, and vice versa.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

ALG_ED25519 = 0x01
_EM_DASH = "\u2014 "


class NoteError(ValueError):
    """A note, key or checkpoint is malformed or its signature does not verify."""


def _check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


def note_key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def split_vkey(vkey: str, what: str) -> tuple[str, bytes, bytes]:
    """A signed-note vkey `<name>+<hex id>+<base64 key>` as (name, key id, type byte ‖ key), checked
    for shape only: each kind of key (a log's 0x01, a witness's 0x04) checks its own type and id."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what} must be <name>+<hex id>+<base64 key>")
    name, hex_id, key_b64 = parts
    _check_name(name)
    try:
        return name, bytes.fromhex(hex_id), base64.b64decode(key_b64, validate=True)
    except (ValueError, binascii.Error) as error:
        raise NoteError(f"{what} encoding is invalid: {error}") from error


@dataclass(frozen=True)
class NoteVerifier:
    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        name, key_id, raw = split_vkey(vkey, "verifier key")
        if len(key_id) != 4 or len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("verifier key must hold a 4-byte id and an Ed25519 key (0x01 ‖ 32 bytes)")
        if note_key_id(name, raw[1:]) != key_id:
            raise NoteError("verifier key id does not match its name and key")
        return cls(name, key_id, raw[1:])

    def encode(self) -> str:
        raw = bytes([ALG_ED25519]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            nacl.signing.VerifyKey(self.public_key).verify(text, signature)
            return True
        except nacl.exceptions.BadSignatureError:
            return False


@dataclass(frozen=True)
class NoteSigner:
    name: str
    signing_key: nacl.signing.SigningKey

    def __post_init__(self) -> None:
        _check_name(self.name)

    @property
    def verifier(self) -> NoteVerifier:
        public = bytes(self.signing_key.verify_key)
        return NoteVerifier(self.name, note_key_id(self.name, public), public)

    def sign(self, text: str) -> str:
        _check_text(text)
        signature = self.signing_key.sign(text.encode("utf-8")).signature
        blob = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{_EM_DASH}{self.name} {blob}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("note text must end with a newline and contain no blank line")


def open_note(note: str, verifier: NoteVerifier) -> str:
    """Return the note's text if `verifier` signed it; otherwise raise NoteError.

    Signatures by other keys are allowed (cosigners) and ignored, as the spec requires.
    """
    return open_note_bytes(note.encode("utf-8"), verifier).decode("utf-8")


def open_note_bytes(note: bytes, verifier: NoteVerifier) -> bytes:
    """`open_note` on the encoded note, without decoding it: large notes (bundles) stay one copy."""
    split = note.rfind(b"\n\n")
    if split < 0:
        raise NoteError("note has no signature block")
    text, block = note[: split + 1], note[split + 2 :]
    if not text.endswith(b"\n") or b"\n\n" in text:
        raise NoteError("note text must end with a newline and contain no blank line")
    if not block.endswith(b"\n"):
        raise NoteError("signature block must end with a newline")
    dash = _EM_DASH.encode("utf-8")
    found_known = False
    for line in block[:-1].split(b"\n"):
        if not line.startswith(dash):
            raise NoteError(f"malformed signature line {line[:80]!r}")
        try:
            name_bytes, blob_b64 = line[len(dash) :].split(b" ")
            name = name_bytes.decode("utf-8")
            blob = base64.b64decode(blob_b64, validate=True)
        except (ValueError, binascii.Error) as error:
            raise NoteError(f"malformed signature line {line[:80]!r}") from error
        if len(blob) < 5:
            raise NoteError("signature is too short")
        if name != verifier.name or blob[:4] != verifier.key_id:
            continue
        found_known = True
        if verifier.verify(text, blob[4:]):
            return text
    raise NoteError(
        "signature by the co-op key does not verify" if found_known else "note is not signed by the co-op key"
    )


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        if not self.origin or "\n" in self.origin:
            raise NoteError("checkpoint origin must be one non-empty line")
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint must have origin, size and root lines, each ending in a newline")
        origin, size_text, root_text, *extensions = lines[:-1]
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError(f"checkpoint size {size_text!r} is not a decimal number")
        try:
            root_hash = base64.b64decode(root_text, validate=True)
        except (ValueError, binascii.Error) as error:
            raise NoteError("checkpoint root is not base64") from error
        if len(root_hash) != 32:
            raise NoteError("checkpoint root must be a 32-byte hash")
        return cls(origin, int(size_text), root_hash, tuple(extensions))


def sign_checkpoint(signer: NoteSigner, checkpoint: Checkpoint) -> str:
    return signer.sign(checkpoint.text())


def verify_checkpoint(note: str, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
    """Open a signed checkpoint; also insist on the expected origin when one is given."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not {origin!r}")
    return checkpoint
