"""Seeding for the money benchmark (bench/money_bench.py): a co-op built through the services, then
bulk rows for volume.

Why bulk: one accepted contribution through the services is a draft, a signed submission, two
reviews and an acceptance (each its own transaction, with a log append and a base-pay posting);
a million of them is hours of setup for a figure that does not depend on how they got there. So
the co-op itself (steward, default policies, a task, a buyer, one contribution accepted end to end
as a template) is built by the real services, and the volume is then inserted as rows shaped like
the ones the services write: members (account, member, member_role, their payable ledger account),
accepted contributions (signed-statement-sized statement text, content hash, terms), acceptances,
two reviews each, a release and a license holding them all. Not seeded: the log entries of the
bulk rows (nothing measured reads them) and their base-pay postings (see money_bench's docstring).
Rows go in by COPY on PostgreSQL and by executemany on SQLite.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, func, select

from coop.datasets.models import License, LicenseItem, LicenseReviewer, Release, ReleaseItem
from coop.kernel.db import write_connection
from coop.kernel.principal import Principal
from coop.membership.models import Account, Member, MemberRole
from coop.membership.secrets import set_argon2_cost
from coop.work.models import Acceptance, ContentBlob, Contribution, Review
from coop.work.tasks import TaskSpec
from ledger.books import member_payable
from ledger.models import LedgerAccount
from provenance.core.canonical import canonical_json
from web.runtime import Runtime

PASSWORD = "bench-password-123"
TERMS = {
    "permitted_uses": ["model-training", "model-evaluation", "research"],
    "excluded_sectors": ["military"],
    "expires": None,
}
SCORES = {"correctness": 5, "completeness": 4, "clarity": 4}
AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CHUNK = 50_000


@dataclass(frozen=True)
class Coop:
    steward: Principal
    buyer: Principal
    task_id: str
    template: Contribution  # the contribution accepted end to end through the services
    pay_per_unit: int


def build_coop(runtime: Runtime) -> Coop:
    """Steward, default policies, an open task, a buyer and one contribution accepted by the services."""
    set_argon2_cost("test-only-minimum")  # account setup only; nothing measured hashes a password
    members = runtime.members
    steward = members.principal(members.create_steward("Bench Steward", "steward@bench.test", PASSWORD))
    runtime.policies.seed_defaults()
    task = runtime.tasks.open(
        steward,
        TaskSpec(
            "Clinical QA",
            "Answer a primary-care question",
            "Answer as you would to a colleague.",
            "expert-answer",
            "answer",
            20,
            1000,
            "EUR",
            ["model-training", "model-evaluation"],
        ),
    )
    author = members.principal(members.apply("Bench Author", "author@bench.test", PASSWORD))
    members.admit(steward, author.account_id)
    author = members.principal(author.account_id)
    runtime.keys.create_custodial_key(author, PASSWORD)
    reviewers = []
    for i in range(2):
        account = members.apply(f"Bench Reviewer {i}", f"reviewer{i}@bench.test", PASSWORD)
        members.admit(steward, account, ("member", "reviewer"))
        reviewers.append(members.principal(account))
    draft = runtime.contributions.draft(
        author, task.id, b"First-line treatment for uncomplicated hypertension ...", "text/plain", 18, TERMS
    )
    submitted = runtime.contributions.submit_with_password(author, draft.id, PASSWORD)
    for reviewer in reviewers:
        runtime.reviews.review(reviewer, submitted.id, SCORES, "Clear and well argued.")
    buyer = members.principal(members.register_buyer("Bench Model Lab", "Priya Bench", "buyer@bench.test", PASSWORD))
    with runtime.engine.connect() as conn:
        template = conn.execute(select(Contribution).where(Contribution.id == submitted.id)).one()
    return Coop(steward, buyer, task.id, template, 1000)  # type: ignore[arg-type]


def bulk_insert(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert many rows: COPY on PostgreSQL, executemany in chunks on SQLite. Returns the count.
    Columns are those of the first row (so an autoincrement id left out gets its default)."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    columns = [c.name for c in table.columns if c.name in first]
    rows = itertools.chain([first], iterator)
    count = 0
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row([row.get(c) for c in columns])
                    count += 1
            raw.commit()
        finally:
            raw.close()
        return count
    with write_connection(engine) as conn, conn.begin():
        for chunk in _chunks(rows, CHUNK):
            conn.execute(table.insert(), [{c: row.get(c) for c in columns} for row in chunk])
            count += len(chunk)
    return count


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _hex(kind: str, i: int) -> str:
    return hashlib.sha256(f"{kind}:{i}".encode()).hexdigest()[:32]


def seed_members(engine: Engine, count: int, prefix: str, roles: Sequence[str] = ("member",)) -> list[str]:
    """`count` admitted members with their payable accounts open (as after their first base pay)."""
    ids = [_hex(prefix, i) for i in range(count)]
    with engine.connect() as conn:
        password_hash = conn.scalar(select(Account.password_hash).limit(1))
    bulk_insert(
        engine,
        Account.__table__,
        (
            {
                "id": a,
                "kind": "member",
                "display_name": f"{prefix} {i}",
                "email": f"{prefix}{i}@bulk.bench.test",
                "password_hash": password_hash,
                "org_id": None,
                "created_at": AT,
            }
            for i, a in enumerate(ids)
        ),
    )
    bulk_insert(
        engine,
        Member.__table__,
        (
            {
                "account_id": a,
                "status": "member",
                "skills": "clinical medicine",
                "region": "EU",
                "applied_at": AT,
                "admitted_at": AT,
            }
            for a in ids
        ),
    )
    bulk_insert(engine, MemberRole.__table__, ({"account_id": a, "role": role} for a in ids for role in roles))
    bulk_insert(
        engine,
        LedgerAccount.__table__,
        (
            {
                "code": member_payable(a),
                "kind": "Liabilities",
                "name": member_payable(a),
                "member_id": a,
                "opened_at": AT,
            }
            for a in ids
        ),
    )
    return ids


def seed_license(
    engine: Engine,
    coop: Coop,
    contributions: int,
    authors: Sequence[str],
    reviewers: Sequence[str],
    reviews_each: int = 2,
    distinct_weights: bool = False,
) -> str:
    """`contributions` accepted contributions by `authors` (round robin), `reviews_each` reviews each,
    all in one release licensed in full by the coop's buyer. Returns the license id. Their weights
    come from five pay rates × 1–4 units (20 base pays), 31 minute counts; with `distinct_weights`
    every contribution has its own unit count (the formula's worst case, ledger.formula.classes)."""
    blobs = [hashlib.sha256(f"content {i}".encode()).hexdigest() for i in range(1000)]
    bulk_insert(
        engine,
        ContentBlob.__table__,
        ({"sha256": b, "media_type": "text/plain", "size": 400, "data": b"x" * 400} for b in blobs),
    )
    with engine.connect() as conn:
        first_index = int(conn.scalar(select(func.max(Acceptance.log_index))) or 0) + 1_000
    terms = canonical_json(TERMS).decode()
    t = coop.template
    ids = [uuid.UUID(int=i + 1).hex for i in range(contributions)]

    def contribution_rows() -> Iterator[dict[str, Any]]:
        for i, cid in enumerate(ids):
            body = {
                "task": coop.task_id,
                "content_sha256": blobs[i % len(blobs)],
                "author": _hex("key", i % len(authors))[:16],
                "terms": TERMS,
                "minutes": _minutes(i),
                "units": _units(i, distinct_weights),
                "time": (AT + timedelta(seconds=i)).isoformat(),
                "revises": None,
            }
            statement = json.dumps(
                body, sort_keys=True, separators=(",", ":")
            )  # = canonical_json(body) for these ASCII bodies, 40× faster
            yield {
                "id": cid,
                "task_id": coop.task_id,
                "author_id": authors[i % len(authors)],
                "revises_id": None,
                "round": 1,
                "content_sha256": body["content_sha256"],
                "units": body["units"],
                "minutes": body["minutes"],
                "terms": terms,
                "status": "accepted",
                "created_at": AT,
                "statement": statement,
                "statement_sha256": hashlib.sha256(statement.encode()).hexdigest(),
                "public_key": (t.public_key or b"\0" * 32),
                "signature": hashlib.sha512(statement.encode()).digest(),
                "submitted_at": AT,
            }

    bulk_insert(engine, Contribution.__table__, contribution_rows())
    bulk_insert(
        engine,
        Acceptance.__table__,
        (
            {
                "contribution_id": cid,
                "log_index": first_index + i,
                "review_digest": _hex("digest", i) * 2,
                "rubric_version": 1,
                "pay_floor_version": 1,
                "pay_per_unit": _rate(coop, i),
                "currency": "EUR",
                "accepted_at": AT,
            }
            for i, cid in enumerate(ids)
        ),
    )
    scores = canonical_json(SCORES).decode()
    bulk_insert(
        engine,
        Review.__table__,
        (
            {
                "contribution_id": cid,
                "reviewer_id": reviewers[(i + k) % len(reviewers)],
                "scores": scores,
                "feedback": "Clear and well argued.",
                "created_at": AT,
            }
            for i, cid in enumerate(ids)
            for k in range(reviews_each)
        ),
    )
    release_id, license_id = uuid.uuid4().hex, uuid.uuid4().hex
    manifest = canonical_json(
        {"release": release_id, "title": "Bench release", "item_count": contributions, "note": "bulk-seeded"}
    ).decode()
    bulk_insert(
        engine,
        Release.__table__,
        [
            {
                "id": release_id,
                "title": "Bench release",
                "description": "bulk-seeded",
                "intended_uses": '["model-training"]',
                "price": 0,
                "currency": "EUR",
                "manifest": manifest,
                "items_root": "0" * 64,
                "item_count": contributions,
                "created_by": coop.steward.account_id,
                "created_at": AT,
                "log_index": first_index - 2,
            }
        ],
    )
    bulk_insert(
        engine,
        ReleaseItem.__table__,
        ({"release_id": release_id, "contribution_id": cid, "entry": first_index + i} for i, cid in enumerate(ids)),
    )
    bulk_insert(
        engine,
        License.__table__,
        [
            {
                "id": license_id,
                "release_id": release_id,
                "buyer_org_id": coop.buyer.org_id,
                "buyer_account_id": coop.buyer.account_id,
                "uses": '["model-training"]',
                "sector": None,
                "price": 0,
                "currency": "EUR",
                "included_count": contributions,
                "included_root": "0" * 64,
                "created_at": AT,
                "log_index": first_index - 1,
            }
        ],
    )
    bulk_insert(
        engine,
        LicenseItem.__table__,
        (
            {
                "license_id": license_id,
                "contribution_id": cid,
                "entry": first_index + i,
                "author_id": authors[i % len(authors)],
                "base_pay": _rate(coop, i) * _units(i, distinct_weights),
                "units": _units(i, distinct_weights),
                "minutes": _minutes(i),
            }
            for i, cid in enumerate(ids)
        ),
    )
    reviews = Counter(reviewers[(i + k) % len(reviewers)] for i in range(contributions) for k in range(reviews_each))
    bulk_insert(
        engine,
        LicenseReviewer.__table__,
        ({"license_id": license_id, "reviewer_id": r, "accepted_reviews": n} for r, n in sorted(reviews.items())),
    )
    analyze(engine)
    return license_id


RATES = (800, 1000, 1200, 1500, 2000)  # pay per unit of the tasks the contributions answered (minor units)


def _rate(coop: Coop, i: int) -> int:
    """Contributions come from tasks of five rates (the template task's, 1000, among them)."""
    return RATES[(i // 7) % len(RATES)]


def _units(i: int, distinct: bool) -> int:
    """1 to 4 units each, or, for the worst case of the revenue formula's cost (`distinct`), a
    different count for every contribution, so that no two weigh the same by units or base pay."""
    return 1 + i if distinct else 1 + i % 4


def _minutes(i: int) -> int:
    return 10 + i % 31


def analyze(engine: Engine) -> None:
    """Planner statistics, as a live database would have them (autovacuum would, minutes later)."""
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    # SQLite loads statistics when a connection reads the schema, and ANALYZE on one connection
    # does not reach the others: a pooled connection that read them when the journal was empty
    # plans a 10,000-posting statement as nested full scans (it never finished with 500,000
    # background events). Reopen the pool, as a restarted service would be.
    engine.dispose()


def seed_statement_events(
    engine: Engine, member: str, peers: Sequence[str], events: int, license_id: str, background: int
) -> dict[str, int]:
    """`events` journal transactions moving money to or from `member`'s payable, shaped as the
    services post them (legs, idempotency keys, request digests by ledger.service._digest, details):
    of every 20, 14 base pays, 5 revenue shares (each a real `compact_split` of the license
    `license_id` — seeded by seed_license with contributions by the member and `peers` — for one of
    20 amounts, with its income transaction and its per-member summary rows, so the statement
    recomputes the member's lines from real contributions) and 1 payout; plus `background` base
    pays of the peers. Returns the count per kind for the member."""
    from sqlalchemy.orm import Session

    from coop.datasets.revenue import RESERVE_ALLOCATION
    from coop.datasets.share_inputs import contribution_columns
    from ledger import books
    from ledger.books import Leg
    from ledger.formula import FormulaParams, Weight
    from ledger.formula.in_memory import compact_split
    from ledger.models import JournalTx, Posting, RevenueShareSummary
    from ledger.service import _digest

    params = FormulaParams(1000, 500, Weight.BASE_PAY, 1)
    with Session(engine) as session:
        inputs = contribution_columns(session, license_id)
    splits = [compact_split(48_000 + 137 * variant, "EUR", params, *inputs) for variant in range(20)]
    summaries: list[dict[str, Any]] = []
    txs: list[dict[str, Any]] = []
    postings: list[dict[str, Any]] = []
    counts = {"base-pay": 0, "revenue-share": 0, "payout": 0}
    with engine.connect() as conn:
        next_id = int(conn.scalar(select(func.max(JournalTx.id))) or 0) + 1

    def add(
        kind: str, description: str, legs: list[Leg], key: str, ref: str, details: dict[str, Any], at: datetime
    ) -> None:
        nonlocal next_id
        txs.append(
            {
                "id": next_id,
                "kind": kind,
                "description": description,
                "occurred_at": at,
                "idempotency_key": key,
                "request_digest": _digest(kind, legs, ref, details, None),
                "reverses_tx_id": None,
                "log_index": next_id,
                "ref": ref,
                "details": canonical_json(details).decode(),
            }
        )
        postings.extend(
            {"tx_id": next_id, "account_code": leg.account, "amount": leg.amount, "currency": leg.currency}
            for leg in legs
        )
        next_id += 1

    def base_pay(author: str, n: int, at: datetime) -> None:
        cid = _hex(f"stmt-contribution-{author}", n)
        add(
            "base-pay",
            f"Base pay for accepted contribution {cid}",
            [Leg(books.BASE_PAY, 1000, "EUR"), Leg(member_payable(author), -1000, "EUR")],
            f"base-pay:{cid}",
            f"contribution:{cid}",
            {"amount": 1000, "funded_by_buyer": 0},
            at,
        )

    for i in range(events):
        at = AT + timedelta(hours=i)
        slot = i % 20
        if slot == 19:
            legs = [Leg(member_payable(member), 500, "EUR"), Leg(books.PAYOUTS_IN_TRANSIT, -500, "EUR")]
            add("payout", f"Payout run r{i}", legs, f"payout:r{i}:{member}", f"payout-run:r{i}", {}, at)
            counts["payout"] += 1
        elif slot % 4 == 1:
            split = splits[i % len(splits)]
            lic = license_id
            add(
                "downstream",
                f"royalty {i} ({lic})",
                [Leg(books.buyer_receivable("O1"), split.amount, "EUR"), Leg(books.DOWNSTREAM, -split.amount, "EUR")],
                f"royalty-{i}:income",
                f"license:{lic}",
                {},
                at,
            )
            legs = [
                Leg(account, value, "EUR")
                for account, value in (
                    (books.REVENUE_SHARES, split.contributor_pool),
                    (books.REVIEWER_POOL, split.reviewer_pool),
                    (RESERVE_ALLOCATION, split.reserve),
                    (books.COOP_RESERVE, -split.reserve),
                )
                if value
            ]
            legs += [Leg(member_payable(m), -cents, "EUR") for m, cents in sorted(split.totals().items()) if cents]
            summaries.extend(
                {
                    "share_tx_id": next_id,
                    "member_id": m.member,
                    "pool": m.pool,
                    "weight": m.weight,
                    "count": m.count,
                    "cents": m.cents,
                    "currency": "EUR",
                }
                for m in split.members
            )
            add(
                "revenue-share",
                f"Shares of royalty {i} ({lic})",
                legs,
                f"royalty-{i}:shares",
                f"license:{lic}",
                split.to_dict(),
                at,
            )
            counts["revenue-share"] += 1
        else:
            base_pay(member, i, at)
            counts["base-pay"] += 1
    for n in range(background):
        base_pay(peers[n % len(peers)], n, AT + timedelta(minutes=n))
    with engine.connect() as conn:
        known = set(conn.scalars(select(LedgerAccount.code)))
    codes = sorted({p["account_code"] for p in postings} - known)
    bulk_insert(
        engine,
        LedgerAccount.__table__,
        ({"code": c, "kind": c.split(":")[0], "name": c, "member_id": None, "opened_at": AT} for c in codes),
    )
    bulk_insert(engine, JournalTx.__table__, txs)
    bulk_insert(engine, Posting.__table__, postings)
    bulk_insert(engine, RevenueShareSummary.__table__, summaries)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("journal_tx", "posting", "revenue_share_summary"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
    analyze(engine)
    return counts
