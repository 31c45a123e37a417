"""Changing and resetting a password; API tokens that expire."""

import os
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session

from coop.kernel.errors import NotAllowed, Refused
from coop.membership.keys import REVOCATION
from provenance.core.entry import parse_leaf
from provenance.models import LogText


def test_changing_the_password_needs_the_current_one(runtime, admit):
    bo = admit("bo")
    with pytest.raises(NotAllowed, match="wrong current password"):
        runtime.passwords.change(bo, "not-bo-password", "bo-new-password")
    assert runtime.auth.check_credentials("bo@coop.test", "bo-password", "10.0.0.1")


def test_a_changed_password_seals_the_same_custodial_key_again(runtime, admit):
    bo = admit("bo")
    key = runtime.keys.create_custodial_key(bo, "bo-password")
    runtime.passwords.change(bo, "bo-password", "bo-new-password")
    signed = runtime.keys.sign_as(bo, "bo-new-password", "contribution", {"minutes": 5})
    assert runtime.keys.verify_member_statement(signed).key_id == key.key_id
    with pytest.raises(NotAllowed):
        runtime.keys.sign_as(bo, "bo-password", "contribution", {"minutes": 5})
    assert runtime.auth.check_credentials("bo@coop.test", "bo-new-password", "10.0.0.1")


def test_changing_the_password_on_the_page_ends_the_other_sessions_only(runtime, admit, browse):
    bo = admit("bo")
    elsewhere = runtime.auth.start_session(bo)
    browser = browse(bo)
    response = browser.post(
        "/me/password",
        {"current_password": "bo-password", "new_password": "bo-new-password", "confirm_password": "bo-new-password"},
    )
    assert response.status_code == 303 and "1 other session" in response.headers["location"].replace("%20", " ")
    assert runtime.auth.session_principal(elsewhere) is None
    assert browser.get("/me").status_code == 200


def test_a_wrong_current_password_on_the_page_is_refused_next_to_the_field(admit, browse):
    browser = browse(admit("bo"))
    response = browser.post(
        "/me/password",
        {
            "current_password": "nope-nope-nope",
            "new_password": "bo-new-password",
            "confirm_password": "bo-new-password",
        },
    )
    assert response.status_code == 403 and "wrong current password" in response.text


def test_two_different_new_passwords_on_the_page_are_refused_next_to_the_field(admit, browse):
    browser = browse(admit("bo"))
    response = browser.post(
        "/me/password",
        {"current_password": "bo-password", "new_password": "bo-new-password", "confirm_password": "bo-other-password"},
    )
    assert response.status_code == 400 and "the two new passwords differ" in response.text


def test_the_api_changes_the_password(client, admit):
    admit("bo")
    token = client.post(
        "/api/tokens", json={"email": "bo@coop.test", "password": "bo-password", "scopes": ["read", "write"]}
    ).json()["token"]
    response = client.post(
        "/api/me/password",
        json={"current_password": "bo-password", "new_password": "bo-new-password"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    assert client.post("/api/tokens", json={"email": "bo@coop.test", "password": "bo-new-password"}).status_code == 201


def test_a_reset_sets_a_new_password_and_revokes_the_key_sealed_under_the_old_one_in_the_log(
    runtime, steward, admit, log
):
    bo = admit("bo")
    key = runtime.keys.create_custodial_key(bo, "bo-password")
    session_id, token = runtime.auth.start_session(bo), runtime.auth.create_token(bo, "old", ["read"])
    issued = runtime.passwords.issue_reset(steward, account_id=bo.account_id)
    done = runtime.passwords.reset(issued.code, "bo-new-password")
    assert done.revoked_key == key.key_id
    assert runtime.keys.key(key.key_id).ended_by == "revoked"
    logged = parse_leaf(log.entry(done.revocation_index))
    assert logged.kind == REVOCATION and logged.body["by"] == steward.account_id
    with Session(runtime.engine) as session:  # the reason is kept beside the log, which holds its hash
        assert "password reset" in session.get(LogText, logged.body["reason_sha256"]).text
    assert runtime.auth.session_principal(session_id) is None and runtime.auth.token_principal(token) is None
    assert runtime.auth.check_credentials("bo@coop.test", "bo-new-password", "10.0.0.1")


def test_a_reset_code_works_once_and_expires(runtime, steward, admit, clock):
    bo = admit("bo")
    issued = runtime.passwords.issue_reset(steward, account_id=bo.account_id)
    runtime.passwords.reset(issued.code, "bo-new-password")
    with pytest.raises(NotAllowed, match="used"):
        runtime.passwords.reset(issued.code, "bo-third-password")
    late = runtime.passwords.issue_reset(steward, account_id=bo.account_id)
    clock.advance(hours=25)
    with pytest.raises(NotAllowed, match="expired"):
        runtime.passwords.reset(late.code, "bo-third-password")


def test_only_stewards_issue_resets(runtime, admit):
    bo, cy = admit("bo"), admit("cy")
    with pytest.raises(NotAllowed):
        runtime.passwords.issue_reset(bo, account_id=cy.account_id)


def test_the_reset_page_says_the_key_was_revoked(client, runtime, steward, admit):
    bo = admit("bo")
    runtime.keys.create_custodial_key(bo, "bo-password")
    form = client.get("/reset-password")
    assert "revokes that key" in form.text
    code = runtime.passwords.issue_reset(steward, account_id=bo.account_id).code
    response = client.post(
        "/reset-password",
        data={"code": code, "new_password": "bo-new-password", "confirm_password": "bo-new-password"},
        headers={"x-csrftoken": client.cookies.get("csrftoken")},
    )
    assert response.status_code == 200 and 'data-testid="revoked-key"' in response.text


def test_a_steward_issues_a_reset_code_from_the_directory(runtime, steward, admit, browse):
    bo = admit("bo")
    response = browse(steward).post(f"/members/{bo.account_id}/password-reset")
    assert response.status_code == 201 and 'data-testid="reset-code"' in response.text


def test_the_command_line_issues_a_reset_code(settings, runtime, admit, tmp_path):
    admit("bo")
    env = {
        **os.environ,
        "COOP_DATA_DIR": str(settings.data_dir),
        "COOP_DATABASE_URL": settings.database_url,
        "COOP_LOG_ORIGIN": settings.log_origin,
    }
    from coop.kernel.keys import load_or_create_signing_key

    load_or_create_signing_key(settings.key_file)
    result = subprocess.run(
        [sys.executable, "-m", "web.cli", "member", "reset-password", "--email", "BO@coop.test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    code = result.stdout.split(": ")[1].split()[0]
    assert (
        runtime.passwords.reset(code, "bo-new-password").account_id
        == runtime.auth.check_credentials("bo@coop.test", "bo-new-password", "1.2.3.4").account_id
    )


def test_api_tokens_expire_after_the_days_chosen(runtime, admit, clock):
    bo = admit("bo")
    token = runtime.auth.create_token(bo, "short", ["read"], days=1)
    clock.advance(hours=23)
    assert runtime.auth.token_principal(token) is not None
    clock.advance(hours=1)
    assert runtime.auth.token_principal(token) is None
    assert runtime.auth.tokens(bo)[0].expired


def test_a_token_lasts_ninety_days_unless_chosen_and_at_most_a_year(runtime, admit):
    bo = admit("bo")
    runtime.auth.create_token(bo, "default", ["read"])
    row = runtime.auth.tokens(bo)[0]
    assert (row.expires_at - row.created_at).days == 90
    with pytest.raises(Refused, match="365"):
        runtime.auth.create_token(bo, "forever", ["read"], days=366)


def test_an_expired_token_is_refused_over_http_and_the_list_shows_expiry(client, admit, clock):
    admit("bo")
    token = client.post("/api/tokens", json={"email": "bo@coop.test", "password": "bo-password", "days": 2}).json()[
        "token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/me/tokens", headers=headers).json()[0]
    assert listed["expires_at"].startswith("2026-11-27") and listed["expired"] is False
    clock.advance(days=2)
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_the_portal_creates_a_token_for_the_days_chosen_and_lists_its_expiry(admit, browse):
    browser = browse(admit("bo"))
    response = browser.post("/me/tokens", {"label": "laptop", "scopes": ["read"], "days": "7"})
    assert response.status_code == 201
    assert '<td data-testid="token-expires">2026-12-02 09:00</td>' in response.text


def test_migration_0013_gives_existing_tokens_an_expiry_and_emails_their_normal_form(runtime, admit, engine):
    from sqlalchemy import text

    from migrations.schema import downgrade, upgrade

    bo = admit("bo")
    runtime.auth.create_token(bo, "old", ["read"])
    downgrade(engine, "0011")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE account SET email = :e WHERE id = :i"), {"e": "\uff22o@coop.test", "i": bo.account_id}
        )
    upgrade(engine)
    assert runtime.auth.tokens(bo)[0].expires_at > runtime.clock()
    assert runtime.auth.check_credentials("bo@coop.test", "bo-password", "10.0.0.1").account_id == bo.account_id
