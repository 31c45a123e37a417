"""A member key's standing, read from its insert-only history (`key_event`).

A key is valid from its registration until its rotation or revocation, whichever comes first; the
row itself never changes, so whether a key is active is always a reading of its events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from coop.kernel.errors import Conflict
from coop.membership.models import Custody, KeyEvent, MemberKey
from provenance.core.signing import b64

KeyEnd = Literal["rotated", "revoked"]


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    account_id: str
    public_key: bytes
    custody: Custody
    valid_from: datetime
    valid_until: datetime | None
    ended_by: KeyEnd | None
    log_index: int

    def valid_at(self, when: datetime) -> bool:
        return self.valid_from <= when and (self.valid_until is None or when < self.valid_until)

    @property
    def public_key_b64(self) -> str:
        return b64(self.public_key)


def key_info(session: Session, key: MemberKey) -> KeyInfo:
    events = session.scalars(select(KeyEvent).where(KeyEvent.key_id == key.key_id).order_by(KeyEvent.id)).all()
    registered = next(e for e in events if e.event == "registered")
    ended = next((e for e in events if e.event in ("rotated", "revoked")), None)
    return KeyInfo(
        key.key_id,
        key.account_id,
        key.public_key,
        key.custody,
        registered.at,
        ended.at if ended else None,
        ended.event if ended and ended.event != "registered" else None,
        registered.log_index,
    )


def active_key(session: Session, account_id: str) -> MemberKey:
    """The account's one active key; Conflict if it has none."""
    for key in session.scalars(select(MemberKey).where(MemberKey.account_id == account_id)):
        if key_info(session, key).valid_until is None:
            return key
    raise Conflict("you have no active signing key yet: create one on your keys page")


def key_infos(session: Session, condition: ColumnElement[bool]) -> list[KeyInfo]:
    """The KeyInfo of the keys `condition` selects, keys and events in one query of plain columns
    (every "Submit & next" checks the signer's key, and every item page asks whose key signs:
    a key row, then its events, were two round trips each time)."""
    keys: dict[str, tuple[str, bytes, Custody]] = {}
    registered: dict[str, tuple[datetime, int]] = {}
    ended: dict[str, tuple[KeyEnd, datetime]] = {}
    rows = session.execute(
        select(
            MemberKey.key_id,
            MemberKey.account_id,
            MemberKey.public_key,
            MemberKey.custody,
            KeyEvent.event,
            KeyEvent.at,
            KeyEvent.log_index,
        )
        .join(KeyEvent, KeyEvent.key_id == MemberKey.key_id)
        .where(condition)
        .order_by(KeyEvent.id)
    )
    for key, account, public, custody, event, at, index in rows:  # the first of each, as `key_info`
        keys.setdefault(key, (account, public, custody))
        if event == "registered":
            registered.setdefault(key, (at, index))
        elif event in ("rotated", "revoked"):
            ended.setdefault(key, (event, at))
    infos = []
    for key, (account, public, custody) in keys.items():
        start, index = registered[key]  # a key's registration is always among its events
        end = ended.get(key)
        infos.append(
            KeyInfo(key, account, public, custody, start, end[1] if end else None, end[0] if end else None, index)
        )
    return infos


def active_key_info(session: Session, account_id: str) -> KeyInfo:
    """`active_key`'s KeyInfo, keys and events in one query (every item page asks whose key signs)."""
    for info in key_infos(session, MemberKey.account_id == account_id):
        if info.valid_until is None:
            return info
    raise Conflict("you have no active signing key yet: create one on your keys page")


def active_key_or_none(session: Session, account_id: str) -> MemberKey | None:
    try:
        return active_key(session, account_id)
    except Conflict:
        return None


def refuse_second_active_key(session: Session, account_id: str) -> None:
    """A member has at most one active key: a new one replaces the old by rotation."""
    active = active_key_or_none(session, account_id)
    if active is not None:
        raise Conflict(f"you already have an active key {active.key_id}; rotate it instead")


def has_ended(session: Session, key_id: str) -> bool:
    """Whether the key has been rotated or revoked, as `session` sees it now."""
    ends = select(KeyEvent.id).where(KeyEvent.key_id == key_id, KeyEvent.event.in_(("rotated", "revoked"))).limit(1)
    return session.scalar(ends) is not None
