"""Releases and licenses are published facts: insert-only, each one also a log entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime


class Release(Base):
    __tablename__ = "dataset_release"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    intended_uses: Mapped[str] = mapped_column(Text)  # JSON list
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    manifest: Mapped[str] = mapped_column(Text)  # canonical JSON, as signed and logged
    items_root: Mapped[str] = mapped_column(String(64))
    item_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger)


class ReleaseItem(Base):
    __tablename__ = "dataset_release_item"

    release_id: Mapped[str] = mapped_column(ForeignKey("dataset_release.id"), primary_key=True)
    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), primary_key=True)
    entry: Mapped[int] = mapped_column(BigInteger)  # the acceptance log index


class License(Base):
    __tablename__ = "dataset_license"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("dataset_release.id"), index=True)
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("buyer_org.id"), index=True)
    buyer_account_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    uses: Mapped[str] = mapped_column(Text)  # JSON list
    sector: Mapped[str | None] = mapped_column(String(40), nullable=True)
    price: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    included_count: Mapped[int] = mapped_column(Integer)
    included_root: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger)
    # The license terms the buyer confirmed (coop.datasets.terms), as logged; None before 0024.
    terms_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    terms_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LicenseItem(Base):
    """A licensed contribution with every figure the revenue formula may weigh it by, as they stood
    when the license was granted. Every later revenue event of the license is shared on exactly
    these, so a share never depends on a row that could change afterwards, and sharing a license
    of a million contributions reads this one table instead of joining three (bench/money_bench.py)."""

    __tablename__ = "dataset_license_item"
    __table_args__ = (
        Index("ix_dataset_license_item_license_entry", "license_id", "entry", unique=True),  # the formula's tie order
        Index("ix_dataset_license_item_author_license", "author_id", "license_id"),  # a member's statement
    )

    license_id: Mapped[str] = mapped_column(ForeignKey("dataset_license.id"), primary_key=True)
    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), primary_key=True)
    entry: Mapped[int] = mapped_column(BigInteger)  # the acceptance's log index: the contribution's id in the formula
    author_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    base_pay: Mapped[int] = mapped_column(BigInteger)  # the acceptance's pay per unit × units, minor units
    units: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)


class LicenseReviewer(Base):
    """A reviewer's weight in a license's reviewer pool: their reviews of the licensed contributions,
    counted when the license was granted (reviews end with acceptance, so the count cannot grow)."""

    __tablename__ = "dataset_license_reviewer"

    license_id: Mapped[str] = mapped_column(ForeignKey("dataset_license.id"), primary_key=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True)
    accepted_reviews: Mapped[int] = mapped_column(Integer)
