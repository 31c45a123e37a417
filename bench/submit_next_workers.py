"""The members the Submit & next bench works as (bench/submit_next_bench.py): one with a key of
their own, stepping through the API and the portal's page, one whose key is in the co-op's
custody, using the portal's form; and the SQL counter the own-key steps report."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import event

from bench.item_seed import ANSWERS
from bench.portal_seed import PASSWORD
from provenance.core.canonical import canonical_json
from provenance.core.signing import b64, key_id, sign_statement
from web.app import create_app
from web.runtime import Runtime


class SqlCounter:
    """SQL statements and commits the app sends to the database (an engine event listener)."""

    def __init__(self, engine: Any):
        self.statements = self.commits = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    def snapshot(self) -> tuple[int, int]:
        return self.statements, self.commits


def client_statement(claim: dict[str, Any], answer: dict[str, Any], minutes: int, terms: Any, key: Any) -> Any:
    """The statement the member's device builds from the claim and the answer, with no round trip
    (docs/submit-and-next.md), signed with their key."""
    body = {
        "task": claim["task_id"],
        "content_sha256": hashlib.sha256(canonical_json(answer)).hexdigest(),
        "author": key_id(bytes(key.verify_key)),
        "terms": terms,
        "minutes": minutes,
        "units": 1,
        "time": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "revises": None,
        "item": claim["item"]["id"],
        "item_sha256": claim["item"]["sha256"],
        "answer": answer,
    }
    signed = sign_statement(key, "contribution", body)
    return {"kind": signed.kind, "body": body, "key": b64(signed.public_key), "sig": b64(signed.signature)}


class OwnKeyWorker:
    """A member with a key of their own, working through the API and reading the portal's page."""

    def __init__(self, runtime: Runtime, person: Any, terms: dict[str, Any], counter: SqlCounter):
        token = runtime.auth.create_token(person.principal, "bench", ["read", "write"])
        self.api = TestClient(app=create_app(runtime=runtime))
        self.api.__enter__()
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.portal = TestClient(app=create_app(runtime=runtime))
        self.portal.__enter__()
        self.portal.cookies.set("coop_session", runtime.auth.start_session(person.principal))
        self.key = person.key
        self.terms = terms
        self.counter = counter
        self.claims: dict[str, dict[str, Any]] = {}
        self.n = 0

    def claim(self, task_id: str) -> dict[str, Any]:
        response = self.api.post(f"/api/tasks/{task_id}/claim")
        assert response.status_code == 200, response.text
        claim: dict[str, Any] = response.json()
        return claim

    def _answer(self) -> dict[str, Any]:
        self.n += 1
        return ANSWERS[self.n % len(ANSWERS)]

    def step(self, task_id: str) -> dict[str, float]:
        """Submit & next as one request (answer signed on the device + the next claim), then the
        next item's page; seconds per part, and the SQL statements and commits of the step."""
        claim = self.claims.get(task_id) or self.claim(task_id)
        answer = self._answer()
        sql, commits = self.counter.snapshot()
        cpu, start = time.process_time(), time.perf_counter()
        statement = client_statement(claim, answer, 2, self.terms, self.key)
        fields = {"answer": answer, "minutes": 2, "terms": self.terms, "statement": statement}
        done = self.api.post(f"/api/claims/{claim['claim_id']}/answer?next=true", json=fields)
        assert done.status_code == 200 and done.json()["next"], done.text
        parts = {"submit_next": time.perf_counter() - start}
        following: dict[str, Any] = done.json()["next"]
        mark = time.perf_counter()
        shown = self.portal.get(f"/claims/{following['claim_id']}?answered={claim['claim_id']}")
        parts["render"] = time.perf_counter() - mark
        parts["total"] = time.perf_counter() - start
        parts["cpu"] = time.process_time() - cpu  # this process's CPU (app and client), not PostgreSQL's
        assert shown.status_code == 200 and 'data-testid="receipt"' in shown.text and "question" in shown.text
        after = self.counter.snapshot()
        parts["sql_count"], parts["commit_count"] = after[0] - sql, after[1] - commits
        self.claims[task_id] = following
        return parts

    def step_four_requests(self, task_id: str) -> dict[str, float]:
        """The step as it was (the comparison): statement, answer, claim, page — four requests."""
        claim = self.claims.get(task_id) or self.claim(task_id)
        claim_id = claim["claim_id"]
        fields = {"answer": self._answer(), "minutes": 2, "terms": self.terms}
        parts: dict[str, float] = {}
        sql, commits = self.counter.snapshot()
        cpu, start = time.process_time(), time.perf_counter()
        body = self.api.post(
            f"/api/claims/{claim_id}/statement", json={**fields, "key": b64(bytes(self.key.verify_key))}
        ).json()["body"]
        parts["statement"] = time.perf_counter() - start
        mark = time.perf_counter()
        signed = sign_statement(self.key, "contribution", body)
        statement = {"kind": signed.kind, "body": body, "key": b64(signed.public_key), "sig": b64(signed.signature)}
        answered = self.api.post(f"/api/claims/{claim_id}/answer", json={**fields, "statement": statement})
        assert answered.status_code == 200, answered.text
        parts["answer"] = time.perf_counter() - mark
        mark = time.perf_counter()
        following = self.claim(task_id)
        parts["claim"] = time.perf_counter() - mark
        mark = time.perf_counter()
        shown = self.portal.get(f"/claims/{following['claim_id']}?answered={claim_id}")
        parts["render"] = time.perf_counter() - mark
        parts["total"] = time.perf_counter() - start
        parts["cpu"] = time.process_time() - cpu
        assert shown.status_code == 200 and 'data-testid="receipt"' in shown.text and "question" in shown.text
        after = self.counter.snapshot()
        parts["sql_count"], parts["commit_count"] = after[0] - sql, after[1] - commits
        self.claims[task_id] = following
        return parts


class CustodialWorker:
    """A member whose key is in the co-op's custody, using the portal's form (password each time)."""

    def __init__(self, runtime: Runtime, person: Any):
        self.portal = TestClient(app=create_app(runtime=runtime))
        self.portal.__enter__()
        self.portal.cookies.set("coop_session", runtime.auth.start_session(person.principal))
        self.portal.get("/")
        self.csrf = self.portal.cookies.get("csrftoken") or ""
        self.locations: dict[str, str] = {}

    def step(self, task_id: str) -> dict[str, float]:
        location = self.locations.get(task_id)
        if location is None:
            started = self.portal.post(
                f"/tasks/{task_id}/work", data={"_csrf_token": self.csrf}, follow_redirects=False
            )
            location = started.headers["location"]
        claim_path = location.split("?")[0]
        form = {"choice": "A", "reason": "clearer", "password": PASSWORD, "minutes": "2", "_csrf_token": self.csrf}
        start = time.perf_counter()
        posted = self.portal.post(f"{claim_path}/answer", data=form, follow_redirects=False)
        submitted = time.perf_counter() - start
        assert posted.status_code == 303, posted.text[:500]
        shown = self.portal.get(posted.headers["location"])
        total = time.perf_counter() - start
        assert shown.status_code == 200 and 'data-testid="receipt"' in shown.text
        self.locations[task_id] = posted.headers["location"]
        return {"submit": submitted, "render": total - submitted, "total": total}
