"""Applying, admission, roles, suspension and leaving; buyer accounts.

Each decision about a member is also a statement the co-op signs into the provenance log, naming
the member only by their random account id: the log never holds a name or an email.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import ROLES, Principal, Role, Status
from coop.membership.directory import MemberDirectory, require_steward
from coop.membership.emails import normalise_email
from coop.membership.gate import Gate
from coop.membership.models import Account, BuyerOrg, Member, MemberRole
from coop.membership.secrets import check_password_strength, hash_password
from provenance.service import ProvenanceLog


def new_id() -> str:
    return uuid.uuid4().hex


class MembershipService(MemberDirectory):
    """Applying, admission, roles and standing; the reads are `MemberDirectory`'s."""

    def __init__(
        self, engine: Engine, log: ProvenanceLog, clock: Callable[[], datetime] = utcnow, gate: Gate | None = None
    ):
        self.engine = engine
        self.log = log
        self.clock = clock
        self.gate = gate or Gate(engine, clock)

    # -- joining ---------------------------------------------------------------------------

    def apply(
        self, name: str, email: str, password: str, skills: str = "", region: str = "", address: str | None = None
    ) -> str:
        """A newcomer asks to join; a steward decides (`admit` / `decline`). `address` is the client
        address of a sign-up over the web, which the throttle counts; None for the operator's own
        command line (a steward's bootstrap, the demo data), which is not throttled."""
        name, email = _clean_name(name), normalise_email(email)
        check_password_strength(password)
        password_hash = self._hash_new(password, address)
        now = self.clock()
        with write_session(self.engine) as session, session.begin():
            self._refuse_taken_email(session, email)
            account_id = new_id()
            session.add(
                Account(
                    id=account_id,
                    kind="member",
                    display_name=name,
                    email=email,
                    password_hash=password_hash,
                    created_at=now,
                )
            )
            session.flush()
            session.add(
                Member(
                    account_id=account_id,
                    status="applicant",
                    skills=skills.strip()[:2000],
                    region=region.strip()[:100],
                    applied_at=now,
                )
            )
        return account_id

    def register_buyer(self, org_name: str, name: str, email: str, password: str, address: str | None = None) -> str:
        """A buyer's account, in its organisation (created on first use). Buyers are not members.
        `address`: as for `apply`."""
        org_name, name, email = _clean_name(org_name, "organisation"), _clean_name(name), normalise_email(email)
        check_password_strength(password)
        password_hash = self._hash_new(password, address)
        now = self.clock()
        with write_session(self.engine) as session, session.begin():
            self._refuse_taken_email(session, email)
            org = session.scalar(select(BuyerOrg).where(BuyerOrg.name == org_name))
            if org is None:
                org = BuyerOrg(id=new_id(), name=org_name, created_at=now)
                session.add(org)
                session.flush()
            account_id = new_id()
            session.add(
                Account(
                    id=account_id,
                    kind="buyer",
                    display_name=name,
                    email=email,
                    password_hash=password_hash,
                    org_id=org.id,
                    created_at=now,
                )
            )
        return account_id

    def create_steward(self, name: str, email: str, password: str) -> str:
        """Bootstrap: the first steward(s), created from the command line by whoever runs the co-op."""
        account_id = self.apply(name, email, password)
        self._admit(account_id, admitted_by="bootstrap", roles=("member", "reviewer", "steward"))
        return account_id

    def _hash_new(self, password: str, address: str | None) -> str:
        """Count a web sign-up (the throttle may refuse it), then hash the password: argon2 before
        the write transaction, never inside it, where it held the write lock from everyone else."""
        if address is not None:
            self.gate.admit_sign_up(address)
        return hash_password(password)

    # -- stewards' decisions ---------------------------------------------------------------

    def admit(self, steward: Principal, account_id: str, roles: Iterable[str] = ("member",)) -> int:
        require_steward(steward)
        return self._admit(account_id, admitted_by=steward.account_id, roles=tuple(roles))

    def admit_by_vote(self, account_id: str, proposal_id: str) -> int:
        """Admit an applicant the members voted in (governance's `Admissions` port): as a member, with no
        steward's say, logged as admitted by the proposal. Conflict if the account is no longer an applicant."""
        return self._admit(account_id, admitted_by=f"proposal:{proposal_id}", roles=("member",))

    def _admit(self, account_id: str, admitted_by: str, roles: tuple[str, ...]) -> int:
        roles = _clean_roles(roles)
        now = self.clock()
        with write_session(self.engine) as session, session.begin():
            member = self._member(session, account_id)
            if member.status != "applicant":
                raise Conflict(f"only applicants can be admitted; this account is '{member.status}'")
            index = self._log(
                session,
                "member.admitted",
                {"member": account_id, "by": admitted_by, "roles": list(roles), "time": now.isoformat()},
            )
            member.status = "member"
            member.admitted_at = now
            member.admitted_by = admitted_by
            session.add_all(MemberRole(account_id=account_id, role=role) for role in roles)
        return index

    def decline(self, steward: Principal, account_id: str) -> None:
        require_steward(steward)
        with write_session(self.engine) as session, session.begin():
            member = self._member(session, account_id)
            if member.status != "applicant":
                raise Conflict(f"only applications can be declined; this account is '{member.status}'")
            member.status = "declined"

    def set_roles(self, steward: Principal, account_id: str, roles: Iterable[str]) -> int:
        require_steward(steward)
        roles = _clean_roles(tuple(roles))
        if account_id == steward.account_id and "steward" not in roles:
            raise Refused("stewards cannot remove their own steward role; ask another steward")
        with write_session(self.engine) as session, session.begin():
            member = self._member(session, account_id)
            if member.status != "member":
                raise Conflict(f"roles can be changed only for members in good standing, not '{member.status}'")
            index = self._log(
                session,
                "member.roles-changed",
                {
                    "member": account_id,
                    "by": steward.account_id,
                    "roles": list(roles),
                    "time": self.clock().isoformat(),
                },
            )
            # insert-only history: the new set under the next change number (the member row is locked)
            latest = session.scalar(select(func.max(MemberRole.change_no)).where(MemberRole.account_id == account_id))
            change_no = (latest or 0) + 1
            session.add_all(MemberRole(account_id=account_id, change_no=change_no, role=role) for role in roles)
        return index

    def suspend(self, steward: Principal, account_id: str) -> int:
        require_steward(steward)
        if account_id == steward.account_id:
            raise Refused("stewards cannot suspend themselves")
        return self._change_status(account_id, "suspended", by=steward.account_id, allowed_from=("member",))

    def reinstate(self, steward: Principal, account_id: str) -> int:
        require_steward(steward)
        return self._change_status(account_id, "member", by=steward.account_id, allowed_from=("suspended",))

    def leave(self, member: Principal) -> int:
        if member.kind != "member":
            raise NotAllowed("only members can leave the co-op")
        return self._change_status(
            member.account_id, "left", by=member.account_id, allowed_from=("member", "suspended")
        )

    def _change_status(self, account_id: str, status: Status, by: str, allowed_from: tuple[Status, ...]) -> int:
        with write_session(self.engine) as session, session.begin():
            member = self._member(session, account_id)
            if member.status not in allowed_from:
                raise Conflict(f"a '{member.status}' account cannot become '{status}'")
            index = self._log(
                session,
                "member.status-changed",
                {"member": account_id, "by": by, "status": status, "time": self.clock().isoformat()},
            )
            member.status = status
        return index

    # -- helpers ---------------------------------------------------------------------------

    def _log(self, session: Session, kind: str, body: dict[str, object]) -> int:
        """Sign as the co-op and append in the same transaction as the change it records."""
        return self.log.append_coop_statement(session.connection(), kind, body)

    @staticmethod
    def _member(session: Session, account_id: str) -> Member:
        member = session.get(Member, account_id, with_for_update=True)
        if member is None:
            raise NotFound(f"no member or applicant with id {account_id}")
        return member

    @staticmethod
    def _refuse_taken_email(session: Session, email: str) -> None:
        if session.scalar(select(Account.id).where(Account.email == email)) is not None:
            raise Conflict("an account with this email already exists; sign in instead")


def _clean_roles(roles: tuple[str, ...]) -> tuple[Role, ...]:
    """The roles named, in ROLES order, always with "member"."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise Refused(f"unknown roles {sorted(unknown)}; roles are {', '.join(ROLES)}")
    return tuple(role for role in ROLES if role in roles or role == "member")


def _clean_name(value: str, what: str = "name") -> str:
    value = " ".join((value or "").split())
    if not 1 <= len(value) <= 200:
        raise Refused(f"{what} must be 1 to 200 characters")
    return value
