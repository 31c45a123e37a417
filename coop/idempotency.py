"""Idempotency keys, in one place: each belongs to its owner and to the kind of request.

A client sends a key with every request that creates something (a license, a revenue report, a
payout run) so that a retry cannot create it twice. The key is the client's own choice, so it is
only meaningful together with who sent it and what for (DESIGN.md, "identifiers, money and
idempotency"):

- the owner is the buyer's organisation (any of its accounts may retry) or the member's account;
- the scope is the kind of request and the object in its path (`license`, `revenue:<license>`,
  `payout-run`);
- the request's digest (SHA-256 of its RFC 8785 JSON, as parsed and normalised by the service) is
  stored with the key and the id of the record it produced.

The same key and the same request give the first record again; the same key with another request
is a 409 and changes nothing; another owner's use of the same key is simply another key, so a
record is never revealed to anyone but its owner. The rows are insert-only (migration 0012).

The journal keeps its own `journal_tx.idempotency_key`: its keys are never a client's, they are
derived by the services from a record id (`base-pay:<contribution>`, `license:<id>:sale:…`) or
from a scoped key (`ScopedKey.journal_key`), so they are unique per owner by construction. It
checks its request digest with the same `request_digest`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from coop.kernel.db import Base, UtcDateTime, utcnow
from coop.kernel.errors import Conflict, Refused
from coop.kernel.principal import Principal
from provenance.core.canonical import canonical_json

MAX_KEY = 200


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("owner", "scope", "key", name="uq_idempotency_key_owner_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(40))  # org:<buyer org id> | member:<account id>
    scope: Mapped[str] = mapped_column(String(80))  # the kind of request and its object, e.g. revenue:<license id>
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    request_digest: Mapped[str | None] = mapped_column(
        String(64), nullable=True
    )  # None: used before 0012, request unknown
    record_id: Mapped[str] = mapped_column(String(40))  # what the first request created
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def request_digest(request: Any) -> str:
    """SHA-256 (hex) of the request's RFC 8785 JSON: equal requests, however encoded, digest alike."""
    return hashlib.sha256(canonical_json(request)).hexdigest()


def owner_of(principal: Principal) -> str:
    """Whose keys these are: a buyer's organisation (its accounts share keys), else the member."""
    if principal.is_buyer and principal.org_id is not None:
        return f"org:{principal.org_id}"
    return f"member:{principal.account_id}"


@dataclass(frozen=True)
class ScopedKey:
    """A client's key with its owner, its scope and the digest of the request it came with."""

    owner: str
    scope: str
    key: str
    digest: str

    def journal_key(self, part: str) -> str:
        """A journal idempotency key derived from this one: the same for a retry, different for any
        other owner, scope or key (a hash, so any client key fits the journal's 200 characters)."""
        scoped = hashlib.sha256("\n".join((self.owner, self.scope, self.key)).encode()).hexdigest()
        return f"{self.scope.split(':')[0]}:{scoped}:{part}"


def scoped(principal: Principal, scope: str, key: str, request: dict[str, Any]) -> ScopedKey:
    """The principal's `key` for a request of `scope`; a key is 1 to 200 characters."""
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY:
        raise Refused(f"this request needs an idempotency key of 1 to {MAX_KEY} characters, to be safe to retry")
    return ScopedKey(owner_of(principal), scope, key, request_digest(request))


def first_answer(session: Session, request: ScopedKey) -> str | None:
    """The id of what this owner's key already created in this scope, or None if it is new.
    Raises Conflict if the key was first used for a different request."""
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.owner == request.owner,
            IdempotencyKey.scope == request.scope,
            IdempotencyKey.key == request.key,
        )
    )
    if row is None:
        return None
    if row.request_digest is not None and row.request_digest != request.digest:
        raise Conflict(
            f"idempotency key {request.key!r} was already used for a different request; "
            "send the same request to get its answer again, or use a new key for a new request"
        )
    return row.record_id


def remember(session: Session, request: ScopedKey, record_id: str, at: datetime | None = None) -> None:
    """Record what the key created, in the caller's transaction (so both commit or neither).

    Two requests with one key at the same moment both find it unused; the second to insert it
    waits for the first to commit (PostgreSQL's unique index) and is then refused with a 409,
    its transaction rolled back: one record, and its retry gets the first answer (as the IETF
    Idempotency-Key draft asks). SQLite's writers take turns, so there it finds the first."""
    session.flush()  # the caller's pending rows first, so a failure below can only be the key's
    session.add(
        IdempotencyKey(
            owner=request.owner,
            scope=request.scope,
            key=request.key,
            request_digest=request.digest,
            record_id=record_id,
            created_at=at or utcnow(),
        )
    )
    try:
        session.flush()
    except IntegrityError as error:
        raise Conflict(
            f"a request with idempotency key {request.key!r} was being handled at the same time "
            "and nothing was changed; send it again to get its answer"
        ) from error
