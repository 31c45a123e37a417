"""The co-op's acknowledgement of a member key: `member.key-acknowledged`, signed by the co-op.

A key's own registration (or the old key's rotation statement) proves possession, but anyone can
sign one; whoever reads the log alone (a recount) trusts a member key only from the co-op's
acknowledgement naming the member, the key and the entry it acknowledges, until a rotation or a
co-op-signed revocation. Keys registered before acknowledgements existed are acknowledged once, by
`coop init` (`acknowledge_earlier_keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.kernel.db import write_session
from coop.membership.models import KeyEvent, MemberKey
from provenance import store
from provenance.core.entry import parse_leaf
from provenance.core.signing import b64, key_id
from provenance.service import ProvenanceLog

ACKNOWLEDGEMENT = "member.key-acknowledged"


def acknowledge(
    session: Session,
    log: ProvenanceLog,
    member: str,
    public_key: bytes,
    entry: int,
    replaces: str | None,
    now: datetime,
) -> int:
    """Log, in the caller's write transaction, that `public_key` is `member`'s from log entry `entry` on."""
    body: dict[str, Any] = {
        "member": member,
        "key": b64(public_key),
        "key_id": key_id(public_key),
        "entry": entry,
        "replaces": replaces,
        "time": now.isoformat(),
    }
    return log.append_coop_statement(session.connection(), ACKNOWLEDGEMENT, body)


def acknowledge_earlier_keys(engine: Engine, log: ProvenanceLog, clock: Callable[[], datetime]) -> int:
    """Acknowledge, once, every key registered before the co-op logged acknowledgements, naming the
    member's own registration or rotation entry: a recount then counts the ballots those keys signed
    from that entry on. Returns how many keys it acknowledged."""
    marker = f'"kind":"{ACKNOWLEDGEMENT}"'.encode()
    with write_session(engine) as session, session.begin():
        done = set()
        for _, _, leaf in store.iter_entries(session.connection()):
            if marker in leaf and (entry := parse_leaf(leaf)).public_key == log.public_key:
                done.add(entry.body["key_id"])
        registered = session.execute(
            select(KeyEvent.key_id, KeyEvent.log_index)
            .where(KeyEvent.event == "registered", KeyEvent.key_id.not_in(done))
            .order_by(KeyEvent.log_index)
        ).all()
        for key_id_, index in registered:
            key = session.get(MemberKey, key_id_)
            assert key is not None
            predecessor = session.scalar(
                select(KeyEvent.key_id).where(KeyEvent.event == "rotated", KeyEvent.successor_key_id == key_id_)
            )
            acknowledge(session, log, key.account_id, key.public_key, index, predecessor, clock())
        return len(registered)
