"""The two ways forward from a rejection — revise the work or appeal the decision — and why an
author takes one at a time.

Work sent back for revision, or rejected, may be revised: a new draft linked to the old one. A
rejection may instead be appealed, once. While an appeal is waiting, revising would leave two
versions of the same work under judgment at once, so it waits for the decision (an upheld appeal
leaves the work rejected, and it can then be revised). Work already revised is not appealed: the
revision is the author's answer to the rejection, and an overturn would accept the version they
replaced. Both refusals are conflicts with the record as it stands, named in words.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coop.kernel.errors import Conflict
from coop.work.appeal_models import Appeal, AppealDecision
from coop.work.models import Contribution

REVISABLE = ("revision-requested", "rejected")


def check_revisable(session: Session, old: Contribution) -> None:
    """Refuse to revise work that is neither sent back nor rejected, or whose appeal is waiting."""
    if old.status not in REVISABLE:
        raise Conflict(f"only work sent back for revision or rejected can be revised (this one is {old.status})")
    appeal_id = session.scalar(select(Appeal.id).where(Appeal.contribution_id == old.id))
    if appeal_id is not None and session.get(AppealDecision, appeal_id) is None:
        raise Conflict("this rejection is under appeal; revise it once the appeal is decided")


def check_appealable(session: Session, contribution: Contribution) -> None:
    """Refuse to appeal work its author has already revised."""
    if session.scalar(select(Contribution.id).where(Contribution.revises_id == contribution.id)) is not None:
        raise Conflict("this work has been revised; the revision is under its own review, so it is not appealed")
