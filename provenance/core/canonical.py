"""RFC 8785 (JCS) canonical JSON: the one byte encoding every signature and leaf hash is over.

Signing a canonical encoding means a verifier who re-encodes the same data gets the same bytes,
whatever JSON library produced them. Floats are refused: the co-op's records hold integers
(minor units, minutes, counts), and a float's canonical form is a trap for hand-written checkers.
"""

from __future__ import annotations

from typing import Any

import rfc8785


class NotCanonicalizable(ValueError):
    """The value cannot be part of a signed statement."""


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 encoding of `value` (UTF-8 bytes)."""
    _refuse_floats(value)
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise NotCanonicalizable(str(error)) from error


def _refuse_floats(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            raise NotCanonicalizable("floats are not allowed in signed statements; use integers")
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, str):
                    raise NotCanonicalizable(f"object keys must be strings, got {type(key).__name__}")
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
