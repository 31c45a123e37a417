"""Tables of doing the work on items (issue 14, part 3): a task's answer spec, claims on items,
skips, and the answer a contribution gives to the item it claimed.

The answer spec is set **once** per task and never changed (the task id is its primary key; the
table is insert-only): answers already given were checked against it, and agreement compares
answers of one shape. A task whose spec is wrong is closed and opened again. Claims and skips are
insert-only too — a claim expires by the clock (`expires_at`), never by an UPDATE. The answer row
of a contribution is edited only while its contribution is a draft (a failed signing is retried).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from coop.kernel.db import Base, UtcDateTime


class AnswerSpec(Base):
    """What an answer to the task's items is: its kind, its (normalised) configuration, and how
    many people answer each item (k). Logged as `task.answer-spec` at `log_index`."""

    __tablename__ = "answer_spec"

    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), primary_key=True)
    answer_kind: Mapped[str] = mapped_column(String(20))
    config: Mapped[str] = mapped_column(Text)  # canonical JSON
    answers_per_item: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)


class ItemClaim(Base):
    """A contributor holding an item to answer, until `expires_at`."""

    __tablename__ = "item_claim"
    # Holders of an item (the next-item query); a member's own claims on a task, newest last (their
    # live claim, looked up on every claim): without it PostgreSQL walks all of the task's claims (0022).
    __table_args__ = (
        Index("ix_item_claim_item_account", "item_id", "account_id"),
        Index("ix_item_claim_account_task", "account_id", "task_id", "claimed_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("task_item.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ItemWorkMark(Base):
    """Every item of the task before (`log_index` of its batch, `position`) in claim order is done for
    good: it has k submitted answers or is retired, and neither is ever undone. Claims start looking
    for the next item here instead of walking every full item; a newer mark is a new row (the
    latest is the one in force). Only a shortcut: with no marks the same items are handed out."""

    __tablename__ = "item_work_mark"

    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    marked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MemberWorkMark(Base):
    """Every item of the task before (`log_index` of its batch, `position`) can never again be offered
    to this member: they answered or skipped it, it is retired, or it has k submitted answers from k
    people. Each of those only ever becomes true, so the mark stays right whatever the clock does; an
    item only *held* by others never counts (their claims may expire). The member's claims start at
    the later of this and the task's mark instead of walking every item they have already done. A
    new row only when the mark moves at least a stride or into a later batch (coop.work.next_item),
    so the table holds about one row per member per `MEMBER_MARK_STRIDE` answers; the latest is in
    force. Only a shortcut: with no marks the same items are handed out."""

    __tablename__ = "member_work_mark"

    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    marked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ClaimSkip(Base):
    """A claim given back with a reason: the item goes to someone else, not to this person again."""

    __tablename__ = "claim_skip"

    claim_id: Mapped[str] = mapped_column(ForeignKey("item_claim.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    skipped_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContributionAnswer(Base):
    """The item a contribution answers (id and SHA-256), its typed answer, and the seconds the
    server measured from the claim to the submission (kept beside the self-reported minutes).
    One per claim: a retried submission finds it."""

    __tablename__ = "contribution_answer"

    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("item_claim.id"), unique=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("task_item.id"), index=True)
    item_sha256: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(Text)  # canonical JSON of the normalised answer
    measured_seconds: Mapped[int] = mapped_column(Integer)


def answer_statement_fields(session: Session, contribution_id: str) -> dict[str, Any]:
    """The fields a contribution's signed statement adds when it answers an item (none otherwise,
    so the statements of free-form contributions are what they always were)."""
    row = session.get(ContributionAnswer, contribution_id)
    if row is None:
        return {}
    return {"item": row.item_id, "item_sha256": row.item_sha256, "answer": json.loads(row.answer)}
