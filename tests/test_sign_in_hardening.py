"""Sign-in and sign-up hardening: argon2 never inside a transaction, sign-in time that does not tell
whether an email has an account, look-alike emails, the client address behind a proxy."""

import time

import httpx
import pytest
import uvicorn

from coop.kernel.errors import NotAllowed, Refused
from coop.membership import auth as auth_module
from coop.membership import keys as keys_module
from coop.membership import passwords as passwords_module
from coop.membership import secrets
from coop.membership import service as service_module
from web.app import create_app


@pytest.fixture
def argon2_outside_transactions(monkeypatch, engine):
    """Wrap every argon2 entry point (real calls) with a check that no database connection is held."""
    calls = []

    def watched(name, real):
        def run(*args, **kwargs):
            calls.append((name, engine.pool.checkedout()))
            return real(*args, **kwargs)

        return run

    for module in (auth_module, keys_module, passwords_module, service_module):
        for name in ("hash_password", "password_matches", "open_seed", "seal_seed"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, watched(name, getattr(secrets, name)))
    return calls


def test_argon2_runs_outside_any_transaction(runtime, steward, argon2_outside_transactions):
    account_id = runtime.members.apply("Bo", "bo@coop.test", "bo-password", address="10.0.0.1")
    runtime.members.register_buyer("Org", "Buyer", "buyer@org.test", "buyer-password", address="10.0.0.1")
    runtime.members.admit(steward, account_id)
    bo = runtime.auth.check_credentials("bo@coop.test", "bo-password", "10.0.0.1")
    with pytest.raises(NotAllowed):
        runtime.auth.check_credentials("nobody@coop.test", "bo-password", "10.0.0.1")
    runtime.keys.create_custodial_key(bo, "bo-password")
    runtime.keys.sign_as(bo, "bo-password", "contribution", {})
    runtime.keys.rotate_custodial(bo, "bo-password")
    runtime.passwords.change(bo, "bo-password", "bo-new-password")
    names = {name for name, _ in argon2_outside_transactions}
    assert names == {"hash_password", "password_matches", "open_seed", "seal_seed"}
    assert [call for call in argon2_outside_transactions if call[1]] == []


def test_sign_in_takes_as_long_whether_or_not_the_email_has_an_account(runtime, clock):
    secrets.set_argon2_cost("interactive")  # the production cost: the difference to measure is argon2's
    try:
        runtime.members.apply("Bo", "bo@coop.test", "bo-password")
        times = {"bo@coop.test": [], "nobody@coop.test": []}
        for n in range(7):  # alternating, so a busy machine slows both alike
            for email, spent in times.items():
                clock.advance(hours=1)  # past any back-off: every try is checked
                start = time.perf_counter()
                with pytest.raises(NotAllowed):
                    runtime.auth.check_credentials(email, "wrong-password", f"10.0.0.{n}")
                spent.append(time.perf_counter() - start)
    finally:
        secrets.set_argon2_cost("test-only-minimum")
    known, unknown = min(times["bo@coop.test"][1:]), min(times["nobody@coop.test"][1:])
    assert unknown > known * 0.5, (known, unknown)


LOOK_ALIKES = {
    "fullwidth": "\uff42\uff4f@coop.test",
    "zero-width space": "b\u200bo@coop.test",
    "Cyrillic o": "b\u043e@coop.test",
    "combining overlay": "bo\u0338@coop.test",
    "soft hyphen": "b\u00ado@coop.test",
}


@pytest.mark.parametrize("kind", ["zero-width space", "Cyrillic o", "combining overlay", "soft hyphen"])
def test_look_alike_emails_are_refused_with_a_reason(client, kind):
    response = client.post(
        "/api/applications", json={"name": "X", "email": LOOK_ALIKES[kind], "password": "long-enough-pw"}
    )
    assert response.status_code == 400 and "email" in response.json()["detail"]


def test_a_fullwidth_email_is_the_same_account_as_the_plain_one(client, runtime, admit):
    admit("bo")
    taken = client.post(
        "/api/applications", json={"name": "X", "email": LOOK_ALIKES["fullwidth"], "password": "long-enough-pw"}
    )
    assert taken.status_code == 409
    assert runtime.auth.check_credentials("\uff22\uff2f@COOP.test", "bo-password", "10.0.0.1").email == "bo@coop.test"


def test_buyers_and_stewards_get_the_same_email_rules(runtime):
    with pytest.raises(Refused, match="invisible"):
        runtime.members.register_buyer("Org", "B", LOOK_ALIKES["zero-width space"], "long-enough-pw")
    with pytest.raises(Refused, match="scripts"):
        runtime.members.create_steward("S", LOOK_ALIKES["Cyrillic o"], "long-enough-pw")
    assert (
        runtime.members.principal(runtime.members.create_steward("S", "Ste\u0301ph@Coop.Test", "long-enough-pw")).email
        == "st\u00e9ph@coop.test"
    )


def test_sign_in_with_a_look_alike_email_is_a_400_on_the_page(client, admit):
    admit("bo")
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": LOOK_ALIKES["Cyrillic o"], "password": "bo-password"},
        headers={"x-csrftoken": client.cookies.get("csrftoken")},
        follow_redirects=False,
    )
    assert response.status_code == 400 and "scripts" in response.text


def _attempt_addresses(engine):
    from sqlalchemy import text

    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT address FROM auth_attempt ORDER BY id"))]


async def _sign_in_through_uvicorn(settings, runtime, forwarded_for):
    from web.serve import proxy_options

    config = uvicorn.Config(create_app(runtime=runtime), **proxy_options(settings))
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://coop.test") as http:
        response = await http.post(
            "/api/tokens",
            json={"email": "bo@coop.test", "password": "wrong-password"},
            headers={"X-Forwarded-For": forwarded_for},
        )
    assert response.status_code == 403


def test_a_spoofed_forwarded_for_does_not_change_the_address_the_throttle_sees(settings, runtime, engine, admit):
    import anyio

    admit("bo")
    anyio.run(_sign_in_through_uvicorn, settings, runtime, "203.0.113.9")
    assert _attempt_addresses(engine) == ["127.0.0.1"]


def test_forwarded_for_is_believed_from_a_trusted_proxy(settings, runtime, engine, admit):
    import dataclasses

    import anyio

    admit("bo")
    anyio.run(
        _sign_in_through_uvicorn, dataclasses.replace(settings, forwarded_allow_ips="127.0.0.1"), runtime, "203.0.113.9"
    )
    assert _attempt_addresses(engine) == ["203.0.113.9"]
