"""Section 3: appends over HTTP on loopback, against `coop serve` on a fresh SQLite file or PG schema.

Requests are built before the clock starts and sent by a minimal keep-alive client
(bench/http_client.py), so the client spends as little of the shared 2 cores as it can; the CPU
seconds of the server process and of the client are reported too, to show which side was saturated.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.baseline import refresh
from bench.databases import fresh_database
from bench.http_client import build_request, run_requests
from bench.report import Baseline, Figure, Report, Watch, percentile, process_cpu_seconds, target_fields
from bench.server import APPEND_TOKEN, CoopSite, coop_init, coop_serve, new_site
from bench.workload import append_payload, presign
from provenance.core.signing import SignedStatement

SECTION = "3. HTTP"
BATCH_TARGET = 2000.0
HEADERS = {"Authorization": f"Bearer {APPEND_TOKEN}", "Content-Type": "application/json"}


@dataclass(frozen=True)
class Load:
    """One load pattern: `requests` POSTs of `per_request` statements, `concurrency` in flight."""

    name: str
    requests: int
    per_request: int
    concurrency: int
    has_target: bool

    @property
    def statements(self) -> int:
        return self.requests * self.per_request


@dataclass(frozen=True)
class Outcome:
    seconds: float
    appended: int
    latencies: list[float]
    server_cpu: float
    client_cpu: float
    others_cores: float


def drive(
    site: CoopSite,
    server_pid: int,
    bodies: list[bytes],
    concurrency: int,
    database: Callable[[], list[int]] | None = None,
) -> Outcome:
    """POST every body to /log/entries, `concurrency` at a time; check every answer."""
    host = f"127.0.0.1:{site.port}"
    requests = [build_request("POST", "/log/entries", host, HEADERS, body) for body in bodies]
    server_before = process_cpu_seconds(server_pid)
    with Watch([server_pid], database) as watch:
        seconds, exchanges = run_requests("127.0.0.1", site.port, requests, concurrency, expect=201)
    server_cpu = process_cpu_seconds(server_pid) - server_before
    appended = sum(len(json.loads(e.body)["indices"]) for e in exchanges)
    return Outcome(
        seconds, appended, [e.seconds for e in exchanges], server_cpu, watch.own_cpu - server_cpu, watch.others_cores
    )


def payloads_for(statements: list[SignedStatement], load: Load) -> list[bytes]:
    per = load.per_request
    return [append_payload(statements[i : i + per]) for i in range(0, load.statements, per)]


@dataclass(frozen=True)
class Attempt:
    """Every load against one fresh installation."""

    outcomes: list[Outcome]

    @property
    def others_cores(self) -> float:
        return max(o.others_cores for o in self.outcomes)


def run(report: Report, baseline: Baseline, kinds: list[str], workdir: Path, pg_url: str, loads: list[Load]) -> None:
    report.section("3. Appends over HTTP on loopback (coop serve subprocess)")
    warmup = presign(20, run="http-warmup")
    warmup_bodies = [append_payload(warmup[:10])] + [append_payload([s]) for s in warmup[10:]]
    statements = presign(sum(load.statements for load in loads), run="http")
    bodies: list[list[bytes]] = []
    offset = 0
    for load in loads:
        bodies.append(payloads_for(statements[offset : offset + load.statements], load))
        offset += load.statements
    attempts = itertools.count(1)
    for kind in kinds:
        refresh(report, baseline, f"{kind} HTTP appends")
        result = report.least_disturbed(
            f"{kind} HTTP appends",
            lambda kind=kind: measure(
                kind, workdir / f"http-{kind}-{next(attempts)}", pg_url, warmup_bodies, bodies, loads
            ),
        )
        for load, outcome in zip(loads, result.outcomes, strict=True):
            _report_load(report, baseline, kind, load, outcome)


def measure(
    kind: str, workdir: Path, pg_url: str, warmup: list[bytes], bodies: list[list[bytes]], loads: list[Load]
) -> Attempt:
    """`coop init` + `coop serve` on a fresh database, then every load in turn."""
    with fresh_database(kind, workdir, pg_url) as db:
        site = new_site(workdir, db.url)
        coop_init(site)
        with coop_serve(site, workdir / "server.log") as server:
            drive(site, server.pid, warmup, 4)
            return Attempt(
                [
                    drive(site, server.pid, payloads, load.concurrency, db.backends)
                    for load, payloads in zip(loads, bodies, strict=True)
                ]
            )


def _report_load(report: Report, baseline: Baseline, kind: str, load: Load, outcome: Outcome) -> None:
    if outcome.appended != load.statements:
        raise RuntimeError(f"{load.name}: {outcome.appended} appended, {load.statements} sent")
    rate = outcome.appended / outcome.seconds
    report.add(
        Figure(
            SECTION,
            f"{kind}: {load.name}",
            rate,
            "appends/s",
            {"raw verify": baseline.rate_ratio(rate)},
            others_cores=outcome.others_cores,
            extra={
                "requests": load.requests,
                "per_request": load.per_request,
                "concurrency": load.concurrency,
                "request_p50_s": percentile(outcome.latencies, 50),
                "request_p99_s": percentile(outcome.latencies, 99),
                "server_cpu_cores": outcome.server_cpu / outcome.seconds,
                "client_cpu_cores": outcome.client_cpu / outcome.seconds,
            },
            **target_fields(load.has_target, f"≥ {BATCH_TARGET:,.0f} appends/s", rate >= BATCH_TARGET),
        )
    )
    report.note(
        f"{kind} {load.name}: request p50 {percentile(outcome.latencies, 50) * 1e3:.1f} ms, "
        f"p99 {percentile(outcome.latencies, 99) * 1e3:.1f} ms; "
        f"server used {outcome.server_cpu / outcome.seconds:.2f} cores, "
        f"client {max(0.0, outcome.client_cpu) / outcome.seconds:.2f} cores"
    )
