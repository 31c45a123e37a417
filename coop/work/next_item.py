"""Which item a member gets next (coop.work.claims says the rule), found without walking the task.

Claim order is batch by batch (the batch's log index), then file order (`position`). A task's
items fill in that order, so once many answers are in, its oldest items are full: with 300,000
answers at k = 5, the first 60,000 items. Walking them on every claim, counting each one's
holders, cost ~0.5 s on PostgreSQL. Two things keep the walk short:

- **the work mark** (`ItemWorkMark`): items before it are done for good — k submitted answers, or
  retired; a submitted answer never goes back to a draft and a retirement is never undone, so
  such an item is never handed out again, whatever the clock says. Each claim moves the mark past
  the done items it finds (under the task's row lock, so marks only grow), and the next claim
  starts there: each done item is walked once, not once per claim;
- **one batch at a time**: the query reads one batch's items in `position` order through the
  (batch_id, position) unique index and stops at the first that qualifies, so the database never
  sorts or filters the whole task (with the batch join and ORDER BY over two tables, PostgreSQL
  could choose to filter every item before sorting).

Every condition is a correlated EXISTS or COUNT on an indexed column (claims by item and by
member, answers by claim and by item, skips and retirements by primary key), never a NOT IN of
every submitted claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, distinct, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from coop.work.claim_models import ClaimSkip, ContributionAnswer, ItemClaim, ItemWorkMark
from coop.work.models import Contribution, ItemBatch, ItemRetirement, TaskItem

Claim = ColumnElement[str] | InstrumentedAttribute[str]  # a claim's id, in the enclosing query
Place = tuple[int, int]  # (log index of the batch, position in it): where an item is in claim order


def submitted(claim_id: Claim) -> ColumnElement[bool]:
    """An answer was submitted under the claim (its contribution is no longer a draft)."""
    return (
        select(ContributionAnswer.claim_id)
        .join(Contribution, Contribution.id == ContributionAnswer.contribution_id)
        .where(ContributionAnswer.claim_id == claim_id, Contribution.status != "draft")
        .exists()
    )


def skipped(claim_id: Claim) -> ColumnElement[bool]:
    return select(ClaimSkip.claim_id).where(ClaimSkip.claim_id == claim_id).exists()


def live_claim(now: datetime) -> ColumnElement[bool]:
    """A claim still held open: not expired, not skipped, not yet answered."""
    return and_(ItemClaim.expires_at > now, ~skipped(ItemClaim.id), ~submitted(ItemClaim.id))


def _holding(now: datetime) -> ColumnElement[bool]:
    """A claim that takes one of an item's k places: answered, or live."""
    return or_(submitted(ItemClaim.id), and_(ItemClaim.expires_at > now, ~skipped(ItemClaim.id)))


def _retired() -> ColumnElement[bool]:
    return select(ItemRetirement.item_id).where(ItemRetirement.item_id == TaskItem.id).correlate(TaskItem).exists()


def _done_for_good(k: int) -> ColumnElement[bool]:
    answers = (
        select(func.count(distinct(Contribution.author_id)))
        .select_from(ContributionAnswer)
        .join(Contribution, Contribution.id == ContributionAnswer.contribution_id)
        .where(ContributionAnswer.item_id == TaskItem.id, Contribution.status != "draft")
        .correlate(TaskItem)
        .scalar_subquery()
    )
    return or_(_retired(), answers >= k)


def _open_to(account_id: str, k: int, now: datetime) -> ColumnElement[bool]:
    """Not retired, not answered or skipped by this member, held by fewer than k people (people, not
    claims: a revision of an answer has a claim of its own on the same item, by the same person)."""
    held = (
        select(func.count(distinct(ItemClaim.account_id)))
        .select_from(ItemClaim)
        .where(ItemClaim.item_id == TaskItem.id, _holding(now))
        .correlate(TaskItem)
        .scalar_subquery()
    )
    done_by_me = (
        select(ItemClaim.id)
        .where(
            ItemClaim.item_id == TaskItem.id,
            ItemClaim.account_id == account_id,
            or_(submitted(ItemClaim.id), skipped(ItemClaim.id)),
        )
        .correlate(TaskItem)
        .exists()
    )
    return and_(~_retired(), ~done_by_me, held < k)


def _first(
    session: Session, batches: list[tuple[str, int, int]], start: Place, condition: ColumnElement[bool]
) -> tuple[TaskItem | None, Place]:
    """The first item at or after `start` meeting `condition`, and its place (past the end: none)."""
    for batch_id, log_index, _count in batches:
        if log_index < start[0]:
            continue
        query = select(TaskItem).where(TaskItem.batch_id == batch_id, condition)
        if log_index == start[0]:
            query = query.where(TaskItem.position >= start[1])
        item = session.scalar(query.order_by(TaskItem.position).limit(1))
        if item is not None:
            return item, (log_index, item.position)
    last = batches[-1]
    return None, (last[1], last[2])


def next_item(session: Session, task_id: str, account_id: str, k: int, now: datetime) -> TaskItem | None:
    """The oldest item open to the member, moving the task's work mark on first. The caller holds the
    task's row lock (marks are written one claim at a time, so they only grow)."""
    batches = [
        (row[0], row[1], row[2])
        for row in session.execute(
            select(ItemBatch.id, ItemBatch.log_index, ItemBatch.item_count)
            .where(ItemBatch.task_id == task_id)
            .order_by(ItemBatch.log_index)
        )
    ]
    if not batches:
        return None
    marked = session.execute(
        select(ItemWorkMark.log_index, ItemWorkMark.position)
        .where(ItemWorkMark.task_id == task_id)
        .order_by(ItemWorkMark.log_index.desc(), ItemWorkMark.position.desc())
        .limit(1)
    ).first()
    mark: Place = (marked[0], marked[1]) if marked else (batches[0][1], 0)
    first_open, place = _first(session, batches, mark, ~_done_for_good(k))
    if place > mark:
        session.add(ItemWorkMark(task_id=task_id, log_index=place[0], position=place[1], marked_at=now))
        session.flush()
    if first_open is None:
        return None
    item, _ = _first(session, batches, place, _open_to(account_id, k, now))
    return item
