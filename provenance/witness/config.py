"""A witness's key file and the list of logs it witnesses.

Key file (mode 0600, like the co-op's key): `coop-ledger witness key v1`, the witness's name, the
base64 Ed25519 seed, one per line. The name lives with the key because a cosignature/v1 does not sign
the name: one key must never serve under two names (tlog-cosignature), so it is not a flag.
Logs: each a signed-note vkey of the log (type 0x01) and the origin it signs, by default the key's
name (tlog-checkpoint: the log's key name SHOULD match its origin); several keys per origin allowed.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path

import nacl.signing

from provenance.core.cosignature import Cosigner
from provenance.core.note import NoteError, NoteVerifier
from provenance.core.witness import TrustedLog

_HEADER = "coop-ledger witness key v1"


class WitnessConfigError(ValueError):
    """A key file or log list is missing, unreadable or malformed."""


def create_witness_key(path: Path, name: str) -> Cosigner:
    """Write a new key file with mode 0600; never replace an existing one (its vkey is published)."""
    cosigner = Cosigner(name, nacl.signing.SigningKey.generate())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise WitnessConfigError(f"{path} already exists; refusing to replace a witness key") from error
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{_HEADER}\n{name}\n{base64.b64encode(bytes(cosigner.signing_key)).decode()}\n")
        handle.flush()
        os.fsync(handle.fileno())
    return cosigner


def load_witness_key(path: Path) -> Cosigner:
    try:
        mode = path.stat().st_mode
        lines = path.read_text().split("\n")
    except FileNotFoundError as error:
        raise WitnessConfigError(f"no witness key at {path}; run `coop witness keygen` first") from error
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WitnessConfigError(f"{path} is accessible to other users (mode {oct(mode & 0o777)}); chmod 600 it")
    if len(lines) < 3 or lines[0] != _HEADER:
        raise WitnessConfigError(f"{path} is not a coop-ledger witness key file")
    try:
        seed = base64.b64decode(lines[2], validate=True)
        if len(seed) != 32:
            raise WitnessConfigError(f"{path} does not hold a 32-byte Ed25519 seed")
        return Cosigner(lines[1], nacl.signing.SigningKey(seed))
    except (binascii.Error, ValueError) as error:
        raise WitnessConfigError(f"{path} is malformed: {error}") from error


def trusted_logs(entries: Iterable[tuple[str | None, str]]) -> dict[str, TrustedLog]:
    """Logs by origin from (origin or None for the key's name, log vkey) pairs."""
    keys: dict[str, list[NoteVerifier]] = {}
    for origin, vkey in entries:
        try:
            verifier = NoteVerifier.parse(vkey)
        except NoteError as error:
            raise WitnessConfigError(f"log key {vkey!r}: {error}") from error
        keys.setdefault(origin or verifier.name, []).append(verifier)
    if not keys:
        raise WitnessConfigError("a witness needs at least one log to witness")
    return {origin: TrustedLog(origin, tuple(found)) for origin, found in keys.items()}


def read_log_list(path: Path) -> list[tuple[str | None, str]]:
    """A JSON file `{"logs": [{"vkey": …, "origin": … (optional)}, …]}`."""
    try:
        document = json.loads(path.read_text())
        return [(entry.get("origin"), entry["vkey"]) for entry in document["logs"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise WitnessConfigError(f"{path} is not a witness log list: {error}") from error
