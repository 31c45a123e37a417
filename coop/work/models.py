"""Tables of the work. Submitted contributions, reviews, acceptances and revocations are
insert-only facts; a draft is the one thing a member may still edit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime
from coop.rules.review import TaskKind

TaskStatus = Literal["open", "flagged", "closed"]  # flagged: its reported time breaks the pay floor
# A draft is edited; a submitted contribution is reviewed until accepted or rejected, or sent back
# for a revision (which is a new contribution revising it).
ContributionStatus = Literal["draft", "submitted", "revision-requested", "accepted", "rejected", "in-adjudication"]


class Task(Base):
    __tablename__ = "task"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project: Mapped[str] = mapped_column(String(200))
    buyer_org_id: Mapped[str | None] = mapped_column(ForeignKey("buyer_org.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text)
    kind: Mapped[TaskKind] = mapped_column(String(30))
    rubric_version: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(50))
    minutes_per_unit: Mapped[int] = mapped_column(Integer)
    pay_per_unit: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reviews_required: Mapped[int] = mapped_column(Integer)
    intended_uses: Mapped[str] = mapped_column(Text)  # JSON list
    pay_floor_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[TaskStatus] = mapped_column(String(10))
    flag_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger)


class ContentBlob(Base):
    """Submitted content, addressed by its SHA-256. Private to the co-op: never in the log."""

    __tablename__ = "content_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Contribution(Base):
    __tablename__ = "contribution"
    # The review queue reads submitted work oldest first (0008); an author's list, newest first.
    __table_args__ = (
        Index("ix_contribution_status_submitted_at", "status", "submitted_at"),
        Index("ix_contribution_author_created_at", "author_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    revises_id: Mapped[str | None] = mapped_column(ForeignKey("contribution.id"), nullable=True)
    round: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str | None] = mapped_column(ForeignKey("content_blob.sha256"), nullable=True)
    units: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    terms: Mapped[str] = mapped_column(Text)  # canonical JSON
    status: Mapped[ContributionStatus] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Set once, at submission:
    statement: Mapped[str | None] = mapped_column(Text, nullable=True)  # canonical JSON body the author signed
    statement_sha256: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary(64), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ReviewAssignment(Base):
    __tablename__ = "review_assignment"

    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), primary_key=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True, index=True)
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConflictDeclaration(Base):
    """A reviewer declares they must not review someone's work (family, employer, friend…)."""

    __tablename__ = "conflict_declaration"

    reviewer_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True)
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Review(Base):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    scores: Mapped[str] = mapped_column(Text)  # canonical JSON {criterion: score}
    feedback: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Acceptance(Base):
    __tablename__ = "acceptance"

    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    review_digest: Mapped[str] = mapped_column(String(64))
    rubric_version: Mapped[int] = mapped_column(Integer)
    pay_floor_version: Mapped[int] = mapped_column(Integer)
    pay_per_unit: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConsentRevocation(Base):
    __tablename__ = "consent_revocation"

    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    revoked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ItemBatch(Base):
    """Items a steward imported into a task at once; its manifest (count, Merkle root of the item
    hashes in position order) is signed and logged at `log_index`. Insert-only."""

    __tablename__ = "item_batch"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), index=True)
    imported_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    item_count: Mapped[int] = mapped_column(Integer)
    items_root: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)


class TaskItem(Base):
    """One item to judge, stored by the SHA-256 of its canonical JSON. Never edited (insert-only);
    an item is unique within its task."""

    __tablename__ = "task_item"
    __table_args__ = (
        UniqueConstraint("task_id", "content_sha256"),
        UniqueConstraint("batch_id", "position"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), index=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("item_batch.id"))
    position: Mapped[int] = mapped_column(Integer)  # 0-based, within the batch
    content_sha256: Mapped[str] = mapped_column(ForeignKey("content_blob.sha256"))


class ItemRetirement(Base):
    """An item taken out of the work: a record of its own (the item row stays as it was). The
    reason is kept beside the log (log_text) and named here by its SHA-256. Insert-only."""

    __tablename__ = "item_retirement"

    item_id: Mapped[str] = mapped_column(ForeignKey("task_item.id"), primary_key=True)
    retired_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    reason_sha256: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
