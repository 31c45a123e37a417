"""Cosignatures the log received from its witnesses: insert-only (triggers in migration 0031).

One row per cosignature line: which witness (by name, as the witness policy lists it), the checkpoint
it cosigned (size and root hash, so a row can never be read against another root), the line itself
exactly as the witness sent it, and when the log received it. `GET /log/checkpoint` appends a
checkpoint's lines to the co-op's signed note; nothing here is ever edited or deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime


class WitnessCosignature(Base):
    __tablename__ = "witness_cosignature"
    __table_args__ = (
        Index("ix_witness_cosignature_size", "size"),
        Index("ix_witness_cosignature_witness_size", "witness", "size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    witness: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    line: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
