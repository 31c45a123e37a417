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
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine

from provenance import store
from provenance.core import merkle
from provenance.core.note import Checkpoint, NoteSigner, sign_checkpoint
from provenance.core.tiles import TILE_HEIGHT, TILE_WIDTH, TileNodeReader

MAX_BATCH = 4096


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
        # process has written since (the head size still matches), otherwise reloaded.
        self._tails: dict[int, list[bytes]] | None = None
        self._tails_size = -1

    def append(self, leaves: list[bytes]) -> list[int]:
        """Durably append `leaves` (consecutively) and return their indices."""
        if not leaves:
            return []
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
            try:
                first = self._write([leaf for item in batch for leaf in item.leaves])
                for item in batch:
                    item.first_index = first
                    first += len(item.leaves)
            except BaseException as error:  # every waiter must learn of the failure
                for item in batch:
                    item.error = error
            for item in batch:
                item.done.set()

    def _write(self, leaves: list[bytes]) -> int:
        """One transaction of its own: sequence `leaves` after the current head."""
        try:
            with self._engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
                first, tails, size = self._sequence(conn, leaves)
        except BaseException:
            self._tails = None
            raise
        self._tails, self._tails_size = tails, size
        return first

    def append_in_transaction(self, conn: Connection, leaves: list[bytes]) -> list[int]:
        """Sequence `leaves` inside the caller's transaction, so a business record and its log entry
        commit (or roll back) together. On SQLite the caller's transaction must have been begun
        IMMEDIATE (`coop.db.write_session`); on PostgreSQL the head row stays locked until it ends."""
        self._tails = None  # the caller may still roll back: never trust this batch's edge later
        first, _, _ = self._sequence(conn, leaves)
        return list(range(first, first + len(leaves)))

    def _sequence(self, conn: Connection, leaves: list[bytes]) -> tuple[int, dict[int, list[bytes]], int]:
        size = store.lock_head(conn)
        first = size
        tails = self._load_tails(conn, size)
        entries: list[tuple[int, bytes, bytes]] = []
        tile_hashes: list[tuple[int, int, bytes]] = []
        leaf_hash = merkle.leaf_hash
        bottom = tails.setdefault(0, [])
        for leaf in leaves:  # the hot loop: one hash and two appends per leaf, a tile fold per 256
            digest = leaf_hash(leaf)
            entries.append((size, digest, leaf))
            size += 1
            bottom.append(digest)
            if len(bottom) == TILE_WIDTH:
                _close_tile(tails, 0, size, tile_hashes)
                bottom = tails[0]
        root_hash = merkle.root(size, _tail_reader(size, tails))
        note = sign_checkpoint(self._signer, Checkpoint(self._origin, size, root_hash))
        store.write_batch(conn, entries, tile_hashes, store.StoredCheckpoint(size, root_hash, note, datetime.now(timezone.utc)))
        return first, tails, size

    def _load_tails(self, conn: Connection, size: int) -> dict[int, list[bytes]]:
        if self._tails is not None and self._tails_size == size:
            return {level: list(hashes) for level, hashes in self._tails.items()}
        tails: dict[int, list[bytes]] = {}
        level = 0
        while (count := size >> (TILE_HEIGHT * level)) > 0:
            start = count // TILE_WIDTH * TILE_WIDTH
            tails[level] = store.read_hashes(conn, level, start, count)
            level += 1
        return tails


def _close_tile(tails: dict[int, list[bytes]], level: int, size: int, out: list[tuple[int, int, bytes]]) -> None:
    """Tile `level` just filled: store its root as the next hash one tile level up (and so on)."""
    up = merkle.root(TILE_WIDTH, merkle.memory_reader(tails[level]))
    tails[level] = []
    up_level = level + 1
    out.append((up_level, (size >> (TILE_HEIGHT * up_level)) - 1, up))
    row = tails.setdefault(up_level, [])
    row.append(up)
    if len(row) == TILE_WIDTH:
        _close_tile(tails, up_level, size, out)


def _tail_reader(size: int, tails: dict[int, list[bytes]]) -> TileNodeReader:
    """Node reader over the right-edge tiles only: all a root computation ever needs."""

    def fetch(level: int, index: int, width: int) -> list[bytes]:
        hashes = tails.get(level, [])
        if index != (size >> (TILE_HEIGHT * level)) // TILE_WIDTH or len(hashes) < width:
            raise AssertionError(f"root needs tile {level}/{index} which is not on the right edge")
        return hashes[:width]

    return TileNodeReader(size, fetch)
