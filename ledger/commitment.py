"""Every journal transaction is committed to the provenance log, in the transaction that posts it.

What is committed is a transaction's hash: SHA-256 of the RFC 8785 JSON of
`{details, key, kind, legs, log_index, ref, reverses}` — the legs as `[account, amount, currency]`
sorted (so the order rows come back in does not matter), the details as the canonical text the
books store. The description and the time are left out: they move no money.

Why one `books.committed` entry per database transaction, appended when it commits, and not one
entry per posting: an append locks the log head, signs a statement and a checkpoint, so a payout
run's ten thousand postings would be ten thousand of them; gathered, they are a handful (at most
coop.statements.books.MAX_COMMITTED per entry, all in one append), an acceptance adds one entry to
its own, and the head is locked only for the last moment of the transaction (bench/README.md,
"The books answer to the log", has the cost). The hashes wait in the session until `before_commit`;
a rollback forgets them with everything else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from coop.statements.books import MAX_COMMITTED
from provenance.core.canonical import canonical_json
from provenance.core.signing import sign_statement
from provenance.service import ProvenanceLog

KIND = "books.committed"
_PENDING = "books.uncommitted"
_HOOKED = "books.commit-hooked"

__all__ = ["KIND", "commit_when_done", "committed_bodies", "tx_hash"]


def tx_hash(
    kind: str,
    key: str,
    ref: str | None,
    legs: Iterable[tuple[str, int, str]],
    details_json: bytes,
    reverses: int | None,
    log_index: int | None,
) -> str:
    """The hex SHA-256 a transaction is committed by. `details_json` is the canonical JSON text
    of its details, spliced in as it is stored (RFC 8785 writes members in key order, and "details"
    comes first)."""
    rest = {
        "key": key,
        "kind": kind,
        "legs": sorted([[account, amount, currency] for account, amount, currency in legs]),
        "log_index": log_index,
        "ref": ref,
        "reverses": reverses,
    }
    digest = hashlib.sha256(b'{"details":')
    digest.update(details_json)
    digest.update(b",")
    digest.update(_canonical(rest)[1:])
    return digest.hexdigest()


_SAFE = 2**53 - 1  # RFC 8785 writes numbers as IEEE doubles: integers beyond are its business
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def _canonical(rest: dict[str, Any]) -> bytes:
    """Fast path: canonical_json of the transaction's fields but its details, by the standard
    library's encoder (a tenth of the time; `coop books verify` hashes every transaction). For
    these values — strings, integers within ±(2^53 − 1), null, lists of them, ASCII keys — its
    output is RFC 8785's: keys sorted, no whitespace, the same minimal string escapes (the
    two-letter ones, other control characters as lower-case u00xx, everything else literal UTF-8),
    integers in decimal. tests/test_books_tamper.py checks the two agree; an integer out of range
    (never a real amount) goes to canonical_json."""
    numbers = [amount for _account, amount, _currency in rest["legs"]]
    numbers += [n for n in (rest["log_index"], rest["reverses"]) if n is not None]
    if all(type(n) is int and -_SAFE <= n <= _SAFE for n in numbers):
        return _ENCODER.encode(rest).encode()
    return canonical_json(rest)


def committed_bodies(pending: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """The `books.committed` bodies for transactions posted together, MAX_COMMITTED per body."""
    items = [{"tx": tx, "sha256": digest} for tx, digest in pending]
    return [{"txs": items[i : i + MAX_COMMITTED]} for i in range(0, len(items), MAX_COMMITTED)]


def commit_when_done(session: Session, log: ProvenanceLog, tx_id: int, digest: str) -> None:
    """Remember (tx_id, digest); the session's commit appends them all to the log first."""
    pending: list[tuple[int, str]] = session.info.setdefault(_PENDING, [])
    pending.append((tx_id, digest))
    if session.info.get(_HOOKED) is log:
        return
    session.info[_HOOKED] = log

    def append(done: Session) -> None:
        waiting = done.info.pop(_PENDING, None)
        if waiting:
            key = log.signer.signing_key
            statements = [sign_statement(key, KIND, body) for body in committed_bodies(waiting)]
            log.append_in_transaction(done.connection(), statements)

    def forget(done: Session) -> None:
        done.info.pop(_PENDING, None)

    event.listen(session, "before_commit", append)
    event.listen(session, "after_rollback", forget)
