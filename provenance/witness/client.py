"""A log's side of C2SP tlog-witness: submit a checkpoint and its consistency proof to one witness,
and take back its cosignature lines, checked against the witness's vkey.

`add_checkpoint` is one request (no retries, no policy): the caller decides what a 409 means for it
(usually: prove consistency from the size the witness reports and submit again).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from provenance.core.cosignature import CosignatureVerifier
from provenance.core.note import NoteError
from provenance.core.witness import SIZE_CONTENT_TYPE, proof_lines


class WitnessError(RuntimeError):
    """The witness refused the checkpoint, answered something unusable, or could not be reached."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Cosigned:
    """The witness cosigned: its signature line(s), each verified, and the time it signed at."""

    lines: tuple[str, ...]
    timestamp: int


@dataclass(frozen=True)
class SizeConflict:
    """409: the witness last cosigned `size` (not the `old` the log sent), or refuses a fork at it."""

    size: int


def add_checkpoint(
    url: str,
    witness: CosignatureVerifier,
    old_size: int,
    proof: Sequence[bytes],
    checkpoint_note: str,
    timeout: float = 10.0,
) -> Cosigned | SizeConflict:
    """POST <url>/add-checkpoint; raise WitnessError for any answer but 200 and 409."""
    body = proof_lines(old_size, proof, checkpoint_note)
    request = urllib.request.Request(url.rstrip("/") + "/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return parse_cosignatures(witness, checkpoint_note, response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        if error.code == 409 and error.headers.get("Content-Type", "").startswith(SIZE_CONTENT_TYPE):
            size = text.strip()
            if size.isdigit():
                return SizeConflict(int(size))
        raise WitnessError(f"witness {witness.name} answered {error.code}: {text.strip()[:200]}", error.code) from error
    except (urllib.error.URLError, http.client.HTTPException, OSError, UnicodeDecodeError) as error:
        raise WitnessError(f"witness {witness.name} at {url} is unreachable: {error}") from error


def parse_cosignatures(witness: CosignatureVerifier, checkpoint_note: str, response: str) -> Cosigned:
    """The witness's valid lines from a 200 body; lines by other keys are ignored (the spec says so)."""
    text = checkpoint_note[: checkpoint_note.rfind("\n\n") + 1]
    if not text or not response.endswith("\n"):
        raise WitnessError(f"witness {witness.name} answered an unusable body")
    mine: list[str] = []
    timestamp = 0
    for line in response[:-1].split("\n"):
        try:
            signed_at = witness.verify_line(text, line)
        except NoteError as error:
            raise WitnessError(f"witness {witness.name}: {error}") from error
        if signed_at is not None:
            mine.append(line + "\n")
            timestamp = max(timestamp, signed_at)
    if not mine:
        raise WitnessError(f"witness {witness.name} answered no cosignature by its key")
    return Cosigned(tuple(mine), timestamp)
