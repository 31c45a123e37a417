"""A revision of an answer to an item answers the same item.

When a reviewer asks for a revision of an answer, the member's new draft (`ContributionService.revise`)
carries the item and starts from the answer they gave, so they correct it rather than answer afresh.
The answer row of a contribution names the claim it was made under (one answer per claim), so the
revision gets a claim of its own: made and expired at the same instant, it is never live — it never
comes back as "my next item" and holds no place while live — and only ties the revised answer to
the item. The earlier contribution, its claim and its answer stay exactly as they were.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from coop.kernel.errors import Conflict
from coop.work.claim_models import ContributionAnswer, ItemClaim
from coop.work.models import Contribution, ItemRetirement


def carry_answer(session: Session, old: Contribution, new: Contribution, now: datetime) -> None:
    """Give `new` (a flushed draft revising `old`) the item and the answer of `old`, if it has one."""
    answered = session.get(ContributionAnswer, old.id)
    if answered is None:
        return
    if session.get(ItemRetirement, answered.item_id) is not None:
        raise Conflict("the item this answer is about was retired: there is nothing left to revise it against")
    claim = ItemClaim(
        id=uuid.uuid4().hex,
        task_id=old.task_id,
        item_id=answered.item_id,
        account_id=old.author_id,
        claimed_at=now,
        expires_at=now,  # never live: see the module docstring
    )
    session.add(claim)
    session.flush()
    session.add(
        ContributionAnswer(
            contribution_id=new.id,
            claim_id=claim.id,
            item_id=answered.item_id,
            item_sha256=answered.item_sha256,
            answer=answered.answer,
            measured_seconds=0,
        )
    )
    session.flush()
