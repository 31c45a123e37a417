"""Bursts of simultaneous writes against the real app over HTTP: none is refused, none is lost.

The app runs in uvicorn on a real socket (in a thread of the test process, on the test's runtime), so
requests from many client threads, released together, reach the database at the same moment as
they would in production. Afterwards the rows and log entries are counted.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from coop.kernel.db import ReadOnlyTransaction, utcnow, write_connection, write_session
from coop.membership.models import ApiToken, AuthAttempt, WebSession
from coop.work.models import ConflictDeclaration, Contribution
from governance.models import BallotRecord, Proposal, ProposalComment
from provenance.core.entry import parse_leaf
from tests.conftest import TERMS
from web.app import create_app

BURST = 12


@pytest.fixture
def server(runtime) -> Iterator[str]:
    """The app served by uvicorn on a free port; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    uvicorn_server = uvicorn.Server(uvicorn.Config(create_app(runtime=runtime), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    uvicorn_server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def burst(
    url: str,
    count: int,
    send: Callable[[httpx.Client, int], httpx.Response],
    prepare: Callable[[httpx.Client, int], None] | None = None,
) -> list[httpx.Response]:
    """send(client, i) from `count` threads released at once (each with its own connection)."""
    ready = threading.Barrier(count)

    def run(i: int) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=120, follow_redirects=False) as client:
            if prepare is not None:
                prepare(client, i)
            ready.wait()
            return send(client, i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def assert_all(responses: list[httpx.Response], status: int) -> None:
    wrong = [(r.status_code, r.text[:300]) for r in responses if r.status_code != status]
    assert not wrong, f"{len(wrong)} of {len(responses)} requests did not answer {status}: {wrong}"


def count(runtime, query) -> int:
    with Session(runtime.engine) as session:
        return session.scalar(select(func.count()).select_from(query.subquery()))


def bearer(runtime, principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.auth.create_token(principal, 'burst', ['read', 'write'])}"}


def logged_kinds(runtime) -> list[str]:
    return [parse_leaf(runtime.log.entry(i)).kind for i in range(runtime.log.size())]


def test_simultaneous_token_requests_of_one_member_are_all_granted(runtime, server, admit):
    admit("ana")
    body = {"email": "ana@coop.test", "password": "ana-password", "label": "burst", "scopes": ["read"]}
    assert_all(burst(server, BURST, lambda client, i: client.post("/api/tokens", json=body)), 201)
    assert count(runtime, select(ApiToken.id)) == BURST
    assert (
        count(runtime, select(AuthAttempt.id).where(AuthAttempt.action == "password", AuthAttempt.succeeded)) == BURST
    )


def test_simultaneous_sign_ins_of_one_member_each_start_a_session(runtime, server, admit):
    ana = admit("ana")

    def open_form(client: httpx.Client, _: int) -> None:
        client.get("/login")

    def sign_in(client: httpx.Client, _: int) -> httpx.Response:
        form = {
            "email": "ana@coop.test",
            "password": "ana-password",
            "next": "/",
            "_csrf_token": client.cookies["csrftoken"],
        }
        return client.post("/login", data=form)

    assert_all(burst(server, BURST, sign_in, prepare=open_form), 303)
    assert count(runtime, select(WebSession.id_hash).where(WebSession.account_id == ana.account_id)) == BURST


def test_simultaneous_sign_outs_each_end_their_session(runtime, server, admit):
    ana = admit("ana")
    sessions = [runtime.auth.start_session(ana) for _ in range(BURST)]

    def sign_out(client: httpx.Client, i: int) -> httpx.Response:
        client.cookies.set("coop_session", sessions[i])
        client.get("/")
        return client.post("/logout", data={"_csrf_token": client.cookies["csrftoken"]})

    assert_all(burst(server, BURST, sign_out), 303)
    assert all(runtime.auth.session_principal(s) is None for s in sessions)


def test_simultaneous_token_creations_and_revocations_by_a_signed_in_member_all_take_effect(runtime, server, admit):
    ana = admit("ana")
    headers = bearer(runtime, ana)
    created = burst(
        server,
        BURST,
        lambda client, i: client.post("/api/me/tokens", json={"label": f"t{i}", "scopes": ["read"]}, headers=headers),
    )
    assert_all(created, 201)
    ids = [t.id for t in runtime.auth.tokens(ana) if t.label != "burst"]
    assert len(ids) == BURST
    assert_all(burst(server, BURST, lambda client, i: client.delete(f"/api/me/tokens/{ids[i]}", headers=headers)), 204)
    assert all(t.revoked_at is not None for t in runtime.auth.tokens(ana) if t.label != "burst")


def test_simultaneous_comments_on_a_proposal_are_all_kept(runtime, server, steward, admit):
    runtime.policies.seed_defaults()
    members = [admit(name) for name in ("ana", "ben", "cat", "dev")]
    headers = [bearer(runtime, m) for m in members]
    proposal = runtime.governance.propose(
        members[0], "resolution", "Adopt a logo", "", {"text": "The green square."}, voting_minutes=60
    )
    comments = 20

    def comment(client: httpx.Client, i: int) -> httpx.Response:
        return client.post(
            f"/api/proposals/{proposal.id}/comments", json={"text": f"comment {i}"}, headers=headers[i % len(headers)]
        )

    assert_all(burst(server, comments, comment), 201)
    assert count(runtime, select(ProposalComment.id).where(ProposalComment.proposal_id == proposal.id)) == comments


def test_simultaneous_ballots_are_all_recorded_and_logged(runtime, server, steward, admit):
    runtime.policies.seed_defaults()
    names = [f"voter{i}" for i in range(BURST)]
    voters = [admit(name) for name in names]
    for voter, name in zip(voters, names, strict=True):
        runtime.keys.create_custodial_key(voter, f"{name}-password")
    headers = [bearer(runtime, v) for v in voters]
    proposal = runtime.governance.propose(
        voters[0], "resolution", "Adopt a logo", "", {"text": "The green square."}, voting_minutes=60
    )

    def vote(client: httpx.Client, i: int) -> httpx.Response:
        return client.post(
            f"/api/proposals/{proposal.id}/ballots",
            json={"vote": "yes", "password": f"{names[i]}-password"},
            headers=headers[i],
        )

    assert_all(burst(server, BURST, vote), 201)
    assert count(runtime, select(BallotRecord.id).where(BallotRecord.proposal_id == proposal.id)) == BURST
    assert logged_kinds(runtime).count("ballot") == BURST


def test_simultaneous_submissions_are_all_signed_and_kept(runtime, server, work):
    drafts = [
        runtime.contributions.draft(work.author, work.task.id, f"answer {i}".encode(), "text/plain", 15, TERMS)
        for i in range(BURST)
    ]
    headers = bearer(runtime, work.author)

    def submit(client: httpx.Client, i: int) -> httpx.Response:
        return client.post(
            f"/api/contributions/{drafts[i].id}/submit", json={"password": "amara-password"}, headers=headers
        )

    assert_all(burst(server, BURST, submit), 200)
    submitted = select(Contribution.id).where(Contribution.status == "submitted", Contribution.signature.is_not(None))
    assert count(runtime, submitted.distinct()) == BURST


def test_simultaneous_declarations_of_one_conflict_record_it_once(runtime, server, work):
    reviewer = work.reviewers[0]
    headers = bearer(runtime, reviewer)

    def declare(client, i):
        return client.post("/api/reviews/conflicts", json={"author_id": work.author.account_id}, headers=headers)

    assert_all(burst(server, BURST, declare), 200)
    assert (
        count(
            runtime, select(ConflictDeclaration.author_id).where(ConflictDeclaration.reviewer_id == reviewer.account_id)
        )
        == 1
    )


# -- a database too busy to answer in time --------------------------------------------------------


def wait_for_locks_at_most_200ms(engine, db_kind) -> None:
    """New connections give up on a lock after 200 ms instead of 30 s (then the pool is emptied)."""

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=200" if db_kind == "sqlite" else "SET lock_timeout = '200ms'")
        cursor.close()
        if db_kind == "postgresql":
            dbapi_connection.commit()

    engine.dispose()


@pytest.fixture
def proposal(runtime, steward, admit):
    runtime.policies.seed_defaults()
    ana = admit("ana")
    return runtime.governance.propose(
        ana, "resolution", "Adopt a logo", "", {"text": "The green square."}, voting_minutes=60
    ), bearer(runtime, ana)


def test_a_write_that_cannot_get_its_lock_in_time_answers_503_with_retry_after_and_changes_nothing(
    runtime, client, proposal, db_kind
):
    (opened, headers), path = proposal, f"/api/proposals/{proposal[0].id}/comments"
    wait_for_locks_at_most_200ms(runtime.engine, db_kind)
    with write_connection(runtime.engine) as holder, holder.begin():  # another writer, holding what the comment needs
        if db_kind == "postgresql":
            holder.execute(select(Proposal.id).where(Proposal.id == opened.id).with_for_update())
        busy = client.post(path, json={"text": "first!"}, headers=headers)
    assert (busy.status_code, busy.headers.get("retry-after")) == (503, "2"), busy.text
    assert "busy" in busy.json()["detail"]
    assert count(runtime, select(ProposalComment.id)) == 0
    assert client.post(path, json={"text": "first!"}, headers=headers).status_code == 201


def test_any_other_database_failure_is_a_logged_500(runtime, client, proposal, db_kind, caplog):
    if db_kind != "sqlite":
        pytest.skip("a missing table is an OperationalError on SQLite only (PostgreSQL: ProgrammingError)")
    (opened, headers) = proposal
    with write_connection(runtime.engine) as conn, conn.begin():
        conn.exec_driver_sql("DROP TABLE proposal_comment")
    response = client.post(f"/api/proposals/{opened.id}/comments", json={"text": "first!"}, headers=headers)
    assert response.status_code == 500 and "retry-after" not in response.headers
    assert any(r.levelname == "ERROR" and "no such table" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_a_write_in_a_transaction_opened_for_reading_is_refused_before_it_reaches_the_database(runtime, admit):
    ana = admit("ana")
    with Session(runtime.engine) as session, session.begin():
        session.add(
            ApiToken(
                account_id=ana.account_id,
                token_hash=b"h" * 32,
                label="x",
                scopes="read",
                created_at=utcnow(),
                expires_at=utcnow(),
            )
        )
        with pytest.raises(ReadOnlyTransaction, match="write_session"):
            session.flush()
    with write_session(runtime.engine) as session, session.begin():
        session.add(
            ApiToken(
                account_id=ana.account_id,
                token_hash=b"h" * 32,
                label="x",
                scopes="read",
                created_at=utcnow(),
                expires_at=utcnow(),
            )
        )
    assert count(runtime, select(ApiToken.id)) == 1
