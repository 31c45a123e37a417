"""What a signed-in person is shown is theirs alone: no cache may keep it (Cache-Control: no-store).
The public log and the static files stay cacheable as they were."""

import pytest


@pytest.fixture
def member(admit):
    return admit("ana")


def signed_in(runtime, client, principal):
    client.cookies.set("coop_session", runtime.auth.start_session(principal))
    client.get("/")
    return client


def test_portal_pages_for_a_signed_in_member_are_never_stored(runtime, client, member):
    browser = signed_in(runtime, client, member)
    for path in ("/", "/me", "/contributions", "/proposals"):
        response = browser.get(path)
        assert (path, response.status_code, response.headers.get("cache-control")) == (path, 200, "no-store")


def test_the_page_that_shows_a_new_api_token_is_never_stored(runtime, client, member):
    browser = signed_in(runtime, client, member)
    response = browser.post(
        "/me/tokens", data={"label": "laptop", "scopes": ["read"], "_csrf_token": browser.cookies["csrftoken"]}
    )
    assert response.status_code in (200, 201) and "coop_" in response.text
    assert response.headers.get("cache-control") == "no-store"


def test_api_answers_to_a_token_holder_are_never_stored(runtime, client, member):
    response = client.post(
        "/api/tokens", json={"email": "ana@coop.test", "password": "ana-password", "scopes": ["read", "write"]}
    )
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    for answer in (
        client.get("/api/me", headers=headers),
        client.post("/api/me/tokens", json={"label": "ci", "scopes": ["read"]}, headers=headers),
        client.get("/api/contributions/nonexistent", headers=headers),
    ):
        assert answer.headers.get("cache-control") == "no-store", (answer.request.url, answer.status_code)


def test_the_public_log_and_static_files_keep_their_caching_even_for_a_signed_in_member(runtime, client, member):
    browser = signed_in(runtime, client, member)
    runtime.policies.seed_defaults()  # a few log entries, so a tile exists
    tile = browser.get("/log/tile/entries/000.p/1")
    assert tile.status_code == 200 and tile.headers["cache-control"] == "public, max-age=31536000, immutable"
    for path in ("/static/htmx.min.js", "/log/checkpoint"):
        response = browser.get(path)
        assert response.status_code == 200 and response.headers.get("cache-control") != "no-store", path
