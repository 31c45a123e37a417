"""`coop books verify` over the books of N accepted contributions with revenue events (issue 16).

    python -m bench.books_verify_bench                   # PostgreSQL 100,000 and 1,000,000; SQLite 100,000
    python -m bench.books_verify_bench --quick           # smoke run: 2,000 and 20,000 on both
    python -m bench.books_verify_bench --databases sqlite --sizes 100000 1000000

Per database and size, a fresh co-op: the steward, policies, a task, a buyer and one contribution
accepted through the services (bench/money_seed.py); then N accepted contributions, bulk-inserted,
each with the base-pay transaction ledger.service would post (legs, key, ref, log index, details,
request digest) and the `books.committed` entry the co-op would log for it (one signed entry per
acceptance, as each acceptance commits alone; appended through the log's writer, so tiles and
checkpoints are real); then `--events` downstream revenue reports over all N contributions through
`RevenueService.report_downstream` (the real share, its postings and its commitment). Not seeded:
the bulk acceptances' own `contribution.accepted` entries (the verify skips entries of other kinds
by a byte search; the log holds N + a few entries, not 2N).

Measured, each in a child process of its own (so its peak RSS is its own): `verify_books` as
`coop books verify` runs it (every finding printed; the run must find none), and the baseline, a
raw scan of the same rows in the same run — the transactions' pages, their postings by id range
and every log entry, read the same keyset way, nothing checked. Printed: wall seconds, the ratio,
and each process's peak RSS; comparing sizes shows whether memory stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from bench.databases import DEFAULT_PG_URL, bench_coop_key, fresh_database, postgres_problem
from bench.money_bench import _runtime
from bench.money_seed import AT, build_coop, bulk_insert, seed_license, seed_members
from coop.work.models import Acceptance, Contribution
from ledger import books
from ledger.books import Leg
from ledger.commitment import KIND, committed_bodies, tx_hash
from ledger.models import JournalTx, Posting
from ledger.service import _digest
from provenance.core.canonical import canonical_json
from provenance.core.entry import leaf_bytes
from provenance.core.signing import signed_message

BATCH = 4096  # leaves per log append (provenance.writer.MAX_BATCH)


def seed_base_pays(engine: Engine, runtime: Any, chunk: int = 50_000) -> int:
    """The base pay of every accepted contribution that has none yet, and its `books.committed`
    entry, `chunk` acceptances at a time (rows, postings, then their log entries)."""
    with engine.connect() as conn:
        next_id = int(conn.scalar(select(func.max(JournalTx.id))) or 0) + 1
        paid = {r for (r,) in conn.execute(select(JournalTx.ref).where(JournalTx.kind == "base-pay"))}
        rows = conn.execute(
            select(Acceptance.contribution_id, Acceptance.pay_per_unit, Acceptance.log_index, Contribution.units)
            .add_columns(Contribution.author_id)
            .join(Contribution, Contribution.id == Acceptance.contribution_id)
            .order_by(Acceptance.log_index)
        ).all()
    key = bench_coop_key()
    public = bytes(key.verify_key)
    seeded = 0
    for start in range(0, len(rows), chunk):
        txs: list[dict[str, Any]] = []
        postings: list[dict[str, Any]] = []
        leaves: list[bytes] = []
        for cid, per_unit, log_index, units, author in rows[start : start + chunk]:
            ref = f"contribution:{cid}"
            if ref in paid:
                continue
            amount = int(per_unit) * int(units)
            legs = [Leg(books.BASE_PAY, amount, "EUR"), Leg(books.member_payable(author), -amount, "EUR")]
            details = {"amount": amount, "funded_by_buyer": 0}
            encoded = canonical_json(details)
            txs.append(
                {
                    "id": next_id,
                    "kind": "base-pay",
                    "description": f"Base pay for accepted contribution {cid}",
                    "occurred_at": AT,
                    "idempotency_key": f"base-pay:{cid}",
                    "request_digest": _digest("base-pay", legs, ref, details, None),
                    "reverses_tx_id": None,
                    "log_index": int(log_index),
                    "ref": ref,
                    "details": encoded.decode(),
                }
            )
            postings.extend(
                {"tx_id": next_id, "account_code": leg.account, "amount": leg.amount, "currency": "EUR"} for leg in legs
            )
            as_rows = [(leg.account, leg.amount, leg.currency) for leg in legs]
            digest = tx_hash("base-pay", f"base-pay:{cid}", ref, as_rows, encoded, None, int(log_index))
            body = canonical_json(committed_bodies([(next_id, digest)])[0])
            signature = key.sign(signed_message(KIND, body)).signature
            leaves.append(leaf_bytes(KIND, body, public, signature))
            next_id += 1
        bulk_insert(engine, JournalTx.__table__, txs)
        bulk_insert(engine, Posting.__table__, postings)
        for i in range(0, len(leaves), BATCH):
            runtime.log.writer.append(leaves[i : i + BATCH])
        seeded += len(txs)
    if engine.dialect.name == "postgresql":  # the sequence after explicit ids
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('journal_tx', 'id'), (SELECT max(id) FROM journal_tx))"
            )
    return seeded


def measure(mode: str, url: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.books_verify_child", mode, url],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed: {done.stderr[-2000:]}")
    if done.stderr.strip():
        print(done.stderr.strip()[-2000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bench(kind: str, pg_url: str, size: int, members: int, events: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(kind, Path(tmp), pg_url) as db:
        runtime = _runtime(db.url, Path(tmp))
        seeding = time.perf_counter()
        coop = build_coop(runtime)
        authors = seed_members(runtime.engine, min(members, size), "author")
        reviewers = seed_members(runtime.engine, 50, "reviewer", ("member", "reviewer"))
        license_id = seed_license(runtime.engine, coop, size, authors, reviewers)
        paid = seed_base_pays(runtime.engine, runtime)
        for e in range(events):
            runtime.revenue.report_downstream(
                coop.buyer, license_id, 480_000 + 137 * e, "EUR", f"royalty {e}", f"books-bench-{e}"
            )
        seeded = time.perf_counter() - seeding
        if kind == "postgresql":
            with runtime.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        runtime.close()
        scan = measure("scan", db.url)
        verify = measure("verify", db.url)
        scan_again = measure("scan", db.url)  # the same rows, warm: the ratio uses the faster scan
        return {
            "database": kind,
            "contributions": size,
            "base_pays_seeded": paid,
            "events": events,
            "seed_seconds": seeded,
            "scan": min(scan, scan_again, key=lambda r: r["seconds"]),
            "verify": verify,
        }


def append_cost(kind: str, pg_url: str, posts: int) -> None:
    """What committing to the log adds to posting: `posts` two-leg transactions, each in its own
    database transaction, with and without the log (alternating, so load hits both alike); and one
    database transaction of 1,000 (a payout run's shape) with and without."""
    from coop.kernel.db import write_session
    from ledger.service import LedgerService

    with tempfile.TemporaryDirectory() as tmp, fresh_database(kind, Path(tmp), pg_url) as db:
        runtime = _runtime(db.url, Path(tmp))
        engine = runtime.engine
        books_of = {"without": LedgerService(engine), "with": LedgerService(engine, log=runtime.log)}
        spent = {"without": 0.0, "with": 0.0}
        for i in range(posts):
            for name, ledger in books_of.items():
                legs = [Leg(books.BASE_PAY, 900, "EUR"), Leg(books.member_payable(f"{i % 50:032x}"), -900, "EUR")]
                started = time.perf_counter()
                ledger.post("base-pay", "bench", legs, f"bench:{name}:{i}")
                spent[name] += time.perf_counter() - started
        batch = {}
        for name, ledger in books_of.items():
            started = time.perf_counter()
            with write_session(engine) as session, session.begin():
                for i in range(1_000):
                    legs = [Leg(books.BASE_PAY, 900, "EUR"), Leg(books.member_payable(f"{i:032x}"), -900, "EUR")]
                    ledger.post_in(session, "base-pay", "bench", legs, f"bench-batch:{name}:{i}")
            batch[name] = time.perf_counter() - started
        runtime.close()
    one_without, one_with = spent["without"] / posts * 1000, spent["with"] / posts * 1000
    print(
        f"{kind:>10} append cost: one transaction {one_without:.2f} ms without the log, {one_with:.2f} ms with "
        f"(+{one_with - one_without:.2f} ms); 1,000 in one database transaction {batch['without']:.2f}s without, "
        f"{batch['with']:.2f}s with",
        flush=True,
    )


def report(r: dict[str, Any]) -> None:
    scan, verify = r["scan"], r["verify"]
    print(
        f"{r['database']:>10} {r['contributions']:>9,} contributions, {r['events']} revenue events: "
        f"{verify['transactions']:,} transactions, {verify['postings']:,} postings, {scan['entries']:,} log entries; "
        f"verify {verify['seconds']:.2f}s = {verify['seconds'] / scan['seconds']:.2f}× "
        f"raw scan {scan['seconds']:.2f}s; "
        f"peak RSS verify {verify['peak_rss_mb']:.0f} MB, scan {scan['peak_rss_mb']:.0f} MB; "
        f"findings {verify['findings']} (seeded in {r['seed_seconds']:.0f}s)",
        flush=True,
    )
    if verify["findings"]:
        raise SystemExit("the seeded books should verify clean")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="PostgreSQL sizes")
    parser.add_argument("--sqlite-sizes", type=int, nargs="+", default=[100_000], help="SQLite sizes")
    parser.add_argument("--members", type=int, default=10_000, help="distinct authors")
    parser.add_argument("--events", type=int, default=5, help="downstream revenue reports over all contributions")
    parser.add_argument("--databases", nargs="+", default=["postgresql", "sqlite"], choices=["postgresql", "sqlite"])
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 and 20,000 contributions")
    parser.add_argument("--append-cost", type=int, default=300, help="posts timed with and without the log (0: skip)")
    args = parser.parse_args()
    if args.quick:
        args.sizes = args.sqlite_sizes = [2_000, 20_000]
        args.members, args.events = 200, 2
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    kinds = list(args.databases)
    if "postgresql" in kinds and (problem := postgres_problem(args.pg_url)):
        print(f"PostgreSQL skipped: {problem}")
        kinds.remove("postgresql")
    for kind in kinds:
        if args.append_cost:
            append_cost(kind, args.pg_url, 50 if args.quick else args.append_cost)
        for size in args.sizes if kind == "postgresql" else args.sqlite_sizes:
            report(bench(kind, args.pg_url, size, args.members, args.events))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
