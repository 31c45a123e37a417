"""Claims: "give me the next item" for a contributor, and giving one back with a reason.

The next item of a task for a member is its oldest active item (batch by batch, then file order)
that they have not answered or skipped, and that fewer than k people hold: a person holds an item
with a submitted answer to it, or with a live claim on it (found by coop.work.next_item, which
skips the items done for good without walking them). A claim lives `CLAIM_TTL` from the moment
it is made, by the runtime clock; an expired claim simply stops counting — nothing is updated, the
times are compared. Claiming again while a claim is live returns that claim (a double click, a retry).

Two contributors racing for an item's last slot cannot both get it: every claim on a task runs with
the task's row locked (`with_for_update` on PostgreSQL; on SQLite the write transaction begins with
BEGIN IMMEDIATE, so writers take turns), so each one counts the other's claim.

A skip is a row of its own with the reason (not logged: it is nobody's judgment, and the log is
public). The item goes back to the others, never to this person again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.work.answer_specs import spec_cached
from coop.work.ceiling_gate import refuse_if_held
from coop.work.claim_models import ClaimSkip, ContributionAnswer, ItemClaim
from coop.work.items import ItemView, item_view_by_id
from coop.work.models import Task
from coop.work.next_item import live_claim, next_item

# How long a claimed item is held for its contributor: long enough to read an item and answer it
# with care (the longest task kinds, expert answers, take ~20 minutes), short enough that an
# abandoned item goes back to the others within the hour.
CLAIM_TTL = timedelta(minutes=45)
MAX_SKIP_REASON = 500


@dataclass(frozen=True)
class ClaimView:
    id: str
    task_id: str
    account_id: str
    item: ItemView
    claimed_at: datetime
    expires_at: datetime


class ClaimService:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.clock = clock

    def claim_next(self, member: Principal, task_id: str) -> ClaimView:
        """The member's live claim on the task if they have one, else a claim on the next item."""
        require_member(member)
        with write_session(self.engine) as session, session.begin():
            return claim_view(session, claim_next_in(session, member, task_id, self.clock()))

    def skip(self, member: Principal, claim_id: str, reason: str) -> ClaimView:
        """Give the claimed item back with a reason; skipping it again returns the same."""
        reason = reason.strip() if isinstance(reason, str) else ""
        if not reason or len(reason) > MAX_SKIP_REASON:
            raise Refused(f"reason: say why you skip the item (at most {MAX_SKIP_REASON} characters)")
        with write_session(self.engine) as session, session.begin():
            claim = own_claim(session, member, claim_id, lock=True)
            if session.get(ClaimSkip, claim_id) is None:
                if session.scalar(select(ContributionAnswer).where(ContributionAnswer.claim_id == claim_id)):
                    raise Conflict("this item is answered (or being answered) under this claim; it cannot be skipped")
                session.add(ClaimSkip(claim_id=claim_id, reason=reason, skipped_at=self.clock()))
                session.flush()
            return claim_view(session, claim)

    def get(self, member: Principal, claim_id: str) -> ClaimView:
        with Session(self.engine) as session:
            return claim_view(session, own_claim(session, member, claim_id))


def claim_next_in(session: Session, member: Principal, task_id: str, now: datetime) -> ItemClaim:
    """`claim_next` inside the caller's write transaction (the task's row is locked till it ends):
    "Submit & next" answers and claims in one transaction (coop.work.submit_next)."""
    task = session.get(Task, task_id, with_for_update=True)  # claims on one task take turns
    if task is None:
        raise NotFound(f"no task {task_id}")
    if task.status != "open":
        raise Conflict(f"task '{task.title}' is {task.status}: its items are not being worked on")
    refuse_if_held(session, task, now, doing="claimed from", budget=False)
    spec = spec_cached(session, task_id)  # set once, never changed: read once per process
    live = session.scalar(
        select(ItemClaim)
        .where(ItemClaim.account_id == member.account_id, ItemClaim.task_id == task_id, live_claim(now))
        .order_by(ItemClaim.claimed_at)
        .limit(1)
    )
    if live is not None:
        return live
    item = next_item(session, task_id, member.account_id, spec.answers_per_item, now)
    if item is None:
        raise NotFound("no item of this task is waiting for you: you have answered or skipped the rest")
    claim = ItemClaim(
        id=uuid.uuid4().hex,
        task_id=task_id,
        item_id=item.id,
        account_id=member.account_id,
        claimed_at=now,
        expires_at=now + CLAIM_TTL,
    )
    session.add(claim)
    session.flush()
    return claim


def require_member(principal: Principal) -> None:
    if not principal.in_good_standing:
        raise NotAllowed("only members in good standing work on items")


def own_claim(session: Session, member: Principal, claim_id: str, lock: bool = False) -> ItemClaim:
    """The member's own claim (someone else's is "no such claim", as it is nobody else's business)."""
    claim = session.get(ItemClaim, claim_id, with_for_update=lock)
    if claim is None or claim.account_id != member.account_id:
        raise NotFound(f"you have no claim {claim_id}")
    return claim


def claim_view(session: Session, claim: ItemClaim) -> ClaimView:
    """The claim with its item, content and retirement (one query for the item: item_view_by_id)."""
    item = item_view_by_id(session, claim.item_id)
    return ClaimView(claim.id, claim.task_id, claim.account_id, item, claim.claimed_at, claim.expires_at)
