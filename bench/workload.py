"""The statements every section appends: contribution-like, ~300 canonical bytes, signed in advance.

Members sign on their own machines, so signing is never part of what the log is measured doing.
Statements are deterministic (seeded keys, numbered bodies) so runs are comparable, and distinct
(no two leaves alike) so nothing benefits from repetition.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import nacl.signing

from provenance.core.signing import SignedStatement, b64, key_id, sign_statement

KIND = "work.contribution"
MEMBER_KEYS = 64
TERMS = {"permitted_uses": ["model-training", "research"], "excluded_sectors": ["military"], "expires": None}

RawStatement = tuple[str, dict[str, Any], bytes, bytes]
"""(kind, body, public key, signature): what crosses a process boundary cheaply."""


def member_key(member: int) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(hashlib.sha256(f"bench member {member}".encode()).digest())


_KEYS: list[nacl.signing.SigningKey] = []


def _keys() -> list[nacl.signing.SigningKey]:
    if not _KEYS:
        _KEYS.extend(member_key(m) for m in range(MEMBER_KEYS))
    return _KEYS


def contribution_body(n: int, signer_key_id: str, run: str) -> dict[str, Any]:
    """A contribution-like record (task, content hash, author key id, consent terms, minutes, time):
    304 canonical bytes."""
    return {
        "id": f"c{n:07d}",
        "task": f"task-{n % 997:06d}",
        "sha256": hashlib.sha256(f"{run} content {n}".encode()).hexdigest(),
        "author": signer_key_id,
        "consent": TERMS,
        "minutes": 5 + n % 55,
        "at": f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:{(n // 60) % 60:02d}Z",
    }


def sign_range(start: int, count: int, run: str = "bench") -> list[RawStatement]:
    """Sign statements start..start+count, cycling through the member key pool."""
    keys = _keys()
    out: list[RawStatement] = []
    for n in range(start, start + count):
        key = keys[n % len(keys)]
        public = bytes(key.verify_key)
        statement = sign_statement(key, KIND, contribution_body(n, key_id(public), run))
        out.append((statement.kind, dict(statement.body), statement.public_key, statement.signature))
    return out


def to_statements(raw: list[RawStatement]) -> list[SignedStatement]:
    return [SignedStatement(kind, body, public, sig) for kind, body, public, sig in raw]


def presign(count: int, run: str = "bench", start: int = 0) -> list[SignedStatement]:
    return to_statements(sign_range(start, count, run))


def signed_chunks(total: int, chunk: int, run: str, start: int = 0, ahead: int = 6) -> Iterator[list[SignedStatement]]:
    """Statements start..start+total in chunks, signed by a helper process running a few chunks ahead.

    Building a large log is bounded by signing + appending; signing on the other core halves the
    wait without holding more than `ahead` chunks in memory.
    """
    # spawn, not fork: the parent holds database connections and threads a fork would copy.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        queue: deque[Future[list[RawStatement]]] = deque()
        next_start, stop = start, start + total
        while next_start < stop or queue:
            while next_start < stop and len(queue) < ahead:
                size = min(chunk, stop - next_start)
                queue.append(pool.submit(sign_range, next_start, size, run))
                next_start += size
            yield to_statements(queue.popleft().result())


def statement_json(statement: SignedStatement) -> dict[str, Any]:
    """The wire form POST /log/entries accepts."""
    return {
        "kind": statement.kind,
        "body": dict(statement.body),
        "key": b64(statement.public_key),
        "sig": b64(statement.signature),
    }


def append_payload(statements: list[SignedStatement]) -> bytes:
    """A request body, serialized before the clock starts so the client costs as little as possible."""
    return json.dumps({"statements": [statement_json(s) for s in statements]}, separators=(",", ":")).encode()
