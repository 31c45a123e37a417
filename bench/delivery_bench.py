"""Delivery benchmark (issue 15, part 3): downloading a licensed dataset over HTTP, on PostgreSQL.

    python -m bench.delivery_bench [--sizes 10000,100000] [--pg-url URL] [--json out.json]

1. A fresh PostgreSQL schema, `coop init`. Through the services: a steward, an author with a key,
   two reviewers, a buyer and an API token. Then, per size N, in bulk SQL: an item task with N
   items, N answered items (content blobs, claims, answers with measured seconds, signed-statement
   bodies, two reviews, acceptances), and a release of them. What bulk SQL skips: the log entries of
   the contributions and the release (their indexes are placeholders), nothing that delivery reads.
2. The license is granted through `DatasetService.license` — the real grant path: consent check,
   sale, and both files written once through SHA-256 into the signed `license.files` manifest.
3. Measured: for each size and format, a fresh `coop serve` (one worker), one warm-up request,
   then the real download over HTTP with the buyer's token, streamed to disk and hashed by the
   client. Time; the server's peak RSS (VmHWM) and its RSS just before; the SHA-256 is checked
   against the manifest.
4. Baseline, same run, same rows: a raw psycopg `SELECT` of the same joins through a server-side
   cursor, each row written as a JSON line to a file, in a fresh Python process (time and VmHWM).
   Figures are also given as ratios to it; "flat" is the server's peak RSS at the largest size over
   the smallest, per format (target: within 10%).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from bench.databases import DEFAULT_PG_URL, fresh_database, postgres_problem
from bench.server import coop_init, coop_serve, new_site
from coop.kernel.db import write_session

TERMS = {"permitted_uses": ["model-training", "research"], "excluded_sectors": ["military"], "expires": None}
BATCH = 5000
RAW_SQL = """
SELECT li.entry, c.statement, c.terms, c.minutes, c.content_sha256, ab.media_type, ab.data, t.id, t.kind,
       a.rubric_version, a.accepted_at, ca.item_sha256, ca.measured_seconds, ib.data, r.scores
FROM dataset_license_item li
JOIN contribution c ON c.id = li.contribution_id
JOIN acceptance a ON a.contribution_id = c.id
JOIN task t ON t.id = c.task_id
JOIN content_blob ab ON ab.sha256 = c.content_sha256
LEFT JOIN contribution_answer ca ON ca.contribution_id = c.id
LEFT JOIN content_blob ib ON ib.sha256 = ca.item_sha256
LEFT JOIN review r ON r.contribution_id = c.id
WHERE li.license_id = %s ORDER BY li.entry, r.id
"""


def _memory_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a process, KiB."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])


def raw_baseline(url: str, license_id: str, out: str) -> None:
    """(In a fresh process.) The same rows through a server-side cursor, one JSON line each."""
    import psycopg

    started, rows = time.perf_counter(), 0
    with psycopg.connect(url) as conn, conn.cursor(name="raw") as cursor, open(out, "w") as sink:
        cursor.itersize = 4096
        cursor.execute(RAW_SQL, (license_id,))
        for row in cursor:
            sink.write(json.dumps([v.decode() if isinstance(v, bytes) else str(v) for v in row]) + "\n")
            rows += 1
    peak, _ = _memory_kib(os.getpid())
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_kib": peak, "rows": rows}))


def _people(runtime: Any) -> dict[str, Any]:
    members = runtime.members
    steward = members.principal(members.create_steward("Sam Steward", "steward@bench.test", "steward-password"))

    def admit(name: str, roles: tuple[str, ...]) -> Any:
        account = members.apply(name.title(), f"{name}@bench.test", f"{name}-password", skills="x", region="EU")
        members.admit(steward, account, roles)
        return members.principal(account)

    runtime.policies.seed_defaults()
    author = admit("amara", ("member",))
    key = runtime.keys.create_custodial_key(author, "amara-password")
    reviewers = [admit(n, ("member", "reviewer")) for n in ("rev1", "rev2")]
    buyer = members.principal(members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password"))
    token = runtime.auth.create_token(buyer, "bench", ["read", "write"])
    return {"steward": steward, "author": author, "key_id": key.key_id, "reviewers": reviewers, "buyer": buyer,
            "token": token}  # fmt: skip


def seed_release(runtime: Any, people: dict[str, Any], count: int, base_index: int) -> str:
    """An item task with `count` answered, reviewed, accepted items and a release of them (bulk SQL)."""
    from coop.datasets.models import Release, ReleaseItem
    from coop.work.claim_models import ContributionAnswer, ItemClaim
    from coop.work.models import Acceptance, ContentBlob, Contribution, ItemBatch, Review, TaskItem
    from coop.work.tasks import TaskSpec
    from provenance.core.canonical import canonical_json

    steward, author = people["steward"], people["author"]
    spec = TaskSpec(
        "Bench", f"Answer {count}", "Answer.", "expert-answer", "answer", 20, 900, "EUR", ["model-training"]
    )
    task = runtime.tasks.open(steward, spec)
    runtime.answer_specs.set(steward, task.id, "written", {"edit": "none", "min_sources": 0}, 1)
    now = runtime.clock()
    batch_id, release_id = uuid.uuid4().hex, uuid.uuid4().hex
    with write_session(runtime.engine) as session, session.begin():
        session.add(
            ItemBatch(id=batch_id, task_id=task.id, imported_by=steward.account_id, imported_at=now,
                      item_count=count, items_root="0" * 64, log_index=base_index - 1)
        )  # fmt: skip
        session.add(
            Release(id=release_id, title=f"Bench {count}", description="", intended_uses='["model-training"]',
                    price=count * 100, currency="EUR", manifest="{}", items_root="0" * 64, item_count=count,
                    created_by=steward.account_id, created_at=now, log_index=base_index - 2)
        )  # fmt: skip
    scores = canonical_json({"correctness": 5, "completeness": 4, "clarity": 4}).decode()
    terms = canonical_json(TERMS).decode()
    for start in range(0, count, BATCH):
        tables: dict[Any, list[dict[str, Any]]] = {
            t: [] for t in (ContentBlob, TaskItem, ItemClaim, Contribution, ContributionAnswer, Review, Acceptance)
        }
        releases = []
        for i in range(start, min(count, start + BATCH)):
            item = canonical_json({"prompt": f"Question {i} of {count}: what is the first-line treatment here?"})
            answer_body = {
                "edited": None,
                "sources": [],
                "text": f"Answer {i} of {count}: metformin, unless contraindicated.",
            }
            answer = canonical_json(answer_body)
            item_sha, answer_sha = hashlib.sha256(item).hexdigest(), hashlib.sha256(answer).hexdigest()
            item_id, claim_id, cid = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
            at = now - timedelta(days=30) + timedelta(seconds=60 * i)
            statement = canonical_json(
                {"task": task.id, "content_sha256": answer_sha, "author": people["key_id"], "terms": TERMS,
                 "minutes": 12, "units": 1, "time": at.isoformat(), "revises": None, "item": item_id,
                 "item_sha256": item_sha, "answer": answer_body}
            )  # fmt: skip
            tables[ContentBlob] += [
                {"sha256": item_sha, "media_type": "application/json", "size": len(item), "data": item},
                {"sha256": answer_sha, "media_type": "application/json", "size": len(answer), "data": answer},
            ]
            tables[TaskItem].append(
                {"id": item_id, "task_id": task.id, "batch_id": batch_id, "position": i, "content_sha256": item_sha}
            )
            tables[ItemClaim].append(
                {"id": claim_id, "task_id": task.id, "item_id": item_id, "account_id": author.account_id,
                 "claimed_at": at, "expires_at": at + timedelta(hours=1)}
            )  # fmt: skip
            tables[Contribution].append(
                {"id": cid, "task_id": task.id, "author_id": author.account_id, "revises_id": None, "round": 1,
                 "content_sha256": answer_sha, "units": 1, "minutes": 12, "terms": terms, "status": "accepted",
                 "created_at": at, "statement": statement.decode(),
                 "statement_sha256": hashlib.sha256(statement).hexdigest(), "public_key": None, "signature": None,
                 "submitted_at": at}
            )  # fmt: skip
            tables[ContributionAnswer].append(
                {"contribution_id": cid, "claim_id": claim_id, "item_id": item_id, "item_sha256": item_sha,
                 "answer": answer.decode(), "measured_seconds": 300 + i % 900}
            )  # fmt: skip
            for reviewer in people["reviewers"]:
                tables[Review].append(
                    {"contribution_id": cid, "reviewer_id": reviewer.account_id, "scores": scores,
                     "feedback": "ok", "created_at": at + timedelta(minutes=5)}
                )  # fmt: skip
            tables[Acceptance].append(
                {"contribution_id": cid, "log_index": base_index + i, "review_digest": "0" * 64,
                 "rubric_version": task.rubric_version, "pay_floor_version": 1, "pay_per_unit": 900,
                 "currency": "EUR", "accepted_at": at + timedelta(minutes=10)}
            )  # fmt: skip
            releases.append({"release_id": release_id, "contribution_id": cid, "entry": base_index + i})
        with write_session(runtime.engine) as session, session.begin():
            for table, rows in tables.items():
                session.execute(insert(table), rows)
            session.execute(insert(ReleaseItem), releases)
    return release_id


def _download(base_url: str, token: str, license_id: str, name: str, out: Path) -> tuple[float, str, int]:
    started = time.perf_counter()
    digest, size = hashlib.sha256(), 0
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base_url}/api/licenses/{license_id}/files/{name}"
    with httpx.stream("GET", url, headers=headers, timeout=600) as response, open(out, "wb") as sink:
        response.raise_for_status()
        for piece in response.iter_bytes(1 << 16):
            digest.update(piece)
            size += len(piece)
            sink.write(piece)
    return time.perf_counter() - started, digest.hexdigest(), size


def _server_memory(pid: int) -> tuple[int, int]:
    """(peak, current) RSS in KiB of the server and its children (one worker: one process)."""
    pids = [pid, *(int(p) for p in _children(pid))]
    pairs = [_memory_kib(p) for p in pids]
    return sum(p for p, _ in pairs), sum(r for _, r in pairs)


def _children(pid: int) -> list[str]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return path.read_text().split() if path.exists() else []


def run(sizes: list[int], pg_url: str, workdir: Path) -> dict[str, Any]:
    from coop.kernel.settings import Settings
    from web.runtime import build_runtime

    results: dict[str, Any] = {"sizes": sizes, "measurements": [], "baselines": {}, "grants": {}}
    with fresh_database("postgresql", workdir / "pg", pg_url) as database:
        site = new_site(workdir / "site", database.url)
        coop_init(site)
        runtime = build_runtime(Settings.from_env(site.env()))
        people = _people(runtime)
        licenses = {}
        for n, size in enumerate(sizes):
            started = time.perf_counter()
            release_id = seed_release(runtime, people, size, 1_000_000_000 * (n + 1))
            seeded = time.perf_counter() - started
            held = _timed(runtime.datasets, "_grant")  # the grant's write transaction: the log's lock
            started = time.perf_counter()
            license = runtime.datasets.license(people["buyer"], release_id, ["model-training"], None, True, f"b{n}")
            grant = {"seed_seconds": seeded, "grant_seconds": time.perf_counter() - started, "held_seconds": sum(held)}
            results["grants"][size] = grant
            print(f"{size:>7} judgments: bulk seed {seeded:.1f} s, grant (with both files hashed) "
                  f"{grant['grant_seconds']:.1f} s, of which the write transaction (the log is held within it) "
                  f"{grant['held_seconds']:.2f} s", flush=True)  # fmt: skip
            licenses[size] = license.id
        runtime.close()
        libpq = database.url.replace("postgresql+psycopg://", "postgresql://")
        for size, license_id in licenses.items():
            raw = subprocess.run(
                [sys.executable, "-m", "bench.delivery_bench", "--raw", libpq, license_id, str(workdir / "raw.jsonl")],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            results["baselines"][size] = json.loads(raw.stdout.strip().splitlines()[-1])
            base = results["baselines"][size]
            print(f"{size:>7} raw SELECT+write: {base['seconds']:.2f} s, peak RSS {base['peak_kib'] / 1024:.0f} MiB, "
                  f"{base['rows']} rows", flush=True)  # fmt: skip
            for name in ("judgments.jsonl", "judgments.parquet"):
                with coop_serve(site, workdir / f"serve-{size}-{name}.log") as process:
                    headers = {"Authorization": f"Bearer {people['token']}"}
                    files = httpx.get(f"{site.base_url}/api/licenses/{license_id}/files", headers=headers).json()
                    signed = next(f for f in files["files"] if f["name"] == name)
                    peak_before, rss_before = _server_memory(process.pid)
                    seconds, sha, size_bytes = _download(
                        site.base_url, people["token"], license_id, name, workdir / name
                    )
                    peak, _ = _server_memory(process.pid)
                entry = {
                    "judgments": size,
                    "file": name,
                    "seconds": seconds,
                    "bytes": size_bytes,
                    "sha256_matches_manifest": sha == signed["sha256"],
                    "server_rss_before_mib": rss_before / 1024,
                    "server_peak_before_mib": peak_before / 1024,
                    "server_peak_mib": peak / 1024,
                    "time_vs_raw": seconds / base["seconds"],
                    "peak_vs_raw": peak / base["peak_kib"],
                }
                results["measurements"].append(entry)
                print(f"{size:>7} {name:<18} {seconds:6.2f} s ({entry['time_vs_raw']:.1f}× raw), "
                      f"{size_bytes / 1e6:7.1f} MB, server peak RSS {entry['server_peak_mib']:.0f} MiB "
                      f"(before {entry['server_rss_before_mib']:.0f} MiB; {entry['peak_vs_raw']:.2f}× raw's peak), "
                      f"SHA-256 {'matches' if entry['sha256_matches_manifest'] else 'DIFFERS FROM'} the manifest",
                      flush=True)  # fmt: skip
    smallest, largest = min(sizes), max(sizes)
    for name in ("judgments.jsonl", "judgments.parquet"):
        peaks = {m["judgments"]: m["server_peak_mib"] for m in results["measurements"] if m["file"] == name}
        ratio = peaks[largest] / peaks[smallest]
        results[f"flat_{name}"] = ratio
        print(f"{name}: server peak RSS at {largest:,} / at {smallest:,} = {ratio:.3f} "
              f"({'flat, within 10%' if abs(ratio - 1) <= 0.10 else 'NOT within 10%'})")  # fmt: skip
    return results


def _timed(service: Any, method: str) -> list[float]:
    """Time every call of `service.method` from now on (this run only); the list of durations."""
    durations: list[float] = []
    original = getattr(service, method)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            durations.append(time.perf_counter() - started)

    setattr(service, method, timed)
    return durations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--raw", nargs=3, metavar=("URL", "LICENSE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.raw:
        raw_baseline(*args.raw)
        return 0
    problem = postgres_problem(args.pg_url)
    if problem:
        print(f"PostgreSQL is not reachable ({problem}); this benchmark measures PostgreSQL only")
        return 1
    with tempfile.TemporaryDirectory(prefix="delivery-bench-") as workdir:
        results = run([int(s) for s in args.sizes.split(",")], args.pg_url, Path(workdir))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    ok = all(m["sha256_matches_manifest"] for m in results["measurements"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
