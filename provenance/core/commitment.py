"""A long list logged as a commitment: its count and the RFC 6962 Merkle root of its items.

A log entry must fit a C2SP entry bundle (65,535 bytes), so a list that grows with the co-op —
the members eligible to vote on a proposal, the items of a release — is stored beside the log and
the entry carries `list_root` of it instead (DESIGN.md: long data is logged as its hash). Anyone
holding the list recomputes the root here and compares it with the logged one; a list that differs
by one item, one byte or its order has another root.

Each leaf is the RFC 8785 canonical JSON of one item, in the list's stated order (ids sorted;
release items by acceptance entry), so the root depends on nothing but the items and that order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from provenance.core import merkle
from provenance.core.canonical import canonical_json


def list_root(items: Iterable[Any]) -> str:
    """The RFC 6962 root (hex) over the canonical JSON of each item, in the given order."""
    leaves = [merkle.leaf_hash(canonical_json(item)) for item in items]
    return merkle.root(len(leaves), merkle.memory_reader(leaves)).hex()


def mismatch(items: list[Any], count: int, root: str, what: str) -> str | None:
    """Why `items` is not the list a log entry committed to with `count` and `root`, or None."""
    if len(items) != count:
        return f"{what} has {len(items)} items but the log commits to {count}"
    if list_root(items) != root:
        return f"{what} does not have the Merkle root the log states ({root})"
    return None
