"""Log entries: the exact leaf bytes of the provenance log.

Leaf bytes are the RFC 8785 encoding of `{"body": …, "key": b64 public key, "kind": …, "sig": b64}`.
The log therefore carries everything needed to re-verify each statement offline: the signer's
public key (pseudonymous) and signature, next to the canonical body that was signed.

Leaves are written and read by splicing the body's canonical bytes in and out of them, which RFC
8785 allows (the fast path, `provenance.core.leaf_splice`); a leaf that is not exactly the
canonical encoding of its parts is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provenance.core import leaf_splice
from provenance.core.canonical import canonical_json
from provenance.core.signing import (
    InvalidStatement,
    SignedStatement,
    unb64,
    verify_signature,
)


def leaf_bytes(kind: str, canonical_body: bytes, public_key: bytes, signature: bytes) -> bytes:
    """Canonical leaf for a statement whose body is already canonical-encoded."""
    return leaf_splice.splice(kind, canonical_body, public_key, signature)


def statement_leaf(statement: SignedStatement) -> bytes:
    """Verify `statement` and return its leaf bytes. A bad signature raises InvalidStatement."""
    body = statement.canonical_body
    verify_signature(statement.kind, body, statement.public_key, statement.signature)
    return leaf_bytes(statement.kind, body, statement.public_key, statement.signature)


@dataclass(frozen=True)
class ParsedEntry:
    kind: str
    body: dict[str, Any]
    canonical_body: bytes
    public_key: bytes
    signature: bytes


def parse_leaf(leaf: bytes) -> ParsedEntry:
    """Split leaf bytes into their parts; raise InvalidStatement if the layout is not canonical."""
    if not leaf.startswith(leaf_splice.PREFIX):
        raise InvalidStatement("leaf does not start with the canonical body field")
    text = leaf.decode("utf-8")
    try:
        whole, body, canonical_body = leaf_splice.split(text)
    except ValueError as error:
        raise InvalidStatement(f"leaf is not valid JSON: {error}") from error
    if not isinstance(whole, dict) or set(whole) != {"body", "key", "kind", "sig"} or not isinstance(body, dict):
        raise InvalidStatement("leaf must be an object with exactly body, key, kind and sig")
    public_key = unb64(whole["key"], "key")
    signature = unb64(whole["sig"], "sig")
    kind = whole["kind"]
    if leaf_bytes(kind, canonical_body, public_key, signature) != leaf:
        raise InvalidStatement("leaf bytes are not in canonical form")
    return ParsedEntry(kind, body, canonical_body, public_key, signature)


def verify_leaf(leaf: bytes, *, strict_canonical_body: bool = False) -> ParsedEntry:
    """Parse a leaf and verify its signature; optionally re-encode the body to prove it canonical."""
    entry = parse_leaf(leaf)
    if strict_canonical_body and canonical_json(entry.body) != entry.canonical_body:
        raise InvalidStatement("statement body is not RFC 8785 canonical")
    verify_signature(entry.kind, entry.canonical_body, entry.public_key, entry.signature)
    return entry
