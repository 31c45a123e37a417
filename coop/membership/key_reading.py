"""Reading members' keys and verifying their statements "as of a time": which key was whose, and
valid when, read from each key's insert-only history (`key_records`).

Apart from `keys` (registering, custody, rotation, revocation), which `KeyService` adds on top of
these reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.errors import NotAllowed, NotFound, Refused
from coop.membership.key_records import KeyInfo, active_key_info, active_key_or_none, has_ended, key_info, key_infos
from coop.membership.models import MemberKey
from provenance.core.signing import InvalidStatement, SignedStatement, key_id, verify_statement


class KeyReading:
    """The reading half of `KeyService` (which sets `engine` and `clock`)."""

    engine: Engine
    clock: Callable[[], datetime]

    def keys_of(self, account_id: str) -> list[KeyInfo]:
        with Session(self.engine) as session:
            keys = session.scalars(select(MemberKey).where(MemberKey.account_id == account_id)).all()
            return sorted((key_info(session, k) for k in keys), key=lambda k: k.valid_from)

    def active_key(self, account_id: str) -> KeyInfo:
        with Session(self.engine) as session:
            return active_key_info(session, account_id)

    def key(self, key_id_: str) -> KeyInfo:
        with Session(self.engine) as session:
            key = session.get(MemberKey, key_id_)
            if key is None:
                raise NotFound(f"no key {key_id_}")
            return key_info(session, key)

    def verify_member_statement(self, statement: SignedStatement, at: datetime | None = None) -> KeyInfo:
        """Verify the signature and that its key was the signer's valid key at time `at`
        (default: now). Returns the key, which names the member."""
        verify_signature(statement)
        when = at or self.clock()
        with Session(self.engine) as session:  # the key and its events in one query
            found = key_infos(session, MemberKey.public_key == statement.public_key)
        if not found:
            raise NotAllowed(f"key {key_id(statement.public_key)} is not a registered member key")
        info = found[0]
        if not info.valid_at(when):
            raise NotAllowed(
                f"key {info.key_id} was not valid at {when.isoformat()} ({info.ended_by or 'not yet registered'})"
            )
        return info

    @staticmethod
    def ended(session: Session, key_id_: str) -> bool:
        """Whether the key has been rotated or revoked, as `session` sees it now."""
        return has_ended(session, key_id_)

    @staticmethod
    def active_key_in(session: Session, account_id: str) -> MemberKey | None:
        """The account's active key row, read in the caller's session; None if it has none."""
        return active_key_or_none(session, account_id)


def verify_signature(statement: SignedStatement) -> None:
    """The signature checks out, or the statement is refused (400) with the reason."""
    try:
        verify_statement(statement)
    except InvalidStatement as error:
        raise Refused(str(error)) from error
