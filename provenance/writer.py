"""The log's sequencer: one writer at a time, many appends per transaction.

Appenders hand their leaves to `LogWriter.append`. The first appender to arrive while no batch is
being written becomes the leader: it takes everything queued, writes it in one transaction (lock the
head row, assign the next indices, store leaf and tile hashes, sign and store a checkpoint, commit)
and wakes the others. Meanwhile new arrivals queue up for the next batch. So N concurrent appenders
cost one transaction per batch, and an index is returned only once its entry is durable and covered
by a signed checkpoint. Several processes may each run a writer: the head lock orders them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from coop.kernel.db import write_connection
from provenance import metrics, store
from provenance.core import merkle
from provenance.core.note import Checkpoint, NoteSigner, sign_checkpoint
from provenance.core.tiles import TILE_HEIGHT, TileNodeReader

MAX_BATCH = 4096
# C2SP tlog-tiles entry bundles prefix each entry with its length as a big-endian uint16, so no
# entry may be longer: a larger one could be logged but never served or mirrored.
MAX_LEAF_BYTES = 0xFFFF


class LogHeadMismatch(RuntimeError):
    """The stored entries do not end where the head says, or the head has no checkpoint: rows past the
    head (slipped in with the database's guards dropped) or a head raised outside the writer. The
    writer refuses to append on top, names what it found, and leaves the log untouched; `coop log
    verify` says the rest."""


class LeafTooLarge(ValueError):
    """A leaf longer than MAX_LEAF_BYTES: refused, never stored."""


def check_leaf_sizes(leaves: list[bytes]) -> None:
    for leaf in leaves:
        if len(leaf) > MAX_LEAF_BYTES:
            raise LeafTooLarge(
                f"a log entry is at most {MAX_LEAF_BYTES} bytes (C2SP tlog-tiles); this one is {len(leaf)}"
            )


@dataclass
class _Pending:
    leaves: list[bytes]
    done: threading.Event = field(default_factory=threading.Event)
    first_index: int = -1
    error: BaseException | None = None


class LogWriter:
    def __init__(self, engine: Engine, signer: NoteSigner, origin: str, max_batch: int = MAX_BATCH):
        self._engine = engine
        self._signer = signer
        self._origin = origin
        self._max_batch = max_batch
        self._mutex = threading.Lock()
        self._queue: list[_Pending] = []
        self._leading = False
        # Right edge of the tree as of the last batch this process wrote: reused when no other
        # process has written since (the head size still matches), otherwise rebuilt from tiles.
        self._edge: merkle.CompactRange | None = None

    def append(self, leaves: list[bytes]) -> list[int]:
        """Durably append `leaves` (consecutively) and return their indices."""
        if not leaves:
            return []
        check_leaf_sizes(leaves)
        pending = _Pending(list(leaves))
        with self._mutex:
            self._queue.append(pending)
            lead = not self._leading
            if lead:
                self._leading = True
        if lead:
            self._lead()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return list(range(pending.first_index, pending.first_index + len(pending.leaves)))

    def _lead(self) -> None:
        while True:
            with self._mutex:
                batch: list[_Pending] = []
                count = 0
                while self._queue and (not batch or count + len(self._queue[0].leaves) <= self._max_batch):
                    item = self._queue.pop(0)
                    batch.append(item)
                    count += len(item.leaves)
                if not batch:
                    self._leading = False
                    return
            leaves = [leaf for item in batch for leaf in item.leaves]
            started = time.perf_counter()
            try:
                first = self._write(leaves)
                metrics.APPEND_BATCH_SECONDS.observe(time.perf_counter() - started)
                metrics.GROUP_BATCH.observe(len(leaves))
                for item in batch:
                    item.first_index = first
                    first += len(item.leaves)
            except BaseException as error:  # every waiter must learn of the failure
                metrics.APPEND_BATCH_FAILURES.inc()
                for item in batch:
                    item.error = error
            for item in batch:
                item.done.set()

    def _write(self, leaves: list[bytes]) -> int:
        """One transaction of its own: sequence `leaves` after the current head."""
        try:
            with write_connection(self._engine) as conn, conn.begin():
                first, edge = self._sequence(conn, leaves)
        except BaseException:
            self._edge = None
            raise
        self._edge = edge
        return first

    def append_in_transaction(self, conn: Connection, leaves: list[bytes]) -> list[int]:
        """Sequence `leaves` inside the caller's transaction, so a business record and its log entry
        commit (or roll back) together. On SQLite the caller's transaction must have been begun
        IMMEDIATE (`coop.kernel.db.write_session`); on PostgreSQL the head row stays locked until it ends."""
        check_leaf_sizes(leaves)
        self._edge = None  # the caller may still roll back: never trust this batch's edge later
        first, _ = self._sequence(conn, leaves)
        metrics.IN_TRANSACTION_BATCH.observe(len(leaves))
        return list(range(first, first + len(leaves)))

    def _sequence(self, conn: Connection, leaves: list[bytes]) -> tuple[int, merkle.CompactRange]:
        first = store.lock_head(conn)
        last = store.last_entry_index(conn)
        if (last is None and first != 0) or (last is not None and last != first - 1):
            stored = 0 if last is None else last + 1
            where = "past the head" if stored > first else "missing below the head"
            raise LogHeadMismatch(
                f"the log head says {first} entries but entries 0..{stored - 1} are stored (entries {where}); "
                "nothing was appended: run `coop log verify`"
            )
        if first and store.checkpoint_of_size(conn, first) is None:
            raise LogHeadMismatch(
                f"the log head says {first} entries but no checkpoint of that size is stored (the head was raised "
                "outside the writer); nothing was appended: run `coop log verify`"
            )
        edge = self._load_edge(conn, first)
        digests = merkle.leaf_hashes(leaves)
        size = first + len(leaves)
        entries = list(zip(range(first, size), digests, leaves, strict=True))
        # Complete subtrees at tree levels 8, 16, 24, … are the hashes tiles one level up are made of.
        closed = edge.extend(digests, TILE_HEIGHT)
        tile_hashes = [(level // TILE_HEIGHT, index, h) for level, index, h in closed if level % TILE_HEIGHT == 0]
        root_hash = edge.root()
        note = sign_checkpoint(self._signer, Checkpoint(self._origin, size, root_hash))
        store.write_batch(conn, entries, tile_hashes, store.StoredCheckpoint(size, root_hash, note, datetime.now(UTC)))
        return first, edge

    def _load_edge(self, conn: Connection, size: int) -> merkle.CompactRange:
        if self._edge is not None and self._edge.size == size:
            return self._edge.copy()
        return merkle.CompactRange.of_tree(
            size, TileNodeReader(size, lambda level, index, width: store.read_tile(conn, level, index, width))
        )
