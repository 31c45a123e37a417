"""`coop log verify`: re-derive the whole log from its entries and check everything the co-op signed.

One streaming pass over the entries, inside one read transaction (a consistent snapshot even while
writers append), with memory flat however long the log is:
  - indices are 0, 1, 2, … with no gap; every stored leaf hash is the hash of its leaf bytes;
  - every leaf is a canonical entry whose statement signature verifies;
  - every stored tile hash equals the subtree hash recomputed from the leaves, none missing or extra;
  - every checkpoint ever signed verifies with the co-op key and names the root recomputed at its
    size, so all checkpoints are mutually consistent; the last one covers the whole log.
The first discrepancy stops the audit with its location: the log is never "repaired".

What the database alone cannot show is a consistent rollback: someone who owns the database drops its
guards and cuts the log back to an earlier checkpoint, entries, tiles and head together. Any
checkpoint signed before (a member's receipt, a witness's copy, the last verified one) shows it: given
as `known`, each must verify, lie within the stored log, name the root recomputed at its size, and be
stored itself (docs/append-only.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from provenance import store
from provenance.core.entry import verify_leaf
from provenance.core.merkle import CompactRange, leaf_hash
from provenance.core.note import Checkpoint, NoteError, NoteVerifier, verify_checkpoint
from provenance.core.signing import InvalidStatement
from provenance.core.tiles import TILE_HEIGHT


class AuditFailure(Exception):
    """The log does not verify; the message says exactly where."""


@dataclass(frozen=True)
class AuditReport:
    entries: int
    checkpoints: int
    tile_hashes: int
    root_hash: bytes
    seconds: float


def audit_log(
    engine: Engine,
    verifier: NoteVerifier,
    origin: str,
    progress: Callable[[int], None] | None = None,
    known: Sequence[str] = (),
) -> AuditReport:
    """Audit the whole log; `known` are signed checkpoint notes obtained earlier, from outside the database."""
    started = time.perf_counter()
    remembered: dict[int, Checkpoint] = {}
    for note in known:
        try:
            checkpoint = verify_checkpoint(note, verifier, origin)
        except NoteError as error:
            raise AuditFailure(f"a known checkpoint does not verify: {error}") from error
        remembered[checkpoint.size] = checkpoint
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        auditor = _Auditor(conn, verifier, origin, remembered)
        auditor.check_checkpoints_up_to(0)
        for idx, stored_hash, leaf in store.iter_entries(conn):
            auditor.check_entry(idx, stored_hash, leaf)
            if progress is not None and idx % 100_000 == 99_999:
                progress(idx + 1)
        return auditor.finish(store.head_size(conn), store.count_tile_hashes(conn), time.perf_counter() - started)


class _Auditor:
    def __init__(self, conn: Connection, verifier: NoteVerifier, origin: str, known: dict[int, Checkpoint]):
        self.conn = conn
        self.known = known
        self.verifier = verifier
        self.origin = origin
        self.tree = CompactRange()
        self.checkpoints = store.iter_checkpoints(conn)
        self.next_checkpoint = next(self.checkpoints, None)
        self.checkpoint_count = 0
        self.last_checkpoint_size = 0
        self.tile_streams: dict[int, Iterator[tuple[int, bytes]]] = {}
        self.tiles_checked = 0

    def check_entry(self, idx: int, stored_hash: bytes, leaf: bytes) -> None:
        if idx != self.tree.size:
            raise AuditFailure(f"entry index {self.tree.size} is missing (next stored index is {idx})")
        if leaf_hash(leaf) != stored_hash:
            raise AuditFailure(f"entry {idx}: stored leaf hash does not match the leaf bytes")
        try:
            verify_leaf(leaf)
        except InvalidStatement as error:
            raise AuditFailure(f"entry {idx}: {error}") from error
        for level, index, digest in self.tree.append(stored_hash):
            if level and level % TILE_HEIGHT == 0:
                self.check_tile_hash(level // TILE_HEIGHT, index, digest)
        self.check_checkpoints_up_to(self.tree.size)

    def check_tile_hash(self, tile_level: int, index: int, digest: bytes) -> None:
        stream = self.tile_streams.setdefault(tile_level, store.iter_tile_hashes(self.conn, tile_level))
        row = next(stream, None)
        if row is None:
            raise AuditFailure(f"tile hash {tile_level}/{index} is missing")
        if row[0] != index:
            raise AuditFailure(f"tile hash {tile_level}/{row[0]} is stored where {tile_level}/{index} was expected")
        if row[1] != digest:
            raise AuditFailure(f"tile hash {tile_level}/{index} does not match the subtree of its entries")
        self.tiles_checked += 1

    def check_checkpoints_up_to(self, size: int) -> None:
        if size in self.known:
            if self.known[size].root_hash != self.tree.root():
                raise AuditFailure(
                    f"known checkpoint of size {size}: its root is not the root of the stored entries (a forked log)"
                )
            if self.next_checkpoint is None or self.next_checkpoint.size != size:
                raise AuditFailure(f"known checkpoint of size {size} is missing from the stored checkpoints (deleted)")
        while self.next_checkpoint is not None and self.next_checkpoint.size == size:
            stored = self.next_checkpoint
            try:
                signed = verify_checkpoint(stored.note, self.verifier, self.origin)
            except NoteError as error:
                raise AuditFailure(f"checkpoint of size {stored.size}: {error}") from error
            if signed.size != stored.size or signed.root_hash != stored.root_hash:
                raise AuditFailure(f"checkpoint of size {stored.size}: signed note and stored columns disagree")
            if signed.root_hash != self.tree.root():
                raise AuditFailure(
                    f"checkpoint of size {stored.size}: signed root is not the root of the stored entries"
                )
            self.checkpoint_count += 1
            self.last_checkpoint_size = stored.size
            self.next_checkpoint = next(self.checkpoints, None)

    def finish(self, head: int, stored_tile_hashes: int, seconds: float) -> AuditReport:
        size = self.tree.size
        beyond = [known for known in self.known if known > size]
        if beyond:
            raise AuditFailure(
                f"the log was rolled back: a checkpoint of size {max(beyond)} was signed "
                f"but only {size} entries are stored"
            )
        if self.next_checkpoint is not None:
            raise AuditFailure(f"checkpoint of size {self.next_checkpoint.size} is beyond the {size} stored entries")
        if stored_tile_hashes != self.tiles_checked:
            raise AuditFailure(f"{stored_tile_hashes} tile hashes are stored but the entries make {self.tiles_checked}")
        if head != size:
            raise AuditFailure(f"log head says {head} entries but {size} are stored")
        if self.last_checkpoint_size != size:
            raise AuditFailure(f"the latest checkpoint covers {self.last_checkpoint_size} of the {size} stored entries")
        return AuditReport(size, self.checkpoint_count, self.tiles_checked, self.tree.root(), seconds)
