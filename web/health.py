"""`GET /healthz`: 200 when the database answers and the log head is readable, 503 when not.

For a load balancer or an orchestrator: the one question is whether this process can serve the log.
It reads the head row and the checkpoint of that size in ONE statement (one snapshot even under READ
COMMITTED): a head without its signed checkpoint means the log cannot be served as published. An
idle log is healthy however old its checkpoint; the age is reported for humans and /metrics alerts.
The reason for a 503 is generic on the wire (it is public) and logged in full on the server.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from sqlalchemy import Engine

from coop.kernel.db import utcnow
from provenance import store

_TIMEOUT_MS = 2000  # PostgreSQL: a health check that hangs is no answer


def check(engine: Engine) -> tuple[bool, dict[str, Any]]:
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {_TIMEOUT_MS}")
            found = store.head_with_checkpoint(conn)
    except Exception:  # noqa: BLE001 - whatever the failure, the answer is "not healthy"; the log has why
        logging.getLogger("coop.health").exception("health check: the database did not answer")
        return False, {"status": "unavailable", "database": "not answering"}
    if found is None:
        return False, {"status": "unavailable", "database": "ok", "log": "the log head row is missing"}
    head, checkpoint = found
    if head and checkpoint is None:
        logging.getLogger("coop.health").error("health check: log head %s has no checkpoint of that size", head)
        return False, {
            "status": "unavailable",
            "database": "ok",
            "log": f"no signed checkpoint for the head ({head} entries)",
        }
    log: dict[str, Any] = {"size": head}
    if checkpoint is not None:
        log["checkpoint_signed_at"] = checkpoint.signed_at.isoformat()
        log["checkpoint_age_seconds"] = round((utcnow() - checkpoint.signed_at).total_seconds(), 3)
    return True, {"status": "ok", "database": "ok", "log": log}


@get("/healthz", include_in_schema=False, sync_to_thread=True)
def healthz(engine: NamedDependency[Engine]) -> Response[dict[str, Any]]:
    healthy, details = check(engine)
    return Response(details, status_code=200 if healthy else 503, headers={"Cache-Control": "no-store"})
