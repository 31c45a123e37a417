"""Money benchmark (issue 6): sharing one revenue event across N contributions, and a member's statement.

    python -m bench.money_bench [--contributions 1000000] [--members 10000] [--events 10000] [--quick]

Targets: sharing one revenue event across 1,000,000 contributions (compute and post) in under 5 s
on PostgreSQL; a member statement with 10,000 events under 100 ms. Each database gets a fresh schema
(PostgreSQL) or file (SQLite) per measurement (bench.databases).

1. Share. The co-op is built through the services and the volume bulk-inserted (bench.money_seed
   says exactly what and why): N accepted contributions by M members, two reviews each by R
   reviewers, one release and one license holding all of them. Measured, once per database: the
   call the portal and the API make when a buyer reports downstream revenue,
   `RevenueService.report_downstream` — load the licensed contributions and their reviews, the
   formula in force, `compact_split`, the income transaction and the balanced share transaction
   (one payable leg per member, the compact split in its details), the per-member summary rows,
   the revenue event. Checked afterwards: every transaction balances, Σ member credits = both
   pools = Σ summary rows. Baselines from the same run: `split_revenue` (every share's arithmetic)
   and `compact_split` alone on the same inputs (pure compute), and a raw driver executemany of N
   two-column rows into a temporary table (the least it costs to write one row per contribution).
   The seeded contributions have no base-pay postings of their own: the payables exist (as after
   a first base pay) but are empty, so the never-negative check sums few rows per member.
2. Statement. One member with E ledger events (base pays, revenue shares of a seeded license of S
   contributions with compact splits and summary rows, payouts; bulk-inserted as the services post
   them; the member's lines are recomputed from their contributions in the license) among
   peers with B more events. Measured, p50/p99 over repeated calls: the statement as the member
   opens it — what My earnings computes (the newest 50 transactions' lines with their arithmetic,
   `ledger.statements.statement_page`; the month totals for the chart, `earnings_by_month`; the
   balance), the same for a page from the middle, and the page itself in process (litestar
   TestClient, a session cookie) — and the whole statement in one call (`member_statement`, and
   `GET /api/me/earnings?limit=E` with a bearer token). Baseline: the raw SQL reading all E
   postings with their transactions, as tuples.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import logging
import os
import pstats
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.databases import DEFAULT_PG_URL, ORIGIN, bench_coop_key, fresh_database, migrated_engine, postgres_problem
from bench.money_seed import build_coop, seed_license, seed_members, seed_statement_events
from coop.kernel.settings import Settings
from coop.statements import check_statement
from ledger.books import member_payable
from provenance.core.note import NoteSigner
from provenance.service import ProvenanceLog
from web.runtime import Runtime

SHARE_TARGET_S = 5.0
logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
STATEMENT_TARGET_MS = 100.0


def _runtime(url: str, workdir: Path) -> Runtime:
    engine = migrated_engine(url)
    settings = Settings.from_env(
        {"COOP_DATA_DIR": str(workdir), "COOP_DATABASE_URL": url, "COOP_LOG_ORIGIN": "bench.coop/log"}
    )
    return Runtime(
        settings, engine, ProvenanceLog(engine, NoteSigner(ORIGIN, bench_coop_key()), ORIGIN, check_statement)
    )  # as build_runtime builds it


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, this process's CPU seconds, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _raw_executemany(engine: Engine, rows: int) -> float:
    """Seconds to executemany `rows` (text, bigint) rows into a temporary table through the driver."""
    data = [(f"{i:032x}", i) for i in range(rows)]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("CREATE TEMPORARY TABLE bench_rows (contribution_id VARCHAR(32), amount BIGINT)")
        marker = "%s" if engine.dialect.name == "postgresql" else "?"
        start = time.perf_counter()
        cursor.executemany(f"INSERT INTO bench_rows VALUES ({marker}, {marker})", data)
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


def bench_share(
    kind: str,
    pg_url: str,
    contributions: int,
    members: int,
    reviewers: int,
    profile: bool,
    distinct_weights: bool = False,
) -> dict[str, Any]:
    from coop.datasets.share_inputs import contribution_columns
    from governance.policies import PolicyService  # noqa: F401  (the formula in force comes from it, via the runtime)
    from ledger.formula import FormulaParams
    from ledger.formula.in_memory import compact_split
    from ledger.formula.reference import split_revenue

    with tempfile.TemporaryDirectory() as tmp, fresh_database(kind, Path(tmp), pg_url) as db:
        runtime = _runtime(db.url, Path(tmp))
        try:
            seed_start = time.perf_counter()
            coop = build_coop(runtime)
            authors = seed_members(runtime.engine, members, "author")
            reviewer_ids = seed_members(runtime.engine, reviewers, "reviewer", ("member", "reviewer"))
            license_id = seed_license(
                runtime.engine, coop, contributions, authors, reviewer_ids, distinct_weights=distinct_weights
            )
            seeded = time.perf_counter() - seed_start
            formula = runtime.policies.in_force("revenue-formula", runtime.clock())
            params = FormulaParams.from_policy(formula.body, formula.version)
            with Session(runtime.engine) as session:
                inputs = contribution_columns(session, license_id)
            amount = 123_456_789_00
            objects = inputs[0].inputs()  # split_revenue takes ContributionWeightInput objects
            # Partials, not lambdas: a lambda would close over names deleted below (to free the inputs
            # before the measured share), which pyflakes reads as undefined (F821).
            compute, _, _ = _timed(functools.partial(split_revenue, amount, "EUR", params, objects, inputs[1]))
            del objects
            compact, _, _ = _timed(functools.partial(compact_split, amount, "EUR", params, *inputs))
            del inputs
            raw = _raw_executemany(runtime.engine, contributions)
            load = os.getloadavg()[0]
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            wall, cpu, event_id = _timed(
                lambda: runtime.revenue.report_downstream(
                    coop.buyer, license_id, amount, "EUR", "bench royalty", "bench-royalty-1"
                )
            )
            if profiler:
                profiler.disable()
            again, _, same = _timed(
                lambda: runtime.revenue.report_downstream(
                    coop.buyer, license_id, amount, "EUR", "bench royalty", "bench-royalty-1"
                )
            )
            assert same == event_id, "a retry with the same key must return the first event"
            assert runtime.ledger.unbalanced_transactions() == [], "the books must balance"
            with runtime.engine.connect() as conn:
                credited = -int(
                    conn.execute(
                        text(
                            "SELECT sum(p.amount) FROM posting p JOIN revenue_event e ON p.tx_id = e.share_tx_id "
                            "WHERE p.account_code LIKE 'Liabilities:Members:%'"
                        )
                    ).scalar_one()
                )
                pools = conn.execute(
                    text("SELECT details FROM journal_tx t JOIN revenue_event e ON t.id = e.share_tx_id")
                ).scalar_one()
            import json

            split = json.loads(pools)
            assert credited == split["contributor_pool"] + split["reviewer_pool"], (
                "Σ member credits must equal both pools"
            )
            assert split["reserve"] + split["reviewer_pool"] + split["contributor_pool"] == amount
            assert split["contributions"] == contributions
            with runtime.engine.connect() as conn:
                summed = conn.execute(
                    text(
                        "SELECT pool, sum(cents), sum(count) FROM revenue_share_summary s "
                        "JOIN revenue_event e ON s.share_tx_id = e.share_tx_id "
                        "GROUP BY pool ORDER BY pool"
                    )
                ).all()
            assert {pool: (int(c), int(n)) for pool, c, n in summed}.get("contributor") == (
                split["contributor_pool"],
                contributions,
            ), "summary rows = pool"
            result = {
                "kind": kind,
                "contributions": contributions,
                "distinct_weights": distinct_weights,
                "members": members,
                "reviewers": reviewers,
                "seed_s": seeded,
                "share_s": wall,
                "share_cpu_s": cpu,
                "retry_s": again,
                "compute_s": compute,
                "compact_s": compact,
                "raw_executemany_s": raw,
                "load": load,
                "details_mb": len(pools) / 1e6,
            }
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                result["profile"] = out.getvalue()
            return result
        finally:
            runtime.close()


def _pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000


def _times(fn: Callable[[], Any], repeat: int) -> list[float]:
    return [_timed(fn)[0] for _ in range(repeat)]


def bench_statement(
    kind: str, pg_url: str, events: int, release_size: int, background: int, repeat: int, api_repeat: int
) -> dict[str, Any]:
    from litestar.testing import TestClient

    from ledger.statements import earnings_by_month, member_statement, statement_page
    from web.app import create_app
    from web.portal.money import EARNINGS_PAGE

    with tempfile.TemporaryDirectory() as tmp, fresh_database(kind, Path(tmp), pg_url) as db:
        runtime = _runtime(db.url, Path(tmp))
        try:
            coop = build_coop(runtime)
            member, *peers = seed_members(runtime.engine, 10, "stmt")
            license_id = seed_license(runtime.engine, coop, release_size, [member, *peers], peers[:2])
            counts = seed_statement_events(runtime.engine, member, peers, events, license_id, background)
            lines = member_statement(runtime.ledger, member)
            assert len(lines) == events, f"{len(lines)} statement lines for {events} events"
            sql = text(
                "SELECT t.id, t.occurred_at, t.kind, t.description, t.ref, p.amount, p.currency, t.details "
                "FROM posting p "
                "JOIN journal_tx t ON t.id = p.tx_id WHERE p.account_code = :account ORDER BY t.id"
            )
            raw_times = []
            with runtime.engine.connect() as conn:
                for _ in range(repeat):
                    start = time.perf_counter()
                    conn.execute(sql, {"account": member_payable(member)}).all()
                    raw_times.append(time.perf_counter() - start)
            load = os.getloadavg()[0]
            middle = lines[len(lines) // 2].tx_id

            def opened(
                cursor: int | None,
            ) -> None:  # what My earnings computes: a page, the month totals for the chart, the balance
                page = statement_page(runtime.ledger, member, cursor=cursor, limit=EARNINGS_PAGE, newest_first=True)
                assert len(page.lines) == EARNINGS_PAGE and page.next_cursor is not None
                earnings_by_month(runtime.ledger, member)
                runtime.ledger.member_balance(member)

            page_times = _times(lambda: opened(None), repeat)
            middle_times = _times(lambda: opened(middle), repeat)
            times = _times(lambda: member_statement(runtime.ledger, member), repeat)
            principal = runtime.members.principal(member)
            token = runtime.auth.create_token(principal, "bench", ["read"])  # type: ignore[arg-type]
            with TestClient(app=create_app(runtime=runtime)) as client:
                client.cookies.set("coop_session", runtime.auth.start_session(principal))
                gc.freeze()  # as `coop serve` does once the app is built (coop/serve.py)

                def get(path: str, check: Callable[[Any], bool], **headers: str) -> float:
                    """Seconds for the request; the response is checked afterwards (parsing 5 MB of JSON is
                    the client's time)."""
                    start = time.perf_counter()
                    response = client.get(path, headers=headers)
                    elapsed = time.perf_counter() - start
                    assert response.status_code == 200 and check(response), f"{path}: {response.status_code}"
                    return elapsed

                def portal() -> float:
                    return get("/earnings", lambda r: r.text.count('data-testid="line-amount"') == EARNINGS_PAGE)

                def api_page() -> float:
                    return get(
                        "/api/me/earnings?limit=50",
                        lambda r: len(r.json()["lines"]) == 50,
                        Authorization=f"Bearer {token}",
                    )

                def api_all() -> float:
                    return get(
                        f"/api/me/earnings?limit={events}",
                        lambda r: len(r.json()["lines"]) == events,
                        Authorization=f"Bearer {token}",
                    )

                for warm_up in (portal, api_page, api_all):
                    warm_up()
                portal_times = [portal() for _ in range(repeat)]
                api_page_times = [api_page() for _ in range(repeat)]
                api_times = [api_all() for _ in range(api_repeat)]
                gc.unfreeze()  # the next database's run starts from a normal heap
            return {
                "kind": kind,
                "events": events,
                "counts": counts,
                "p50": _pct(times, 50),
                "p99": _pct(times, 99),
                "raw_p50": _pct(raw_times, 50),
                "page_p50": _pct(page_times, 50),
                "page_p99": _pct(page_times, 99),
                "middle_p50": _pct(middle_times, 50),
                "middle_p99": _pct(middle_times, 99),
                "portal_p50": _pct(portal_times, 50),
                "portal_p99": _pct(portal_times, 99),
                "api_page_p50": _pct(api_page_times, 50),
                "api_page_p99": _pct(api_page_times, 99),
                "page": EARNINGS_PAGE,
                "api_p50": _pct(api_times, 50),
                "api_p99": _pct(api_times, 99),
                "load": load,
                "repeat": repeat,
                "api_repeat": api_repeat,
            }
        finally:
            runtime.close()


def report_share(r: dict[str, Any]) -> None:
    n = r["contributions"]
    weights = "every contribution weighing differently (worst case)" if r["distinct_weights"] else "20 distinct weights"
    print(
        f"[{r['kind']}] share one revenue event across {n:,} contributions "
        f"({r['members']:,} members, {r['reviewers']} reviewers, {weights}): "
        f"{r['share_s']:.2f} s ({r['share_s'] / SHARE_TARGET_S:.2f}× the {SHARE_TARGET_S:g} s target; "
        f"CPU of this process {r['share_cpu_s']:.2f} s; "
        f"load avg {r['load']:.2f} on {os.cpu_count()} cores)"
    )
    print(
        f"    baseline, split_revenue alone (every share's arithmetic): {r['compute_s']:.2f} s; "
        f"compact_split alone (what the share computes): "
        f"{r['compact_s']:.2f} s (share / compact = {r['share_s'] / r['compact_s']:.2f}×); "
        f"raw executemany of {n:,} rows: {r['raw_executemany_s']:.2f} s "
        f"(share / executemany = {r['share_s'] / r['raw_executemany_s']:.2f}×)"
    )
    print(
        f"    retry with the same key: {r['retry_s'] * 1000:.1f} ms; "
        f"arithmetic stored in the share transaction: {r['details_mb'] * 1000:.1f} kB; "
        f"seeding took {r['seed_s']:.0f} s (not measured)"
    )
    if "profile" in r:
        print(r["profile"])


def report_statement(r: dict[str, Any]) -> None:
    target = STATEMENT_TARGET_MS
    print(
        f"[{r['kind']}] member with {r['events']:,} events {r['counts']}; "
        f"{r['repeat']} calls each, load avg {r['load']:.2f}:"
    )
    print(
        f"    statement as opened "
        f"(newest {r['page']} lines with their arithmetic + month totals for the chart + balance): "
        f"p50 {r['page_p50']:.1f} ms, p99 {r['page_p99']:.1f} ms "
        f"({r['page_p99'] / target:.2f}× the {target:g} ms target at p99); "
        f"a page from the middle: p50 {r['middle_p50']:.1f} ms, p99 {r['middle_p99']:.1f} ms"
    )
    print(
        f"    GET /earnings (the portal page) in process: p50 {r['portal_p50']:.1f} ms, "
        f"p99 {r['portal_p99']:.1f} ms ({r['portal_p99'] / target:.2f}×); "
        f"GET /api/me/earnings?limit=50: p50 {r['api_page_p50']:.1f} ms, p99 {r['api_page_p99']:.1f} ms"
    )
    print(
        f"    the whole statement in one call, all {r['events']:,} lines with their arithmetic: "
        f"member_statement p50 {r['p50']:.1f} ms, "
        f"p99 {r['p99']:.1f} ms ({r['p99'] / target:.2f}× the target at p99); "
        f"GET /api/me/earnings?limit={r['events']}: "
        f"p50 {r['api_p50']:.1f} ms, p99 {r['api_p99']:.1f} ms ({r['api_repeat']} requests)"
    )
    print(
        f"    baseline, raw SQL of the same {r['events']:,} postings with their transactions: "
        f"p50 {r['raw_p50']:.1f} ms "
        f"(whole statement / raw = {r['p50'] / max(r['raw_p50'], 1e-9):.2f}×)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--contributions", type=int, default=1_000_000, help="contributions in the licensed release (PostgreSQL)"
    )
    parser.add_argument("--sqlite-contributions", type=int, default=100_000, help="the same on SQLite (0: skip)")
    parser.add_argument("--members", type=int, default=10_000, help="distinct authors of those contributions")
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--events", type=int, default=10_000, help="ledger events on the member's statement")
    parser.add_argument(
        "--release-size", type=int, default=50, help="contributions per release in the statement's revenue shares"
    )
    parser.add_argument(
        "--background",
        type=int,
        default=500_000,
        help="other members' ledger events in the statement database (a co-op where one member has 10,000 events "
        "has far more than that in all; with a small journal, PostgreSQL's planner hashes the whole journal instead of "
        "looking the member's transactions up)",
    )
    parser.add_argument("--repeat", type=int, default=30, help="statement calls measured")
    parser.add_argument(
        "--api-repeat", type=int, default=10, help="requests for the whole statement through the API measured"
    )
    parser.add_argument("--databases", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"])
    parser.add_argument("--only", choices=["share", "statement"], help="run one part only")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--profile", action="store_true", help="cProfile the share call")
    parser.add_argument(
        "--distinct-weights",
        action="store_true",
        help="also share a license whose contributions all weigh differently: the formula's worst case",
    )
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    args = parser.parse_args()
    if args.quick:
        args.contributions, args.sqlite_contributions, args.members, args.reviewers = 2_000, 2_000, 100, 5
        args.events, args.background, args.repeat, args.api_repeat = 500, 1_000, 10, 3
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    kinds = list(args.databases)
    if "postgresql" in kinds and (problem := postgres_problem(args.pg_url)):
        print(f"PostgreSQL skipped: {problem}")
        kinds.remove("postgresql")
    for kind in kinds:
        n = args.contributions if kind == "postgresql" else args.sqlite_contributions
        if args.only != "statement" and n:
            report_share(bench_share(kind, args.pg_url, n, min(args.members, n), args.reviewers, args.profile))
            if args.distinct_weights:
                report_share(
                    bench_share(
                        kind, args.pg_url, n, min(args.members, n), args.reviewers, args.profile, distinct_weights=True
                    )
                )
        if args.only != "share":
            report_statement(
                bench_statement(
                    kind, args.pg_url, args.events, args.release_size, args.background, args.repeat, args.api_repeat
                )
            )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
