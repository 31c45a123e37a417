"""Downstream revenue a steward reported, waiting for a second steward (issue 16), and the signed
confirmation that posts it. Both insert-only (migration 0027): a report is never edited to say
"confirmed"; its state is whether a confirmation row names it. Buyers' own reports do not come here:
they are posted at once, as before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime


class RevenueReport(Base):
    __tablename__ = "revenue_report"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    license_id: Mapped[str] = mapped_column(ForeignKey("dataset_license.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    journal_key: Mapped[str] = mapped_column(String(200), unique=True)  # the posting's key once confirmed
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)


class RevenueConfirmation(Base):
    """One per report: the second steward's signed statement, and the revenue event it posted."""

    __tablename__ = "revenue_confirmation"

    report_id: Mapped[str] = mapped_column(ForeignKey("revenue_report.id"), primary_key=True)
    confirmer_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    statement: Mapped[str] = mapped_column(Text)  # canonical JSON body the confirmer signed
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    event_id: Mapped[int] = mapped_column(ForeignKey("revenue_event.id"), unique=True)  # revenue_event.id it posted
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
