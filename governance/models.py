"""Policy versions: insert-only; a new version supersedes, nothing is edited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime


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


class Proposal(Base):
    """A proposal's identity and rules are fixed when it opens (and logged); only its status and,
    at close, its result are written later — the result itself is a log entry too."""

    __tablename__ = "proposal"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    proposer_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    method: Mapped[str] = mapped_column(String(20))  # yes-no | ranked
    options: Mapped[str] = mapped_column(Text)  # canonical JSON
    quorum_bps: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[str] = mapped_column(String(30))
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    effective_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    eligible_count: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | closed
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    result_log_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    enacted: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ProposalEligible(Base):
    __tablename__ = "proposal_eligible"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposal.id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True)


class ProposalComment(Base):
    __tablename__ = "proposal_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposal.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BallotRecord(Base):
    __tablename__ = "ballot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposal.id"), index=True)
    voter_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    vote: Mapped[str] = mapped_column(Text)  # canonical JSON
    cast_at: Mapped[datetime] = mapped_column(UtcDateTime())
    statement_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
