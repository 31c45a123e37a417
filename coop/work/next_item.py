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
- **the member's mark** (`MemberWorkMark`): items before it can never again be offered to this
  member — answered or skipped by them, retired, or done for good. A member working alone on a
  task walked past every item they had answered on every claim (61 ms at step 0, 102 ms at step
  600 of a 1,000-item task). Their claims start at the later of the two marks. An item held by
  others is never passed: their claims may expire and the item be open again. The mark is
  written only when it moves `MEMBER_MARK_STRIDE` items or into a later batch, so the table stays
  small (about one row per member per stride answers) and a claim walks at most about a stride
  of the member's own items;
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

from coop.work.claim_models import ClaimSkip, ContributionAnswer, ItemClaim, ItemWorkMark, MemberWorkMark
from coop.work.models import Contribution, ItemBatch, ItemRetirement, TaskItem

Claim = ColumnElement[str] | InstrumentedAttribute[str]  # a claim's id, in the enclosing query
Place = tuple[int, int]  # (log index of the batch, position in it): where an item is in claim order

# A member's mark is written when it moves at least this many items (or into a later batch): a
# claim then walks at most about this many of the member's own answered items, and the table gets
# one row per this many answers, not one per claim.
MEMBER_MARK_STRIDE = 32


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


def _done_by(account_id: str) -> ColumnElement[bool]:
    """The member answered (submitted) or skipped the item under one of their claims."""
    return (
        select(ItemClaim.id)
        .where(
            ItemClaim.item_id == TaskItem.id,
            ItemClaim.account_id == account_id,
            or_(submitted(ItemClaim.id), skipped(ItemClaim.id)),
        )
        .correlate(TaskItem)
        .exists()
    )


def _never_again_for(account_id: str, k: int) -> ColumnElement[bool]:
    """The item can never again be offered to the member: each part only ever turns true (answers
    are not unsubmitted, skips and retirements not undone). Being held by k people is not part of
    it: live claims expire."""
    return or_(_done_by(account_id), _done_for_good(k))


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
    return and_(~_retired(), ~_done_by(account_id), held < k)


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
    """The oldest item open to the member, moving the task's work mark and then the member's on first.
    The caller holds the task's row lock (marks are written one claim at a time, so they only grow)."""
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
    start = max(place, _member_mark(session, task_id, account_id) or place)
    reachable, reach = _first(session, batches, start, ~_never_again_for(account_id, k))
    if reach[0] > start[0] or reach[1] - start[1] >= MEMBER_MARK_STRIDE:
        session.add(
            MemberWorkMark(task_id=task_id, account_id=account_id, log_index=reach[0], position=reach[1], marked_at=now)
        )
        session.flush()
    if reachable is None:
        return None
    item, _ = _first(session, batches, reach, _open_to(account_id, k, now))
    return item


def _member_mark(session: Session, task_id: str, account_id: str) -> Place | None:
    row = session.execute(
        select(MemberWorkMark.log_index, MemberWorkMark.position)
        .where(MemberWorkMark.task_id == task_id, MemberWorkMark.account_id == account_id)
        .order_by(MemberWorkMark.log_index.desc(), MemberWorkMark.position.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
