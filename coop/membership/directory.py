"""Reading who is who: the stewards' member directory, the applicants an admission proposal names,
and the principal a session or token stands for.

Apart from `service` (applying, admission, roles, standing), which writes and signs: these only
read, and `MembershipService` inherits them so its callers keep one object for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.errors import NotAllowed, NotFound
from coop.kernel.principal import ROLES, Principal, Role, Status, Via
from coop.membership.models import Account, BuyerOrg, Member, MemberRole


@dataclass(frozen=True)
class MemberRow:
    account_id: str
    display_name: str
    email: str
    status: Status
    roles: tuple[Role, ...]
    skills: str
    region: str
    applied_at: datetime
    admitted_at: datetime | None


@dataclass(frozen=True)
class Applicant:
    """What the admission-proposal form shows of an applicant: name and skills, never the email."""

    account_id: str
    display_name: str
    skills: str


class MemberDirectory:
    """The reading half of `MembershipService` (which sets `engine`)."""

    engine: Engine

    def directory(self, steward: Principal, status: str | None = None) -> list[MemberRow]:
        require_steward(steward)
        with Session(self.engine) as session:
            return self._rows(session, status or None)

    def directory_page(
        self, steward: Principal, status: str | None, offset: int, limit: int
    ) -> tuple[list[MemberRow], int]:
        """One page of the directory and the number of rows in all, counted and sliced by the
        database rather than by loading every member (bench/README.md, "Portal pages")."""
        require_steward(steward)
        with Session(self.engine) as session:
            count = select(func.count()).select_from(Member)
            if status:
                count = count.where(Member.status == status)
            total = int(session.scalar(count) or 0)
            return self._rows(session, status, offset, limit), total

    def directory_for_members(self) -> list[MemberRow]:
        """Every account with its member row. Callers decide what to show: stewards see it all; the
        admission-proposal form shows applicants' names and skills only, never their email."""
        with Session(self.engine) as session:
            return self._rows(session, None)

    def applicants(self) -> list[Applicant]:
        """Every applicant, in application order, for the admission-proposal form: only the three
        columns it shows, so no roles lookup (200 bound ids) and no timestamps to convert per row."""
        with Session(self.engine) as session:
            query = (
                select(Account.id, Account.display_name, Member.skills)
                .join(Member, Member.account_id == Account.id)
                .where(Member.status == "applicant")
                .order_by(Member.applied_at, Member.account_id)
            )
            return [Applicant(*row) for row in session.execute(query)]

    @staticmethod
    def _rows(session: Session, status: str | None, offset: int = 0, limit: int | None = None) -> list[MemberRow]:
        # Plain columns, not ORM entities: building and tracking two objects per row was most of the
        # time of the admission-proposal form (every applicant) and of the directory's pages.
        query = (
            select(
                Account.id,
                Account.display_name,
                Account.email,
                Member.status,
                Member.skills,
                Member.region,
                Member.applied_at,
                Member.admitted_at,
            )
            .join(Member, Member.account_id == Account.id)
            .order_by(Member.applied_at, Member.account_id)
        )
        if status:
            query = query.where(Member.status == status)
        if limit is not None:
            query = query.offset(offset).limit(limit)
        rows = session.execute(query).all()
        roles = _roles_by_account(session, [row.id for row in rows])
        return [
            MemberRow(
                r.id,
                r.display_name,
                r.email,
                r.status,
                roles.get(r.id, ()),
                r.skills,
                r.region,
                r.applied_at,
                r.admitted_at,
            )
            for r in rows
        ]

    def row(self, steward: Principal, account_id: str) -> MemberRow:
        """One directory row (the htmx row update after a steward's action)."""
        require_steward(steward)
        with Session(self.engine) as session:
            found = session.execute(
                select(Account, Member).join(Member, Member.account_id == Account.id).where(Account.id == account_id)
            ).first()
            if found is None:
                raise NotFound(f"no member or applicant with id {account_id}")
            a, m = found
            roles = _roles_by_account(session, [a.id]).get(a.id, ())
            return MemberRow(
                a.id, a.display_name, a.email, m.status, roles, m.skills, m.region, m.applied_at, m.admitted_at
            )

    def principal(
        self, account_id: str, via: Via = "session", scopes: frozenset[str] = frozenset({"read", "write"})
    ) -> Principal | None:
        with Session(self.engine) as session:
            return principal_in(session, account_id, via, scopes)


def principal_in(
    session: Session, account_id: str, via: Via = "session", scopes: frozenset[str] = frozenset({"read", "write"})
) -> Principal | None:
    """The account's principal read in the caller's session: the account with its membership and
    organisation in one query, its roles in a second (every request of a signed-in user reads it,
    in the session that read its sign-in: a request's principal costs two queries, not four)."""
    found = session.execute(
        select(Account.id, Account.kind, Account.display_name, Account.email, Member.status, BuyerOrg.id, BuyerOrg.name)
        .outerjoin(Member, Member.account_id == Account.id)
        .outerjoin(BuyerOrg, BuyerOrg.id == Account.org_id)
        .where(Account.id == account_id)
    ).one_or_none()
    if found is None:
        return None
    account, kind, name, email, status, org_id, org_name = found
    roles = frozenset(_roles_by_account(session, [account_id]).get(account_id, ()))
    return Principal(
        account, kind, name, email, status=status, roles=roles, org_id=org_id, org_name=org_name, via=via, scopes=scopes
    )


def _roles_by_account(session: Session, account_ids: list[str]) -> dict[str, tuple[Role, ...]]:
    found: dict[str, list[Role]] = {}
    if account_ids:
        # member_role is history: a member's roles are the set of their latest change
        latest = (
            select(MemberRole.account_id, func.max(MemberRole.change_no).label("change_no"))
            .where(MemberRole.account_id.in_(account_ids))
            .group_by(MemberRole.account_id)
            .subquery()
        )
        current = select(MemberRole.account_id, MemberRole.role).join(
            latest,
            (MemberRole.account_id == latest.c.account_id) & (MemberRole.change_no == latest.c.change_no),
        )
        for account_id, role in session.execute(current):
            found.setdefault(account_id, []).append(role)
    return {k: tuple(sorted(v, key=ROLES.index)) for k, v in found.items()}


def roles_by_account(session: Session, account_ids: list[str]) -> dict[str, tuple[Role, ...]]:
    """Each account's current roles (the set of its latest role change), for services that judge
    people by role, e.g. whether a payout pays a steward."""
    return _roles_by_account(session, account_ids)


def current_steward_ids(session: Session) -> list[str]:
    """Members in good standing whose latest role change includes steward (a demoted steward's
    older rows stay in member_role as history and do not count)."""
    latest = (
        select(MemberRole.account_id, func.max(MemberRole.change_no).label("change_no"))
        .group_by(MemberRole.account_id)
        .subquery()
    )
    query = (
        select(MemberRole.account_id)
        .join(latest, (MemberRole.account_id == latest.c.account_id) & (MemberRole.change_no == latest.c.change_no))
        .join(Member, Member.account_id == MemberRole.account_id)
        .where(MemberRole.role == "steward", Member.status == "member")
    )
    return list(session.scalars(query))


def require_steward(principal: Principal) -> None:
    """The one check before every steward's read and decision about members."""
    if not principal.is_steward:
        raise NotAllowed("only stewards may do this")
