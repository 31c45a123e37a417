"""The compact split with the counting done in Python: what coop.datasets.share_inputs has the database
do in production (its `_share`), here over the contributions in memory.

Not on the production path: the tests compare it with the reference full split
(tests/test_revenue_compact.py) and the database's counting with it (tests/test_revenue_database.py),
and the benchmarks use it as a baseline and to seed compact splits (bench/money_bench.py,
bench/money_seed.py)."""

from __future__ import annotations

import heapq
import itertools
import operator
from collections import Counter
from collections.abc import Sequence

from ledger.formula.compact import CompactSplit, plan_split
from ledger.formula.event import (
    ContributionColumns,
    ContributionWeightInput,
    ReviewerInput,
    check_event,
    refuse_repeated,
)
from ledger.formula.params import FormulaParams

__all__ = ["compact_split"]


def compact_split(
    amount: int,
    currency: str,
    params: FormulaParams,
    contributions: ContributionColumns | Sequence[ContributionWeightInput],
    reviewers: Sequence[ReviewerInput] = (),
) -> CompactSplit:
    """The reference `split_revenue`'s figures without one object per share; same refusals, same results."""
    columns = contributions if isinstance(contributions, ContributionColumns) else ContributionColumns.of(contributions)
    columns.check()
    check_event(amount, currency, len(columns), reviewers)
    keys, authors = columns.log_indexes, columns.authors
    if not all(map(operator.lt, keys, itertools.islice(keys, 1, None))):  # ascending (the usual case) means distinct
        refuse_repeated(keys)
    weights = columns.weights(params.weight)
    plan = plan_split(amount, currency, params, Counter(weights), reviewers)
    tied, tie = plan.contributors.tied, None
    if plan.contributors.cut is not None:
        tie = heapq.nsmallest(
            plan.contributors.rank, (key for key, weight in zip(keys, weights, strict=True) if weight in tied)
        )[-1]
    at_or_below = Counter(
        (a, w) for a, w, key in zip(authors, weights, keys, strict=True) if w in tied and tie is not None and key <= tie
    )
    return plan.finish(
        tie,
        [
            (author, weight, count, at_or_below[(author, weight)])
            for (author, weight), count in Counter(zip(authors, weights, strict=True)).items()
        ],
    )
