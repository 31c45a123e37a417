"""Items of a task: imported by stewards in batches, read by members, retired but never edited.

Importing is all or nothing (coop.work.item_files says what an item is and reports every bad line).
Duplicates are **refused**, not skipped: an item already in the task (retired or not) or twice in
the file is a bad line of the report, so the manifest the log carries always lists exactly the
lines of the file the steward sent. The batch's manifest — task, item count and the Merkle root of
the item hashes in file order (`list_root`) — is signed by the co-op and logged in the same
transaction that stores the items, so both are there or neither is.

Retiring takes an item out of the active list with a reason (kept beside the log, logged as its
hash); the item itself stays readable, as judgments already made still answer it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Subquery, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.statements import store_text
from coop.work.item_files import ParsedItem, bad_lines_report, read_items
from coop.work.models import ContentBlob, ItemBatch, ItemRetirement, Task, TaskItem
from provenance.core.commitment import list_root
from provenance.models import LogText
from provenance.service import ProvenanceLog

MAX_PAGE = 200
MAX_REASON = 2_000
_CHUNK = 500  # hashes per IN (...) lookup: well under every database's parameter limit


@dataclass(frozen=True)
class BatchView:
    id: str
    task_id: str
    imported_by: str
    imported_at: datetime
    item_count: int
    items_root: str
    log_index: int


@dataclass(frozen=True)
class ItemView:
    id: str
    task_id: str
    batch_id: str
    position: int
    sha256: str
    content: dict[str, Any]
    retired_at: datetime | None
    retirement_reason: str | None
    retirement_log_index: int | None


@dataclass(frozen=True)
class ItemPage:
    items: list[ItemView]
    total: int  # items on the list asked for (active only, unless retired ones were asked for)
    offset: int
    limit: int


class ItemService:
    def __init__(self, engine: Engine, log: ProvenanceLog, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.log = log
        self.clock = clock

    def import_batch(self, steward: Principal, task_id: str, file_format: str, text: str) -> BatchView:
        """Store every item of the file and log the batch manifest, or Refused and change nothing."""
        if not steward.is_steward:
            raise NotAllowed("only stewards import items")
        parsed = read_items(file_format, text)
        with write_session(self.engine) as session, session.begin():
            if session.get(Task, task_id, with_for_update=True) is None:  # imports into one task, one at a time
                raise NotFound(f"no task {task_id}")
            _refuse_items_already_there(session, task_id, parsed)
            now = self.clock()
            batch_id = uuid.uuid4().hex
            hashes = [item.sha256 for item in parsed]
            root = list_root(hashes)
            index = self.log.append_coop_statement(
                session.connection(),
                "task.items-imported",
                {
                    "task": task_id,
                    "batch": batch_id,
                    "item_count": len(parsed),
                    "items_root": root,
                    "by": steward.account_id,
                    "time": now.isoformat(),
                },
            )
            batch = ItemBatch(
                id=batch_id,
                task_id=task_id,
                imported_by=steward.account_id,
                imported_at=now,
                item_count=len(parsed),
                items_root=root,
                log_index=index,
            )
            session.add(batch)
            session.flush()
            _store_blobs(session, parsed)
            session.execute(
                insert(TaskItem),
                [
                    {
                        "id": uuid.uuid4().hex,
                        "task_id": task_id,
                        "batch_id": batch_id,
                        "position": position,
                        "content_sha256": item.sha256,
                    }
                    for position, item in enumerate(parsed)
                ],
            )
            return _batch_view(batch)

    def retire(self, steward: Principal, item_id: str, reason: str) -> ItemView:
        """Take an item out of the work, with a reason; logged. The item itself is kept as it was."""
        if not steward.is_steward:
            raise NotAllowed("only stewards retire items")
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason or len(reason) > MAX_REASON:
            raise Refused(f"a reason for retiring the item is required (at most {MAX_REASON} characters)")
        with write_session(self.engine) as session, session.begin():
            item = session.get(TaskItem, item_id)
            if item is None:
                raise NotFound(f"no item {item_id}")
            session.get(Task, item.task_id, with_for_update=True)  # one retirement of an item at a time
            if session.get(ItemRetirement, item_id) is not None:
                raise Conflict(f"item {item_id} is already retired")
            now = self.clock()
            reason_sha256 = store_text(session, reason, self.clock)
            index = self.log.append_coop_statement(
                session.connection(),
                "task.item-retired",
                {
                    "task": item.task_id,
                    "item": item_id,
                    "item_sha256": item.content_sha256,
                    "reason_sha256": reason_sha256,
                    "by": steward.account_id,
                    "time": now.isoformat(),
                },
            )
            session.add(
                ItemRetirement(
                    item_id=item_id,
                    retired_by=steward.account_id,
                    reason_sha256=reason_sha256,
                    retired_at=now,
                    log_index=index,
                )
            )
            session.flush()
            return _item_view(session, item)

    def get(self, item_id: str) -> ItemView:
        with Session(self.engine) as session:
            item = session.get(TaskItem, item_id)
            if item is None:
                raise NotFound(f"no item {item_id}")
            return _item_view(session, item)

    def page(self, task_id: str, offset: int = 0, limit: int = 50, include_retired: bool = False) -> ItemPage:
        """A page of the task's items in import order (batch by batch, then file order)."""
        if offset < 0 or not 1 <= limit <= MAX_PAGE:
            raise Refused(f"offset must be 0 or more and limit 1 to {MAX_PAGE}")
        with Session(self.engine) as session:
            if session.get(Task, task_id) is None:
                raise NotFound(f"no task {task_id}")
            query = (
                select(TaskItem.id, ItemBatch.log_index, TaskItem.position)
                .join(ItemBatch, ItemBatch.id == TaskItem.batch_id)
                .where(TaskItem.task_id == task_id)
            )
            if not include_retired:
                query = query.where(
                    ~select(ItemRetirement.item_id).where(ItemRetirement.item_id == TaskItem.id).exists()
                )
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            page = query.order_by(ItemBatch.log_index, TaskItem.position).offset(offset).limit(limit).subquery()
            return ItemPage(_item_views(session, page), total, offset, limit)

    def batches(self, task_id: str) -> list[BatchView]:
        with Session(self.engine) as session:
            rows = session.scalars(select(ItemBatch).where(ItemBatch.task_id == task_id).order_by(ItemBatch.log_index))
            return [_batch_view(batch) for batch in rows]

    def batch_hashes(self, batch_id: str) -> list[str]:
        """The item hashes of a batch in position order: what its logged `items_root` commits to."""
        with Session(self.engine) as session:
            return list(
                session.scalars(
                    select(TaskItem.content_sha256).where(TaskItem.batch_id == batch_id).order_by(TaskItem.position)
                )
            )


def _refuse_items_already_there(session: Session, task_id: str, parsed: list[ParsedItem]) -> None:
    present: set[str] = set()
    hashes = [item.sha256 for item in parsed]
    for start in range(0, len(hashes), _CHUNK):
        present.update(
            session.scalars(
                select(TaskItem.content_sha256).where(
                    TaskItem.task_id == task_id, TaskItem.content_sha256.in_(hashes[start : start + _CHUNK])
                )
            )
        )
    problems = [(item.line, "this item is already in the task") for item in parsed if item.sha256 in present]
    if problems:
        raise Refused(bad_lines_report(problems))


def _store_blobs(session: Session, parsed: list[ParsedItem]) -> None:
    """Each item's canonical JSON in content_blob, kept once however many tasks hold it."""
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [
        {"sha256": item.sha256, "media_type": "application/json", "size": len(item.canonical), "data": item.canonical}
        for item in parsed
    ]
    session.execute(dialect_insert(ContentBlob).on_conflict_do_nothing(index_elements=["sha256"]), rows)


def _batch_view(batch: ItemBatch) -> BatchView:
    return BatchView(
        batch.id,
        batch.task_id,
        batch.imported_by,
        batch.imported_at,
        batch.item_count,
        batch.items_root,
        batch.log_index,
    )


def _item_views(session: Session, page: Subquery) -> list[ItemView]:
    """The page's items with their content and retirement in one query (a fixed number of queries
    per page, however long: three lookups per item made a 200-item page 600 queries)."""
    rows = session.execute(
        select(TaskItem, ContentBlob.data, ItemRetirement, LogText.text)
        .join(page, page.c.id == TaskItem.id)
        .join(ContentBlob, ContentBlob.sha256 == TaskItem.content_sha256)
        .outerjoin(ItemRetirement, ItemRetirement.item_id == TaskItem.id)
        .outerjoin(LogText, LogText.sha256 == ItemRetirement.reason_sha256)
        .order_by(page.c.log_index, page.c.position)
    )
    return [
        ItemView(
            item.id,
            item.task_id,
            item.batch_id,
            item.position,
            item.content_sha256,
            json.loads(data),
            retirement.retired_at if retirement else None,
            reason if retirement else None,
            retirement.log_index if retirement else None,
        )
        for item, data, retirement, reason in rows
    ]


def _item_view(session: Session, item: TaskItem) -> ItemView:
    return item_view_by_id(session, item.id)


def item_view_by_id(session: Session, item_id: str) -> ItemView:
    """One item with its content and retirement (and the retirement's reason) in one query of
    plain columns: the item page and "Submit & next" show one item per request, and three ORM
    lookups (item, blob, retirement) were three round trips (bench/README.md, fourth round)."""
    row = session.execute(
        select(
            TaskItem.id,
            TaskItem.task_id,
            TaskItem.batch_id,
            TaskItem.position,
            TaskItem.content_sha256,
            ContentBlob.data,
            ItemRetirement.retired_at,
            LogText.text,
            ItemRetirement.log_index,
            ItemRetirement.item_id,
        )
        .join(ContentBlob, ContentBlob.sha256 == TaskItem.content_sha256)  # a foreign key: every item has its content
        .outerjoin(ItemRetirement, ItemRetirement.item_id == TaskItem.id)
        .outerjoin(LogText, LogText.sha256 == ItemRetirement.reason_sha256)
        .where(TaskItem.id == item_id)
    ).one()
    retired = row[9] is not None
    return ItemView(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        json.loads(row[5]),
        row[6] if retired else None,
        row[7] if retired else None,
        row[8] if retired else None,
    )
