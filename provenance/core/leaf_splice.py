"""Fast path: a leaf assembled from, and split into, its parts without encoding the body twice.

The contract (provenance.core.entry) is that a leaf is the RFC 8785 encoding of
`{"body": …, "key": b64 public key, "kind": …, "sig": b64 signature}`. RFC 8785 encodes a nested
object exactly as it encodes it alone, and orders keys, so the signed body's canonical bytes are a
substring of the leaf right after `{"body":`. Writing a leaf is then a concatenation, and reading
one takes the body's bytes out of it with the C JSON decoder, instead of canonicalizing every body
again (the writer's and the audit's hottest step). tests/test_statements.py checks the spliced
leaf against a full RFC 8785 encoding of the whole entry, for any body.
"""

from __future__ import annotations

import json
from typing import Any

from provenance.core.signing import b64, check_kind

PREFIX = b'{"body":'
_decoder = json.JSONDecoder()


def splice(kind: str, canonical_body: bytes, public_key: bytes, signature: bytes) -> bytes:
    """The leaf of a statement whose body is already canonical-encoded."""
    check_kind(kind)  # kinds are ASCII without quotes or escapes, so they encode as themselves
    return b"".join(
        (
            PREFIX,
            canonical_body,
            b',"key":"',
            b64(public_key).encode("ascii"),
            b'","kind":"',
            kind.encode("ascii"),
            b'","sig":"',
            b64(signature).encode("ascii"),
            b'"}',
        )
    )


def split(text: str) -> tuple[Any, Any, bytes]:
    """(the whole entry, its body, the body's bytes as they stand in the leaf) of a leaf decoded from
    UTF-8 and starting with PREFIX. Raises ValueError if it is not JSON. Whether the parts make this
    very leaf again (its canonical form) is the caller's check."""
    body, end = _decoder.raw_decode(text, len(PREFIX))
    whole = json.loads(text)
    return whole, body, text[len(PREFIX) : end].encode("utf-8")
