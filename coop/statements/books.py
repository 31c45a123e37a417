"""The books' statements: the co-op commits every journal transaction that moves money to the log.

A `books.committed` entry lists the transactions one database transaction posted, each by its id
and the SHA-256 of its canonical form (ledger.commitment.tx_hash: kind, idempotency key, ref, legs,
details, what it reverses, the log entry it stems from). Anyone holding the database can edit the
rows; nobody without the co-op's key can sign a matching entry, so `coop books verify` names an
edited, forged or deleted transaction. A payout run posting thousands of transactions at once
writes as many entries as it needs, MAX_COMMITTED per entry, so every entry fits a C2SP bundle.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from coop.statements.fields import Exact, Positive, Sha256

MAX_COMMITTED = 500  # ~90 bytes each: 45 kB, well under a log entry's 64 kB


class CommittedTx(Exact):
    tx: Positive  # journal_tx.id
    sha256: Sha256


class BooksCommitted(Exact):
    """Journal transactions posted in one database transaction, committed by their hashes."""

    txs: Annotated[list[CommittedTx], Meta(min_length=1, max_length=MAX_COMMITTED)]
