"""One throttle for every password check (sign-in and every opening of a custodial key) and for
sign-ups: in the database, per account and per client address, with back-off."""

import contextlib
import dataclasses
import threading

import pytest

from coop.kernel.errors import NotAllowed, TooManyAttempts
from coop.membership.throttle import ACCOUNT, ADDRESS, SIGN_UP
from tests.conftest import TERMS


def token_for(client, email, password):
    response = client.post("/api/tokens", json={"email": email, "password": password, "scopes": ["read", "write"]})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_guessing_over_many_accounts_from_one_address_is_slowed_though_its_own_account_succeeds_between(runtime, admit):
    for n in range(20):
        admit(f"victim{n}")
    admit("mallory")
    refused = 0
    for n in range(72):
        try:
            runtime.auth.check_credentials(f"victim{n % 20}@coop.test", "guess-guess-guess", "6.6.6.6")
        except TooManyAttempts:
            refused += 1
        except NotAllowed:
            pass
        if n % 3 == 0:
            with contextlib.suppress(TooManyAttempts):
                runtime.auth.check_credentials("mallory@coop.test", "mallory-password", "6.6.6.6")
    assert refused == 72 - ADDRESS.free
    assert runtime.auth.check_credentials(
        "victim0@coop.test", "victim0-password", "10.0.0.9"
    )  # the owners, elsewhere, are not locked out


def test_a_stolen_token_cannot_brute_force_the_custodial_key_password(client, runtime, admit):
    bo = admit("bo")
    runtime.keys.create_custodial_key(bo, "bo-password")
    headers = token_for(client, "bo@coop.test", "bo-password")
    statuses = [
        client.post(
            "/api/me/sign", json={"password": f"guess-{n}-guess", "kind": "contribution", "body": {}}, headers=headers
        ).status_code
        for n in range(ACCOUNT.free + 1)
    ]
    assert statuses == [403] * ACCOUNT.free + [429]
    refused = client.post(
        "/api/me/sign", json={"password": "bo-password", "kind": "contribution", "body": {}}, headers=headers
    )
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


def test_key_openings_and_sign_in_share_the_account_count(client, admit):
    admit("bo")
    headers = token_for(client, "bo@coop.test", "bo-password")
    for n in range(ACCOUNT.free):
        assert (
            client.post("/api/me/keys/custodial", json={"password": f"guess-{n}-guess"}, headers=headers).status_code
            == 403
        )
    response = client.post("/api/tokens", json={"email": "bo@coop.test", "password": "bo-password"})
    assert response.status_code == 429 and "try again" in response.json()["detail"]


def test_vote_and_submission_passwords_count_too(runtime, work):
    # the work fixture: amara has a custodial key and a task to submit to
    proposal = runtime.governance.propose(
        work.author, "resolution", "Tea", "", {"text": "Yes, tea."}, voting_minutes=60
    )
    draft = runtime.contributions.draft(work.author, work.task.id, b"an answer", "text/plain", 5, TERMS)
    for _ in range(3):
        with pytest.raises(NotAllowed):
            runtime.governance.vote_with_password(work.author, proposal.id, "yes", "guess-guess-guess")
    for _ in range(ACCOUNT.free - 3):
        with pytest.raises(NotAllowed):
            runtime.contributions.submit_with_password(work.author, draft.id, "guess-guess-guess")
    with pytest.raises(TooManyAttempts):
        runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")


def test_concurrent_guesses_all_count(runtime, admit):
    bo = dataclasses.replace(admit("bo"), address="6.6.6.6")
    runtime.keys.create_custodial_key(bo, "bo-password")
    outcomes, start = [], threading.Barrier(12)

    def guess(n):
        start.wait()
        try:
            runtime.keys.sign_as(bo, f"guess-{n}-guess", "contribution", {})
        except (NotAllowed, TooManyAttempts) as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["NotAllowed"] * ACCOUNT.free + ["TooManyAttempts"] * (12 - ACCOUNT.free)


def test_the_count_lives_in_the_database_so_every_server_process_sees_it(runtime, settings, engine, log, clock, admit):
    from coop.kernel.db import make_engine
    from web.runtime import Runtime

    admit("bo")
    other_engine = make_engine(settings.database_url)
    try:
        other = Runtime(settings, other_engine, log, clock)  # a second process: its own engine and services
        for _ in range(ACCOUNT.free):
            with pytest.raises(NotAllowed):
                other.auth.check_credentials("bo@coop.test", "guess-guess-guess", "10.0.0.1")
    finally:
        other_engine.dispose()
    with pytest.raises(TooManyAttempts):
        runtime.auth.check_credentials("bo@coop.test", "bo-password", "10.0.0.2")


def test_the_wait_grows_with_each_failure_and_ends(runtime, admit, clock):
    admit("bo")

    def fail_once_allowed():
        with pytest.raises(NotAllowed):
            runtime.auth.check_credentials("bo@coop.test", "guess-guess-guess", "10.0.0.1")

    for _ in range(ACCOUNT.free):
        fail_once_allowed()
    waits = []
    for _ in range(3):
        with pytest.raises(TooManyAttempts) as refused:
            runtime.auth.check_credentials("bo@coop.test", "bo-password", "10.0.0.1")
        waits.append(refused.value.retry_after_seconds)
        clock.advance(seconds=refused.value.retry_after_seconds)
        fail_once_allowed()
    assert waits == [30, 60, 120]


def test_sign_ups_from_one_address_are_limited(client):
    statuses = [
        client.post(
            "/api/applications", json={"name": f"N{n}", "email": f"n{n}@coop.test", "password": "long-enough-pw"}
        ).status_code
        for n in range(SIGN_UP.free + 1)
    ]
    assert statuses == [201] * SIGN_UP.free + [429]
    client.get("/buyers/register")
    refused = client.post(
        "/buyers/register",
        data={"organisation": "O", "name": "B", "email": "b@o.test", "password": "long-enough-pw"},
        headers={"x-csrftoken": client.cookies.get("csrftoken")},
    )
    assert refused.status_code == 429 and "retry-after" in refused.headers
