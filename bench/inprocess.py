"""Section 2: appends through `ProvenanceLog` in the same process, on SQLite and PostgreSQL.

Three figures per database, which together say where an append's time goes:
  - `append_many` in client batches: verify + canonicalize + hash + store + sign a checkpoint;
  - the writer alone on the same leaves (no verification or canonicalization): storage's share;
  - single `append` calls from many threads: what the group-commit sequencer recovers when every
    caller sends one statement.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.baseline import refresh
from bench.databases import bench_coop_key, checkpoint_count, fresh_database, migrated_engine, open_log
from bench.report import Baseline, Figure, Report, Watch, target_fields
from bench.workload import presign
from provenance.core.entry import statement_leaf
from provenance.core.signing import SignedStatement
from provenance.service import ProvenanceLog

SECTION = "2. in-process"
SQLITE_TARGET = 0.5


@dataclass(frozen=True)
class Sizes:
    batched: int
    batch: int
    concurrent: int
    threads: int


def time_append_many(log: ProvenanceLog, statements: list[SignedStatement], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(statements), batch):
        log.append_many(statements[i : i + batch])
    return time.perf_counter() - start


def time_writer_only(log: ProvenanceLog, leaves: list[bytes], batch: int) -> float:
    """The sequencer and storage on pre-built leaves: everything but signature checks."""
    start = time.perf_counter()
    for i in range(0, len(leaves), batch):
        log.writer.append(leaves[i : i + batch])
    return time.perf_counter() - start


def time_concurrent_appends(log: ProvenanceLog, statements: list[SignedStatement], threads: int) -> float:
    """`threads` callers, each appending its share one statement per call, all released at once."""
    gate = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def caller(share: list[SignedStatement]) -> None:
        gate.wait()
        try:
            for statement in share:
                log.append(statement)
        except BaseException as error:  # noqa: BLE001 - reported below, the run must not hang
            errors.append(error)

    workers = [threading.Thread(target=caller, args=(statements[t::threads],)) for t in range(threads)]
    for worker in workers:
        worker.start()
    gate.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} concurrent appends failed; first: {errors[0]!r}")
    return elapsed


@dataclass(frozen=True)
class Measured:
    rate: float
    watch: Watch


@dataclass(frozen=True)
class Attempt:
    """The three figures of one database, measured on one fresh log."""

    batched: Measured
    writer: Measured
    concurrent: Measured
    transactions: int  # commits made by the concurrent callers

    @property
    def others_cores(self) -> float:
        return max(m.watch.others_cores for m in (self.batched, self.writer, self.concurrent))


def run(report: Report, baseline: Baseline, kinds: list[str], workdir: Path, pg_url: str, sizes: Sizes) -> None:
    report.section("2. In-process appends (ProvenanceLog), statements signed beforehand")
    total = 2 * sizes.batched + sizes.concurrent
    statements = presign(total, run="inproc")
    batched = statements[: sizes.batched]
    writer_leaves = [statement_leaf(s) for s in statements[sizes.batched : 2 * sizes.batched]]
    concurrent = statements[2 * sizes.batched :]
    attempts = itertools.count(1)
    for kind in kinds:
        refresh(report, baseline, f"{kind} in-process appends")
        result = report.least_disturbed(
            f"{kind} in-process appends",
            lambda kind=kind: measure(
                kind, workdir / f"inprocess-{kind}-{next(attempts)}", pg_url, batched, writer_leaves, concurrent, sizes
            ),
        )
        _report(report, baseline, kind, result, sizes)


def measure(
    kind: str,
    workdir: Path,
    pg_url: str,
    batched: list[SignedStatement],
    writer_leaves: list[bytes],
    concurrent: list[SignedStatement],
    sizes: Sizes,
) -> Attempt:
    """All three figures on a fresh database (so a repeated attempt measures the same thing)."""
    with fresh_database(kind, workdir, pg_url) as db:
        engine = migrated_engine(db.url)
        try:
            log = open_log(engine, bench_coop_key())
            with Watch(database=db.backends) as watch:
                first = Measured(len(batched) / time_append_many(log, batched, sizes.batch), watch)
            with Watch(database=db.backends) as watch:
                writer = Measured(len(writer_leaves) / time_writer_only(log, writer_leaves, sizes.batch), watch)
            before = checkpoint_count(engine)
            with Watch(database=db.backends) as watch:
                third = Measured(len(concurrent) / time_concurrent_appends(log, concurrent, sizes.threads), watch)
            return Attempt(first, writer, third, checkpoint_count(engine) - before)
        finally:
            engine.dispose()


def _report(report: Report, baseline: Baseline, kind: str, result: Attempt, sizes: Sizes) -> None:
    ratio = baseline.rate_ratio(result.batched.rate)
    report.add(
        Figure(
            SECTION,
            f"{kind}: append_many, batches of {sizes.batch} ({sizes.batched:,} statements)",
            result.batched.rate,
            "appends/s",
            {"raw verify": ratio},
            others_cores=result.batched.watch.others_cores,
            extra=_cpu(result.batched.watch, sizes.batched),
            **target_fields(kind == "sqlite", f"≥ {SQLITE_TARGET} × raw verify", ratio >= SQLITE_TARGET),
        )
    )
    report.add(
        Figure(
            SECTION,
            f"{kind}: writer only, same batches, no verification",
            result.writer.rate,
            "appends/s",
            {"raw verify": baseline.rate_ratio(result.writer.rate)},
            others_cores=result.writer.watch.others_cores,
            extra=_cpu(result.writer.watch, sizes.batched),
        )
    )
    group = sizes.concurrent / max(1, result.transactions)
    report.add(
        Figure(
            SECTION,
            f"{kind}: single append() from {sizes.threads} threads (group commit)",
            result.concurrent.rate,
            "appends/s",
            {"raw verify": baseline.rate_ratio(result.concurrent.rate)},
            others_cores=result.concurrent.watch.others_cores,
            extra={
                "transactions": result.transactions,
                "mean_batch": group,
                **_cpu(result.concurrent.watch, sizes.concurrent),
            },
        )
    )
    report.note(
        f"{kind}: {sizes.concurrent:,} concurrent appends committed in {result.transactions:,} transactions "
        f"(mean group {group:.1f})"
    )


def _cpu(watch: Watch, appends: int) -> dict[str, float]:
    """This process's CPU per append (PostgreSQL's own work runs in its server processes)."""
    return {"cpu_us_per_append": watch.own_cpu / appends * 1e6, "cpu_cores": watch.own_cpu / watch.seconds}
