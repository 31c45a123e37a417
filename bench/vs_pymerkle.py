"""Section 5: side by side with pymerkle 7's SqliteTree on the very same leaf bytes.

pymerkle hashes and stores leaves; it verifies no signatures, signs no checkpoints and stores no
tile hashes. So our appends are shown twice: the full `append_many` (verification included) and
the writer alone on pre-built leaves, which is the closest to pymerkle's work (it still stores
tile hashes and signs one checkpoint per batch). Both trees are RFC 6962, so their roots must be
equal; the bench checks that, and checks a few proofs of each with its own verifier.

pymerkle counts leaves from 1: our entry i is its leaf i + 1; tree sizes mean the same in both.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pymerkle

from bench.baseline import refresh
from bench.databases import bench_coop_key, fresh_database, migrated_engine, open_log
from bench.inprocess import time_append_many, time_writer_only
from bench.large_log import proof_requests, time_calls
from bench.report import Baseline, Figure, Report, Watch, percentile
from bench.workload import presign
from provenance.core import merkle
from provenance.core.entry import statement_leaf
from provenance.core.signing import SignedStatement
from provenance.service import ProvenanceLog

SECTION = "5. vs pymerkle"


@dataclass(frozen=True)
class CompareSizes:
    size: int  # entries in both trees, for the batched appends and the proofs
    batch: int
    singles: int  # one-entry appends, one transaction each
    samples: int  # proofs of each kind


def time_pymerkle_batches(tree: pymerkle.SqliteTree, leaves: list[bytes], batch: int) -> float:
    """`append_entries` per batch: one transaction per call, as our append_many."""
    start = time.perf_counter()
    for i in range(0, len(leaves), batch):
        tree.append_entries(leaves[i : i + batch])
    return time.perf_counter() - start


def time_pymerkle_singles(tree: pymerkle.SqliteTree, leaves: list[bytes]) -> float:
    start = time.perf_counter()
    for leaf in leaves:
        tree.append_entry(leaf)
    return time.perf_counter() - start


def time_our_singles(log: ProvenanceLog, statements: list[SignedStatement]) -> float:
    start = time.perf_counter()
    for statement in statements:
        log.append(statement)
    return time.perf_counter() - start


class _Stores:
    """Fresh, empty trees on demand (one per measurement attempt), all closed at the end."""

    def __init__(self, stack: ExitStack, workdir: Path):
        self._stack = stack
        self._workdir = workdir
        self._count = 0

    def _next(self, name: str) -> Path:
        self._count += 1
        return self._workdir / f"{name}-{self._count}"

    def pymerkle(self) -> pymerkle.SqliteTree:
        path = self._next("pymerkle") / "tree.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        return self._stack.enter_context(pymerkle.SqliteTree(str(path)))

    def ours(self) -> ProvenanceLog:
        database = self._stack.enter_context(fresh_database("sqlite", self._next("ours")))
        engine = migrated_engine(database.url)
        self._stack.callback(engine.dispose)
        return open_log(engine, bench_coop_key())


@dataclass(frozen=True)
class Rate:
    per_s: float
    others_cores: float


S = TypeVar("S")


def _fresh_rate(report: Report, what: str, count: int, make: Callable[[], S], timed: Callable[[S], float]) -> Rate:
    """`count` appends ÷ time; every attempt appends into a fresh, empty store from `make`, so a
    repeated (less disturbed) attempt measures exactly the same thing."""

    def attempt() -> Rate:
        store = make()
        with Watch() as watch:
            seconds = timed(store)
        return Rate(count / seconds, watch.others_cores)

    return report.least_disturbed(what, attempt)


def run(report: Report, baseline: Baseline, workdir: Path, sizes: CompareSizes) -> None:
    report.section(f"5. Side by side with pymerkle {pymerkle.__version__} SqliteTree (same leaf bytes)")
    statements = presign(sizes.size + sizes.singles, run="pymerkle")
    leaves = [statement_leaf(s) for s in statements]
    batched, batched_leaves = statements[: sizes.size], leaves[: sizes.size]
    singles, single_leaves = statements[sizes.size :], leaves[sizes.size :]
    with ExitStack() as stack:
        stores = _Stores(stack, workdir / "vs-pymerkle")
        refresh(report, baseline, "the comparison")
        how = f"batches of {sizes.batch}"
        theirs = _fresh_rate(
            report,
            f"pymerkle, {how}",
            sizes.size,
            stores.pymerkle,
            lambda tree: time_pymerkle_batches(tree, batched_leaves, sizes.batch),
        )
        ours = _fresh_rate(
            report, f"ours, {how}", sizes.size, stores.ours, lambda log: time_append_many(log, batched, sizes.batch)
        )
        writer = _fresh_rate(
            report,
            f"ours writer only, {how}",
            sizes.size,
            stores.ours,
            lambda log: time_writer_only(log, batched_leaves, sizes.batch),
        )
        _report_appends(report, baseline, how, theirs, ours, writer)

        how = "one entry per call, one caller"
        theirs = _fresh_rate(
            report,
            f"pymerkle, {how}",
            sizes.singles,
            stores.pymerkle,
            lambda tree: time_pymerkle_singles(tree, single_leaves),
        )
        ours = _fresh_rate(
            report, f"ours, {how}", sizes.singles, stores.ours, lambda log: time_our_singles(log, singles)
        )
        _report_appends(report, baseline, how, theirs, ours, None)

        # The trees the proofs are read from: the same leaves, appended untimed.
        tree, log = stores.pymerkle(), stores.ours()
        tree.append_entries(batched_leaves)
        time_writer_only(log, batched_leaves, sizes.batch)
        indices, froms = proof_requests(sizes.size, sizes.samples, seed=7)
        refresh(report, baseline, "the proof comparison")
        timings = report.least_disturbed(
            "proof comparison", lambda: _time_proofs(tree, log, sizes.size, indices, froms)
        )
        _report_proofs(report, baseline, sizes.size, timings)
        _check_same_tree(tree, log, sizes.size, indices[:10])


def _report_appends(
    report: Report, baseline: Baseline, how: str, theirs: Rate, ours: Rate, writer_only: Rate | None
) -> None:
    report.add(
        Figure(
            SECTION,
            f"pymerkle SqliteTree appends, {how}",
            theirs.per_s,
            "appends/s",
            {"raw verify": baseline.rate_ratio(theirs.per_s)},
            others_cores=theirs.others_cores,
        )
    )
    for label, rate in (
        (f"ours (verify + canonicalize + store), {how}", ours),
        (f"ours writer only (no verification), {how}", writer_only),
    ):
        if rate is not None:
            report.add(
                Figure(
                    SECTION,
                    label,
                    rate.per_s,
                    "appends/s",
                    {"pymerkle": rate.per_s / theirs.per_s, "raw verify": baseline.rate_ratio(rate.per_s)},
                    others_cores=rate.others_cores,
                )
            )


def _check_same_tree(tree: pymerkle.SqliteTree, log: ProvenanceLog, size: int, indices: list[int]) -> None:
    """Same root, and each side's proofs pass its own verifier (after timing: no cache warmed)."""
    root = log.root(size)
    if tree.get_root(size) != root:
        raise RuntimeError(f"pymerkle and the provenance log disagree on the root of size {size}")
    for index in indices:
        digest, path = log.inclusion_proof(index, size)
        merkle.verify_inclusion(digest, index, size, path, root)
        pymerkle.verify_inclusion(tree.get_leaf(index + 1), root, tree.prove_inclusion(index + 1, size))


@dataclass(frozen=True)
class ProofTimings:
    ours: dict[str, list[float]]
    theirs: dict[str, list[float]]
    others_cores: float


def _time_proofs(
    tree: pymerkle.SqliteTree, log: ProvenanceLog, size: int, indices: list[int], froms: list[int]
) -> ProofTimings:
    """The same requests to both, interleaved so both see the same machine; both caches start cold
    (a new ProvenanceLog has an empty tile cache; pymerkle's subroot cache is cleared)."""
    ours_log = open_log(log.engine, log.signer.signing_key)
    tree.cache_clear()
    ours: dict[str, list[float]] = {"inclusion": [], "consistency": []}
    theirs: dict[str, list[float]] = {"inclusion": [], "consistency": []}
    with Watch() as watch:
        for i, m in zip(indices, froms, strict=True):
            ours["inclusion"] += time_calls([lambda i=i: ours_log.inclusion_proof(i, size)])
            theirs["inclusion"] += time_calls([lambda i=i: tree.prove_inclusion(i + 1, size)])
            ours["consistency"] += time_calls([lambda m=m: ours_log.consistency_proof(m, size)])
            theirs["consistency"] += time_calls([lambda m=m: tree.prove_consistency(m, size)])
    return ProofTimings(ours, theirs, watch.others_cores)


def _report_proofs(report: Report, baseline: Baseline, size: int, timings: ProofTimings) -> None:
    for proof in ("inclusion", "consistency"):
        ours, theirs = timings.ours[proof], timings.theirs[proof]
        for q in (50, 99):
            ours_q, theirs_q = percentile(ours, q), percentile(theirs, q)
            report.add(
                Figure(
                    SECTION,
                    f"pymerkle {proof} proof p{q}, in-process, N={size:,}",
                    theirs_q,
                    "s",
                    {"one raw verify": baseline.latency_ratio(theirs_q)},
                    others_cores=timings.others_cores,
                    extra={"first_call_s": theirs[0]},
                )
            )
            report.add(
                Figure(
                    SECTION,
                    f"ours {proof} proof p{q}, in-process, N={size:,}",
                    ours_q,
                    "s",
                    {
                        "pymerkle (latency, lower is faster)": ours_q / theirs_q,
                        "one raw verify": baseline.latency_ratio(ours_q),
                    },
                    others_cores=timings.others_cores,
                    extra={"first_call_s": ours[0]},
                )
            )
