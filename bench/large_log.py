"""Section 4: proofs and the full audit on a large log (default 1,000,000 entries).

The log is a real installation (`coop init`, then in-process `append_many`), so `coop serve` and
`coop log verify` run on it unchanged. Proof latency is measured in-process and over HTTP with one
sequential client; the audit runs as `coop log verify` (web.cli.main) in a subprocess, once at N/10
and once at N, and reports its peak RSS, to show memory does not grow with the log.

Peak RSS is the child's own VmHWM, read from /proc/self/status as it exits. Not ru_maxrss from
wait4: Linux carries the parent's high-water mark into a vforked child across exec, so the child
would "peak" at the size of this (large) benchmark process.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.baseline import refresh
from bench.databases import fresh_database, open_log
from bench.http_client import Exchange, get_request, run_requests
from bench.report import Baseline, Figure, Report, Watch, percentile, target_fields
from bench.server import CoopSite, coop_init, coop_serve, new_site
from bench.workload import signed_chunks
from coop.kernel.db import make_engine
from coop.kernel.keys import load_signing_key
from provenance.core import merkle
from provenance.service import ProvenanceLog

SECTION = "4. large log"
HTTP_P99_TARGET = 0.005
AUDIT_TARGET = 0.7
_VERIFIED = re.compile(r"log verified: ([\d,]+) entries.*?([\d.]+)s \(([\d,]+) entries/s\)")
_PEAK = re.compile(r"^VmHWM (\d+)$", re.MULTILINE)
_AUDIT = """
import atexit, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("VmHWM", line.split()[1], file=sys.stderr)
atexit.register(peak)
from web.cli import main
sys.exit(main(["log", "verify"]))
"""


@dataclass(frozen=True)
class LargeSizes:
    entries: int
    samples: int  # proof requests of each kind, in-process and over HTTP
    chunk: int = 1000


@dataclass(frozen=True)
class AuditRun:
    entries: int
    seconds: float  # the audit's own timing, as `coop log verify` prints it
    wall_seconds: float  # including interpreter start and imports
    cpu_seconds: float  # user + system of the audit process, start-up included
    max_rss_mib: float
    others_cores: float


@dataclass(frozen=True)
class Latencies:
    inclusion: list[float]
    consistency: list[float]
    others_cores: float


def grow(log: ProvenanceLog, target: int, chunk: int, label: str) -> None:
    """Append signed statements until the log holds `target` entries, printing progress."""
    size = log.size()
    todo = target - size
    if todo <= 0:
        return
    step = max(chunk, todo // 10 // chunk * chunk)
    done, start = 0, time.perf_counter()
    for statements in signed_chunks(todo, chunk, run="large", start=size):
        log.append_many(statements)
        done += len(statements)
        if done % step == 0 or done == todo:
            rate = done / (time.perf_counter() - start)
            eta = (todo - done) / rate
            print(
                f"  {label}: {size + done:,} / {target:,} entries ({rate:,.0f} appends/s, eta {eta:,.0f}s)", flush=True
            )


def audit(site: CoopSite, database: Callable[[], list[int]] | None = None) -> AuditRun:
    """`coop log verify` in a subprocess: its timing line, CPU time (wait4) and peak RSS (VmHWM)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, Watch(database=database) as watch:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", _AUDIT], env=site.env(), stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    match, peak = _VERIFIED.search(text), _PEAK.search(errors)
    if process.returncode != 0 or match is None or peak is None:
        raise RuntimeError(f"coop log verify failed ({process.returncode}):\n{text}\n{errors[-3000:]}")
    return AuditRun(
        int(match.group(1).replace(",", "")),
        float(match.group(2)),
        wall,
        usage.ru_utime + usage.ru_stime,
        int(peak.group(1)) / 1024,
        watch.others_cores,
    )


def time_calls(calls: list[Callable[[], object]]) -> list[float]:
    latencies = []
    for call in calls:
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    return latencies


def proof_requests(size: int, samples: int, seed: int) -> tuple[list[int], list[int]]:
    """Random inclusion indices in [0, size) and consistency 'from' sizes in [1, size)."""
    rng = random.Random(seed)
    return [rng.randrange(size) for _ in range(samples)], [rng.randrange(1, size) for _ in range(samples)]


def check_proofs(log: ProvenanceLog, size: int, indices: list[int], froms: list[int]) -> None:
    """Verify a few proofs against the signed root: the bench must time correct answers."""
    root = log.root(size)
    for index in indices[:20]:
        leaf_digest, path = log.inclusion_proof(index, size)
        merkle.verify_inclusion(leaf_digest, index, size, path, root)
    for first in froms[:20]:
        merkle.verify_consistency(first, size, log.root(first), root, log.consistency_proof(first, size))


def inprocess_latencies(
    log: ProvenanceLog, size: int, indices: list[int], froms: list[int], database: Callable[[], list[int]] | None = None
) -> Latencies:
    """Inclusion and consistency proofs alternately, so both kinds see the same machine."""
    calls: list[Callable[[], object]] = []
    for i, m in zip(indices, froms, strict=True):
        calls += [lambda i=i: log.inclusion_proof(i, size), lambda m=m: log.consistency_proof(m, size)]
    with Watch(database=database) as watch:
        latencies = time_calls(calls)
    return Latencies(latencies[0::2], latencies[1::2], watch.others_cores)


def http_latencies(
    site: CoopSite,
    server_pid: int,
    log: ProvenanceLog,
    size: int,
    indices: list[int],
    froms: list[int],
    database: Callable[[], list[int]] | None = None,
) -> Latencies:
    """One sequential keep-alive client: the latency a single verifier sees (request sent → body read)."""
    host = f"127.0.0.1:{site.port}"
    run_requests("127.0.0.1", site.port, [get_request("/log/checkpoint", host)] * 20, 1, expect=200)  # warm code paths
    requests: list[bytes] = []
    for i, m in zip(indices, froms, strict=True):
        requests += [
            get_request("/log/proof/inclusion", host, {"index": i, "size": size}),
            get_request("/log/proof/consistency", host, {"from": m, "to": size}),
        ]
    with Watch([server_pid], database) as watch:
        _, answers = run_requests("127.0.0.1", site.port, requests, 1, expect=200)
    inclusion, consistency = answers[0::2], answers[1::2]
    check_http_proofs(log, size, indices, froms, inclusion, consistency)
    return Latencies([e.seconds for e in inclusion], [e.seconds for e in consistency], watch.others_cores)


def served_latencies(
    site: CoopSite,
    log_file: Path,
    log: ProvenanceLog,
    size: int,
    indices: list[int],
    froms: list[int],
    database: Callable[[], list[int]] | None = None,
) -> Latencies:
    """HTTP latencies from a freshly started `coop serve`: every attempt starts with cold caches."""
    with coop_serve(site, log_file) as server:
        return http_latencies(site, server.pid, log, size, indices, froms, database)


def check_http_proofs(
    log: ProvenanceLog,
    size: int,
    indices: list[int],
    froms: list[int],
    inclusion: list[Exchange],
    consistency: list[Exchange],
) -> None:
    """The answers timed are valid proofs of what was asked (a sequential client gets them in order)."""
    root = log.root(size)
    # Only the first 20 answers are checked (as check_proofs does): fewer indices than answers is intended.
    for index, exchange in zip(indices[:20], inclusion, strict=False):
        answer = json.loads(exchange.body)
        hashes = [base64.b64decode(h) for h in answer["hashes"]]
        merkle.verify_inclusion(base64.b64decode(answer["leaf_hash"]), index, size, hashes, root)
    for first, exchange in zip(froms[:20], consistency, strict=False):
        hashes = [base64.b64decode(h) for h in json.loads(exchange.body)["hashes"]]
        merkle.verify_consistency(first, size, log.root(first), root, hashes)


def run(report: Report, baseline: Baseline, kind: str, workdir: Path, pg_url: str, sizes: LargeSizes) -> None:
    report.section(f"4. Large log on {kind}: N = {sizes.entries:,}")
    with fresh_database(kind, workdir / f"large-{kind}", pg_url) as db:
        site = new_site(workdir / f"large-{kind}", db.url)
        coop_init(site)
        engine = make_engine(db.url)
        try:
            log = open_log(engine, load_signing_key(site.key_file))
            grow(log, sizes.entries // 10, sizes.chunk, "building")
            refresh(report, baseline, f"{kind} audit at N/10")
            small = report.least_disturbed("audit at N/10", lambda: audit(site, db.backends))
            _report_audit(report, baseline, kind, small, target=False)
            grow(log, sizes.entries, sizes.chunk, "building")
            size = log.size()
            indices, froms = proof_requests(size, sizes.samples, seed=size)
            refresh(report, baseline, f"{kind} proofs at N")
            # A new ProvenanceLog per attempt: its tile cache starts cold, as the server's does.
            local = report.least_disturbed(
                "in-process proofs",
                lambda: inprocess_latencies(
                    open_log(engine, log.signer.signing_key), size, indices, froms, db.backends
                ),
            )
            check_proofs(log, size, indices, froms)
            server_log = workdir / f"large-{kind}-server.log"
            remote = report.least_disturbed(
                "HTTP proofs", lambda: served_latencies(site, server_log, log, size, indices, froms, db.backends)
            )
            _report_proofs(report, baseline, kind, size, local, remote)
            refresh(report, baseline, f"{kind} audit at N")
            large = report.least_disturbed("audit at N", lambda: audit(site, db.backends))
            _report_audit(report, baseline, kind, large, target=True)
        finally:
            engine.dispose()
    for audited in (small, large):
        report.add(
            Figure(
                SECTION,
                f"{kind}: coop log verify peak RSS, {audited.entries:,} entries",
                audited.max_rss_mib,
                "MiB",
                {f"RSS at {small.entries:,}": audited.max_rss_mib / small.max_rss_mib},
            )
        )


def _report_proofs(
    report: Report, baseline: Baseline, kind: str, size: int, local: Latencies, remote: Latencies
) -> None:
    for proof in ("inclusion", "consistency"):
        in_process, over_http = getattr(local, proof), getattr(remote, proof)
        for q in (50, 99):
            value = percentile(in_process, q)
            report.add(
                Figure(
                    SECTION,
                    f"{kind}: {proof} proof p{q}, in-process, N={size:,}",
                    value,
                    "s",
                    {"one raw verify": baseline.latency_ratio(value)},
                    others_cores=local.others_cores,
                    extra={"samples": len(in_process)},
                )
            )
        for q in (50, 99):
            value = percentile(over_http, q)
            report.add(
                Figure(
                    SECTION,
                    f"{kind}: {proof} proof p{q}, HTTP loopback, N={size:,}",
                    value,
                    "s",
                    {"one raw verify": baseline.latency_ratio(value), "in-process": value / percentile(in_process, q)},
                    others_cores=remote.others_cores,
                    extra={"samples": len(over_http), "max_s": max(over_http)},
                    **target_fields(q == 99, "p99 < 5 ms", value < HTTP_P99_TARGET),
                )
            )


def _report_audit(report: Report, baseline: Baseline, kind: str, run: AuditRun, target: bool) -> None:
    rate = run.entries / run.seconds
    ratio = baseline.rate_ratio(rate)
    per_cpu = run.entries / run.cpu_seconds
    report.add(
        Figure(
            SECTION,
            f"{kind}: coop log verify, {run.entries:,} entries",
            rate,
            "entries/s",
            {"raw verify": ratio},
            others_cores=run.others_cores,
            extra={
                "audit_seconds": run.seconds,
                "wall_seconds": run.wall_seconds,
                "cpu_seconds": run.cpu_seconds,
                "entries_per_cpu_second": per_cpu,
                "per_cpu_ratio": baseline.rate_ratio(per_cpu),
            },
            **target_fields(target, f"≥ {AUDIT_TARGET} × raw verify", ratio >= AUDIT_TARGET),
        )
    )
    report.note(
        f"audit process used {run.cpu_seconds:,.1f} CPU s (start-up included) over {run.wall_seconds:,.1f} s: "
        f"{per_cpu:,.0f} entries per CPU-second = {baseline.rate_ratio(per_cpu):.3g} × raw verify"
    )
