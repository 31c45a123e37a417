"""`coop books verify`, the reading: the journal, its records and the log's commitments, in pages.

A thin reader for ledger.reconcile, which does the checking on plain data. It lives here, above
the work and the datasets, because a transaction's business record is theirs (an acceptance, a
license's revenue event) as much as the ledger's (a payout). Everything is read in keyset pages of
PAGE transactions, each page's postings and records by id range, so memory stays flat however
large the books; the log's `books.committed` entries stream beside them (provenance.store).
On PostgreSQL the whole reading is one REPEATABLE READ snapshot: a transaction and its commitment
commit together, so a consistent snapshot has both or neither.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine, and_, func, or_, select

from coop.datasets.models import License
from coop.work.models import Acceptance, Contribution, Task
from ledger.commitment import KIND
from ledger.models import JournalTx, Payout, PayoutOutcome, Posting, RevenueEvent, RevenueShareSummary
from ledger.reconcile import AcceptedPay, Commitment, Finding, PayoutRecord, RevenueRecord, Tx, reconcile
from provenance import store

PAGE = 2_000
_decode = msgspec.json.Decoder(dict).decode  # 3× json.loads, on every commitment entry
_MARK = f'"kind":"{KIND}"'.encode()


@dataclass
class BooksAudit:
    transactions: int = 0
    postings: int = 0
    commitments: int = 0


def verify_books(engine: Engine, audit: BooksAudit | None = None) -> Iterator[Finding]:
    """Every finding of ledger.reconcile over the whole books; `audit` counts what was read."""
    counts = audit if audit is not None else BooksAudit()
    with engine.connect() as plain:
        conn = (
            plain.execution_options(isolation_level="REPEATABLE READ") if plain.dialect.name == "postgresql" else plain
        )
        with conn.begin():
            yield from reconcile(transactions(conn, counts), commitments(conn, counts))


def commitments(conn: Connection, counts: BooksAudit) -> Iterator[Commitment]:
    """(log index, tx id, hash) of every `books.committed` entry, in log order."""
    for index, _leaf_hash, leaf in store.iter_entries(conn):
        if _MARK not in leaf:
            continue
        entry = _decode(leaf)
        if entry.get("kind") != KIND:
            continue
        for item in entry["body"]["txs"]:
            counts.commitments += 1
            yield Commitment(index, int(item["tx"]), str(item["sha256"]))


def transaction_page(conn: Connection, after: int) -> list[Any]:
    """The next page of journal transactions after id `after`, in id order (also the benchmark's raw
    scan, so the two read exactly the same rows)."""
    return list(
        conn.execute(
            select(
                JournalTx.id,
                JournalTx.kind,
                JournalTx.idempotency_key,
                JournalTx.ref,
                JournalTx.details,
                JournalTx.reverses_tx_id,
                JournalTx.log_index,
            )
            .where(JournalTx.id > after)
            .order_by(JournalTx.id)
            .limit(PAGE)
        ).all()
    )


def transactions(conn: Connection, counts: BooksAudit) -> Iterator[Tx]:
    after = 0
    while True:
        rows = transaction_page(conn, after)
        if not rows:
            return
        low, high = rows[0].id, rows[-1].id
        legs = _legs(conn, and_(Posting.tx_id >= low, Posting.tx_id <= high))
        counts.postings += sum(len(v) for v in legs.values())
        pays = _acceptances(conn, [r.ref[len("contribution:") :] for r in rows if r.kind == "base-pay" and r.ref])
        revenue = _revenue(conn, low, high)
        payouts = _payouts(conn, low, high)
        reversed_ids = [r.reverses_tx_id for r in rows if r.reverses_tx_id is not None]
        reversed_legs = _legs(conn, Posting.tx_id.in_(reversed_ids)) if reversed_ids else {}
        for r in rows:
            counts.transactions += 1
            contribution = r.ref[len("contribution:") :] if r.kind == "base-pay" and r.ref else None
            yield Tx(
                id=r.id,
                kind=r.kind,
                key=r.idempotency_key,
                ref=r.ref,
                details=r.details,
                reverses=r.reverses_tx_id,
                log_index=r.log_index,
                legs=tuple(legs.get(r.id, ())),
                acceptance=pays.get(contribution) if contribution else None,
                revenue=revenue.get(r.id),
                payout=payouts.get(r.id),
                reversed_legs=tuple(reversed_legs[r.reverses_tx_id]) if r.reverses_tx_id in reversed_legs else None,
            )
        after = high


def _legs(conn: Connection, where: object) -> dict[int, list[tuple[str, int, str]]]:
    found: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    for tx_id, account, amount, currency in conn.execute(
        select(Posting.tx_id, Posting.account_code, Posting.amount, Posting.currency)
        .where(where)  # type: ignore[arg-type]
        .order_by(Posting.tx_id, Posting.id)
    ).all():
        found[tx_id].append((account, int(amount), currency))
    return found


def _acceptances(conn: Connection, contribution_ids: list[str]) -> dict[str, AcceptedPay]:
    if not contribution_ids:
        return {}
    rows = conn.execute(
        select(
            Acceptance.contribution_id,
            Acceptance.pay_per_unit,
            Acceptance.currency,
            Contribution.units,
            Contribution.author_id,
            Task.buyer_org_id,
        )
        .join(Contribution, Contribution.id == Acceptance.contribution_id)
        .join(Task, Task.id == Contribution.task_id)
        .where(Acceptance.contribution_id.in_(contribution_ids))
    ).all()
    return {
        cid: AcceptedPay(cid, author, int(per_unit) * int(units), currency, buyer)
        for cid, per_unit, currency, units, author, buyer in rows
    }


def _revenue(conn: Connection, low: int, high: int) -> dict[int, RevenueRecord]:
    """Revenue events whose income or share transaction is in [low, high], keyed by each."""
    found: dict[int, RevenueRecord] = {}
    events = conn.execute(
        select(
            RevenueEvent.id,
            RevenueEvent.kind,
            RevenueEvent.amount,
            RevenueEvent.currency,
            RevenueEvent.split,
            RevenueEvent.income_tx_id,
            RevenueEvent.share_tx_id,
            License.buyer_org_id,
        )
        .join(License, License.id == RevenueEvent.license_id)
        .where(
            or_(
                RevenueEvent.income_tx_id.between(low, high),
                RevenueEvent.share_tx_id.between(low, high),
            )
        )
    ).all()
    if not events:
        return found
    members: dict[int, dict[str, int]] = defaultdict(dict)
    share_ids = [event.share_tx_id for event in events]
    for share_tx, member, cents in conn.execute(
        select(RevenueShareSummary.share_tx_id, RevenueShareSummary.member_id, func.sum(RevenueShareSummary.cents))
        .where(RevenueShareSummary.share_tx_id.in_(share_ids))
        .group_by(RevenueShareSummary.share_tx_id, RevenueShareSummary.member_id)
    ):
        members[share_tx][member] = int(cents)
    for event in events:
        split = json.loads(event.split)
        record = RevenueRecord(
            event_id=event.id,
            kind=event.kind,
            amount=int(event.amount),
            currency=event.currency,
            buyer_org_id=event.buyer_org_id,
            contributor_pool=int(split.get("contributor_pool", 0)),
            reviewer_pool=int(split.get("reviewer_pool", 0)),
            reserve=int(split.get("reserve", 0)),
            members=members.get(event.share_tx_id, {}),
        )
        found[event.income_tx_id] = record
        found[event.share_tx_id] = record
    return found


def _payouts(conn: Connection, low: int, high: int) -> dict[int, PayoutRecord]:
    """Payouts whose payout or settlement transaction is in [low, high], keyed by each."""
    found: dict[int, PayoutRecord] = {}
    columns = (Payout.id, Payout.member_id, Payout.amount, Payout.currency)
    for payout, member, amount, currency, tx in conn.execute(
        select(*columns, Payout.tx_id).where(Payout.tx_id.between(low, high))
    ):
        found[tx] = PayoutRecord(payout, member, int(amount), currency)
    for payout, member, amount, currency, tx in conn.execute(
        select(*columns, PayoutOutcome.tx_id)
        .join(PayoutOutcome, PayoutOutcome.payout_id == Payout.id)
        .where(PayoutOutcome.outcome == "settled", PayoutOutcome.tx_id.between(low, high))
    ):
        found[tx] = PayoutRecord(payout, member, int(amount), currency)
    return found
