"""Fast path: a posting's request digest from details that are already canonical JSON.

The books digest every request (ledger.service: a retry with the same idempotency key must be the
same request) as SHA-256 of its RFC 8785 JSON, coop.idempotency.request_digest. A revenue share
across a million contributions once carried hundreds of MB of details, and today's compact split
is still encoded once for the stored text; encoding it a second time for the digest is wasted work
(bench/README.md, "Fast paths in the ledger"). RFC 8785 writes an object as its members in key
order (here: details, kind, legs, ref, reverses), each value in its own canonical form, so splicing
the already-encoded details between the other members' encodings gives the very bytes that
request_digest would hash. tests/test_ledger.py checks the two agree.

A speed trick, not a rule of the books: request_digest on the decoded details gives the same digest.
"""

from __future__ import annotations

import hashlib

from provenance.core.canonical import canonical_json

__all__ = ["digest_with_encoded_details"]


def digest_with_encoded_details(
    kind: str, legs: list[list[object]], ref: str | None, reverses: int | None, details_json: bytes
) -> str:
    """request_digest({"kind", "legs", "ref", "details", "reverses"}) where `details_json` is
    canonical_json(details), without decoding or re-encoding the details."""
    digest = hashlib.sha256(b'{"details":')
    for part in (
        details_json,
        b',"kind":',
        canonical_json(kind),
        b',"legs":',
        canonical_json(legs),
        b',"ref":',
        canonical_json(ref),
        b',"reverses":',
        canonical_json(reverses),
        b"}",
    ):
        digest.update(part)
    return digest.hexdigest()
