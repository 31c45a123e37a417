"""Tables of appeals: an author's appeal of a rejection and a reviewer's decision on it. Both are
insert-only facts (migration 0017 makes the database refuse UPDATE and DELETE); the reasons are kept
beside the log (log_text) and named here by their SHA-256."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime

AppealOutcome = Literal["upheld", "overturned"]


class Appeal(Base):
    """One appeal per contribution (the primary key's uniqueness on contribution_id says so)."""

    __tablename__ = "appeal"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), unique=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    reason_sha256: Mapped[str] = mapped_column(String(64))
    appealed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)


class AppealDecision(Base):
    """The decision on an appeal: a record of its own, so the appeal row is never edited."""

    __tablename__ = "appeal_decision"

    appeal_id: Mapped[str] = mapped_column(ForeignKey("appeal.id"), primary_key=True)
    decided_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    outcome: Mapped[AppealOutcome] = mapped_column(String(10))
    reason_sha256: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
