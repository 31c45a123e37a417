"""More than one server process (issue 12): `coop serve --workers 1` against `--workers 2`, same run.

    python -m bench.workers_bench [--workers 1,2] [--appends 3000] [--concurrency 64] [--voters 60]
                                  [--requests 400] [--rate 10] [--db postgresql|sqlite] [--json out.json]

For each worker count, on a fresh PostgreSQL schema (`coop init`, the same seeding as
bench/governance_bench.py: voters with their own keys and API tokens, one open proposal):

1. HTTP appends/s: `--appends` POSTs of one signed statement each to /log/entries, `--concurrency`
   in flight (bench/http_client.py; the server group-commits them), request p50/p99.
2. The proposal page (`GET /api/proposals/{id}`, one keep-alive client): idle, while voters cast
   signed ballots at `--rate` per second, and while they cast as fast as the server takes them.

Every figure of the second and later worker counts is also given as a ratio to the first. The
machine is shared: the load average and the CPU the rest of the machine used during each
measurement (`others`, in cores: all busy CPU less this process, the server processes and the
database backends serving them) are printed beside the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.databases import DEFAULT_PG_URL, fresh_database, postgres_problem
from bench.governance_bench import VOTER_THREADS, _page_latencies, seed_vote, voting_threads
from bench.http_client import build_request, run_requests
from bench.portal_pages import load_note
from bench.report import Watch, percentile
from bench.server import APPEND_TOKEN, CoopSite, coop_init, coop_serve, new_site
from bench.workload import append_payload, presign

HEADERS = {"Authorization": f"Bearer {APPEND_TOKEN}", "Content-Type": "application/json"}


def server_pids(parent: int) -> list[int]:
    """The `coop serve` process and its worker processes (uvicorn's supervisor spawns them)."""
    pids, queue = [], [parent]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        with contextlib.suppress(OSError):
            queue += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return pids


def measure_appends(
    site: CoopSite, pids: list[int], backends: Any, bodies: list[bytes], concurrency: int
) -> dict[str, float]:
    host = f"127.0.0.1:{site.port}"
    requests = [build_request("POST", "/log/entries", host, HEADERS, body) for body in bodies]
    with Watch(pids, backends) as watch:
        seconds, exchanges = run_requests("127.0.0.1", site.port, requests, concurrency, expect=201)
    latencies = [e.seconds for e in exchanges]
    return {
        "per_s": len(bodies) / seconds,
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "others_cores": watch.others_cores,
        "database_cores": watch.database_cpu / watch.seconds,
    }


def measure_page(
    site: CoopSite,
    pids: list[int],
    backends: Any,
    proposal: str,
    reader: str,
    people: list[Any],
    requests: int,
    rate: float | None,
) -> dict[str, float]:
    """Page latencies while voters vote at `rate` ballots/s (None: as fast as taken; 0: nobody votes)."""
    stop = threading.Event()
    cast = [0]
    threads = voting_threads(site.base_url, proposal, people, rate, stop, cast)
    with Watch(pids, backends) as watch:
        for thread in threads:
            thread.start()
        samples = _page_latencies(site.base_url, proposal, reader, requests)
        stop.set()
        for thread in threads:
            thread.join()
    return {
        "p50_ms": percentile(samples, 50) * 1e3,
        "p99_ms": percentile(samples, 99) * 1e3,
        "ballots_per_s": cast[0] / watch.seconds,
        "others_cores": watch.others_cores,
    }


def measure(workers: int, args: argparse.Namespace, workdir: Path, bodies: list[bytes]) -> dict[str, Any]:
    with fresh_database(args.db, workdir / "db", args.pg_url) as db:
        url = db.url if args.db == "postgresql" else f"sqlite:///{workdir / 'site' / 'coop.db'}"
        site = new_site(workdir / "site", url)
        coop_init(site)
        proposal, reader, people = seed_vote(site, args.voters, voting_minutes=600)
        with coop_serve(site, workdir / "serve.log", "--workers", str(workers)) as server:
            time.sleep(1.0)  # every worker up (the first one answering /healthz is enough for coop_serve)
            pids = server_pids(server.pid)
            _page_latencies(site.base_url, proposal, reader, 20)  # warm-up: connections, first queries
            result: dict[str, Any] = {"workers": workers, "processes": len(pids), "load_before": load_note()}
            result["appends"] = measure_appends(site, pids, db.backends, bodies, args.concurrency)
            result["page_idle"] = measure_page(site, pids, db.backends, proposal, reader, people, args.requests, 0)
            result["page_paced"] = measure_page(
                site, pids, db.backends, proposal, reader, people, args.requests, args.rate
            )
            result["page_saturated"] = measure_page(
                site, pids, db.backends, proposal, reader, people, args.requests, None
            )
            result["load_after"] = load_note()
    return result


def _ratio(r: dict[str, Any], first: dict[str, Any], section: str, field: str) -> str:
    """r's figure as a multiple of the first run's (nothing for the first run itself)."""
    if r is first:
        return ""
    workers = first["workers"]
    return f"  ({r[section][field] / first[section][field]:.2f}× {workers} worker{'s' if workers > 1 else ''})"


def lines(results: list[dict[str, Any]], rate: float) -> list[str]:
    first = results[0]
    out = []
    for r in results:
        a = r["appends"]
        out.append(
            f"--workers {r['workers']} ({r['processes']} server processes; "
            f"{r['load_before']} before, {r['load_after']} after)"
        )
        out.append(
            f"  HTTP appends: {a['per_s']:,.0f}/s{_ratio(r, first, 'appends', 'per_s')}; "
            f"request p50 {a['p50_ms']:.1f} ms, p99 {a['p99_ms']:.1f} ms; "
            f"others {a['others_cores']:.2f} cores, PostgreSQL {a['database_cores']:.2f} cores"
        )
        for key, what in (
            ("page_idle", "idle"),
            ("page_paced", f"voters aiming at {rate:g} ballots/s"),
            ("page_saturated", "voters as fast as taken"),
        ):
            p = r[key]
            cast = (
                ""
                if key == "page_idle"
                else f", {p['ballots_per_s']:.1f} ballots/s{_ratio(r, first, key, 'ballots_per_s')}"
            )
            out.append(
                f"  proposal page, {what}: p50 {p['p50_ms']:.1f} ms, "
                f"p99 {p['p99_ms']:.1f} ms{_ratio(r, first, key, 'p99_ms')}{cast}; "
                f"others {p['others_cores']:.2f} cores"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2", help="worker counts to compare, the first is the reference")
    parser.add_argument("--appends", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--voters", type=int, default=60)
    parser.add_argument("--requests", type=int, default=400, help="proposal page requests per phase")
    parser.add_argument("--rate", type=float, default=10.0, help="ballots/s of the paced voting phase")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.db == "postgresql" and (problem := postgres_problem(args.pg_url)):
        raise SystemExit(f"PostgreSQL unreachable at {args.pg_url}: {problem}")
    counts = [int(n) for n in args.workers.split(",")]
    statements = presign(args.appends * len(counts), run="workers")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, workers in enumerate(counts):
            bodies = [append_payload([s]) for s in statements[n * args.appends : (n + 1) * args.appends]]
            results.append(measure(workers, args, Path(tmp) / f"w{workers}-{n}", bodies))
            print("\n".join(lines(results, args.rate)[-5:]), flush=True)
    print(
        f"\n==== {args.db}: {args.appends:,} single-statement appends at {args.concurrency} in flight; "
        f"{args.requests} proposal page requests per phase; {args.voters} voters in {VOTER_THREADS} threads ===="
    )
    print("\n".join(lines(results, args.rate)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
