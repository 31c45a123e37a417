""" "Submit & next" benchmark (issue 14): answer the claimed item, get the next one, show it.

    python -m bench.submit_next_bench [--items 100000] [--answers 300000] [--k 5] [--iterations 300]
                                      [--custodial 40] [--pg-url URL] [--quick] [--json out.json]
                                      [--no-four] [--profile N]

Target: with 100,000 items and 300,000 answers on PostgreSQL, "Submit & next" (submit + claim the
next item + render) p99 < 50 ms. A fresh PostgreSQL database of its own name (`bench_submit_…`,
dropped afterwards) is seeded as bench/item_seed.py says: the tasks and their items through the
services, the answers in bulk (COPY). The app runs in process (Litestar's TestClient over
`web.app.create_app`, `gc.freeze()` after it is built as `coop serve` does): no sockets, so the
figures are the app's and the database's, not HTTP's.

Measured, interleaved step by step so the machine's drift lands on all alike:
- **own key, one request** (the target figure): the member's key is their own; the device builds
  the statement from the claim and the answer (docs/submit-and-next.md) and signs it, then
  `POST /api/claims/{id}/answer?next=true` answers and claims the next item in one transaction, and
  the portal's item page `GET /claims/{next}?answered={id}` is rendered (receipt + next item).
- **own key, four requests** (the comparison, `--no-four` skips it): the step as it was —
  `POST /api/claims/{id}/statement` (the body to sign), `POST /api/claims/{id}/answer`,
  `POST /api/tasks/{id}/claim`, then the same page.
  Both own-key loops also count the SQL statements and commits of a step (an engine listener).
- **portal, custodial key**: the portal's own form — `POST /claims/{id}/answer` with the password
  (the key is opened with argon2id at the co-op's cost), the 303 followed to the next item's page.
  argon2id alone (opening the member's sealed key) is measured beside it: it is most of the step.
- **baselines, same run**: the same two loops on a small task (a few hundred items, no other
  answers) in the same database, and a trivial `GET /healthz`. Ratios: big task ÷ small task.

`--profile N` samples the app's threads over N more one-request steps (bench/sampling_profile.py).
Each step's p50/p95/p99 (and each part's p50/p99), the seeding times and the first claim on the
seeded task (it walks the full items once, see coop/work/claims.py) are printed and saved with --json.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from bench.databases import DEFAULT_PG_URL, ORIGIN, bench_coop_key, migrated_engine, postgres_problem
from bench.item_seed import WorkTask, bulk_answers, open_item_task
from bench.portal_seed import PASSWORD, bulk_members, service_member
from bench.report import Watch, percentile
from bench.sampling_profile import SamplingProfile
from bench.submit_next_workers import CustodialWorker, OwnKeyWorker, SqlCounter
from coop.kernel.settings import Settings
from coop.membership.secrets import SealedSeed, open_seed
from coop.statements import check_statement
from provenance.core.note import NoteSigner
from provenance.service import ProvenanceLog
from web.runtime import Runtime

TARGET_MS = 50.0
logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise


@contextmanager
def fresh_pg_database(pg_url: str) -> Iterator[str]:
    """A new PostgreSQL database of its own name on the server of `pg_url`, dropped afterwards."""
    name = f"bench_submit_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


def build_runtime(url: str, workdir: Path) -> Runtime:
    engine = migrated_engine(url)
    settings = Settings.from_env({"COOP_DATA_DIR": str(workdir), "COOP_DATABASE_URL": url, "COOP_LOG_ORIGIN": ORIGIN})
    log = ProvenanceLog(engine, NoteSigner(ORIGIN, bench_coop_key()), ORIGIN, check_statement)
    return Runtime(settings, engine, log)  # as web.runtime.build_runtime builds it


def database_backends(engine: Any) -> list[int]:
    """PIDs of the PostgreSQL backends connected to the bench's database (their CPU is the bench's)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
        return [int(row[0]) for row in rows]


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _stats(samples: list[float], part: str = "") -> dict[str, float]:
    if part.endswith("_count"):  # SQL statements or commits per step, not seconds
        return {"p50": percentile(samples, 50), "max": max(samples), "n": len(samples)}
    return {f"p{q}_ms": percentile(samples, q) * 1e3 for q in (50, 95, 99)} | {"n": len(samples)}


def profiled(own: OwnKeyWorker, task_id: str, steps: int) -> str:
    """A sampling profile (bench/sampling_profile.py) of `steps` one-request steps, after the
    measured ones: where the app's threads spend a step."""
    with SamplingProfile() as profile:
        for _ in range(steps):
            own.step(task_id)
    return profile.report()


def argon2_open(runtime: Runtime, account_id: str, repeat: int) -> list[float]:
    """Seconds to open the member's sealed key (argon2id at its own stored cost), as signing does."""
    with runtime.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT sealed_salt, sealed_box, sealed_opslimit, sealed_memlimit FROM member_key WHERE account_id = :a"
            ),
            {"a": account_id},
        ).one()
    sealed = SealedSeed(row[0], row[1], row[2], row[3])
    return [_timed(lambda: open_seed(sealed, PASSWORD))[0] for _ in range(repeat)]


def seed(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    timings: dict[str, float] = {}
    members = runtime.members
    steward = members.principal(members.create_steward("Bench Steward", "steward@bench.test", PASSWORD))
    assert steward is not None
    runtime.policies.seed_defaults()
    terms = runtime.policies.in_force("consent-rules").body["default_terms"]
    timings["answerers_s"], answerers = _timed(
        lambda: bulk_members(runtime, args.answerers, steward.account_id, applicant_every=10**9)
    )
    timings["big_task_items_s"], big = _timed(lambda: open_item_task(runtime, steward, 1, args.items, args.k))
    small_items = args.small_items or (2 * (args.warmup + args.iterations) + args.custodial + args.profile + 20)
    small = open_item_task(runtime, steward, 2, small_items, args.k)
    own = service_member(runtime, steward, "Olu Ownkey", "own@bench.test")
    custodial = service_member(runtime, steward, "Cas Custody", "custody@bench.test", with_key=False)
    runtime.keys.create_custodial_key(custodial.principal, PASSWORD)  # the co-op's argon2 cost, unchanged

    def report(done: int) -> None:
        print(f"  … {done:,} answers", flush=True)

    timings["answers_s"], filled = _timed(
        lambda: bulk_answers(runtime, big, answerers, args.answers, terms, runtime.clock() - _days(30), report)
    )
    with runtime.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return {
        "big": big,
        "small": small,
        "own": own,
        "custodial": custodial,
        "terms": terms,
        "filled": filled,
        "timings": timings,
    }


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, fresh_pg_database(args.pg_url) as url:
        runtime = build_runtime(url, Path(tmp))
        try:
            started = time.perf_counter()
            seeded = seed(runtime, args)
            seeded["timings"]["total_s"] = time.perf_counter() - started
            print(f"seeded in {seeded['timings']['total_s']:.1f} s: {seeded['timings']}", flush=True)
            big: WorkTask = seeded["big"]
            small: WorkTask = seeded["small"]
            counter = SqlCounter(runtime.engine)
            own = OwnKeyWorker(runtime, seeded["own"], seeded["terms"], counter)
            custodial = CustodialWorker(runtime, seeded["custodial"])
            first_claim_s, _ = _timed(lambda: own.claims.setdefault(big.task.id, own.claim(big.task.id)))
            gc.freeze()  # as `coop serve` does once the app is built
            load_before = os.getloadavg()
            samples: dict[str, list[dict[str, float]]] = {
                "own_big": [],
                "own_small": [],
                "own4_big": [],
                "own4_small": [],
                "cust_big": [],
                "cust_small": [],
            }
            trivial: list[float] = []
            watch = Watch((), lambda: database_backends(runtime.engine)).__enter__()
            for n in range(args.warmup + args.iterations):
                big_parts = own.step(big.task.id)
                small_parts = own.step(small.task.id)
                health, _ = _timed(lambda: own.portal.get("/healthz"))
                old = {} if args.no_four else {t: own.step_four_requests(t) for t in (big.task.id, small.task.id)}
                if n >= args.warmup:
                    samples["own_big"].append(big_parts)
                    samples["own_small"].append(small_parts)
                    trivial.append(health)
                    if old:
                        samples["own4_big"].append(old[big.task.id])
                        samples["own4_small"].append(old[small.task.id])
            watch.__exit__()
            profile = profiled(own, big.task.id, args.profile) if args.profile else None
            custodial_watch = Watch((), lambda: database_backends(runtime.engine)).__enter__()
            for n in range(args.custodial + 2):
                big_parts = custodial.step(big.task.id)
                small_parts = custodial.step(small.task.id)
                if n >= 2:
                    samples["cust_big"].append(big_parts)
                    samples["cust_small"].append(small_parts)
            custodial_watch.__exit__()
            argon2 = argon2_open(runtime, seeded["custodial"].principal.account_id, max(5, args.custodial // 4))
            load_after = os.getloadavg()
            for client in (own.api, own.portal, custodial.portal):
                client.__exit__(None, None, None)  # the apps' shutdown: their background tasks end first
        finally:
            runtime.close()
    result: dict[str, Any] = {
        "sizes": {
            "items": args.items,
            "answers": args.answers,
            "k": args.k,
            "full_items": seeded["filled"],
            "small_items": small.items,
            "answerers": args.answerers,
        },
        "seeding": seeded["timings"],
        "first_claim_ms": first_claim_s * 1e3,
        "load": [load_before, load_after],
        "others_cores": {"own": watch.others_cores, "custodial": custodial_watch.others_cores},
        "database_cores": {"own": watch.database_cpu / watch.seconds},
        "trivial_get": _stats(trivial),
        "argon2_open": _stats(argon2),
    }
    result["profile"] = profile
    for name, rows in samples.items():
        if rows:
            result[name] = {part: _stats([r[part] for r in rows], part) for part in rows[0]}
    return result


def lines(r: dict[str, Any]) -> list[str]:
    s = r["sizes"]
    out = [
        f"==== Submit & next, PostgreSQL, in process: {s['items']:,} items, {s['answers']:,} answers "
        f"(k = {s['k']}, {s['full_items']:,} items full), small task {s['small_items']} items; "
        f"load average {r['load'][0][0]:.1f} → {r['load'][1][0]:.1f}; the rest of the machine used "
        f"{r['others_cores']['own']:.2f} cores during the own-key loops, {r['others_cores']['custodial']:.2f} "
        f"during the custodial ones; PostgreSQL {r['database_cores']['own']:.2f} cores ====",
        f"seeding: {', '.join(f'{k} {v:.1f}' for k, v in r['seeding'].items())}",
        f"first claim on the seeded task: {r['first_claim_ms']:.1f} ms",
    ]
    loops = (
        ("own", "own key, one request (API submit & next, portal render)"),
        ("own4", "own key, four requests as before (statement, answer, claim, render)"),
        ("cust", "portal, custodial key"),
    )
    for loop, label in loops:
        if f"{loop}_big" not in r:
            continue
        big, small = r[f"{loop}_big"]["total"], r[f"{loop}_small"]["total"]
        out.append(
            f"{label}: big task p50 {big['p50_ms']:.1f} / p95 {big['p95_ms']:.1f} / p99 {big['p99_ms']:.1f} ms "
            f"(n = {big['n']}; p99 ÷ {TARGET_MS:.0f} ms target = {big['p99_ms'] / TARGET_MS:.2f}); "
            f"small task p50 {small['p50_ms']:.1f} / p95 {small['p95_ms']:.1f} / p99 {small['p99_ms']:.1f} ms; "
            f"big ÷ small: p50 {big['p50_ms'] / small['p50_ms']:.2f}×, p99 {big['p99_ms'] / small['p99_ms']:.2f}×"
        )
        for part in r[f"{loop}_big"]:
            if part.endswith("_count"):
                b, m = r[f"{loop}_big"][part], r[f"{loop}_small"][part]
                out.append(f"    {part}: big p50 {b['p50']:.0f} (max {b['max']:.0f}); small p50 {m['p50']:.0f}")
            elif part != "total":
                b, m = r[f"{loop}_big"][part], r[f"{loop}_small"][part]
                out.append(
                    f"    {part}: big p50 {b['p50_ms']:.1f} / p99 {b['p99_ms']:.1f} ms; "
                    f"small p50 {m['p50_ms']:.1f} / p99 {m['p99_ms']:.1f} ms"
                )
    t, a = r["trivial_get"], r["argon2_open"]
    out.append(f"baseline GET /healthz: p50 {t['p50_ms']:.2f} / p99 {t['p99_ms']:.2f} ms")
    out.append(f"argon2id opening the custodial key alone: p50 {a['p50_ms']:.1f} / p99 {a['p99_ms']:.1f} ms")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=300_000)
    parser.add_argument("--k", type=int, default=5, help="answers per item (the task's answer spec)")
    parser.add_argument("--answerers", type=int, default=300, help="bulk members the answers are spread over")
    parser.add_argument("--iterations", type=int, default=300, help="own-key steps measured on each task")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--custodial", type=int, default=40, help="custodial portal steps measured on each task")
    parser.add_argument("--small-items", type=int, default=0, help="items of the baseline task (default: enough)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 items, 15,000 answers, 40 steps")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-four", action="store_true", help="skip the four-request comparison loop")
    parser.add_argument("--profile", type=int, default=0, help="cProfile this many one-request steps, print the top")
    args = parser.parse_args()
    if args.quick:
        args.items, args.answers, args.iterations, args.custodial, args.warmup = 5_000, 15_000, 40, 5, 5
    if problem := postgres_problem(args.pg_url):
        raise SystemExit(f"PostgreSQL unreachable at {args.pg_url}: {problem}")
    result = run(args)
    print("\n".join(lines(result)))
    if result.get("profile"):
        print(result["profile"])
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
