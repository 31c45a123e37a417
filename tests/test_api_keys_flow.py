"""End to end over the JSON API and the CLI: a member's own key and a custodial key, both as logged."""

import json
import subprocess
import sys

from provenance.core.entry import parse_leaf


def api_token(client, email, password):
    response = client.post(
        "/api/tokens", json={"email": email, "password": password, "label": "cli", "scopes": ["read", "write"]}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def coop(tmp_path, *args):
    result = subprocess.run(
        [sys.executable, "-m", "web.cli", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_client_side_and_custodial_statements_verify_against_the_keys_as_logged(client, admit, tmp_path, log):
    admit("bo"), admit("cy")
    bo, cy = api_token(client, "bo@coop.test", "bo-password"), api_token(client, "cy@coop.test", "cy-password")

    # Bo holds his own key: made and used only on his machine, with the coop CLI.
    coop(tmp_path, "key", "new", "--out", "bo.key")
    registration = client.get("/api/me/keys", headers=bo).json()["registration_statement"]
    signed = json.loads(
        coop(
            tmp_path,
            "sign",
            "--key",
            "bo.key",
            "--kind",
            registration["kind"],
            "--body",
            json.dumps(registration["body"]),
        )
    )
    bo_key = client.post("/api/me/keys", json=signed, headers=bo)
    assert bo_key.status_code == 201, bo_key.text
    contribution = {"task": "t-1", "content_sha256": "cd" * 32, "minutes": 15}
    bo_statement = json.loads(
        coop(tmp_path, "sign", "--key", "bo.key", "--kind", "contribution", "--body", json.dumps(contribution))
    )

    # Cy lets the co-op keep her key, sealed with her password.
    cy_key = client.post("/api/me/keys/custodial", json={"password": "cy-password"}, headers=cy)
    assert cy_key.status_code == 201, cy_key.text
    cy_statement = client.post(
        "/api/me/sign", json={"password": "cy-password", "kind": "contribution", "body": contribution}, headers=cy
    ).json()

    for statement, key in ((bo_statement, bo_key.json()), (cy_statement, cy_key.json())):
        verdict = client.post("/api/statements/verify", json=statement)
        assert verdict.status_code == 200, verdict.text
        assert verdict.json()["key"]["key_id"] == key["key_id"]
        logged = parse_leaf(log.entry(key["log_index"]))
        assert (
            logged.kind == "member.key-registration"
            and logged.public_key.hex() == bytes.fromhex(_hex(statement["key"])).hex()
        )


def _hex(b64_text):
    import base64

    return base64.b64decode(b64_text).hex()


def test_a_tampered_statement_is_refused_with_the_reason(client, admit):
    admit("cy")
    cy = api_token(client, "cy@coop.test", "cy-password")
    client.post("/api/me/keys/custodial", json={"password": "cy-password"}, headers=cy)
    statement = client.post(
        "/api/me/sign", json={"password": "cy-password", "kind": "contribution", "body": {"minutes": 5}}, headers=cy
    ).json()
    statement["body"]["minutes"] = 500
    response = client.post("/api/statements/verify", json=statement)
    assert response.status_code == 400
    assert "signature does not verify" in response.json()["detail"]


def test_signing_with_the_wrong_password_is_refused_and_says_so(client, admit):
    admit("cy")
    cy = api_token(client, "cy@coop.test", "cy-password")
    client.post("/api/me/keys/custodial", json={"password": "cy-password"}, headers=cy)
    response = client.post(
        "/api/me/sign", json={"password": "wrong-password", "kind": "contribution", "body": {}}, headers=cy
    )
    assert response.status_code == 403 and "wrong password" in response.json()["detail"]


def test_a_read_only_token_cannot_write(client, admit):
    admit("bo")
    response = client.post("/api/tokens", json={"email": "bo@coop.test", "password": "bo-password", "scopes": ["read"]})
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    refused = client.post("/api/me/keys/custodial", json={"password": "bo-password"}, headers=headers)
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]


def test_a_revoked_token_is_refused(client, admit):
    admit("bo")
    headers = api_token(client, "bo@coop.test", "bo-password")
    token_id = client.get("/api/me/tokens", headers=headers).json()[0]["id"]
    assert client.delete(f"/api/me/tokens/{token_id}", headers=headers).status_code == 204
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_the_api_refuses_session_cookies(client, runtime, admit):
    bo = admit("bo")
    client.cookies.set("coop_session", runtime.auth.start_session(bo))
    assert client.get("/api/me").status_code == 401
    assert client.get("/me").status_code == 200


def test_pages_carry_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
