"""A second steward's approval of a task above the pay ceiling (coop.rules.pay_ceiling). Insert-only
(migration 0027 makes the database refuse UPDATE and DELETE): the task row itself is never edited to
say "approved" — whether a task may be worked is read from these rows each time work is claimed,
submitted or accepted. The signed statement is kept whole, so anyone can check it against the key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime


class TaskApproval(Base):
    __tablename__ = "task_approval"
    # One approver approves one (rate, budget) of a task once: the same approval again changes nothing.
    __table_args__ = (
        UniqueConstraint("task_id", "approver_id", "pay_per_unit", "budget_minor", name="uq_task_approval_once"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task.id"), index=True)
    approver_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    pay_per_unit: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    budget_minor: Mapped[int] = mapped_column(BigInteger)
    ceiling_version: Mapped[int] = mapped_column(BigInteger)  # the pay-ceiling policy version it was given under
    statement: Mapped[str] = mapped_column(Text)  # canonical JSON body the approver signed
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
