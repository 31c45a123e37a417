"""Policy versions: insert-only; a new version supersedes, nothing is edited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.db import Base, UtcDateTime


class PolicyVersion(Base):
    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_policy_version_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), index=True)  # "pay-floor", "rubric.expert-answer", …
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON
    effective_at: Mapped[datetime] = mapped_column(UtcDateTime())
    adopted_via: Mapped[str] = mapped_column(String(100))  # "seed" or "proposal:<id>"
    log_index: Mapped[int] = mapped_column(BigInteger)
