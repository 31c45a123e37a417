"""Signing in: passwords, throttling, session timeouts, API tokens."""

import pytest

from coop.kernel.errors import NotAllowed, Refused, TooManyAttempts
from coop.membership.auth import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT


def test_sign_in_with_the_right_password_starts_a_fresh_session_each_time(runtime, admit):
    admit("bo")
    principal = runtime.auth.check_credentials("Bo@coop.test ", "bo-password", "10.0.0.1")
    first, second = runtime.auth.start_session(principal), runtime.auth.start_session(principal)
    assert first != second
    assert runtime.auth.session_principal(first).account_id == principal.account_id


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(runtime, admit):
    admit("bo")
    with pytest.raises(NotAllowed, match="wrong email or password"):
        runtime.auth.check_credentials("bo@coop.test", "nope-nope-nope", "10.0.0.1")
    with pytest.raises(NotAllowed, match="wrong email or password"):
        runtime.auth.check_credentials("nobody@coop.test", "nope-nope-nope", "10.0.0.1")


def test_repeated_failures_make_the_account_wait_a_while_even_with_the_right_password(runtime, admit, clock):
    admit("bo")
    for _ in range(5):
        with pytest.raises(NotAllowed):
            runtime.auth.check_credentials("bo@coop.test", "wrong-password", "10.0.0.1")
    with pytest.raises(TooManyAttempts, match="try again in 30 seconds"):
        runtime.auth.check_credentials("bo@coop.test", "bo-password", "10.0.0.1")
    clock.advance(seconds=31)
    assert runtime.auth.check_credentials("bo@coop.test", "bo-password", "10.0.0.1")


def test_sessions_end_after_idle_and_absolute_timeouts_and_at_logout(runtime, admit, clock):
    admit("bo")
    principal = runtime.auth.check_credentials("bo@coop.test", "bo-password", "10.0.0.1")
    idle = runtime.auth.start_session(principal)
    clock.advance(seconds=IDLE_TIMEOUT.total_seconds() + 1)
    assert runtime.auth.session_principal(idle) is None
    busy = runtime.auth.start_session(principal)
    for _ in range(int(ABSOLUTE_TIMEOUT / IDLE_TIMEOUT) * 2 + 1):
        clock.advance(seconds=IDLE_TIMEOUT.total_seconds() / 2)
        runtime.auth.session_principal(busy)
    assert runtime.auth.session_principal(busy) is None
    ended = runtime.auth.start_session(principal)
    runtime.auth.end_session(ended)
    assert runtime.auth.session_principal(ended) is None


def test_api_tokens_are_scoped_revocable_and_never_stored_in_clear(runtime, admit, engine):
    bo = admit("bo")
    token = runtime.auth.create_token(bo, "laptop", ["read"])
    principal = runtime.auth.token_principal(token)
    assert principal.account_id == bo.account_id and principal.scopes == {"read"}
    with engine.connect() as conn:
        from sqlalchemy import text

        stored = [row[0] for row in conn.execute(text("SELECT token_hash FROM api_token"))]
    assert token.encode() not in b"".join(bytes(s) for s in stored)
    runtime.auth.revoke_token(bo, runtime.auth.tokens(bo)[0].id)
    assert runtime.auth.token_principal(token) is None


def test_unknown_scopes_are_refused(runtime, admit):
    with pytest.raises(Refused):
        runtime.auth.create_token(admit("bo"), "x", ["admin"])


def _last_seen(runtime, session_id):
    from sqlalchemy.orm import Session

    from coop.membership.models import WebSession
    from coop.membership.secrets import token_hash

    with Session(runtime.engine) as session:
        return session.get(WebSession, token_hash(session_id)).last_seen_at


def test_a_session_use_is_recorded_only_when_due_and_never_backwards_or_after_it_ended(runtime, admit, clock):
    principal = admit("bo")
    session_id = runtime.auth.start_session(principal)
    started = _last_seen(runtime, session_id)
    clock.advance(seconds=10)
    assert runtime.auth.session_lookup(session_id)[1] is False  # within 30 s: no write due
    clock.advance(seconds=60)
    found, due = runtime.auth.session_lookup(session_id)
    assert found.account_id == principal.account_id and due is True
    assert _last_seen(runtime, session_id) == started  # looking up writes nothing
    runtime.auth.touch_session(session_id)
    touched = _last_seen(runtime, session_id)
    assert touched == clock()
    clock.advance(seconds=-30)
    runtime.auth.touch_session(session_id)  # a late touch does not move it backwards
    assert _last_seen(runtime, session_id) == touched
    clock.advance(seconds=60)
    runtime.auth.end_session(session_id)
    runtime.auth.touch_session(session_id)
    assert runtime.auth.session_principal(session_id) is None


def test_the_portal_records_a_session_use_after_answering(runtime, admit, clock, browse):
    browser = browse(admit("bo"))
    session_id = browser.client.cookies.get("coop_session")
    before = _last_seen(runtime, session_id)
    clock.advance(seconds=45)
    assert browser.client.get("/me").status_code == 200
    assert _last_seen(runtime, session_id) > before
