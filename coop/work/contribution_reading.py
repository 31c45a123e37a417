"""Reading contributions: an author's own work, the view a reviewer works from, and the content
itself (with the item it answers, in words) for those who may see it.

Apart from `contributions` (drafting, signing, submitting, revoking consent), which
`ContributionService` adds on top of these reads; the views themselves are built in
`contribution_views`, many rows at once.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.errors import NotFound
from coop.kernel.principal import Principal
from coop.work.answer_views import AnsweredItem, answered_item
from coop.work.contribution_views import ContributionView, view, views
from coop.work.models import ContentBlob, Contribution, ReviewAssignment


class ContributionReading:
    """The reading half of `ContributionService` (which sets `engine`)."""

    engine: Engine

    def get(self, viewer: Principal, contribution_id: str, author_only: bool = False) -> ContributionView:
        """The author's view (stewards may read it too unless `author_only`)."""
        with Session(self.engine) as session:
            return view(
                session, own(session, viewer, contribution_id, allow_steward=not author_only), with_feedback=True
            )

    def get_for_review(self, contribution_id: str) -> ContributionView:
        """The view a reviewer works from (callers check the assignment; feedback of others hidden)."""
        with Session(self.engine) as session:
            row = session.get(Contribution, contribution_id)
            if row is None:
                raise NotFound(f"no contribution {contribution_id}")
            return view(session, row)

    def mine(self, author: Principal) -> list[ContributionView]:
        return self.mine_page(author, 0, None, with_feedback=True)[0]

    def mine_page(
        self, author: Principal, offset: int, limit: int | None, with_feedback: bool = False
    ) -> tuple[list[ContributionView], int]:
        """The author's work, newest first: one page of it and how many there are in all."""
        with Session(self.engine) as session:
            mine = Contribution.author_id == author.account_id
            total = int(session.scalar(select(func.count()).select_from(Contribution).where(mine)) or 0)
            query = (
                select(Contribution)
                .where(mine)
                .order_by(Contribution.created_at.desc(), Contribution.id)
                .offset(offset)
            )
            rows = session.scalars(query if limit is None else query.limit(limit)).all()
            return views(session, rows, with_feedback), total

    def content(self, viewer: Principal, contribution_id: str) -> tuple[bytes, str]:
        """Content is for its author, stewards and assigned reviewers only."""
        with Session(self.engine) as session:
            row = _may_see_content(session, viewer, contribution_id)
            if row.content_sha256 is None:
                raise NotFound(f"no contribution {contribution_id}")
            blob = session.get(ContentBlob, row.content_sha256)
            assert blob is not None
            return blob.data, blob.media_type

    def answered_item(self, viewer: Principal, contribution_id: str) -> AnsweredItem | None:
        """The item the contribution answers, the answer in words and the task's spec and
        guidelines (None for free-form work): for those who may see its content."""
        with Session(self.engine) as session:
            _may_see_content(session, viewer, contribution_id)
            return answered_item(session, contribution_id)


def own(session: Session, viewer: Principal, contribution_id: str, allow_steward: bool = False) -> Contribution:
    """The viewer's own contribution (or anyone's, for a steward when `allow_steward`); NotFound
    otherwise, so that someone else's work reads as no such contribution."""
    row = session.get(Contribution, contribution_id)
    if row is None or (row.author_id != viewer.account_id and not (allow_steward and viewer.is_steward)):
        raise NotFound(f"you have no contribution {contribution_id}")
    return row


def _may_see_content(session: Session, viewer: Principal, contribution_id: str) -> Contribution:
    """The contribution, if the viewer is its author, a steward or an assigned reviewer; NotFound otherwise."""
    row = session.get(Contribution, contribution_id)
    if row is None:
        raise NotFound(f"no contribution {contribution_id}")
    assigned = session.get(ReviewAssignment, (contribution_id, viewer.account_id)) is not None
    if row.author_id != viewer.account_id and not viewer.is_steward and not assigned:
        raise NotFound(f"you have no contribution {contribution_id}")
    return row
