"""`coop books verify`, the arithmetic: every journal transaction against the log and its record.

Two questions per transaction, both on plain data (the reader, coop.operations.books_audit, streams
the rows in pages; nothing here touches a database):

1. Is it the transaction the co-op committed? Its hash (ledger.commitment.tx_hash) must equal the
   one a `books.committed` entry of the log holds for its id. A moved amount or a deleted posting
   changes the hash; a forged transaction has no entry; a deleted one leaves an entry with no row.
2. Is it what its business record says? A base pay credits the author pay_per_unit × units of the
   acceptance, funded by the base-pay account or the task buyer's prepayment; a sale or downstream
   report books exactly the revenue event's amount; a revenue share pays the event's pools, each
   member what the event's summary rows say; a payout moves the payout's amount from the member's
   payable to payouts in transit, a settlement from in transit to cash; a reversal negates the
   transaction it reverses.

Streaming: transactions come in id order, commitments in log order, which on PostgreSQL is not
quite id order (concurrent writers commit out of step). Each side waits in a dict only until the
other side shows up, so memory holds the few in flight plus what is wrong, never the books.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from coop.kernel.money import ISO_4217
from ledger import books
from ledger.books import format_minor
from ledger.commitment import tx_hash

RESERVE_ALLOCATION = "Expenses:ReserveAllocation"  # coop.datasets.revenue's reserve leg

LegRow = tuple[str, int, str]  # account, amount (minor units), currency


class AcceptedPay(NamedTuple):
    """An acceptance: what its base pay must be."""

    contribution_id: str
    author_id: str
    amount: int  # pay_per_unit × units
    currency: str
    buyer_org_id: str | None


class RevenueRecord(NamedTuple):
    """A revenue event, as the transaction it points at needs it."""

    event_id: int
    kind: str  # sale | downstream
    amount: int
    currency: str
    buyer_org_id: str
    contributor_pool: int
    reviewer_pool: int
    reserve: int
    members: Mapping[str, int]  # member id → Σ summary cents (shares)


class PayoutRecord(NamedTuple):
    payout_id: int
    member_id: str
    amount: int
    currency: str


class Tx(NamedTuple):
    """One journal transaction with its legs and the business record that claims it, if any."""

    id: int
    kind: str
    key: str
    ref: str | None
    details: str  # the stored canonical JSON text
    reverses: int | None
    log_index: int | None
    legs: tuple[LegRow, ...]
    acceptance: AcceptedPay | None = None
    revenue: RevenueRecord | None = None
    payout: PayoutRecord | None = None
    reversed_legs: tuple[LegRow, ...] | None = None


class Commitment(NamedTuple):
    log_index: int
    tx_id: int
    sha256: str


@dataclass(frozen=True)
class Finding:
    tx_id: int
    what: str

    def __str__(self) -> str:
        return f"tx {self.tx_id}: {self.what}"


def digest_of(tx: Tx) -> str:
    return tx_hash(tx.kind, tx.key, tx.ref, tx.legs, tx.details.encode(), tx.reverses, tx.log_index)


def reconcile(txs: Iterable[Tx], commitments: Iterable[Commitment]) -> Iterator[Finding]:
    """Every finding, transaction by transaction; none for books that answer to the log."""
    log = iter(commitments)
    newest = 0  # the highest transaction id the log has shown so far
    waiting_for_row: dict[int, Commitment] = {}
    waiting_for_log: dict[int, tuple[str, str]] = {}  # id → (hash, kind)
    for tx in txs:
        yield from (Finding(tx.id, what) for what in against_record(tx))
        digest = digest_of(tx)
        while newest < tx.id:
            commitment = next(log, None)
            if commitment is None:
                break
            newest = max(newest, commitment.tx_id)
            yield from _match_commitment(commitment, waiting_for_row, waiting_for_log)
        committed = waiting_for_row.pop(tx.id, None)
        if committed is None:
            waiting_for_log[tx.id] = (digest, tx.kind)
        elif committed.sha256 != digest:
            yield Finding(tx.id, f"{tx.kind}: {_differs(committed)}")
    for commitment in log:
        yield from _match_commitment(commitment, waiting_for_row, waiting_for_log)
    for tx_id, (_digest, kind) in sorted(waiting_for_log.items()):
        yield Finding(tx_id, f"{kind}: not in the log (no books.committed entry holds it): forged or never committed")
    for tx_id, commitment in sorted(waiting_for_row.items()):
        yield Finding(
            tx_id, f"deleted: log entry {commitment.log_index} committed it, the books have no such transaction"
        )


def _match_commitment(
    commitment: Commitment, waiting_for_row: dict[int, Commitment], waiting_for_log: dict[int, tuple[str, str]]
) -> Iterator[Finding]:
    seen = waiting_for_log.pop(commitment.tx_id, None)
    if seen is None:
        if commitment.tx_id in waiting_for_row:
            first = waiting_for_row[commitment.tx_id].log_index
            yield Finding(commitment.tx_id, f"committed twice (log entries {first} and {commitment.log_index})")
        waiting_for_row[commitment.tx_id] = commitment
    elif seen[0] != commitment.sha256:
        yield Finding(commitment.tx_id, f"{seen[1]}: {_differs(commitment)}")


def _differs(commitment: Commitment) -> str:
    return (
        f"its postings, accounts, amounts or details differ from what log entry {commitment.log_index} committed "
        f"(sha256 {commitment.sha256[:16]}…)"
    )


# -- against the business record -----------------------------------------------------------------


def against_record(tx: Tx) -> list[str]:
    """What differs between the transaction and the record it claims to come from."""
    problems = _balance(tx.legs)
    check = _CHECKS.get(tx.kind)
    if check is None:
        return [*problems, f"kind {tx.kind!r} is not one the co-op posts: no business record can back it"]
    return problems + check(tx)


def _balance(legs: tuple[LegRow, ...]) -> list[str]:
    """ledger.books.check_legs's rules, minus the account names' syntax (the accounts table, which
    every posting's foreign key points at, only ever received checked names)."""
    if len(legs) < 2:
        return ["not a valid transaction: a transaction has at least two postings"]
    totals: dict[str, int] = defaultdict(int)
    problems = []
    for account, amount, currency in legs:
        if amount == 0:
            problems.append(f"not a valid transaction: a zero posting on {account}")
        if currency not in ISO_4217:
            problems.append(f"not a valid transaction: {currency!r} is not a currency")
        totals[currency] += amount
    off = {currency: total for currency, total in totals.items() if total}
    if off:
        text = ", ".join(f"{c} off by {t}" for c, t in sorted(off.items()))
        problems.append(f"not a valid transaction: postings do not balance: {text}")
    return problems


def _base_pay(tx: Tx) -> list[str]:
    pay = tx.acceptance
    if pay is None:
        return [f"base pay with no acceptance behind it (ref {tx.ref!r})"]
    problems = []
    if tx.key != f"base-pay:{pay.contribution_id}":
        problems.append(f"key {tx.key!r} is not base-pay:{pay.contribution_id}")
    payable = books.member_payable(pay.author_id)
    credited = sum(a for acct, a, c in tx.legs if acct == payable and c == pay.currency)
    if credited != -pay.amount:
        problems.append(
            f"the acceptance of contribution {pay.contribution_id} pays {format_minor(pay.amount, pay.currency)} "
            f"to {payable}; the postings credit {format_minor(-credited, pay.currency)}"
        )
    funding = {books.BASE_PAY} | ({books.buyer_prepayment(pay.buyer_org_id)} if pay.buyer_org_id else set())
    for account, amount, currency in tx.legs:
        if account == payable and currency == pay.currency:
            continue
        if account not in funding or amount <= 0 or currency != pay.currency:
            problems.append(f"leg {account} {format_minor(amount, currency)} is not base pay's funding")
    return problems


def _income(tx: Tx) -> list[str]:
    event = tx.revenue
    if event is None:
        return [f"{tx.kind} income with no revenue event behind it"]
    income = books.SALES if event.kind == "sale" else books.DOWNSTREAM
    expected = [
        (books.buyer_receivable(event.buyer_org_id), event.amount, event.currency),
        (income, -event.amount, event.currency),
    ]
    return _exact(tx, expected, f"revenue event {event.event_id}")


def _share(tx: Tx) -> list[str]:
    event = tx.revenue
    if event is None:
        return ["a revenue share with no revenue event behind it"]
    cur = event.currency
    expected = [
        (account, value, cur)
        for account, value in (
            (books.REVENUE_SHARES, event.contributor_pool),
            (books.REVIEWER_POOL, event.reviewer_pool),
            (RESERVE_ALLOCATION, event.reserve),
            (books.COOP_RESERVE, -event.reserve),
        )
        if value
    ]
    expected += [(books.member_payable(m), -cents, cur) for m, cents in event.members.items() if cents]
    return _exact(tx, expected, f"revenue event {event.event_id} and its summary rows")


def _payout(tx: Tx) -> list[str]:
    p = tx.payout
    if p is None:
        return ["a payout with no payout row behind it"]
    expected = [
        (books.member_payable(p.member_id), p.amount, p.currency),
        (books.PAYOUTS_IN_TRANSIT, -p.amount, p.currency),
    ]
    return _exact(tx, expected, f"payout {p.payout_id}")


def _settled(tx: Tx) -> list[str]:
    p = tx.payout
    if p is None:
        return ["a settlement with no settled payout behind it"]
    expected = [(books.PAYOUTS_IN_TRANSIT, p.amount, p.currency), (books.COOP_CASH, -p.amount, p.currency)]
    return _exact(tx, expected, f"the settlement of payout {p.payout_id}")


def _reversal(tx: Tx) -> list[str]:
    if tx.reverses is None or tx.reversed_legs is None:
        return [f"a reversal of no transaction in the books ({tx.reverses})"]
    expected = [(account, -amount, currency) for account, amount, currency in tx.reversed_legs]
    return _exact(tx, expected, f"tx {tx.reverses}, negated")


def _exact(tx: Tx, expected: list[LegRow], source: str) -> list[str]:
    """Multiset comparison (a revenue share has a leg per member: 10,000 legs, no quadratic search)."""
    want, have = Counter(expected), Counter(tx.legs)
    if want == have:
        return []
    missing = [_leg(leg) for leg in sorted((want - have).elements())]
    extra = [_leg(leg) for leg in sorted((have - want).elements())]
    return [f"postings differ from {source}: expected {'; '.join(missing) or '—'}, found {'; '.join(extra) or '—'}"]


def _leg(leg: LegRow) -> str:
    return f"{leg[0]} {format_minor(leg[1], leg[2])}"


_CHECKS = {
    "base-pay": _base_pay,
    "sale": _income,
    "downstream": _income,
    "revenue-share": _share,
    "payout": _payout,
    "payout-settled": _settled,
    "reversal": _reversal,
}
