"""Fast path: Python's cyclic garbage collector paused while a large, cycle-free result is built.

A member's statement allocates ~100,000 rows, lines and dicts that hold no reference cycles
(reference counting frees them all), yet their number alone triggers cyclic collections that
rescan them and every other live object of the process. Pausing the collector for the build saves
about a third of a whole 10,000-event statement (bench/README.md, "Fast paths in the ledger";
measured by bench/money_bench.py). Nothing is kept that would not be kept anyway: the collector
resumes afterwards, and any cycle made meanwhile is collected then.

A speed trick, not a rule of the books: a caller may drop it and get the same statement, slower.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cyclic_collection_paused"]


@contextmanager
def cyclic_collection_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block. Only the call that paused it resumes it, so
    nested or concurrent calls leave it to the first."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
