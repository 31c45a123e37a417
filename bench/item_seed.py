"""Seeding for the "Submit & next" benchmark: a fresh PostgreSQL database, a task of many items and
a few hundred thousand answers to them.

What goes through the services (the real path): the steward, the default policies, the tasks, their
answer specs, the item imports (`ItemService.import_batch`, 5,000 items per batch, its maximum: parsed, hashed,
the signed batch manifest logged) and the members the bench signs in as (a custodial key at the
co-op's own argon2 cost, or a key of their own). What is bulk-inserted with COPY (rows shaped as
`ClaimService.claim_next` and `ItemAnswerService` write them): the answers — for each, an
`item_claim`, a submitted `contribution` carrying the author's real Ed25519 signature over the
statement the service would have built (item, item hash and answer included) and its
`contribution_answer`. Three shortcuts, none read by the measured path: the answerers are bulk
members (bench.portal_seed.bulk_members: one shared password hash) whose signing keys are not
registered; the answers are submitted but never reviewed; the answer contents are a handful of
shared blobs (three choices, one reason).

The answers fill the task's items in claim order, k per item, as contributors claiming "the next
item" would: with 300,000 answers and k = 5 the first 60,000 items are full and the rest wait.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nacl.signing
from sqlalchemy import Engine, select

from coop.kernel.principal import Principal
from coop.work.claims import CLAIM_TTL
from coop.work.item_files import MAX_ITEMS as IMPORT_BATCH
from coop.work.models import ContentBlob, ItemBatch, TaskItem
from coop.work.tasks import TaskSpec, TaskView
from provenance.core.canonical import canonical_json
from provenance.core.signing import key_id, sign_statement
from web.runtime import Runtime

ANSWERS = [
    {"choice": "A", "reason": "clearer and complete"},
    {"choice": "B", "reason": "clearer and complete"},
    {"choice": "tie", "reason": "clearer and complete"},
]


@dataclass(frozen=True)
class WorkTask:
    task: TaskView
    items: int
    k: int


def item_line(task_no: int, n: int) -> str:
    return json.dumps({"prompt": f"Task {task_no}, question {n}?", "responses": [f"first {n}", f"second {n}"]})


def open_item_task(runtime: Runtime, steward: Principal, task_no: int, items: int, k: int) -> WorkTask:
    """A ranking task with `items` pairwise items (imported through the service) and its answer spec."""
    task = runtime.tasks.open(
        steward,
        TaskSpec(
            f"Bench prefs {task_no}",
            f"Which answer is better? ({task_no})",
            "Pick the better one.",
            "ranking",
            "pair",
            2,
            100,
            "EUR",
            ["model-training"],
        ),
    )
    for start in range(0, items, IMPORT_BATCH):
        lines = "\n".join(item_line(task_no, n) for n in range(start, min(items, start + IMPORT_BATCH)))
        runtime.items.import_batch(steward, task.id, "jsonl", lines)
    runtime.answer_specs.set(steward, task.id, "pairwise", {"allow_tie": True}, k)
    return WorkTask(task, items, k)


def _copy(engine: Engine, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY rows into a table (PostgreSQL): the fastest way in, through the real schema's constraints."""
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _in_claim_order(engine: Engine, task_id: str) -> list[tuple[str, str]]:
    """(id, content hash) of the task's items in the order claims hand them out."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(TaskItem.id, TaskItem.content_sha256)
            .join(ItemBatch, ItemBatch.id == TaskItem.batch_id)
            .where(TaskItem.task_id == task_id)
            .order_by(ItemBatch.log_index, TaskItem.position)
        ).all()
    return [(row[0], row[1]) for row in rows]


def _store_blobs(engine: Engine, blobs: list[tuple[bytes, str]]) -> None:
    with engine.connect() as conn:
        present = set(conn.scalars(select(ContentBlob.sha256).where(ContentBlob.sha256.in_([d for _, d in blobs]))))
    rows = [(digest, "application/json", len(data), data) for data, digest in blobs if digest not in present]
    _copy(engine, "content_blob", ("sha256", "media_type", "size", "data"), rows)


def bulk_answers(
    runtime: Runtime,
    work: WorkTask,
    answerers: Sequence[str],
    count: int,
    terms: dict[str, Any],
    start: datetime,
    progress: Any = None,
) -> int:
    """`count` submitted answers, k per item in claim order, item i answered by answerers i·k … i·k+k-1
    (mod the pool, so no one answers an item twice). Returns the number of items filled."""
    if work.k > len(answerers):
        raise ValueError("fewer answerers than answers per item")
    keys = {a: nacl.signing.SigningKey(hashlib.sha256(f"bench-answerer-{a}".encode()).digest()) for a in answerers}
    key_ids = {a: key_id(bytes(k.verify_key)) for a, k in keys.items()}
    items = _in_claim_order(runtime.engine, work.task.id)
    blobs = [(canonical_json(a), hashlib.sha256(canonical_json(a)).hexdigest()) for a in ANSWERS]
    _store_blobs(runtime.engine, blobs)
    terms_json = canonical_json(terms).decode()
    chunk = 20_000
    for chunk_start in range(0, count, chunk):
        claims, contributions, answer_rows = [], [], []
        for n in range(chunk_start, min(count, chunk_start + chunk)):
            item_no, slot = divmod(n, work.k)
            item_id, item_sha = items[item_no]
            author = answerers[(item_no * work.k + slot) % len(answerers)]
            data, digest = blobs[n % len(blobs)]
            claimed = start + timedelta(seconds=n)
            claim_id, contribution_id = uuid.uuid4().hex, uuid.uuid4().hex
            body = {
                "task": work.task.id,
                "content_sha256": digest,
                "author": key_ids[author],
                "terms": terms,
                "minutes": 2,
                "units": 1,
                "time": (claimed + timedelta(seconds=60)).replace(microsecond=0).isoformat(),
                "revises": None,
                "item": item_id,
                "item_sha256": item_sha,
                "answer": ANSWERS[n % len(ANSWERS)],
            }
            signed = sign_statement(keys[author], "contribution", body)
            statement = canonical_json(body)
            claims.append((claim_id, work.task.id, item_id, author, claimed, claimed + CLAIM_TTL))
            contributions.append(
                (
                    contribution_id,
                    work.task.id,
                    author,
                    None,
                    1,
                    digest,
                    1,
                    2,
                    terms_json,
                    "submitted",
                    claimed + timedelta(seconds=50),
                    statement.decode(),
                    hashlib.sha256(statement).hexdigest(),
                    signed.public_key,
                    signed.signature,
                    claimed + timedelta(seconds=60),
                )
            )
            answer_rows.append((contribution_id, claim_id, item_id, item_sha, data.decode(), 60))
        _copy(
            runtime.engine, "item_claim", ("id", "task_id", "item_id", "account_id", "claimed_at", "expires_at"), claims
        )
        _copy(
            runtime.engine,
            "contribution",
            (
                "id",
                "task_id",
                "author_id",
                "revises_id",
                "round",
                "content_sha256",
                "units",
                "minutes",
                "terms",
                "status",
                "created_at",
                "statement",
                "statement_sha256",
                "public_key",
                "signature",
                "submitted_at",
            ),
            contributions,
        )
        _copy(
            runtime.engine,
            "contribution_answer",
            ("contribution_id", "claim_id", "item_id", "item_sha256", "answer", "measured_seconds"),
            answer_rows,
        )
        if progress:
            progress(min(count, chunk_start + chunk))
    return (count + work.k - 1) // work.k
