"""Changing and resetting a password.

Change: the member types the current password (checked through the throttle) and a new one. A
custodial key is opened with the old password and sealed again under the new one: the same key,
so nothing is rotated or logged. Every other session of the account ends.

Reset, for a forgotten password (there is no email yet): a steward, or whoever runs `coop member
reset-password`, issues a one-time code that expires (RESET_HOURS), shown once, and passes it on;
the member sets a new password with it. The old password is gone, so the custodial key sealed
under it can never be opened again: the reset revokes it through the key-revocation path (a log
entry naming who issued the reset), in the same transaction, and the member creates a new key.
Statements signed with the old key stay valid as of their time. Every session of the account ends
and its API tokens are revoked: whoever knew the old password may have made some.

argon2 (checking, hashing, opening and sealing) runs before the write transaction, never inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, Engine, func, select, update
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from coop.kernel.errors import Conflict, NotAllowed, NotFound, Refused
from coop.kernel.principal import Principal
from coop.membership.emails import normalise_email
from coop.membership.gate import Gate
from coop.membership.keys import KeyService
from coop.membership.models import Account, ApiToken, MemberKey, PasswordReset, WebSession
from coop.membership.secrets import (
    SealedSeed,
    WrongPassword,
    check_password_strength,
    hash_password,
    new_token,
    open_seed,
    password_matches,
    seal_seed,
    token_hash,
)

RESET_HOURS = 24
COMMAND_LINE = "command line"


@dataclass(frozen=True)
class IssuedReset:
    code: str  # shown once
    account_id: str
    expires_at: datetime


@dataclass(frozen=True)
class ResetDone:
    account_id: str
    revoked_key: str | None  # the custodial key the reset revoked
    revocation_index: int | None  # its log entry


class PasswordService:
    def __init__(self, engine: Engine, keys: KeyService, gate: Gate, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.keys = keys
        self.gate = gate
        self.clock = clock

    def change(self, principal: Principal, current: str, new: str, keep_session: str | None = None) -> int:
        """Set a new password; returns how many other sessions were ended (`keep_session`, the
        cookie of the request making the change, stays)."""
        check_password_strength(new)
        if new == current:
            raise Refused("password: the new password must differ from the current one")
        with Session(self.engine) as session:
            stored = session.scalar(select(Account.password_hash).where(Account.id == principal.account_id))
            key = self._custodial_key(session, principal.account_id)

        def check() -> None:
            if stored is None or not password_matches(stored, current):
                raise WrongPassword("wrong current password")

        try:
            self.gate.check_password(principal.account_id, principal.address, check)
        except WrongPassword:
            raise NotAllowed("wrong current password") from None
        resealed = None
        if key is not None:
            try:
                seed = open_seed(_sealed(key), current)
            except WrongPassword:
                raise Conflict(
                    "your signing key does not open with your current password; revoke it and create a new one"
                ) from None
            resealed = seal_seed(bytes(seed), new)
        new_hash = hash_password(new)
        with write_session(self.engine) as session, session.begin():
            account = session.get(Account, principal.account_id, with_for_update=True)
            if account is None or account.password_hash != stored:
                raise Conflict("your password changed meanwhile; sign in again")
            if key is not None and resealed is not None:
                row = self._custodial_key(session, principal.account_id)
                if row is None or row.key_id != key.key_id:
                    raise Conflict("your signing key changed meanwhile; try again")
                row.sealed_salt, row.sealed_box, row.sealed_opslimit, row.sealed_memlimit = (
                    resealed.salt,
                    resealed.box,
                    resealed.opslimit,
                    resealed.memlimit,
                )
            account.password_hash = new_hash
            return self._end_sessions(session, principal.account_id, except_session=keep_session)

    # -- resets ----------------------------------------------------------------------------

    def issue_reset(
        self, issuer: Principal | None, account_id: str | None = None, email: str | None = None
    ) -> IssuedReset:
        """A one-time reset code for an account (by id, or by email from the command line).
        `issuer` is the steward issuing it; None for the command line of whoever runs the co-op."""
        if issuer is not None and not issuer.is_steward:
            raise NotAllowed("only stewards may issue a password reset")
        now = self.clock()
        code = new_token("reset")
        with write_session(self.engine) as session, session.begin():
            query = (
                select(Account.id).where(Account.id == account_id)
                if account_id
                else select(Account.id).where(Account.email == normalise_email(email or ""))
            )
            found = session.scalar(query)
            if found is None:
                raise NotFound("no account with this id or email")
            expires = now + timedelta(hours=RESET_HOURS)
            session.add(
                PasswordReset(
                    account_id=found,
                    token_hash=token_hash(code),
                    issued_by=issuer.account_id if issuer else COMMAND_LINE,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return IssuedReset(code, found, expires)

    def reset(self, code: str, new: str) -> ResetDone:
        """Set a new password with a reset code; revokes the custodial key sealed under the old one."""
        with Session(self.engine) as session:
            self._valid_reset(session, code)
        check_password_strength(new)
        new_hash = hash_password(new)
        with write_session(self.engine) as session, session.begin():
            reset = self._valid_reset(session, code)
            reset.used_at = self.clock()
            account = session.get(Account, reset.account_id, with_for_update=True)
            assert account is not None
            account.password_hash = new_hash
            key = self._custodial_key(session, account.id)
            index = None
            if key is not None:
                by = reset.issued_by if reset.issued_by != COMMAND_LINE else account.id
                index = self.keys.revoke_in_transaction(
                    session, key, by, f"password reset (issued by {reset.issued_by}): sealed under the old password"
                )
            self._end_sessions(session, account.id)
            session.execute(
                update(ApiToken)
                .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
            return ResetDone(account.id, key.key_id if key is not None else None, index)

    def reset_preview(self, code: str) -> str | None:
        """The custodial key a reset with this code would revoke (None: none), or NotAllowed if the
        code is not valid."""
        with Session(self.engine) as session:
            reset = self._valid_reset(session, code)
            key = self._custodial_key(session, reset.account_id)
            return key.key_id if key is not None else None

    # -- helpers ---------------------------------------------------------------------------

    def _valid_reset(self, session: Session, code: str) -> PasswordReset:
        reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(code.strip())))
        if reset is not None:
            newest = session.scalar(
                select(func.max(PasswordReset.id)).where(PasswordReset.account_id == reset.account_id)
            )
            if reset.used_at is None and reset.expires_at > self.clock() and reset.id == newest:
                return reset
        raise NotAllowed(
            "this reset code is unknown, used, replaced by a newer one or expired; ask a steward for a new one"
        )

    def _custodial_key(self, session: Session, account_id: str) -> MemberKey | None:
        """The account's active key if the co-op keeps it (sealed under the password), else None."""
        active = self.keys.active_key_in(session, account_id)
        return active if active is not None and active.custody == "custodial" else None

    def _end_sessions(self, session: Session, account_id: str, except_session: str | None = None) -> int:
        query = update(WebSession).where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
        if except_session:
            query = query.where(WebSession.id_hash != token_hash(except_session))
        ended = session.execute(query.values(ended_at=self.clock()))
        assert isinstance(ended, CursorResult)  # an UPDATE's result: it carries the row count
        return int(ended.rowcount or 0)


def _sealed(key: MemberKey) -> SealedSeed:
    assert key.sealed_salt is not None and key.sealed_box is not None
    return SealedSeed(key.sealed_salt, key.sealed_box, key.sealed_opslimit or 0, key.sealed_memlimit or 0)
