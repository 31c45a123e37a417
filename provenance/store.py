"""SQL for the provenance log: the only module that knows how the tree sits in tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from provenance.core.tiles import TILE_WIDTH
from provenance.models import LogCheckpoint, LogEntry, LogHead, LogTileHash

_entry = LogEntry.__table__
_tile = LogTileHash.__table__
_checkpoint = LogCheckpoint.__table__
_head = LogHead.__table__


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    root_hash: bytes
    note: str
    signed_at: datetime


def lock_head(conn: Connection) -> int:
    """Take the writer's turn and return the current tree size.

    On PostgreSQL the head row is locked (FOR UPDATE) until commit; on SQLite the caller's
    transaction is already BEGIN IMMEDIATE, which holds the database's single write lock.
    """
    lock = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    size = conn.exec_driver_sql(f"SELECT size FROM log_head WHERE id = 1{lock}").scalar_one_or_none()
    if size is None:
        raise RuntimeError("log_head row is missing: the database was not initialised by `coop init`")
    return int(size)


def last_entry_index(conn: Connection) -> int | None:
    """The largest stored entry index (one primary-key lookup), None for an empty log."""
    found = conn.execute(select(func.max(_entry.c.idx))).scalar_one_or_none()
    return None if found is None else int(found)


def read_hashes(conn: Connection, tile_level: int, start: int, stop: int) -> list[bytes]:
    """Stored hashes at tree level 8·tile_level for indices [start, stop), in order."""
    if stop <= start:
        return []
    if tile_level == 0:
        query = select(_entry.c.leaf_hash).where(_entry.c.idx >= start, _entry.c.idx < stop).order_by(_entry.c.idx)
    else:
        query = (
            select(_tile.c.hash)
            .where(_tile.c.level == tile_level, _tile.c.idx >= start, _tile.c.idx < stop)
            .order_by(_tile.c.idx)
        )
    return [bytes(row[0]) for row in conn.execute(query)]


def read_tile(conn: Connection, tile_level: int, tile_index: int, width: int) -> list[bytes]:
    start = tile_index * TILE_WIDTH
    return read_hashes(conn, tile_level, start, start + width)


def read_leaves(conn: Connection, start: int, stop: int) -> list[bytes]:
    query = select(_entry.c.leaf).where(_entry.c.idx >= start, _entry.c.idx < stop).order_by(_entry.c.idx)
    return [bytes(row[0]) for row in conn.execute(query)]


def write_batch(
    conn: Connection,
    entries: Sequence[tuple[int, bytes, bytes]],
    tile_hashes: Sequence[tuple[int, int, bytes]],
    checkpoint: StoredCheckpoint,
) -> None:
    """Insert a sequenced batch. Entries and tile hashes go to the driver's executemany as plain
    tuples: per-row statement compilation and type processing were most of an append's storage cost.
    The head is raised FIRST: the database refuses any entry, tile hash or checkpoint past the head
    (migration 0029), so rows only ever go in below a head that never moves back."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"UPDATE log_head SET size = {marker} WHERE id = 1", (checkpoint.size,))
    conn.exec_driver_sql(
        f"INSERT INTO log_entry (idx, leaf_hash, leaf) VALUES ({marker}, {marker}, {marker})", list(entries)
    )
    if tile_hashes:
        conn.exec_driver_sql(
            f"INSERT INTO log_tile_hash (level, idx, hash) VALUES ({marker}, {marker}, {marker})", list(tile_hashes)
        )
    conn.execute(
        insert(LogCheckpoint),
        {
            "size": checkpoint.size,
            "root_hash": checkpoint.root_hash,
            "note": checkpoint.note,
            "signed_at": checkpoint.signed_at,
        },
    )


def _checkpoint_from_row(row: Sequence[Any]) -> StoredCheckpoint:
    size, root_hash, note, signed_at = row
    return StoredCheckpoint(int(size), bytes(root_hash), note, signed_at)


def latest_checkpoint(conn: Connection) -> StoredCheckpoint | None:
    row = conn.execute(select(_checkpoint).order_by(_checkpoint.c.size.desc()).limit(1)).first()
    return None if row is None else _checkpoint_from_row(row)


def checkpoint_of_size(conn: Connection, size: int) -> StoredCheckpoint | None:
    row = conn.execute(select(_checkpoint).where(_checkpoint.c.size == size)).first()
    return None if row is None else _checkpoint_from_row(row)


def head_size(conn: Connection) -> int:
    return int(conn.execute(select(_head.c.size).where(_head.c.id == 1)).scalar_one())


def head_with_checkpoint(conn: Connection) -> tuple[int, StoredCheckpoint | None] | None:
    """The head's size and the checkpoint of that very size, read in ONE statement (one snapshot, even
    under READ COMMITTED); None if the head row is missing. Used by the health check."""
    query = (
        select(
            _head.c.size.label("head"),
            _checkpoint.c.size,
            _checkpoint.c.root_hash,
            _checkpoint.c.note,
            _checkpoint.c.signed_at,
        )
        .select_from(_head.outerjoin(_checkpoint, _checkpoint.c.size == _head.c.size))
        .where(_head.c.id == 1)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return int(row[0]), None if row[1] is None else _checkpoint_from_row(row[1:])


def iter_entries(conn: Connection, chunk: int = 5000) -> Iterator[tuple[int, bytes, bytes]]:
    """(idx, leaf_hash, leaf) in index order, read in keyset pages so memory stays flat."""
    after = -1
    while True:
        rows = conn.execute(
            select(_entry.c.idx, _entry.c.leaf_hash, _entry.c.leaf)
            .where(_entry.c.idx > after)
            .order_by(_entry.c.idx)
            .limit(chunk)
        ).all()
        if not rows:
            return
        for idx, digest, leaf in rows:
            yield int(idx), bytes(digest), bytes(leaf)
        after = int(rows[-1][0])


def iter_tile_hashes(conn: Connection, tile_level: int, chunk: int = 5000) -> Iterator[tuple[int, bytes]]:
    """(idx, hash) of one tile level (≥ 1) in index order, in keyset pages."""
    after = -1
    while True:
        rows = conn.execute(
            select(_tile.c.idx, _tile.c.hash)
            .where(_tile.c.level == tile_level, _tile.c.idx > after)
            .order_by(_tile.c.idx)
            .limit(chunk)
        ).all()
        if not rows:
            return
        for idx, digest in rows:
            yield int(idx), bytes(digest)
        after = int(rows[-1][0])


def count_tile_hashes(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(_tile)).scalar_one())


def iter_checkpoints(conn: Connection, chunk: int = 1000) -> Iterator[StoredCheckpoint]:
    after = -1
    while True:
        rows = conn.execute(
            select(_checkpoint).where(_checkpoint.c.size > after).order_by(_checkpoint.c.size).limit(chunk)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _checkpoint_from_row(row)
        after = int(rows[-1][0])
