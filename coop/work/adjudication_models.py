"""Tables of adjudication: a contribution the minimum-alpha rule held back from acceptance, and the
decision on it. Both are insert-only facts (migration 0018 makes the database refuse UPDATE and
DELETE); the decider's reason is kept beside the log (log_text) and named here by its SHA-256."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime

AdjudicationOutcome = Literal["accepted", "rejected"]


class Adjudication(Base):
    """One per contribution: held once, instead of the acceptance its reviews reached."""

    __tablename__ = "adjudication"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), unique=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)  # the rule's own words (which alpha, below which minimum)
    policy_version: Mapped[int] = mapped_column(Integer)  # of the `adjudication` policy applied
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)


class AdjudicationDecision(Base):
    """The decision: a record of its own, so the adjudication row is never edited."""

    __tablename__ = "adjudication_decision"

    adjudication_id: Mapped[str] = mapped_column(ForeignKey("adjudication.id"), primary_key=True)
    decided_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    outcome: Mapped[AdjudicationOutcome] = mapped_column(String(10))
    reason_sha256: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
