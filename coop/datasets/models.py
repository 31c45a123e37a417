"""Releases and licenses are published facts: insert-only, each one also a log entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.db import Base, UtcDateTime


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
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger)


class LicenseItem(Base):
    __tablename__ = "dataset_license_item"

    license_id: Mapped[str] = mapped_column(ForeignKey("dataset_license.id"), primary_key=True)
    contribution_id: Mapped[str] = mapped_column(ForeignKey("contribution.id"), primary_key=True)
    entry: Mapped[int] = mapped_column(BigInteger)
