"""Which items of a release are its sample: chosen by the release itself, so anyone can recompute it.

A buyer sees a few items with their judgments before buying. The co-op does not pick flattering
ones: the sample is the `n` entries whose SHA-256(items root ‖ ":" ‖ entry) is smallest — a
pseudo-random choice fixed by the release's logged items root, which the co-op cannot steer without
changing the items themselves. The chosen entries are logged in the release's manifest (`sample`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

SAMPLE_SIZE = 5  # items shown before buying


def sample_entries(items_root: str, entries: Sequence[int], n: int = SAMPLE_SIZE) -> list[int]:
    """The release's sample: `n` of its entries (log indexes), in entry order."""

    def rank(entry: int) -> bytes:
        return hashlib.sha256(f"{items_root}:{entry}".encode()).digest()

    return sorted(sorted(entries, key=rank)[:n])
