"""What a backup of either database is made of, shared by the SQLite path (`backup`) and the
PostgreSQL one (`backup_pg`): the error they refuse with, the log as of the snapshot, and the files
they write, readable by their owner only."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 6962: the root of the empty tree


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class SnapshotLog:
    """The log as of the snapshot: its latest signed checkpoint."""

    size: int
    root_hash: bytes
    note: str


def private_file(path: Path) -> BinaryIO:
    """A new file only its owner can read, open for writing (never replaces one)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
