"""Bundle benchmark (issue 7): building and verifying the bundle of a release of N contributions.

    python -m bench.bundle_bench [--items 100000 ...] [--members 500] [--profile]

Several sizes may be given (`--items 1000 10000 100000`); each is a separate log and bundle.

The log is built in memory, not through the services and the database: seeding 100,000 accepted
contributions that way means, per contribution, a draft, a signed submission, two reviews and an
acceptance (each its own write transaction, the acceptance with its ledger posting and a log append),
which is hours of setup on SQLite for a figure that does not depend on it. The entries are instead
built byte for byte as the services build them, from the same functions where those are importable:
  - `policy.adopted` for every default policy (`governance.defaults.all_defaults`: pay-floor,
    consent-rules, rubric.expert-answer, ...), with the body `PolicyService.adopt` signs (seed);
  - one `member.key-registration` per member key (`KeyService.registration_body`, signed by the member);
  - one `task.opened` with the body `TaskService.open` signs (rubric and pay floor in force);
  - N `contribution.accepted` with the body `ReviewService._accept` signs: the author's statement
    (the body `coop.work.signed_submission.statement_body` gives, signed by one of the member keys,
    each with its own content hash), `review_digest` of two reviews, rubric, pay floor, pay;
  - the `release.published` manifest of `DatasetService.cut_release` (`items_root`, `item_count`; the
    item list itself travels in the bundle).
Co-op statements are signed with `sign_statement` and every leaf comes from `statement_leaf`; the
tree is `merkle.memory_reader` over the leaf hashes and the checkpoint a signed C2SP note.

What is measured:
  - build: the real `coop.lineage.bundle.build_bundle`, given a stand-in runtime whose log answers
    `latest_checkpoint`/`inclusion_proofs`/`verifier_key`/`signer` from memory (`memory_reader` in the
    role the tile reader plays over the database), and with `release_lineage` (the database query)
    swapped for the lineage taken from the in-memory log. NOT measured: gathering the lineage and
    reading leaves and tiles from the database. Peak memory: tracemalloc over a second, untimed build
    (peak Python heap above what was allocated before it; the log itself is already in memory).
  - verify: `verify_bundle(bundle bytes)` in a fresh child process (`--verify-file`, the real verifier,
    which must pass with report.items == N): wall and CPU time, peak RSS from wait4 and the child's RSS
    just before verifying (interpreter, imports and the bundle bytes already read).
  - baseline: raw PyNaCl `VerifyKey.verify` over the bundle's own signed messages (co-op statements
    and author statements), per CPU-second of one core, median of trials, in the same run. Verifying
    an item checks two signatures (the co-op's on the entry, the author's inside it), so the verifier's
    CPU time per item is shown against 2× the raw verify time.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import nacl.signing

from coop.datasets.service import items_root
from coop.lineage import bundle as bundle_module
from coop.lineage.gather import ItemLineage, ReleaseLineage
from coop.lineage.verify import verify_bundle
from coop.membership.keys import REGISTRATION, KeyService
from coop.rules import consent, pay_floor, review
from coop.work.reviews import ACCEPTED_KIND, review_digest
from coop.work.signed_submission import STATEMENT_KIND
from coop.work.signed_submission import statement_body as _statement_body
from governance.defaults import all_defaults
from governance.policies import Policy
from provenance import store
from provenance.core import merkle
from provenance.core.canonical import canonical_json
from provenance.core.entry import statement_leaf
from provenance.core.note import Checkpoint, NoteSigner, sign_checkpoint
from provenance.core.signing import (
    SignedStatement,
    b64,
    key_id,
    sign_statement,
    signed_message,
)

ORIGIN = "bench.coop-ledger.local/log"
ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024


# -- the log, in memory ------------------------------------------------------------------------


@dataclass
class MemoryLog:
    """What `build_bundle` uses of `ProvenanceLog`, over leaves held in memory."""

    signer: NoteSigner
    origin: str
    leaves: list[bytes]
    reader: merkle.NodeReader
    checkpoint: store.StoredCheckpoint
    proof_seconds: float = 0.0

    @property
    def verifier_key(self) -> str:
        return self.signer.verifier.encode()

    def latest_checkpoint(self) -> store.StoredCheckpoint:
        return self.checkpoint

    def inclusion_proofs(self, indexes: Sequence[int], size: int) -> dict[int, tuple[bytes, list[bytes]]]:
        """As `ProvenanceLog.inclusion_proofs`, with leaves and nodes from memory (timed: proofs)."""
        start = time.process_time()
        found = {}
        for index in indexes:
            if not 0 <= index < size:
                raise merkle.ProofError(f"index {index} is out of range for tree size {size}")
            found[index] = (self.leaves[index], merkle.inclusion_proof(index, size, self.reader))
        self.proof_seconds += time.process_time() - start
        return found


@dataclass
class BenchLog:
    log: MemoryLog
    lineage: ReleaseLineage
    items: int
    members: int
    raw_messages: list[tuple[bytes, bytes, bytes]]  # (public key, signed message, signature), sample
    build_seconds: float
    tree_seconds: float


def _hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"  # uuid4().hex-shaped ids


def _progress(label: str, done: int, total: int, start: float) -> None:
    elapsed = time.perf_counter() - start
    print(f"    {label}: {done:,} / {total:,} ({done / max(elapsed, 1e-9):,.0f}/s, {elapsed:.0f} s)", flush=True)


def build_log(n: int, members: int, seed: int = 7) -> BenchLog:
    """The log a co-op would have after seeding, one task and N accepted contributions, then a release."""
    rng = random.Random(seed)
    wall = time.perf_counter()
    coop_key = nacl.signing.SigningKey(hashlib.sha256(b"bench co-op key").digest())
    signer = NoteSigner(ORIGIN, coop_key)
    leaves: list[bytes] = []
    raw: list[tuple[bytes, bytes, bytes]] = []

    def append(statement: SignedStatement) -> int:
        leaves.append(statement_leaf(statement))  # what ProvenanceLog.append_in_transaction stores
        return len(leaves) - 1

    t0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
    clock = [t0]

    def now(step: timedelta = timedelta(0)) -> datetime:
        clock[0] += step + timedelta(microseconds=rng.randrange(1_000_000))
        return clock[0]

    # 1. seed_defaults → PolicyService.adopt(name, body, clock(), "seed") for each default, version 1
    policies: dict[str, Policy] = {}
    for name, body in all_defaults().items():
        effective_at = now()
        statement = sign_statement(
            coop_key,
            "policy.adopted",
            {
                "policy": name,
                "version": 1,
                "body_sha256": hashlib.sha256(canonical_json(body)).hexdigest(),
                "body": body,
                "effective_at": effective_at.isoformat(),
                "adopted_via": "seed",
            },
        )
        policies[name] = Policy(name, 1, body, effective_at, "seed", append(statement))

    # 2. members register their own keys (KeyService.register_own_key: the member's own statement)
    registrations = KeyService(None, None)  # type: ignore[arg-type]  # registration_body reads only the principal
    people = []
    for _ in range(members):
        account = _hex_id(rng)
        key = nacl.signing.SigningKey(rng.randbytes(32))
        append(sign_statement(key, REGISTRATION, registrations.registration_body(SimpleNamespace(account_id=account))))  # type: ignore[arg-type]
        terms = consent.check_terms(rng.choice(_TERMS))  # ContributionService._terms
        people.append((account, key, key_id(bytes(key.verify_key)), canonical_json(terms).decode()))

    # 3. TaskService.open: pay floor and rubric in force, rate checked against the floor
    steward = _hex_id(rng)
    opened = now(timedelta(hours=2))
    now(timedelta(hours=3))  # the first acceptance is at least 3 h after the task opened
    floor, rubric = policies["pay-floor"], policies["rubric.expert-answer"]
    pay_per_unit, minutes_per_unit, currency = 400, 10, "EUR"
    pay_floor.check_pay_floor(pay_per_unit, minutes_per_unit, currency, floor.body, floor.version)
    task_id = _hex_id(rng)
    task_body = {
        "task": task_id,
        "kind": "expert-answer",
        "rubric": rubric.ref,
        "pay_floor": floor.ref,
        "pay_per_unit": pay_per_unit,
        "currency": currency,
        "minutes_per_unit": minutes_per_unit,
        "unit": "answer",
        "intended_uses": ["model-training", "model-evaluation"],
        "opened_by": steward,
        "time": opened.isoformat(),
    }
    task_entry = append(sign_statement(coop_key, "task.opened", task_body))

    # 4. N contributions: the author signs _statement_body; on acceptance the co-op countersigns it
    reviewers = [_hex_id(rng) for _ in range(40)]
    criteria = rubric.body["criteria"]
    accepted_items: list[tuple[int, dict[str, Any], str]] = []  # (entry, accepted body, terms json)
    step = timedelta(seconds=max(1, 30 * 24 * 3600 // max(n, 1)))
    start = time.perf_counter()
    for i in range(n):
        account, key, author_key_id, terms_json = people[rng.randrange(members)]
        units = rng.randint(1, 3)
        row = SimpleNamespace(
            task_id=task_id,
            content_sha256=hashlib.sha256(f"answer {i} by {account}".encode()).hexdigest(),
            terms=terms_json,
            minutes=units * rng.randint(6, 13),
            units=units,
            revises_id=None,
        )
        accepted_at = now(step)  # acceptances in log order, spread over 30 days; each signed some time before
        signed_at = accepted_at - timedelta(minutes=rng.randint(5, 120), microseconds=rng.randrange(1_000_000))
        author = sign_statement(key, STATEMENT_KIND, _statement_body(None, row, author_key_id, signed_at))  # type: ignore[arg-type]
        canonical = canonical_json(dict(author.body))  # ContributionService.submit_signed stores this as row.statement
        reviews = [
            SimpleNamespace(
                reviewer_id=r,
                scores=canonical_json(
                    review.check_scores(criteria, {c["name"]: rng.randint(4, 5) for c in criteria})
                ).decode(),
            )
            for r in rng.sample(reviewers, 2)
        ]
        body = {
            "statement": {
                "kind": "contribution",
                "body": json.loads(canonical),
                "key": b64(author.public_key),
                "sig": b64(author.signature),
            },
            "review_digest": review_digest(reviews),  # type: ignore[arg-type]
            "rubric": {"policy": "rubric.expert-answer", "version": rubric.version},
            "pay_floor": floor.ref,
            "pay": {"per_unit": pay_per_unit, "units": row.units, "currency": currency},
            "accepted_at": accepted_at.isoformat(),
        }
        countersigned = sign_statement(coop_key, ACCEPTED_KIND, body)
        accepted_items.append((append(countersigned), body, terms_json))
        if len(raw) < 2000:
            raw.append((author.public_key, signed_message(author.kind, canonical), author.signature))
            raw.append(
                (
                    countersigned.public_key,
                    signed_message(countersigned.kind, countersigned.canonical_body),
                    countersigned.signature,
                )
            )
        if (i + 1) % max(1, n // 5) == 0 or i + 1 == n:
            _progress("accepted contributions signed", i + 1, n, start)

    # 5. DatasetService.cut_release: consent checked per item under the rules in force, manifest signed
    published = now(timedelta(days=1))
    consent_rules, formula = policies["consent-rules"], policies["revenue-formula"]
    uses = ["model-training"]
    consent.check_declaration(uses, None)
    included, excluded = [], {}
    for entry, body, terms_json in accepted_items:
        reasons = consent.refusals(json.loads(terms_json), consent_rules.body, uses, None, published.date(), False)
        if reasons:
            excluded[reasons[0]] = excluded.get(reasons[0], 0) + 1
        else:
            included.append((entry, body))
    assert len(included) == n, f"{n - len(included)} items refused consent: {excluded}"
    listed = [
        {"entry": entry, "content_sha256": body["statement"]["body"]["content_sha256"]}
        for entry, body in sorted(included, key=lambda x: x[0])
    ]
    release_id = _hex_id(rng)
    manifest = {
        "release": release_id,
        "title": f"Expert answers ({n:,})",
        "intended_uses": list(uses),
        "items_root": items_root(listed),
        "item_count": len(listed),
        "excluded": dict(sorted(excluded.items())),
        "price": {"amount": 250_000, "currency": currency},
        "policies": {"consent-rules": consent_rules.version, "revenue-formula": formula.version},
        "published_at": published.isoformat(),
    }
    release_entry = append(sign_statement(coop_key, "release.published", manifest))

    # the tree and its signed checkpoint (the writer does this as it appends)
    tree_start = time.perf_counter()
    reader = merkle.memory_reader([merkle.leaf_hash(leaf) for leaf in leaves])
    root_hash = merkle.root(len(leaves), reader)
    tree_seconds = time.perf_counter() - tree_start
    note = sign_checkpoint(signer, Checkpoint(ORIGIN, len(leaves), root_hash))
    log = MemoryLog(signer, ORIGIN, leaves, reader, store.StoredCheckpoint(len(leaves), root_hash, note, now()))

    # what release_lineage would gather from the database for this release
    items = [
        ItemLineage(f"c{entry}", entry, task_entry, None, body, task_body, body["statement"]["body"]["content_sha256"])
        for entry, body in included
    ]
    wanted = {"pay-floor", "consent-rules", "rubric.expert-answer"}
    lineage = ReleaseLineage(
        release_id,
        manifest["title"],
        release_entry,
        manifest,
        items,
        sorted(p.log_index for p in policies.values() if p.name in wanted),
    )
    return BenchLog(log, lineage, n, members, raw, time.perf_counter() - wall, tree_seconds)


# consent terms members chose (all permit the task's uses, so every contribution could be submitted)
_TERMS = [
    {
        "permitted_uses": ["model-training", "model-evaluation", "research"],
        "excluded_sectors": ["surveillance", "biometric-identification"],
        "expires": None,
    },
    {
        "permitted_uses": ["model-training", "model-evaluation", "research", "commercial"],
        "excluded_sectors": ["military", "surveillance"],
        "expires": None,
    },
    {
        "permitted_uses": ["model-training", "model-evaluation"],
        "excluded_sectors": ["surveillance", "political-persuasion", "advertising"],
        "expires": "2031-12-31",
    },
    {
        "permitted_uses": [
            "model-training",
            "model-evaluation",
            "research",
            "commercial",
            "redistribution",
            "open-release",
        ],
        "excluded_sectors": [],
        "expires": None,
    },
]


# -- measurements ------------------------------------------------------------------------------


def raw_verify_rate(
    messages: list[tuple[bytes, bytes, bytes]], seconds: float = 0.5, repeats: int = 5
) -> tuple[float, float]:
    """PyNaCl VerifyKey.verify per CPU-second of this thread (median of trials), and per wall second."""
    items = [(nacl.signing.VerifyKey(k), m, s) for k, m, s in messages]
    cpu_rates, wall_rates = [], []
    for _ in range(repeats):
        done, cpu0, wall0 = 0, time.thread_time(), time.perf_counter()
        while (cpu := time.thread_time() - cpu0) < seconds or done == 0:
            for key, message, signature in items:
                key.verify(message, signature)
            done += len(items)
        cpu_rates.append(done / cpu)
        wall_rates.append(done / (time.perf_counter() - wall0))
    return statistics.median(cpu_rates), statistics.median(wall_rates)


def build(bench: BenchLog) -> str:
    """The real build_bundle, with the database parts (lineage query, leaf and tile reads) from memory."""
    runtime = SimpleNamespace(engine=None, log=bench.log)
    with mock.patch.object(bundle_module, "release_lineage", lambda _engine, _release, _license=None: bench.lineage):
        return bundle_module.build_bundle(runtime, bench.lineage.release_id)  # type: ignore[arg-type]


@dataclass
class BuildRun:
    wall: float
    cpu: float
    proofs_cpu: float
    gc_seconds: float
    gc_collections: int
    gc_full: int
    text: str


def timed_build(bench: BenchLog) -> BuildRun:
    bench.log.proof_seconds = 0.0
    with GcTimer() as collector:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        text = build(bench)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return BuildRun(wall, cpu, bench.log.proof_seconds, collector.seconds, collector.collections, collector.full, text)


class GcTimer:
    """Wall time spent in the cyclic garbage collector (gc.callbacks) while active, and full collections."""

    def __init__(self) -> None:
        self.seconds, self.collections, self.full, self._start = 0.0, 0, 0, 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.collections += 1
            self.full += info["generation"] == 2

    def __enter__(self) -> GcTimer:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)


def traced_peak(fn: Callable[[], object]) -> int:
    """Peak Python heap (bytes) allocated while `fn` runs, above what was allocated when it started."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@dataclass
class VerifyRun:
    wall: float
    cpu: float
    rss_before_kib: int
    hwm_kib: int
    maxrss_kib: int  # from wait4
    process_wall: float
    items: int
    gc_seconds: float
    gc_collections: int
    gc_full: int


def verify_in_child(path: Path, expect: int) -> VerifyRun:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.bundle_bench", "--verify-file", str(path), "--expect-items", str(expect)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process_wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"verification failed in the child process:\n{text}\n{errors[-3000:]}")
    result = json.loads(text.strip().splitlines()[-1])
    return VerifyRun(
        result["wall"],
        result["cpu"],
        result["rss_before_kib"],
        result["hwm_kib"],
        usage.ru_maxrss,
        process_wall,
        result["items"],
        result["gc_seconds"],
        result["gc_collections"],
        result["gc_full"],
    )


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def verify_child_main(path: str, expect: int) -> None:
    data = Path(path).read_bytes()
    before = _status_kib("VmRSS")
    with GcTimer() as collector:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        report = verify_bundle(data)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert report.items == expect and len(report.attestation) == expect, (
        f"verified {report.items} items, expected {expect}"
    )
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "rss_before_kib": before,
                "hwm_kib": _status_kib("VmHWM"),
                "items": report.items,
                "gc_seconds": collector.seconds,
                "gc_collections": collector.collections,
                "gc_full": collector.full,
            }
        )
    )


def profile(label: str, fn: Callable[[], object], top: int = 14) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    for order in ("tottime", "cumulative"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(top)
        lines = [
            line
            for line in buffer.getvalue().splitlines()
            if line.strip() and "Ordered by" not in line and "List reduced" not in line
        ]
        print(f"  cProfile of {label}, by {order}:")
        for line in lines[: top + 2]:
            print(f"    {line.strip() if 'function calls' in line else line}")


# -- report ----------------------------------------------------------------------------------


def run(n: int, members: int, do_profile: bool) -> None:
    print(
        f"\nbundle of {n:,} accepted contributions  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        flush=True,
    )
    bench = build_log(n, members)
    size = len(bench.log.leaves)
    print(
        f"  setup (not a figure): log of {size:,} entries built and signed in memory in {bench.build_seconds:.1f} s "
        f"({n:,} contributions by {members:,} member keys; tree over the leaf hashes {bench.tree_seconds:.2f} s)",
        flush=True,
    )

    raw_cpu, raw_wall = raw_verify_rate(bench.raw_messages)
    print(
        f"  raw PyNaCl verify: {raw_cpu:,.0f} verifies/s per CPU-second (wall {raw_wall:,.0f}/s; "
        f"{len(bench.raw_messages):,} of the bundle's own signed messages)",
        flush=True,
    )

    built = timed_build(bench)
    data = built.text.encode("utf-8")
    bundle_size = len(data)
    rest = built.cpu - built.proofs_cpu
    print(
        f"  build_bundle: {built.wall:.2f} s wall, {built.cpu:.2f} s CPU → {n / built.cpu:,.0f} items/s per CPU-second "
        f"({n / built.wall:,.0f}/s wall); {built.cpu / n * 1e6:.1f} µs/item; "
        f"items/s ÷ raw verify/s = {n / built.cpu / raw_cpu:.2f}",
        flush=True,
    )
    print(
        f"    of which inclusion proofs {built.proofs_cpu:.2f} s CPU ({built.proofs_cpu / built.cpu:.0%}), "
        f"entries + canonical JSON + signature {rest:.2f} s ({rest / built.cpu:.0%}); "
        f"garbage collector {built.gc_seconds:.2f} s wall ({built.gc_collections:,} collections, {built.gc_full} full)"
    )
    print(
        f"  bundle size: {len(data):,} bytes ({len(data) / MIB:,.1f} MiB; {len(data) / n:,.0f} bytes/item; "
        f"{len(bench.lineage.entries()):,} log entries in it)"
    )
    del built
    peak = traced_peak(lambda: build(bench))
    print(
        f"  build peak memory (tracemalloc, Python heap above the log already in memory): {peak / MIB:,.1f} MiB "
        f"= {peak / len(data):.2f}× the bundle size",
        flush=True,
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.note"
        path.write_bytes(data)
        del data
        verified = verify_in_child(path, n)
    raw_cpu2, raw_wall2 = raw_verify_rate(bench.raw_messages)  # re-measured next to the verification (noisy host)
    two_raw = 2 / raw_cpu2
    per_item = verified.cpu / n
    print(
        f"  verify_bundle (fresh child process, passed: {verified.items:,} items): "
        f"{verified.wall:.2f} s wall, {verified.cpu:.2f} s CPU → "
        f"{n / verified.cpu:,.0f} items/s per CPU-second ({n / verified.wall:,.0f}/s wall)"
    )
    print(
        f"    per item {per_item * 1e6:.1f} µs CPU vs 2 raw verifies {two_raw * 1e6:.1f} µs "
        f"= {per_item / two_raw:.2f}× "
        f"(items/s ÷ raw verify/s = {n / verified.cpu / raw_cpu2:.3f}; 0.5 would be signatures only; "
        f"raw verify re-measured after it: {raw_cpu2:,.0f}/s per CPU-second, wall {raw_wall2:,.0f}/s)"
    )
    print(
        f"    of which garbage collector {verified.gc_seconds:.2f} s wall "
        f"({verified.gc_seconds / verified.wall:.0%} of the wall time; "
        f"{verified.gc_collections:,} collections, {verified.gc_full} full)"
    )
    grown = verified.hwm_kib - verified.rss_before_kib
    print(
        f"  verify peak RSS: {verified.maxrss_kib / 1024:,.1f} MiB (wait4; VmHWM {verified.hwm_kib / 1024:,.1f} MiB), "
        f"{verified.rss_before_kib / 1024:,.1f} MiB before verifying (interpreter, imports, bundle bytes) → "
        f"+{grown / 1024:,.1f} MiB = {grown * 1024 / bundle_size:.2f}× the bundle size; "
        f"child process {verified.process_wall:.1f} s wall in all",
        flush=True,
    )

    if do_profile:
        data = build(bench).encode("utf-8")
        profile(f"build_bundle ({n:,} items)", lambda: build(bench))
        profile(f"verify_bundle ({n:,} items)", lambda: verify_bundle(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--items",
        type=int,
        nargs="+",
        default=[100_000],
        help="accepted contributions in the release (several sizes allowed)",
    )
    parser.add_argument("--members", type=int, default=500, help="member keys signing the contributions")
    parser.add_argument("--profile", action="store_true", help="also cProfile build and verify in-process")
    parser.add_argument("--verify-file", help=argparse.SUPPRESS)  # child mode: verify one bundle, print JSON
    parser.add_argument("--expect-items", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.verify_file:
        verify_child_main(args.verify_file, args.expect_items)
        return
    for n in args.items:
        run(n, args.members, args.profile)


if __name__ == "__main__":
    main()
