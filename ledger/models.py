"""The books: accounts, journal transactions and their postings. Transactions and postings are
insert-only (triggers in migration 0006); a correction is a reversing transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime


class LedgerAccount(Base):
    __tablename__ = "ledger_account"

    code: Mapped[str] = mapped_column(String(120), primary_key=True)  # Beancount-style, e.g. Liabilities:Members:M1a2b…
    kind: Mapped[str] = mapped_column(String(12))  # Assets | Liabilities | Income | Expenses | Equity
    name: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())


class JournalTx(Base):
    __tablename__ = "journal_tx"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_digest: Mapped[str] = mapped_column(String(64))  # what the key was first used for
    reverses_tx_id: Mapped[int | None] = mapped_column(ForeignKey("journal_tx.id"), unique=True, nullable=True)
    log_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # the log entry it stems from
    ref: Mapped[str | None] = mapped_column(
        String(100), nullable=True, index=True
    )  # e.g. contribution:<id>, license:<id>
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the arithmetic behind it


class Posting(Base):
    __tablename__ = "posting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tx_id: Mapped[int] = mapped_column(ForeignKey("journal_tx.id"), index=True)
    account_code: Mapped[str] = mapped_column(ForeignKey("ledger_account.code"))
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units; positive = debit, negative = credit
    currency: Mapped[str] = mapped_column(String(3))

    __table_args__ = (
        Index("ix_posting_account_tx", "account_code", "tx_id"),
    )  # balances, and statement pages by transaction


class RevenueEvent(Base):
    """A sale or a downstream revenue report, and how it was shared (the split, as posted)."""

    __tablename__ = "revenue_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    license_id: Mapped[str] = mapped_column(ForeignKey("dataset_license.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # sale | downstream
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(32))
    formula_version: Mapped[int] = mapped_column(Integer)
    split: Mapped[str] = mapped_column(
        Text
    )  # canonical JSON of ledger.formula.compact.CompactSplit (before 0009: the full RevenueSplit)
    income_tx_id: Mapped[int] = mapped_column(ForeignKey("journal_tx.id"))
    share_tx_id: Mapped[int] = mapped_column(ForeignKey("journal_tx.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RevenueShareSummary(Base):
    """One member's part of one pool of a revenue share: Σ weights, how many, and the cents.

    The per-share arithmetic is not stored (a release may hold a million contributions): the
    statement reads these rows by member and recomputes the member's lines from their own
    contributions and the split's threshold (ledger.formula.compact). Insert-only (migration 0009)."""

    __tablename__ = "revenue_share_summary"
    __table_args__ = (Index("ix_revenue_share_summary_member_tx", "member_id", "share_tx_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    share_tx_id: Mapped[int] = mapped_column(ForeignKey("journal_tx.id"))
    member_id: Mapped[str] = mapped_column(String(32))
    pool: Mapped[str] = mapped_column(String(12))  # contributor | reviewer
    weight: Mapped[int] = mapped_column(BigInteger)  # Σ of the member's weights in the pool
    count: Mapped[int] = mapped_column(Integer)  # contributions (1 for a reviewer)
    cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class PayoutRun(Base):
    __tablename__ = "payout_run"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    minimum: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Payout(Base):
    __tablename__ = "payout"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("payout_run.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    tx_id: Mapped[int] = mapped_column(ForeignKey("journal_tx.id"))


class PayoutOutcome(Base):
    """Settled or failed, recorded once per payout (a failure is posted as a reversal)."""

    __tablename__ = "payout_outcome"

    payout_id: Mapped[int] = mapped_column(ForeignKey("payout.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10))  # settled | failed
    tx_id: Mapped[int] = mapped_column(ForeignKey("journal_tx.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PayoutProposal(Base):
    """A run as proposed (the two-person rule, docs/payouts.md): its lines' count, total and Merkle
    root as `payout.proposed` logs them, and the policy version it is judged by. Nothing is posted
    until enough approvals; a run without this row was paid before the rule (migration 0026)."""

    __tablename__ = "payout_proposal"

    run_id: Mapped[str] = mapped_column(ForeignKey("payout_run.id"), primary_key=True)
    line_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    lines_root: Mapped[str] = mapped_column(String(64))
    approvals_required: Mapped[int] = mapped_column(Integer)
    recent_admission_days: Mapped[int] = mapped_column(Integer)
    policy_version: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)


class ProposedPayout(Base):
    """One line of a proposed run: who is to be paid how much. Becomes a `payout` on approval."""

    __tablename__ = "proposed_payout"
    __table_args__ = (UniqueConstraint("run_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("payout_run.id"), index=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class PayoutApproval(Base):
    """A steward's signed `payout.approved` of a run, once per steward."""

    __tablename__ = "payout_approval"

    run_id: Mapped[str] = mapped_column(ForeignKey("payout_run.id"), primary_key=True)
    approver_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True)
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime())
    statement_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)


class PayoutSent(Base):
    """The run's payment file went to the bank (`payout.sent`): its lines are sent, awaiting the bank."""

    __tablename__ = "payout_sent"

    run_id: Mapped[str] = mapped_column(ForeignKey("payout_run.id"), primary_key=True)
    sent_by: Mapped[str] = mapped_column(ForeignKey("account.id"))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
