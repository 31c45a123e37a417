"""`coop books commit-backlog`: commit, once, the transactions posted before the books answered to the log.

Books older than ledger.commitment have no `books.committed` entries, and `coop books verify` names
every such transaction "not in the log". Committing them blesses whatever the rows say at that
moment, so it is a deliberate act at upgrade, never a migration's side effect, and bounded: only
transactions up to `through` (the upgrade's last transaction id, which the operator states) are
committed, and only if each one agrees with the business record it claims to come from
(ledger.reconcile.against_record). One disagreement refuses the whole backlog and commits nothing:
a forged or altered transaction must stay visible, not be blessed. Running it again commits nothing
new (what the log already holds is skipped).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from coop.kernel.errors import Refused
from coop.operations.books_audit import BooksAudit, commitments, transactions
from ledger.commitment import KIND, committed_bodies
from ledger.reconcile import Finding, against_record, digest_of
from provenance.core.signing import sign_statement
from provenance.service import ProvenanceLog

BODIES_PER_APPEND = 50  # up to 50 × MAX_COMMITTED transactions per append: the head is locked briefly


@dataclass(frozen=True)
class Backlog:
    committed: int  # transactions committed by this run
    already: int  # transactions up to `through` the log already held
    entries: list[int]  # the log indices of the new books.committed entries


class BacklogRefused(Refused):
    def __init__(self, findings: list[Finding]):
        self.findings = findings
        shown = "; ".join(str(f) for f in findings[:5])
        more = f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""
        super().__init__(
            f"{len(findings)} transaction(s) disagree with their business records, so nothing was committed: "
            f"{shown}{more}"
        )


def commit_backlog(engine: Engine, log: ProvenanceLog, through: int) -> Backlog:
    """Commit every transaction with id ≤ `through` the log does not hold yet, or refuse them all."""
    if through < 1:
        raise Refused("--through is the id of the last transaction to commit (a positive whole number)")
    counts = BooksAudit()
    missing: list[tuple[int, str]] = []
    refused: list[Finding] = []
    already = 0
    with engine.connect() as conn, conn.begin():
        held = {c.tx_id for c in commitments(conn, counts)}
        for tx in transactions(conn, counts):
            if tx.id > through:
                break
            if tx.id in held:
                already += 1
                continue
            refused += [Finding(tx.id, what) for what in against_record(tx)]
            missing.append((tx.id, digest_of(tx)))
    if refused:
        raise BacklogRefused(refused)
    bodies = committed_bodies(missing)
    entries: list[int] = []
    key = log.signer.signing_key
    for start in range(0, len(bodies), BODIES_PER_APPEND):
        chunk = bodies[start : start + BODIES_PER_APPEND]
        entries += log.append_many([sign_statement(key, KIND, body) for body in chunk])
    return Backlog(len(missing), already, entries)
