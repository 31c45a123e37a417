"""Withdrawal notices and the licensee's reading of them: both insert-only (migration 0023).

A notice is history — the co-op told this licensee, at this log index, that this contribution's
consent was revoked — so it is never edited. Reading is history too: marking a license's notices
read inserts a marker row (the highest sequence read so far wins), so an unread count is derived,
never a flag flipped on a notice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.datasets.models import LicenseItem
from coop.kernel.db import Base, UtcDateTime

# A revocation looks up every license holding the contribution: the license item table is keyed
# (license, contribution), so this index serves the other direction.
Index("ix_dataset_license_item_contribution_id", LicenseItem.contribution_id)


class WithdrawalNotice(Base):
    """A license's notice `sequence` (1, 2, … per license): logged at `log_index` (license.withdrawal)."""

    __tablename__ = "license_withdrawal"
    __table_args__ = (UniqueConstraint("license_id", "contribution_id"),)  # one notice per item per license

    license_id: Mapped[str] = mapped_column(ForeignKey("dataset_license.id"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"))
    contribution_entry: Mapped[int] = mapped_column(BigInteger)
    content_sha256: Mapped[str] = mapped_column(String(64))
    revocation_entry: Mapped[int] = mapped_column(BigInteger)
    noticed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)


class WithdrawalRead(Base):
    """The licensee's organisation read a license's notices up to `up_to` (the latest highest wins)."""

    __tablename__ = "license_withdrawal_read"
    __table_args__ = (Index("ix_license_withdrawal_read_license_up_to", "license_id", "up_to"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    license_id: Mapped[str] = mapped_column(ForeignKey("dataset_license.id"))
    org_id: Mapped[str] = mapped_column(ForeignKey("buyer_org.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"))  # who marked them read
    up_to: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())
