"""Issue 4, in-process: accepted contributions per second, end to end, through the real services.

Each contribution goes the way the JSON API takes it: a draft (content stored by SHA-256), the
statement body fetched from the service, signed with the author's own Ed25519 key (as `coop sign`
does on the member's machine), `submit_signed`, then two reviewers' reviews through
ReviewService.review; the second review meets the rubric's acceptance rule, so the co-op
countersigns and appends the entry to the provenance log in that transaction and posts base pay.
No HTTP: this is the cost of the services and the database, one caller at a time.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.databases import ORIGIN, bench_coop_key, fresh_database, migrated_engine
from bench.portal_seed import PASSWORD, open_tasks, service_member
from coop.kernel.settings import Settings
from coop.membership.secrets import set_argon2_cost
from coop.statements import check_statement
from coop.work.contributions import STATEMENT_KIND
from coop.work.models import Acceptance
from provenance.core.note import NoteSigner
from provenance.core.signing import sign_statement
from provenance.service import ProvenanceLog
from web.runtime import Runtime


def runtime_for(url: str, data_dir: Path) -> Runtime:
    settings = Settings.from_env({"COOP_DATA_DIR": str(data_dir), "COOP_DATABASE_URL": url, "COOP_LOG_ORIGIN": ORIGIN})
    engine = migrated_engine(url)
    # With the statement schemas, as build_runtime builds it: the services append only checked statements.
    runtime = Runtime(
        settings, engine, ProvenanceLog(engine, NoteSigner(ORIGIN, bench_coop_key()), ORIGIN, check_statement)
    )
    runtime.policies.seed_defaults()
    return runtime


def flow_rate(kind: str, count: int, pg_url: str) -> dict[str, Any]:
    """Accepted contributions/s over `count` contributions on a fresh database, with the time per stage."""
    set_argon2_cost("test-only-minimum")  # account setup only; the flow itself signs with own keys
    with tempfile.TemporaryDirectory() as tmp, fresh_database(kind, Path(tmp) / "db", pg_url) as db:
        runtime = runtime_for(db.url, Path(tmp))
        try:
            steward = runtime.members.principal(
                runtime.members.create_steward("Flow Steward", "steward@flow.test", PASSWORD)
            )
            assert steward is not None
            author = service_member(runtime, steward, "Flow Author", "author@flow.test")
            reviewers = [
                service_member(
                    runtime, steward, f"Flow Reviewer {i}", f"r{i}@flow.test", ("member", "reviewer"), with_key=False
                ).principal
                for i in range(2)
            ]
            tasks = open_tasks(
                runtime, steward, 4
            )  # spread over tasks: the floor check re-reads a task's accepted work
            rubric = runtime.policies.version(tasks[0].rubric, tasks[0].rubric_version).body
            scores = {c["name"]: c["max"] for c in rubric["criteria"]}
            terms = {"permitted_uses": ["model-training", "model-evaluation"], "excluded_sectors": [], "expires": None}
            stages = {"draft": 0.0, "sign+submit": 0.0, "review 1": 0.0, "review 2 + accept + log": 0.0}
            assert author.key is not None
            start = time.perf_counter()
            for i in range(count):
                t0 = time.perf_counter()
                draft = runtime.contributions.draft(
                    author.principal, tasks[i % len(tasks)].id, f"flow answer {i}".encode(), "text/plain", 15, terms
                )
                t1 = time.perf_counter()
                body = runtime.contributions.statement_body(author.principal, draft.id, bytes(author.key.verify_key))
                runtime.contributions.submit_signed(
                    author.principal, draft.id, sign_statement(author.key, STATEMENT_KIND, body)
                )
                t2 = time.perf_counter()
                runtime.reviews.review(reviewers[0], draft.id, scores, "Good.")
                t3 = time.perf_counter()
                decision = runtime.reviews.review(reviewers[1], draft.id, scores, "Good.")
                t4 = time.perf_counter()
                assert decision.outcome == "accepted", decision
                for name, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    stages[name] += seconds
            elapsed = time.perf_counter() - start
            with Session(runtime.engine) as session:
                accepted = int(session.scalar(select(func.count()).select_from(Acceptance)) or 0)
            assert accepted == count, (accepted, count)
            return {
                "kind": kind,
                "count": count,
                "seconds": elapsed,
                "per_s": count / elapsed,
                "stages_ms": {k: v * 1000 / count for k, v in stages.items()},
                "log_size": runtime.log.size(),
            }
        finally:
            runtime.close()
