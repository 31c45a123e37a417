"""A program reads a release's records and metadata as the Croissant metadata points to them: with
an API token it gets the files; without credentials a 401 in JSON, not a redirect to the sign-in
page; and the endpoints are in the OpenAPI document."""

import hashlib

import pytest

from tests.test_revenue_database import GOOD, TERMS

FILES = ("items.jsonl", "croissant.json", "prov.json")


@pytest.fixture
def release(runtime, work):
    draft = runtime.contributions.draft(work.author, work.task.id, b"answer", "text/plain", 5, TERMS)
    submitted = runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")
    for reviewer in work.reviewers[:2]:
        runtime.reviews.review(reviewer, submitted.id, GOOD, "good")
    return runtime.datasets.cut_release(work.steward, "R", "", [work.task.id], ["model-training"], 0, "EUR").id


def test_the_croissant_content_url_answers_an_api_token_with_the_file_it_checksums(runtime, client, release):
    buyer = runtime.members.principal(
        runtime.members.register_buyer("Acme AI", "Dana", "dana@acme.test", "dana-password")
    )
    headers = {"Authorization": f"Bearer {runtime.auth.create_token(buyer, 'ml', ['read'])}"}
    metadata = client.get(f"/releases/{release}/croissant.json", headers=headers).json()
    (records,) = [d for d in metadata["distribution"] if d["contentUrl"].endswith("items.jsonl")]
    path = "/" + records["contentUrl"].split("/", 3)[3]
    answer = client.get(path, headers=headers, follow_redirects=False)
    assert answer.status_code == 200 and hashlib.sha256(answer.content).hexdigest() == records["sha256"]


@pytest.mark.parametrize("name", FILES)
def test_a_data_file_without_credentials_is_a_401_in_json_not_a_redirect(client, release, name):
    client.cookies.clear()
    answer = client.get(f"/releases/{release}/{name}", follow_redirects=False)
    assert answer.status_code == 401 and answer.json()["detail"] == "sign in first"


def test_a_portal_page_without_a_session_still_goes_to_the_sign_in_page(client, release):
    client.cookies.clear()
    answer = client.get(f"/releases/{release}/lineage", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_the_records_croissant_and_prov_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    for name in FILES:
        assert "get" in paths[f"/releases/{{release_id}}/{name}"]
