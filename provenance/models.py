"""Tables of the provenance log. All but the head are insert-only (triggers in migration 0001).

The tree is stored C2SP-tiles style: leaf hashes beside the entries (tile level 0) and, in
`log_tile_hash`, the hashes of every complete subtree at tree levels 8, 16, 24, … (tile levels ≥ 1).
Those are exactly the hashes tiles are made of, so a proof or a tile is a few range reads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime

# INTEGER PRIMARY KEY on SQLite is the rowid itself; BIGINT on PostgreSQL.
Index64 = BigInteger().with_variant(Integer(), "sqlite")


class LogEntry(Base):
    __tablename__ = "log_entry"

    idx: Mapped[int] = mapped_column(Index64, primary_key=True, autoincrement=False)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class LogTileHash(Base):
    __tablename__ = "log_tile_hash"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogCheckpoint(Base):
    __tablename__ = "log_checkpoint"

    size: Mapped[int] = mapped_column(Index64, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LogHead(Base):
    """The one row writers lock to take their turn; it mirrors the latest checkpoint's size."""

    __tablename__ = "log_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)


class LogText(Base):
    """Free text kept beside the log, by SHA-256: the log carries only the hash (DESIGN invariant 8).
    Deliberately not append-only: a text that turns out to hold personal data can be erased here
    while the log, which never held it, stays intact."""

    __tablename__ = "log_text"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime())
