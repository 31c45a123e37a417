"""A C2SP tlog-witness's decision on an add-checkpoint request, with no I/O.

https://c2sp.org/tlog-witness: the body is `old <size>`, up to 63 consistency proof lines (base64),
an empty line, then a checkpoint note. The witness answers, in the spec's order:
  400  malformed body, or old size above the checkpoint's size
  404  origin not among the logs it witnesses
  403  no signature by a trusted key of that origin verifies (or one by a trusted key fails)
  409  old size is not the size it last cosigned (body: that size, `text/x.tlog.size`), or the
       same size with another root hash (a fork)
  422  the consistency proof from what it cosigned to the new checkpoint does not verify
  200  one cosignature/v1 line; the caller persists `Answer.cosigned` *before* sending it.
So it never goes backwards (a smaller size is 400 or 409) and never forks (409 or 422). The caller
runs `decide` and the persisting in one transaction (the spec's race between two requests).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from provenance.core import merkle
from provenance.core.cosignature import Cosigner
from provenance.core.note import Checkpoint, NoteError, NoteVerifier

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD = re.compile(r"old (0|[1-9][0-9]{0,19})")
_EM_DASH = "\u2014 "
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


class Malformed(ValueError):
    """The request body is not an add-checkpoint request (400)."""


@dataclass(frozen=True)
class TrustedLog:
    """A log the witness witnesses: its origin line and the key(s) that sign its checkpoints."""

    origin: str
    keys: tuple[NoteVerifier, ...]


@dataclass(frozen=True)
class Witnessed:
    """The latest checkpoint a witness cosigned for one origin."""

    size: int
    root_hash: bytes


@dataclass(frozen=True)
class Request:
    old_size: int
    proof: tuple[bytes, ...]
    text: str  # the checkpoint note's text, final newline included
    checkpoint: Checkpoint
    signatures: tuple[tuple[str, bytes], ...]  # (key name, key id ‖ signature) per line


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"
    origin: str | None = None
    cosigned: Witnessed | None = None  # set on 200 only: the state to persist before answering
    evidence: bool = False  # a checkpoint the log signed, refused as a fork or with a bad proof


def parse_request(body: bytes) -> Request:
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed("the body is not UTF-8") from error
    if _CONTROL.search(decoded):
        raise Malformed("the body holds a control character other than newline")
    head, blank, note = decoded.partition("\n\n")
    if not blank:
        raise Malformed("the body has no empty line before the checkpoint")
    lines = head.split("\n")
    matched = _OLD.fullmatch(lines[0])
    if not matched:
        raise Malformed("the first line must be `old <size>` in decimal without leading zeroes")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise Malformed(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = tuple(_proof_hash(line) for line in lines[1:])
    text, signatures = _split_note(note)
    if "\n\n" in text:
        raise Malformed("a checkpoint has no empty line (extension lines are non-empty)")
    try:
        checkpoint = Checkpoint.parse(text)
    except NoteError as error:
        raise Malformed(f"the note is not a checkpoint: {error}") from error
    return Request(int(matched.group(1)), proof, text, checkpoint, signatures)


def _proof_hash(line: str) -> bytes:
    try:
        digest = base64.b64decode(line, validate=True)
    except (ValueError, binascii.Error) as error:
        raise Malformed("a consistency proof line is not base64") from error
    if len(digest) != merkle.HASH_SIZE:
        raise Malformed("a consistency proof line must hold one 32-byte hash")
    return digest


def _split_note(note: str) -> tuple[str, tuple[tuple[str, bytes], ...]]:
    """signed-note: the text ends at the last empty line; each line after it is `— <name> <b64>`."""
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise Malformed("the checkpoint is not a signed note")
    text, block = note[: split + 1], note[split + 2 : -1]
    signatures = []
    for line in block.split("\n"):
        name, space, blob_b64 = line.removeprefix(_EM_DASH).partition(" ")
        if not line.startswith(_EM_DASH) or not space or not name or " " in blob_b64:
            raise Malformed(f"malformed signature line {line[:80]!r}")
        try:
            blob = base64.b64decode(blob_b64, validate=True)
        except (ValueError, binascii.Error) as error:
            raise Malformed(f"signature line {line[:80]!r} is not base64") from error
        if len(blob) < 5:
            raise Malformed("a signature is shorter than a key id")
        signatures.append((name, blob))
    return text, tuple(signatures)


def signed_by_trusted_key(request: Request, log: TrustedLog) -> bool:
    """At least one signature by a trusted key verifies and none by a trusted key fails; lines by
    other keys (cosigners, rotated-out keys) are ignored, as signed-note requires."""
    verified = False
    message = request.text.encode("utf-8")
    for name, blob in request.signatures:
        for key in log.keys:
            if name == key.name and blob[:4] == key.key_id:
                if not key.verify(message, blob[4:]):
                    return False
                verified = True
    return verified


def _conflict(size: int, origin: str | None = None) -> Answer:
    return Answer(409, f"{size}\n", SIZE_CONTENT_TYPE, origin=origin, evidence=origin is not None)


def _unproven(origin: str, reason: str) -> Answer:
    return Answer(422, reason + "\n", origin=origin, evidence=True)


def decide(
    body: bytes,
    logs: Mapping[str, TrustedLog],
    latest: Callable[[str], Witnessed | None],
    cosigner: Cosigner,
    timestamp: int,
) -> Answer:
    """The witness's answer to one add-checkpoint body, given what it last cosigned per origin."""
    try:
        request = parse_request(body)
    except Malformed as error:
        return Answer(400, f"{error}\n")
    checkpoint = request.checkpoint
    log = logs.get(checkpoint.origin)
    if log is None:
        return Answer(404, f"this witness does not witness the log {checkpoint.origin!r}\n")
    if not signed_by_trusted_key(request, log):
        return Answer(403, "the checkpoint is not signed by a key this witness trusts for its origin\n")
    if request.old_size > checkpoint.size:
        return Answer(400, f"old size {request.old_size} is above the checkpoint's size {checkpoint.size}\n")
    stored = latest(checkpoint.origin) or Witnessed(0, merkle.EMPTY_ROOT)
    if request.old_size != stored.size:
        return _conflict(stored.size)
    if checkpoint.size == stored.size:
        if checkpoint.root_hash != stored.root_hash:
            return _conflict(stored.size, checkpoint.origin)  # same size, another root: a fork
        if request.proof:
            return _unproven(checkpoint.origin, "a consistency proof between equal sizes must be empty")
    else:
        try:
            merkle.verify_consistency(
                stored.size, checkpoint.size, stored.root_hash, checkpoint.root_hash, request.proof
            )
        except merkle.ProofError as error:
            return _unproven(checkpoint.origin, f"the consistency proof does not verify: {error}")
    line = cosigner.cosign(request.text, timestamp)
    return Answer(200, line, origin=checkpoint.origin, cosigned=Witnessed(checkpoint.size, checkpoint.root_hash))


def proof_lines(old_size: int, proof: Sequence[bytes], checkpoint_note: str) -> bytes:
    """The add-checkpoint body a log sends: the inverse of `parse_request`."""
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint_note).encode("utf-8")
