"""One command for every benchmark of the provenance log (see bench/README.md).

    python -m bench.run --quick              # smoke run, under a minute
    python -m bench.run                      # full run, N = 1,000,000 for the proof and audit figures
    python -m bench.run --only http,pymerkle # some sections (the baseline is always measured)

Results are printed as they are measured and saved as JSON under bench/out/.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import baseline, http_load, inprocess, large_log, vs_pymerkle  # noqa: E402
from bench.databases import DEFAULT_PG_URL, postgres_problem  # noqa: E402
from bench.report import Baseline, Report  # noqa: E402

SECTIONS = ("baseline", "inprocess", "http", "large", "pymerkle")
OUT_DIR = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class Plan:
    """Every size the run uses, fixed up front and saved with the results."""

    verify_seconds: float
    verify_repeats: int
    inprocess: inprocess.Sizes
    http: list[http_load.Load]
    large: large_log.LargeSizes
    compare: vs_pymerkle.CompareSizes


def http_loads(quick: bool) -> list[http_load.Load]:
    scale = 10 if quick else 1
    return [
        http_load.Load("POST batches of 1000, 1 client", 30 // scale, 1000, 1, True),
        http_load.Load("POST batches of 100, 4 clients", 200 // scale, 100, 4, True),
        http_load.Load("single-statement POSTs, 64 in flight", 6000 // scale, 1, 64, False),
    ]


def make_plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    entries = args.entries or (10_000 if quick else 1_000_000)
    samples = args.samples or (200 if quick else 5000)
    return Plan(
        verify_seconds=0.3 if quick else 1.0,
        verify_repeats=3 if quick else 5,
        inprocess=inprocess.Sizes(
            batched=3000 if quick else 50_000, batch=1000, concurrent=1000 if quick else 20_000, threads=16
        ),
        http=http_loads(quick),
        large=large_log.LargeSizes(entries=entries, samples=samples),
        compare=vs_pymerkle.CompareSizes(
            size=args.pymerkle_size or (3000 if quick else 100_000),
            batch=1000,
            singles=200 if quick else 2000,
            samples=min(samples, 3000),
        ),
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description="Benchmarks of the provenance log")
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the bench works (< 1 minute)")
    parser.add_argument("--entries", type=int, help="entries in the large log (default 1,000,000; --quick 10,000)")
    parser.add_argument("--samples", type=int, help="proof requests of each kind (default 5000; --quick 200)")
    parser.add_argument(
        "--pymerkle-size", type=int, help="entries in the side-by-side trees (default 100,000; --quick 3000)"
    )
    parser.add_argument(
        "--only", action="append", default=[], help=f"comma-separated sections among {', '.join(SECTIONS)}"
    )
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument(
        "--large-on",
        choices=("sqlite", "postgresql", "both"),
        default="sqlite",
        help="database(s) for the large log (default sqlite; PostgreSQL adds a second build of N entries)",
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL database in which fresh schemas are made")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each measured part, wait up to SECONDS for the rest of the machine to use < 0.3 cores; "
        "then also repeat disturbed read-only measurements (proofs, audits) up to 3 times",
    )
    parser.add_argument("--workdir", type=Path, help="where databases go (default: a new temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory afterwards")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the JSON results go")
    args = parser.parse_args(argv)
    chosen = [name.strip() for value in args.only for name in value.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose among {', '.join(SECTIONS)}")
    args.sections = chosen or list(SECTIONS)
    return args


def database_kinds(args: argparse.Namespace, report: Report) -> list[str]:
    if args.no_pg:
        return ["sqlite"]
    problem = postgres_problem(args.pg_url)
    if problem is not None:
        report.note(f"PostgreSQL skipped, unreachable at {args.pg_url}: {problem}")
        return ["sqlite"]
    return ["sqlite", "postgresql"]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    report = Report(
        {
            "quick": args.quick,
            "sections": args.sections,
            "large_on": args.large_on,
            "quiet_wait": args.quiet_wait,
            "plan": asdict(plan),
        }
    )
    report.quiet_wait = args.quiet_wait
    report.attempts = 3 if args.quiet_wait > 0 else 1
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="coop-bench-"))
    dirty = " + uncommitted changes" if report.machine.get("uncommitted") else ""
    print(
        f"coop-ledger bench at {report.machine['commit'][:10]}{dirty} — {report.machine['cpu']}, "
        f"{report.machine['cpus']} CPUs; work dir {workdir}"
    )
    kinds = database_kinds(args, report)
    started = time.perf_counter()
    failures: list[str] = []
    try:
        yardstick = baseline.measure(report, plan.verify_seconds, plan.verify_repeats)
        for name, section in _sections(args, plan, kinds, workdir, yardstick):
            if name in args.sections:
                _run_section(name, section, report, failures)
        report.section("Baseline again: how far the machine drifted")
        baseline.refresh(report, yardstick, "the end")
    finally:
        path = report.save(args.out)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report.summary()
    print(f"\nresults: {path}  ({time.perf_counter() - started:,.0f} s)")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _sections(
    args: argparse.Namespace, plan: Plan, kinds: list[str], workdir: Path, yardstick: Baseline
) -> list[tuple[str, Callable[[Report], None]]]:
    wanted = ["sqlite", "postgresql"] if args.large_on == "both" else [args.large_on]
    large_kinds = [kind for kind in wanted if kind in kinds]
    return [
        ("inprocess", lambda r: inprocess.run(r, yardstick, kinds, workdir, args.pg_url, plan.inprocess)),
        ("http", lambda r: http_load.run(r, yardstick, kinds, workdir, args.pg_url, plan.http)),
        *[
            ("large", lambda r, kind=kind: large_log.run(r, yardstick, kind, workdir, args.pg_url, plan.large))
            for kind in large_kinds
        ],
        ("pymerkle", lambda r: vs_pymerkle.run(r, yardstick, workdir, plan.compare)),
    ]


def _run_section(name: str, section: Callable[[Report], None], report: Report, failures: list[str]) -> None:
    """A failing section is reported and the run goes on: the other figures are still worth having."""
    try:
        section(report)
    except Exception as error:  # noqa: BLE001
        traceback.print_exc()
        report.note(f"section {name} failed: {error!r}")
        failures.append(f"{name}: {error!r}")


if __name__ == "__main__":
    raise SystemExit(main())
