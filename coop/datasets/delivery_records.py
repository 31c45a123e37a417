"""The records of a licensed dataset: one per accepted judgment the license includes, read in chunks.

What a record holds is DESIGN.md's contract "a licensed dataset": the item (its content and SHA-256),
the answer, the task kind, rubric version, the reviewers' scores, measured and reported minutes, the
contributor's signed consent terms and the log index of the contribution's acceptance — and the
author only as the pseudonymous key id they signed with. Never a name, an email or an account id;
reviewers are not identified at all (their scores are listed in review order).

The set is the license's own (`dataset_license_item`, fixed when the license was granted, so a
revocation after it changes nothing here and one before it was never included), and every row read
is insert-only, so the same license always yields the same records in the same order (by entry).

The same records can be read for a license about to be granted, from its planned items
(`planned_chunks`: (entry, contribution id) pairs, before any row of the license exists), so its
files are hashed before the grant takes the log's lock (`delivery.files_digest`); a chunk of the
plan reads the same rows, by contribution id, and yields byte-identical records.

Rows are read by keyset pagination on (license_id, entry) — an index — `chunk` at a time, each chunk
one short query plus one for its reviews: the server holds one chunk, never the license, on SQLite
and PostgreSQL alike, and no cursor stays open between chunks while a slow client reads.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from coop.datasets.models import LicenseItem
from coop.work.claim_models import AnswerSpec, ContributionAnswer
from coop.work.models import Acceptance, ContentBlob, Contribution, Review, Task
from provenance.core.canonical import canonical_json

# (column, kind, Croissant data type, repeated?, description). kind: int | float | text | texts.
# The JSON Lines keys, the Parquet columns and the Croissant fields are these, in this order.
COLUMNS: list[tuple[str, str, str, bool, str]] = [
    ("entry", "int", "sc:Integer", False, "Log index of the contribution's `contribution.accepted` entry."),
    ("contributor_key", "text", "sc:Text", False, "Pseudonymous key id the contributor signed with."),
    ("task", "text", "sc:Text", False, "Id of the task the judgment was made for."),
    ("task_kind", "text", "sc:Text", False, "Kind of task, e.g. ranking, evaluation, expert-answer."),
    ("answer_kind", "text", "sc:Text", False, "Kind of typed answer (the task's answer spec), or null."),
    ("rubric_version", "int", "sc:Integer", False, "Version of the governed rubric the judgment was reviewed on."),
    ("item_sha256", "text", "sc:Text", False, "SHA-256 of the item's canonical JSON, or null for free work."),
    ("item", "text", "sc:Text", False, "The item judged (its canonical JSON text), or null for free work."),
    ("answer_sha256", "text", "sc:Text", False, "SHA-256 of the answer's bytes, as the contributor signed it."),
    ("answer_media_type", "text", "sc:Text", False, "Media type of the answer (application/json for typed ones)."),
    ("answer", "text", "sc:Text", False, "The answer (UTF-8 text; canonical JSON for typed answers)."),
    ("review_scores", "text", "sc:Text", False, "Canonical JSON list of each review's scores, in review order."),
    ("review_count", "int", "sc:Integer", False, "Number of reviews the acceptance rests on."),
    ("measured_seconds", "int", "sc:Integer", False, "Seconds measured from claim to submission, or null."),
    ("measured_minutes", "float", "sc:Float", False, "measured_seconds / 60, rounded to 0.01, or null."),
    ("reported_minutes", "int", "sc:Integer", False, "Minutes the contributor reported."),
    ("permitted_uses", "texts", "sc:Text", True, "Uses the contributor consented to (signed terms)."),
    ("excluded_sectors", "texts", "sc:Text", True, "Sectors the contributor excluded (signed terms)."),
    ("consent_expires", "text", "sc:Text", False, "ISO date the consent expires, or null."),
    ("accepted_at", "text", "sc:DateTime", False, "ISO 8601 time the co-op accepted the judgment."),
]
NAMES = [column for column, *_ in COLUMNS]


def judgment_chunks(session: Session, license_id: str, chunk: int) -> Iterator[list[dict[str, Any]]]:
    """The license's records in entry order, `chunk` at a time (the last chunk may be shorter)."""
    if chunk < 1:
        raise ValueError("a chunk holds at least one record")
    after = -1
    while True:
        rows = session.execute(_page(license_id, after, chunk)).all()
        if not rows:
            return
        scores = _scores(session, [row.contribution_id for row in rows])
        yield [_record(row, row.entry, scores.get(row.contribution_id, [])) for row in rows]
        after = rows[-1].entry
        if len(rows) < chunk:
            return


def planned_chunks(session: Session, items: Sequence[tuple[int, str]], chunk: int) -> Iterator[list[dict[str, Any]]]:
    """The records a license of these (entry, contribution id) items will hold, in entry order,
    `chunk` at a time: the same records `judgment_chunks` reads once the license is granted."""
    if chunk < 1:
        raise ValueError("a chunk holds at least one record")
    ordered = sorted(items)
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        ids = [contribution_id for _, contribution_id in part]
        found = {row.contribution_id: row for row in session.execute(_rows().where(Contribution.id.in_(ids)))}
        missing = [i for i in ids if i not in found]
        if missing:
            raise LookupError(f"planned contributions without an acceptance or content: {missing[:5]}")
        scores = _scores(session, ids)
        yield [_record(found[i], entry, scores.get(i, [])) for entry, i in part]


def count(session: Session, license_id: str) -> int:
    """How many records the license's files hold."""
    return int(session.scalar(select(func.count()).where(LicenseItem.license_id == license_id)) or 0)


def _page(license_id: str, after: int, chunk: int) -> Any:
    """The next `chunk` records after entry `after`. The chunk's items are picked first, by the
    (license_id, entry) index, and only they are joined: joined first and limited after, the
    database would join (and sort) the whole license for every chunk — quadratic in its size."""
    items = (
        select(LicenseItem.entry, LicenseItem.contribution_id)
        .where(LicenseItem.license_id == license_id, LicenseItem.entry > after)
        .order_by(LicenseItem.entry)
        .limit(chunk)
        .subquery()
    )
    source = items.join(Contribution, Contribution.id == items.c.contribution_id)
    return _rows(source, items.c.entry).order_by(items.c.entry)


def _rows(source: Any = Contribution, *leading: Any) -> Any:
    """What a record is made of, joined from its contribution (the caller picks which ones)."""
    item_blob, answer_blob = aliased(ContentBlob), aliased(ContentBlob)
    return (
        select(
            *leading,
            Contribution.id.label("contribution_id"),
            Contribution.statement,
            Contribution.terms,
            Contribution.minutes,
            Contribution.content_sha256,
            answer_blob.media_type,
            answer_blob.data.label("answer_data"),
            Task.id.label("task_id"),
            Task.kind,
            Acceptance.rubric_version,
            Acceptance.accepted_at,
            ContributionAnswer.item_sha256,
            ContributionAnswer.measured_seconds,
            item_blob.data.label("item_data"),
            AnswerSpec.answer_kind,
        )
        .select_from(source)
        .join(Acceptance, Acceptance.contribution_id == Contribution.id)
        .join(Task, Task.id == Contribution.task_id)
        .join(answer_blob, answer_blob.sha256 == Contribution.content_sha256)
        .outerjoin(ContributionAnswer, ContributionAnswer.contribution_id == Contribution.id)
        .outerjoin(item_blob, item_blob.sha256 == ContributionAnswer.item_sha256)
        .outerjoin(AnswerSpec, AnswerSpec.task_id == Contribution.task_id)
    )


def _scores(session: Session, contribution_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    reviews = (
        select(Review.contribution_id, Review.scores)
        .where(Review.contribution_id.in_(contribution_ids))
        .order_by(Review.id)
    )
    for contribution_id, scores in session.execute(reviews):
        found[contribution_id].append(json.loads(scores))
    return found


def _record(row: Any, entry: int, scores: list[dict[str, Any]]) -> dict[str, Any]:
    statement = json.loads(row.statement)
    terms = json.loads(row.terms)
    seconds = row.measured_seconds
    return {
        "entry": entry,
        "contributor_key": statement["author"],
        "task": row.task_id,
        "task_kind": row.kind,
        "answer_kind": row.answer_kind if row.item_sha256 is not None else None,
        "rubric_version": row.rubric_version,
        "item_sha256": row.item_sha256,
        "item": None if row.item_data is None else bytes(row.item_data).decode("utf-8"),
        "answer_sha256": row.content_sha256,
        "answer_media_type": row.media_type,
        "answer": bytes(row.answer_data).decode("utf-8"),
        "review_scores": canonical_json(scores).decode("utf-8"),
        "review_count": len(scores),
        "measured_seconds": seconds,
        "measured_minutes": None if seconds is None else round(seconds / 60, 2),
        "reported_minutes": row.minutes,
        "permitted_uses": list(terms["permitted_uses"]),
        "excluded_sectors": list(terms["excluded_sectors"]),
        "consent_expires": terms.get("expires"),
        "accepted_at": row.accepted_at.isoformat(),
    }
