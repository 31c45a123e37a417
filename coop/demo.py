"""Demo data, so a newcomer's first `coop serve` shows a living log.

Seeded statements are signed by demo keys derived from fixed seeds (clearly named as such), so
running the demo twice adds nothing: it stops if the log already holds entries.
"""

from __future__ import annotations

import hashlib

import nacl.signing

from coop.runtime import Runtime
from provenance.core.signing import key_id, sign_statement

DEMO_MEMBERS = ["demo-member-amara", "demo-member-bo", "demo-member-chidi"]


def demo_key(name: str) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(hashlib.sha256(b"coop-ledger demo key\n" + name.encode()).digest())


def seed_demo(runtime: Runtime) -> str:
    log = runtime.log
    if log.size() > 0:
        return f"demo: the log already has {log.size()} entries; nothing added"
    statements = []
    for number in range(12):
        key = demo_key(DEMO_MEMBERS[number % len(DEMO_MEMBERS)])
        body = {
            "task": f"demo-task-{number % 4 + 1}",
            "content_sha256": hashlib.sha256(f"demo answer {number}".encode()).hexdigest(),
            "author": key_id(bytes(key.verify_key)),
            "terms": {"permitted_uses": ["model-training", "research"], "excluded_sectors": ["military"], "expires": None},
            "minutes": 10 + number,
            "time": f"2026-11-{number + 1:02d}T10:00:00Z",
        }
        statements.append(sign_statement(key, "demo.contribution", body))
    indices = log.append_many(statements)
    return f"demo: appended {len(indices)} signed demo statements; log size {log.size()}"
