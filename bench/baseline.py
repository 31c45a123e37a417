"""Section 1: raw Ed25519 verification on one core, the baseline of every ratio.

Verification is the one cost per entry no implementation can skip, so "appends/s ÷ verify/s" says
how much the log adds on top of it. Two more CPU-only figures locate the rest of an append's cost
before any storage: the project's verify wrapper, and the whole per-statement preparation.

"Per second on one core" is counted in CPU seconds of the measuring thread (time.thread_time), so
the baseline does not sink when other work on the shared VM takes the core away; the wall-clock
rate of each trial is kept in the JSON beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import nacl.signing

from bench.report import Baseline, Figure, Report, median
from bench.workload import presign
from provenance.core.canonical import canonical_json
from provenance.core.entry import statement_leaf
from provenance.core.signing import SignedStatement, signed_message, verify_signature

SECTION = "1. baseline"


def _rate(run_all: Callable[[], int], seconds: float, repeats: int) -> tuple[float, dict[str, list[float]]]:
    """Operations per CPU second of this thread: median of `repeats` trials of ≥ `seconds` CPU each."""
    cpu_rates, wall_rates = [], []
    for _ in range(repeats):
        done, cpu_start, wall_start = 0, time.thread_time(), time.perf_counter()
        while (cpu := time.thread_time() - cpu_start) < seconds or done == 0:
            done += run_all()
        cpu_rates.append(done / cpu)
        wall_rates.append(done / (time.perf_counter() - wall_start))
    return median(cpu_rates), {"per_cpu_second": cpu_rates, "per_wall_second": wall_rates}


def raw_verify_rate(
    statements: list[SignedStatement], seconds: float, repeats: int
) -> tuple[float, dict[str, list[float]]]:
    """PyNaCl VerifyKey.verify on pre-built messages: nothing but libsodium's check."""
    items = [
        (nacl.signing.VerifyKey(s.public_key), signed_message(s.kind, s.canonical_body), s.signature)
        for s in statements
    ]

    def run_all() -> int:
        for key, message, signature in items:
            key.verify(message, signature)
        return len(items)

    return _rate(run_all, seconds, repeats)


def measure(report: Report, seconds: float, repeats: int) -> Baseline:
    report.section("1. Baseline: raw PyNaCl VerifyKey.verify per CPU-second of one core")
    statements = presign(2000, run="baseline")
    message_bytes = len(signed_message(statements[0].kind, statements[0].canonical_body))
    rate, trials = raw_verify_rate(statements, seconds, repeats)
    baseline = Baseline(rate, remeasure=lambda: raw_verify_rate(statements, seconds / 2, 3))
    report.baseline = baseline
    report.add(
        Figure(
            SECTION,
            f"raw VerifyKey.verify ({message_bytes}-byte signed messages)",
            rate,
            "verifies/s",
            {"raw verify": 1.0},
            extra={"trials": trials, "canonical_body_bytes": len(statements[0].canonical_body)},
        )
    )
    prepared = [(s.kind, s.canonical_body, s.public_key, s.signature) for s in statements]

    def wrapper() -> int:
        for kind, body, public, signature in prepared:
            verify_signature(kind, body, public, signature)
        return len(prepared)

    def leaves() -> int:
        for statement in statements:
            statement_leaf(statement)
        return len(statements)

    bodies = [s.body for s in statements]

    def canonicalize() -> int:
        for body in bodies:
            canonical_json(body)
        return len(bodies)

    for label, run_all in (
        ("canonical_json: RFC 8785 encoding of one body (rfc8785 package)", canonicalize),
        ("provenance verify_signature (key object + message built per call)", wrapper),
        ("statement_leaf: canonicalize + verify + leaf bytes (no storage)", leaves),
    ):
        value, trials = _rate(run_all, seconds, repeats)
        report.add(
            Figure(SECTION, label, value, "/s", {"raw verify": baseline.rate_ratio(value)}, extra={"trials": trials})
        )
    return baseline


def refresh(report: Report, baseline: Baseline, before: str) -> None:
    """Re-measure the baseline just before `before`: ratios then use the value nearest in time, and any
    drift over a long run (CPU frequency, the host's other tenants) shows in the printed values."""
    report.settle(before)
    if baseline.remeasure is None:
        return
    rate, trials = baseline.remeasure()
    baseline.verify_per_s = rate
    report.add(
        Figure(
            "baseline",
            f"raw verify, re-measured before {before}",
            rate,
            "verifies/s",
            {"first baseline": rate / baseline.first_per_s},
            extra={"trials": trials},
        )
    )
