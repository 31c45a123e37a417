"""Which version of a policy is in force at a time t — the one question every other part asks.

A policy version is immutable and logged (kind `policy.adopted`, signed by the co-op): the log shows
every rule the co-op ever had and when it took effect. Decisions record the version they used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from governance.defaults import all_defaults
from governance.models import PolicyVersion
from provenance.core.canonical import canonical_json
from provenance.service import ProvenanceLog


class NoPolicy(LookupError):
    pass


@dataclass(frozen=True)
class Policy:
    name: str
    version: int
    body: dict[str, Any]
    effective_at: datetime
    adopted_via: str
    log_index: int

    @property
    def ref(self) -> dict[str, Any]:
        """How decisions cite the policy they applied."""
        return {"policy": self.name, "version": self.version}


class PolicyService:
    def __init__(self, engine: Engine, log: ProvenanceLog, clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.log = log
        self.clock = clock

    def seed_defaults(self) -> list[Policy]:
        """Version 1 of each policy that has none yet (idempotent)."""
        seeded = []
        for name, body in all_defaults().items():
            with Session(self.engine) as session:
                exists = session.scalar(select(PolicyVersion.id).where(PolicyVersion.name == name).limit(1))
            if exists is None:
                seeded.append(self.adopt(name, body, self.clock(), "seed"))
        return seeded

    def adopt(self, name: str, body: dict[str, Any], effective_at: datetime, adopted_via: str) -> Policy:
        canonical = canonical_json(body)
        with write_session(self.engine) as session, session.begin():
            current = session.scalar(select(func.max(PolicyVersion.version)).where(PolicyVersion.name == name)) or 0
            version = current + 1
            adopted = {
                "policy": name,
                "version": version,
                "body_sha256": hashlib.sha256(canonical).hexdigest(),
                "body": body,
                "effective_at": effective_at.isoformat(),
                "adopted_via": adopted_via,
            }
            index = self.log.append_coop_statement(session.connection(), "policy.adopted", adopted)
            session.add(
                PolicyVersion(
                    name=name,
                    version=version,
                    body=canonical.decode(),
                    effective_at=effective_at,
                    adopted_via=adopted_via,
                    log_index=index,
                )
            )
        return Policy(name, version, body, effective_at, adopted_via, index)

    def in_force(self, name: str, at: datetime | None = None) -> Policy:
        when = at or self.clock()
        with Session(self.engine) as session:
            row = session.scalar(
                select(PolicyVersion)
                .where(PolicyVersion.name == name, PolicyVersion.effective_at <= when)
                .order_by(PolicyVersion.version.desc())
                .limit(1)
            )
            if row is None:
                raise NoPolicy(f"no version of policy '{name}' is in force at {when.isoformat()}")
            return _policy(row)

    def version(self, name: str, version: int) -> Policy:
        with Session(self.engine) as session:
            row = session.scalar(
                select(PolicyVersion).where(PolicyVersion.name == name, PolicyVersion.version == version)
            )
            if row is None:
                raise NoPolicy(f"policy '{name}' has no version {version}")
            return _policy(row)

    def history(self, name: str | None = None) -> list[Policy]:
        with Session(self.engine) as session:
            query = select(PolicyVersion).order_by(PolicyVersion.name, PolicyVersion.version)
            if name:
                query = query.where(PolicyVersion.name == name)
            return [_policy(row) for row in session.scalars(query)]


def _policy(row: PolicyVersion) -> Policy:
    return Policy(row.name, row.version, json.loads(row.body), row.effective_at, row.adopted_via, row.log_index)
