"""Posting to the books, with the rules that make them trustworthy:

- every transaction balances to zero per currency (ledger.books.check_legs), in integer minor units;
- every money-moving request carries an idempotency key: a retry returns the first result and
  changes nothing; the same key for a different request is refused. Journal keys are the
  services' own, never a client's key as sent: derived from a record's id (`base-pay:<contribution>`,
  `payout:<run>:<member>`) or from a client's key scoped to its owner (coop.idempotency
  `ScopedKey.journal_key`), so two owners' keys cannot meet here;
- a member's payable never goes negative (the co-op never claws back) and so no payout exceeds it;
- corrections are reversing transactions referencing the original; nothing is updated or deleted
  (the database refuses it too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from coop.idempotency import request_digest
from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotFound, Refused
from ledger.books import (
    BASE_PAY,
    Leg,
    Unbalanced,
    buyer_prepayment,
    check_account_code,
    check_legs,
    member_payable,
    reversal_of,
)
from ledger.commitment import commit_when_done, tx_hash
from ledger.fastpath_digest import digest_with_encoded_details
from ledger.models import JournalTx, LedgerAccount, Posting
from ledger.ports import LicensedContributions
from ledger.reading import LedgerReading, balances_in
from provenance.core.canonical import canonical_json
from provenance.service import ProvenanceLog


class BooksRefused(Refused):
    """A posting that would break a rule of the books (unbalanced, overdrawn payable, …)."""


class LedgerService(LedgerReading):
    """The books. `licensed_contributions` is what a member's statement asks for to show the
    arithmetic of their revenue shares (ledger.ports; web/runtime.py wires the datasets' in): books
    without it post and read everything else, and refuse to build a statement that needs it.
    `log` is where every posted transaction is committed (ledger.commitment); books built without
    one commit nothing, and `coop books verify` names each of their transactions as not in the log."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utcnow,
        licensed_contributions: LicensedContributions | None = None,
        log: ProvenanceLog | None = None,
    ):
        self.engine = engine
        self.clock = clock
        self.licensed_contributions = licensed_contributions
        self.log = log

    # -- posting ---------------------------------------------------------------------------

    def post(
        self,
        kind: str,
        description: str,
        legs: Sequence[Leg],
        idempotency_key: str,
        *,
        ref: str | None = None,
        log_index: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        with write_session(self.engine) as session, session.begin():
            return self.post_in(
                session, kind, description, legs, idempotency_key, ref=ref, log_index=log_index, details=details
            )

    def post_in(
        self,
        session: Session,
        kind: str,
        description: str,
        legs: Sequence[Leg],
        idempotency_key: str,
        *,
        ref: str | None = None,
        log_index: int | None = None,
        details: dict[str, Any] | None = None,
        reverses: int | None = None,
        details_json: bytes | None = None,
    ) -> int:
        """Post within the caller's transaction (so e.g. an acceptance and its base pay commit together).

        `details_json`, when given, must be canonical_json(details), already encoded by the caller,
        which then is not encoded again, neither for the stored text nor for the request digest
        (ledger.fastpath_digest). Accounts are
        opened and payables checked a few thousand at a time, not one query per leg."""
        try:
            check_legs(legs)
        except (Unbalanced, ValueError) as error:
            raise BooksRefused(str(error)) from error
        if not idempotency_key or len(idempotency_key) > 200:
            raise BooksRefused("every money-moving request needs an idempotency key (1–200 characters)")
        digest = _digest(kind, legs, ref, details, reverses, details_json)
        existing = session.scalar(select(JournalTx).where(JournalTx.idempotency_key == idempotency_key))
        if existing is not None:
            if existing.request_digest != digest:
                raise Conflict(f"idempotency key {idempotency_key!r} was already used for a different request")
            return existing.id
        self._ensure_accounts(session, [leg.account for leg in legs])
        # Only a debit can take a payable below zero (a credit only adds to what the co-op owes), so
        # only the debited payables are locked — serializing payouts and reversals of one member —
        # and checked afterwards. A revenue share credits 10,000 payables and needs neither.
        debited = sorted(
            {leg.account for leg in legs if leg.amount > 0 and leg.account.startswith("Liabilities:Members:")}
        )
        if debited and session.bind is not None and session.get_bind().dialect.name == "postgresql":
            for chunk in _chunks(debited):
                session.execute(select(LedgerAccount.code).where(LedgerAccount.code.in_(chunk)).with_for_update())
        encoded = details_json if details_json is not None else canonical_json(details or {})
        tx = JournalTx(
            kind=kind,
            description=description[:500],
            occurred_at=self.clock(),
            idempotency_key=idempotency_key,
            request_digest=digest,
            reverses_tx_id=reverses,
            log_index=log_index,
            ref=ref,
            details=encoded.decode(),
        )
        session.add(tx)
        session.flush()
        session.execute(
            insert(Posting),
            [
                {"tx_id": tx.id, "account_code": leg.account, "amount": leg.amount, "currency": leg.currency}
                for leg in legs
            ],
        )
        for chunk in _chunks(debited):
            overdrawn = session.execute(
                select(Posting.account_code, Posting.currency, func.sum(Posting.amount))
                .where(Posting.account_code.in_(chunk))
                .group_by(Posting.account_code, Posting.currency)
                .having(func.sum(Posting.amount) > 0)
                .order_by(Posting.account_code, Posting.currency)
            ).first()
            if overdrawn is not None:
                account, currency, balance = overdrawn
                raise BooksRefused(
                    f"{account} would owe the co-op {int(balance)} {currency}: a member's payable never goes negative"
                )
        self._commit_to_log(session, tx, legs, encoded)
        return tx.id

    def _commit_to_log(self, session: Session, tx: JournalTx, legs: Sequence[Leg], encoded: bytes) -> None:
        """The transaction's hash joins the log when the caller's transaction commits (ledger.commitment)."""
        if self.log is None:
            return
        legs_list = [(leg.account, leg.amount, leg.currency) for leg in legs]
        digest = tx_hash(tx.kind, tx.idempotency_key, tx.ref, legs_list, encoded, tx.reverses_tx_id, tx.log_index)
        commit_when_done(session, self.log, tx.id, digest)

    def post_base_pay(
        self,
        session: Session,
        *,
        contribution_id: str,
        author_id: str,
        amount: int,
        currency: str,
        buyer_org_id: str | None,
        log_index: int,
    ) -> int:
        """Base pay on acceptance: payable to the author, funded by the buyer's prepayment for the
        task when there is enough of it, the co-op's own account for the rest."""
        funding: list[Leg] = []
        remaining = amount
        if buyer_org_id is not None:
            available = -balances_in(session, buyer_prepayment(buyer_org_id)).get(currency, 0)
            from_buyer = max(0, min(available, remaining))
            if from_buyer:
                funding.append(Leg(buyer_prepayment(buyer_org_id), from_buyer, currency))
                remaining -= from_buyer
        if remaining:
            funding.append(Leg(BASE_PAY, remaining, currency))
        legs = [*funding, Leg(member_payable(author_id), -amount, currency)]
        return self.post_in(
            session,
            "base-pay",
            f"Base pay for accepted contribution {contribution_id}",
            legs,
            f"base-pay:{contribution_id}",
            ref=f"contribution:{contribution_id}",
            log_index=log_index,
            details={"amount": amount, "funded_by_buyer": amount - remaining},
        )

    def reverse(self, tx_id: int, reason: str, idempotency_key: str) -> int:
        """The only correction: a new transaction with every posting negated, pointing at the original."""
        with write_session(self.engine) as session, session.begin():
            return self.reverse_in(session, tx_id, reason, idempotency_key)

    def reverse_in(self, session: Session, tx_id: int, reason: str, idempotency_key: str) -> int:
        original = session.get(JournalTx, tx_id)
        if original is None:
            raise NotFound(f"no transaction {tx_id}")
        already = session.scalar(select(JournalTx.id).where(JournalTx.reverses_tx_id == tx_id))
        existing = session.scalar(select(JournalTx).where(JournalTx.idempotency_key == idempotency_key))
        if already is not None and (existing is None or existing.id != already):
            raise Conflict(f"transaction {tx_id} was already reversed by transaction {already}")
        legs = reversal_of(_legs(session, tx_id))
        return self.post_in(
            session,
            "reversal",
            f"Reversal of #{tx_id}: {reason}",
            legs,
            idempotency_key,
            ref=original.ref,
            details={"reverses": tx_id, "reason": reason},
            reverses=tx_id,
        )

    def _ensure_accounts(self, session: Session, codes: Sequence[str]) -> None:
        """Open the accounts not yet open (one query per few thousand codes, not one per leg)."""
        wanted = sorted(set(codes))
        known: set[str] = set()
        for chunk in _chunks(wanted):
            known.update(session.scalars(select(LedgerAccount.code).where(LedgerAccount.code.in_(chunk))))
        missing = [code for code in wanted if code not in known]
        for code in missing:
            check_account_code(code)
            kind = code.split(":")[0]
            member = code.split(":")[2][1:] if code.startswith("Liabilities:Members:M") else None
            session.add(LedgerAccount(code=code, kind=kind, name=code, member_id=member, opened_at=self.clock()))
        if missing:
            session.flush()


CHUNK = 5_000  # bound parameters per IN list: PostgreSQL takes at most 65,535 in one statement


def _chunks(items: Sequence[str]) -> list[Sequence[str]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def _digest(
    kind: str,
    legs: Sequence[Leg],
    ref: str | None,
    details: dict[str, Any] | None,
    reverses: int | None,
    details_json: bytes | None = None,
) -> str:
    """SHA-256 of the canonical request (coop.idempotency.request_digest); with `details_json`
    (= canonical_json(details)), the same digest without encoding the details again."""
    legs_list: list[list[object]] = [[leg.account, leg.amount, leg.currency] for leg in legs]
    if details_json is None:
        return request_digest(
            {"kind": kind, "legs": legs_list, "ref": ref, "details": details or {}, "reverses": reverses}
        )
    return digest_with_encoded_details(kind, legs_list, ref, reverses, details_json)


def _legs(session: Session, tx_id: int) -> list[Leg]:
    return [
        Leg(p.account_code, p.amount, p.currency)
        for p in session.scalars(select(Posting).where(Posting.tx_id == tx_id).order_by(Posting.id))
    ]
