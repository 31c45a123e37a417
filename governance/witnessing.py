"""The log's side of witnessing (docs/witnesses.md): submit the latest checkpoint to each witness of
the members' `witnesses` policy, keep the cosignature lines they answer, and say which are served.

Never in the append path: a background ticker (web.app.WitnessTicker) calls `cosign_latest`, so an
append never waits on a witness. Each witness is asked on its own thread with its own timeout, so a
witness that is down delays only its own cosignature. A witness is sent the consistency proof from
the size it last cosigned for us (our table); when it answers 409 with another size (its state and
ours differ: a restart, a lost row, a second server), the proof is rebuilt from the size it reports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coop.kernel.db import utcnow, write_session
from governance.defaults import WITNESSES
from governance.policies import NoPolicy, PolicyService
from governance.witness_models import WitnessCosignature
from provenance import store
from provenance.core.cosignature import CosignatureVerifier
from provenance.core.note import NoteError
from provenance.service import ProvenanceLog
from provenance.witness.client import Cosigned, SizeConflict, WitnessError, add_checkpoint

POLICY = "witnesses"
MAX_CONFLICTS = 3  # 409s in a row before giving up until the next tick (a witness that keeps moving)
log = logging.getLogger("coop.witnessing")

Submit = Callable[[str, CosignatureVerifier, int, Sequence[bytes], str], Cosigned | SizeConflict]


@dataclass(frozen=True)
class Witness:
    name: str
    vkey: str
    url: str

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.parse(self.vkey)


@dataclass(frozen=True)
class WitnessPolicy:
    k: int
    witnesses: tuple[Witness, ...]
    version: int  # 0: no version adopted yet (a database `coop init` has not seeded): the default

    def as_json(self) -> dict[str, Any]:
        return {"k": self.k, "witnesses": [{"name": w.name, "vkey": w.vkey, "url": w.url} for w in self.witnesses]}


class Witnessing:
    def __init__(
        self,
        log: ProvenanceLog,
        policies: PolicyService,
        clock: Callable[[], datetime] = utcnow,
        submit: Submit = add_checkpoint,
    ):
        self.log = log
        self.engine = log.engine
        self.policies = policies
        self.clock = clock
        self.submit = submit

    def policy(self) -> WitnessPolicy:
        try:
            adopted = self.policies.in_force(POLICY)
            body, version = adopted.body, adopted.version
        except NoPolicy:
            body, version = WITNESSES, 0
        witnesses = tuple(Witness(w["name"], w["vkey"], w["url"]) for w in body["witnesses"])
        return WitnessPolicy(int(body["k"]), witnesses, version)

    # -- cosigning (the background ticker) --------------------------------------------------------

    def cosign_latest(self) -> dict[str, str]:
        """Ask every witness of the policy to cosign the latest checkpoint; per witness, what happened."""
        witnesses = self.policy().witnesses
        checkpoint = self.log.latest_checkpoint()
        if checkpoint is None or not witnesses:
            return {}
        with ThreadPoolExecutor(max_workers=len(witnesses)) as pool:
            outcomes = pool.map(lambda w: (w.name, self._cosign(w, checkpoint)), witnesses)
            return dict(outcomes)

    def _cosign(self, witness: Witness, checkpoint: store.StoredCheckpoint) -> str:
        old = self.latest_sizes().get(witness.name, 0)
        if old >= checkpoint.size:
            return f"has {old}"
        for _ in range(MAX_CONFLICTS):
            if old > checkpoint.size:
                log.warning("witness %s has size %d, beyond the log's %d", witness.name, old, checkpoint.size)
                return f"ahead: {old}"
            proof = [] if old in (0, checkpoint.size) else self.log.consistency_proof(old, checkpoint.size)
            try:
                answer = self.submit(witness.url, witness.verifier, old, proof, checkpoint.note)
            except (WitnessError, NoteError) as error:
                log.warning("witness %s did not cosign size %d: %s", witness.name, checkpoint.size, error)
                return f"error: {error}"
            if isinstance(answer, SizeConflict):
                old = answer.size
                continue
            self._keep(witness.name, checkpoint, answer.lines)
            return f"cosigned {checkpoint.size}"
        return f"conflict: {old}"

    def _keep(self, name: str, checkpoint: store.StoredCheckpoint, lines: Sequence[str]) -> None:
        with write_session(self.engine) as session, session.begin():
            for line in lines:
                session.add(
                    WitnessCosignature(
                        witness=name,
                        size=checkpoint.size,
                        root_hash=checkpoint.root_hash,
                        line=line if line.endswith("\n") else line + "\n",
                        received_at=self.clock(),
                    )
                )

    # -- reading (GET /log/checkpoint, GET /log/witnesses) ----------------------------------------

    def latest_sizes(self) -> dict[str, int]:
        """The latest size each witness cosigned for this log, by witness name."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(WitnessCosignature.witness, func.max(WitnessCosignature.size)).group_by(
                    WitnessCosignature.witness
                )
            )
            return {name: int(size) for name, size in rows}

    def valid_lines(self, checkpoint: store.StoredCheckpoint, policy: WitnessPolicy) -> dict[str, list[str]]:
        """The stored lines over `checkpoint` by the policy's witnesses that verify against their vkey
        in force now (a witness dropped or re-keyed by a new policy no longer counts), by witness."""
        verifiers = {w.name: w.verifier for w in policy.witnesses}
        text = checkpoint.note[: checkpoint.note.rfind("\n\n") + 1]
        with Session(self.engine) as session:
            rows = session.execute(
                select(WitnessCosignature.witness, WitnessCosignature.line)
                .where(WitnessCosignature.size == checkpoint.size, WitnessCosignature.root_hash == checkpoint.root_hash)
                .order_by(WitnessCosignature.id)
            ).all()
        valid: dict[str, list[str]] = {}
        for name, line in rows:
            verifier = verifiers.get(name)
            try:
                if verifier is not None and verifier.verify_line(text, line) is not None:
                    valid.setdefault(name, []).append(line)
            except NoteError:
                continue
        return valid

    def cosigned_checkpoint(self) -> str | None:
        """The note `GET /log/checkpoint` serves: the latest checkpoint any witness of the policy
        cosigned, its co-op signature followed by the cosignature lines; the latest checkpoint with
        the co-op's signature alone when no witness of the policy has cosigned any; None when the log
        has no checkpoint."""
        policy = self.policy()
        names = [w.name for w in policy.witnesses]
        latest = self.log.latest_checkpoint()
        if latest is None:
            return None
        with self.engine.connect() as conn:
            sizes = conn.execute(
                select(WitnessCosignature.size)
                .where(WitnessCosignature.witness.in_(names))
                .distinct()
                .order_by(WitnessCosignature.size.desc())
                .limit(8)
            ).scalars()
            for size in sizes:
                checkpoint = store.checkpoint_of_size(conn, int(size))
                if checkpoint is None:
                    continue
                lines = self.valid_lines(checkpoint, policy)
                if lines:
                    return checkpoint.note + "".join(line for name in names for line in lines.get(name, []))
        return latest.note

    def status(self) -> dict[str, Any]:
        """`GET /log/witnesses`: the policy in force, the latest size each witness cosigned, and the
        latest size cosigned by k of them (with k 0, every checkpoint counts: the latest)."""
        policy = self.policy()
        sizes = self.latest_sizes()
        latest = self.log.latest_checkpoint()
        with_k: int | None = latest.size if latest is not None and policy.k == 0 else None
        if policy.k > 0:
            names = [w.name for w in policy.witnesses]
            with self.engine.connect() as conn:
                candidates = conn.execute(
                    select(WitnessCosignature.size)
                    .where(WitnessCosignature.witness.in_(names))
                    .group_by(WitnessCosignature.size)
                    .having(func.count(WitnessCosignature.witness.distinct()) >= policy.k)
                    .order_by(WitnessCosignature.size.desc())
                    .limit(8)
                ).scalars()
                for size in candidates:
                    checkpoint = store.checkpoint_of_size(conn, int(size))
                    if checkpoint is not None and len(self.valid_lines(checkpoint, policy)) >= policy.k:
                        with_k = checkpoint.size
                        break
        body = policy.as_json()
        body["version"] = policy.version
        body["cosigned"] = {w.name: sizes.get(w.name) for w in policy.witnesses}
        body["latest_size_with_k"] = with_k
        return body
