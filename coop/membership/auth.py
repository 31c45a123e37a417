"""Signing in: password check through the throttle, server-side sessions, personal API tokens.

Sessions: the browser holds a random id (cookie); the database holds only its hash. A new id is
issued at every sign-in (no session fixation). A session ends on logout, after IDLE_TIMEOUT without
use, or ABSOLUTE_TIMEOUT after sign-in, whichever comes first.
API tokens: shown once, stored hashed, scoped (read, write), revocable, and they expire (90 days
unless chosen otherwise at creation, at most a year): a forgotten token does not stay a key forever.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.membership.directory import principal_in
from coop.membership.emails import normalise_email
from coop.membership.gate import Gate
from coop.membership.models import Account, ApiToken, WebSession
from coop.membership.secrets import WrongPassword, dummy_hash, new_token, password_matches, token_hash
from coop.membership.service import MembershipService

IDLE_TIMEOUT = timedelta(minutes=30)  # defaults; COOP_SESSION_IDLE / COOP_SESSION_MAX override
ABSOLUTE_TIMEOUT = timedelta(hours=12)
SCOPES = ("read", "write")
TOKEN_DAYS, MAX_TOKEN_DAYS = 90, 365  # an API token's life: the default, and the longest one may choose
_CANNOT_SIGN_IN = {
    "suspended": "your membership is suspended",
    "left": "you have left the co-op",
    "declined": "your application was declined",
}


@dataclass(frozen=True)
class TokenRow:
    id: int
    label: str
    scopes: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    expired: bool


class AuthService:
    def __init__(
        self,
        engine: Engine,
        members: MembershipService,
        clock: Callable[[], datetime] = utcnow,
        idle_timeout: timedelta = IDLE_TIMEOUT,
        absolute_timeout: timedelta = ABSOLUTE_TIMEOUT,
        gate: Gate | None = None,
    ):
        self.engine = engine
        self.members = members
        self.clock = clock
        self.gate = gate or Gate(engine, clock)
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout

    def check_credentials(self, email: str, password: str, ip: str) -> Principal:
        """Return the account's principal or raise. The check passes the throttle (per account and
        per client address) and runs argon2 outside any transaction, against a dummy hash when the
        email names no account, so a refusal takes as long whether or not the account exists."""
        if len(email or "") > 320:  # no account has such an email, and the attempt log's column holds 320
            raise NotAllowed("wrong email or password")
        email = normalise_email(email)
        with Session(self.engine) as session:
            found = session.execute(select(Account.id, Account.password_hash).where(Account.email == email)).first()
        account_id, stored = (found[0], found[1]) if found is not None else (None, dummy_hash())

        def check() -> None:
            if not password_matches(stored, password) or account_id is None:
                raise WrongPassword("wrong email or password")

        try:
            self.gate.check_password(account_id or email, ip, check)
        except WrongPassword:
            raise NotAllowed("wrong email or password") from None
        assert account_id is not None
        principal = self.members.principal(account_id)
        assert principal is not None
        if principal.status in _CANNOT_SIGN_IN:
            raise NotAllowed(f"you cannot sign in: {_CANNOT_SIGN_IN[principal.status]}")
        return principal

    def start_session(self, principal: Principal) -> str:
        """A fresh random session id; returns the cookie value."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with write_session(self.engine) as session, session.begin():
            session.add(
                WebSession(
                    id_hash=token_hash(session_id), account_id=principal.account_id, created_at=now, last_seen_at=now
                )
            )
        return session_id

    def session_principal(self, session_id: str) -> Principal | None:
        """The principal of a live session (and mark it used), or None if unknown, ended or expired."""
        principal, touch_due = self.session_lookup(session_id)
        if touch_due:
            self.touch_session(session_id)
        return principal

    def session_lookup(self, session_id: str) -> tuple[Principal | None, bool]:
        """The principal of a live session, and whether its last use is due to be recorded.

        Reading only, so the web edge can record the use (`touch_session`) after the response is
        sent: that write commits with an fsync (synchronous=FULL), and made inline it added a
        commit's latency to whichever page a user happened to open every 30 s (the portal's p99:
        bench/README.md, "Portal pages", second round).
        An expired session is still ended here (a write of its own, only then), before anything
        is answered with it."""
        now = self.clock()
        with Session(self.engine) as session:
            row = session.get(WebSession, token_hash(session_id))
            if row is None or row.ended_at is not None:
                return None, False
            expired = now - row.last_seen_at > self.idle_timeout or now - row.created_at > self.absolute_timeout
            touch_due = now - row.last_seen_at > min(timedelta(seconds=30), self.idle_timeout / 4)  # spare most writes
            principal = None if expired else principal_in(session, row.account_id, via="session")
        if expired:
            self.end_session(session_id)
            return None, False
        if principal is None or principal.status in _CANNOT_SIGN_IN:
            return None, False
        return principal, touch_due

    def touch_session(self, session_id: str) -> None:
        """Record that a live session was used now. Conditional, so a late or repeated touch never
        moves `last_seen_at` backwards nor revives a session that ended meanwhile."""
        now = self.clock()
        with write_session(self.engine) as session, session.begin():
            session.execute(
                update(WebSession)
                .where(
                    WebSession.id_hash == token_hash(session_id),
                    WebSession.ended_at.is_(None),
                    WebSession.last_seen_at < now,
                )
                .values(last_seen_at=now)
            )

    def end_session(self, session_id: str) -> None:
        with write_session(self.engine) as session, session.begin():
            row = session.get(WebSession, token_hash(session_id))
            if row is not None and row.ended_at is None:
                row.ended_at = self.clock()

    # -- API tokens ------------------------------------------------------------------------

    def create_token(self, principal: Principal, label: str, scopes: list[str], days: int = TOKEN_DAYS) -> str:
        label = " ".join((label or "").split())[:100] or "token"
        unknown = set(scopes) - set(SCOPES)
        if unknown or not scopes:
            raise Refused(f"scopes must be some of {', '.join(SCOPES)}")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
            raise Refused(f"a token lasts 1 to {MAX_TOKEN_DAYS} days")
        if principal.via == "token" and "write" not in principal.scopes:
            raise NotAllowed("a read-only token cannot create tokens")
        token = new_token("coop")
        with write_session(self.engine) as session, session.begin():
            session.add(
                ApiToken(
                    account_id=principal.account_id,
                    token_hash=token_hash(token),
                    label=label,
                    scopes=" ".join(s for s in SCOPES if s in scopes),
                    created_at=self.clock(),
                    expires_at=self.clock() + timedelta(days=days),
                )
            )
        return token

    def tokens(self, principal: Principal) -> list[TokenRow]:
        now = self.clock()
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ApiToken).where(ApiToken.account_id == principal.account_id).order_by(ApiToken.id)
            ).all()
            return [
                TokenRow(r.id, r.label, r.scopes, r.created_at, r.expires_at, r.revoked_at, r.expires_at <= now)
                for r in rows
            ]

    def revoke_token(self, principal: Principal, token_id: int) -> None:
        with write_session(self.engine) as session, session.begin():
            row = session.get(ApiToken, token_id)
            if row is None or row.account_id != principal.account_id:
                raise NotFound(f"you have no token {token_id}")
            if row.revoked_at is None:
                row.revoked_at = self.clock()

    def token_principal(self, token: str) -> Principal | None:
        with Session(self.engine) as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
            if row is None or row.revoked_at is not None or row.expires_at <= self.clock():
                return None
            principal = principal_in(session, row.account_id, via="token", scopes=frozenset(row.scopes.split()))
        if principal is None or principal.status in _CANNOT_SIGN_IN:
            return None
        return principal
