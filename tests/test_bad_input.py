"""Bad input is the client's fault and says so: a 400 (or 404) with a reason and nothing changed —
never a 500. Each test is one input that used to reach SQL, `datetime` or the JSON decoder and fail
there. A real bug, on the other hand, is a logged 500, never disguised as a 400."""

from __future__ import annotations

import logging

import pytest
from litestar import get

from coop.kernel.errors import Refused
from ledger.service import BooksRefused

HUGE = 10**20  # past 64 bits


@pytest.fixture
def api(client, runtime, steward):
    """The test client with a steward's read-write API token (the steward is also a member and a reviewer)."""
    runtime.policies.seed_defaults()
    client.headers["Authorization"] = f"Bearer {runtime.auth.create_token(steward, 'test', ['read', 'write'])}"
    return client


def refused(response, status=400, naming=""):
    assert response.status_code == status, response.text
    assert naming in response.json()["detail"] or naming in str(response.json().get("extra", "")), response.text
    return True


def nested(depth):
    value = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def test_json_nested_a_thousand_deep_is_refused_before_it_is_decoded(client):
    deep = '{"a":' * 1000 + "{}" + "}" * 1000  # too deep for json.dumps to write, too
    body = '{"kind": "member.key-registration", "key": "AAAA", "sig": "AAAA", "body": ' + deep + "}"
    response = client.post("/api/statements/verify", content=body, headers={"Content-Type": "application/json"})
    assert refused(response, naming="nested deeper")


def test_json_nested_within_the_limit_is_decoded_as_usual(client):
    body = {"kind": "member.key-registration", "body": nested(30), "key": "AAAA", "sig": "AAAA"}
    response = client.post("/api/statements/verify", json=body)
    assert response.status_code == 400 and "nested" not in response.json()["detail"]


def test_brackets_inside_a_json_string_are_text_not_nesting(client):
    body = {"kind": "member.key-registration", "body": {"note": "[{" * 1000}, "key": "AAAA", "sig": "AAAA"}
    response = client.post("/api/statements/verify", json=body)
    assert response.status_code == 400 and "nested" not in response.json()["detail"]


def test_a_log_index_in_a_path_past_64_bits_is_refused(api):
    assert refused(api.get(f"/api/lineage/entries/{HUGE}"), naming="9223372036854775807")


@pytest.mark.parametrize("row_id", [HUGE, 2**31])
def test_a_row_id_in_a_path_past_32_bits_is_refused(api, row_id):
    """Row ids are 32-bit serial keys: PostgreSQL fails on 2**31 in SQL, SQLite past 2**63."""
    assert refused(api.delete(f"/api/me/tokens/{row_id}"), naming="2147483647")
    assert refused(api.post(f"/api/payouts/{row_id}/outcome", json={"outcome": "settled"}), naming="2147483647")


@pytest.mark.parametrize("cursor", [HUGE, 259713289687])
def test_a_statement_cursor_past_32_bits_is_refused(api, cursor):
    assert refused(api.get("/api/me/earnings", params={"after": str(cursor)}), naming="2147483647")


def test_a_payout_minimum_past_64_bits_is_refused_and_no_run_is_made(api, runtime):
    assert refused(api.post("/api/payouts", json={"currency": "EUR", "minimum": HUGE, "idempotency_key": "k1"}))
    assert runtime.payouts.runs() == []


def test_a_period_ending_on_the_last_day_of_the_calendar_is_refused(api):
    assert refused(
        api.get("/api/me/earnings", params={"until": "9999-12-31"}), naming="between 1970-01-01 and 2999-12-31"
    )
    assert refused(api.get("/api/me/earnings/months", params={"until": "9999-12-31"}), naming="until")


def test_an_effective_time_without_a_timezone_is_refused(api, runtime):
    proposal = {
        "kind": "resolution",
        "title": "Paint the office",
        "options": {"text": "Green."},
        "effective_at": "2027-01-01T00:00:00",
    }
    assert refused(api.post("/api/proposals", json=proposal), naming="timezone")
    assert runtime.governance.list(None) == []


def test_a_conflict_with_an_unknown_author_is_refused_with_404(api):
    assert refused(
        api.post("/api/reviews/conflicts", json={"author_id": "no-such-member"}), 404, naming="no-such-member"
    )


def test_nul_in_a_json_body_is_refused_and_nothing_is_stored(client):
    application = {"name": "Ada\u0000Lovelace", "email": "ada@coop.test", "password": "ada-password-1"}
    assert refused(client.post("/api/applications", json=application), naming="NUL")
    # nothing was stored: the same email applies again without a conflict
    assert client.post("/api/applications", json={**application, "name": "Ada Lovelace"}).status_code == 201


def test_nul_in_a_query_or_a_path_is_refused(api):
    assert refused(api.get("/api/members/", params={"status": "applicant\u0000"}), naming="NUL")
    assert refused(api.get("/api/tasks/abc%00def"), naming="NUL")


def test_nul_in_a_portal_form_is_refused(client):
    response = client.post("/apply", data={"name": "Ada\u0000", "email": "ada@coop.test", "password": "ada-password-1"})
    assert response.status_code == 400 and "NUL" in response.text


def test_an_escaped_backslash_before_u0000_is_text_not_nul(client):
    application = {"name": "Ada \\u0000 Lovelace", "email": "ada2@coop.test", "password": "ada-password-1"}
    assert client.post("/api/applications", json=application).status_code == 201


def test_a_currency_longer_than_three_letters_is_refused_naming_it(api, runtime):
    assert refused(
        api.post("/api/payouts", json={"currency": "EURO", "minimum": 100, "idempotency_key": "k2"}), naming="'EURO'"
    )
    assert runtime.payouts.runs() == []


def _register_bug_routes(client):
    @get("/api/test-only/bug", sync_to_thread=False)
    def bug() -> None:
        raise ValueError("a bug, not the client's fault")

    @get("/api/test-only/rule", sync_to_thread=False)
    def rule() -> None:
        raise Refused("a rule the request broke")

    @get("/api/test-only/books", sync_to_thread=False)
    def books() -> None:
        raise BooksRefused("the books refuse this")

    for handler in (bug, rule, books):
        client.app.register(handler)


def test_a_bare_value_error_is_a_logged_500_not_a_400(client, caplog):
    _register_bug_routes(client)
    with caplog.at_level(logging.ERROR, logger="coop.web"):
        response = client.get("/api/test-only/bug")
    assert response.status_code == 500
    assert "a bug" not in response.text  # the client is not told the internals
    assert any(
        record.exc_info and "a bug, not the client's fault" in str(record.exc_info[1]) for record in caplog.records
    )


def test_domain_refusals_that_are_value_errors_still_map_to_400_by_their_class(client):
    _register_bug_routes(client)
    assert refused(client.get("/api/test-only/rule"), naming="a rule the request broke")
    assert refused(client.get("/api/test-only/books"), naming="the books refuse this")


def test_a_log_index_past_64_bits_is_refused(client):
    assert refused(client.get("/log/entries/9999999999999999999"), naming="9223372036854775807")
    assert refused(
        client.get("/log/proof/inclusion", params={"index": "0", "size": "9999999999999999999"}), naming="size"
    )


def test_a_tile_path_with_non_ascii_digits_or_an_index_past_64_bits_is_refused(client):
    assert refused(client.get("/log/tile/²/000"), naming="tile level")
    assert refused(client.get("/log/tile/0/000.p/²"), naming="partial tile width")
    assert refused(client.get("/log/tile/0/" + "x999/" * 7 + "999"), naming="past 64 bits")


TASK = {
    "project": "P",
    "title": "T",
    "instructions": "I",
    "kind": "expert-answer",
    "unit": "answer",
    "minutes_per_unit": 20,
    "pay_per_unit": 900,
    "currency": "EUR",
    "intended_uses": ["model-training"],
}


@pytest.mark.parametrize("field", ["project", "title", "unit"])
def test_a_task_text_longer_than_its_column_is_refused(api, field):
    assert refused(api.post("/api/tasks/", json={**TASK, field: "x" * 201}), naming="at most")


def test_a_release_title_longer_than_its_column_is_refused(api):
    release = {
        "title": "x" * 201,
        "task_ids": ["t"],
        "intended_uses": ["model-training"],
        "price": 1,
        "currency": "EUR",
    }
    assert refused(api.post("/api/releases", json=release), naming="at most 200")


def test_a_payout_idempotency_key_longer_than_its_column_is_refused(api, runtime):
    assert refused(
        api.post("/api/payouts", json={"currency": "EUR", "minimum": 1, "idempotency_key": "k" * 201}),
        naming="1 to 200",
    )
    assert runtime.payouts.runs() == []


def test_signing_in_with_an_email_longer_than_any_account_s_is_refused_as_wrong(client):
    response = client.post("/api/tokens", json={"email": "x" * 400 + "@coop.test", "password": "whatever-password"})
    assert response.status_code == 403 and "wrong email or password" in response.json()["detail"]


def test_an_uploaded_file_may_hold_nul_bytes_but_a_text_field_of_the_same_form_may_not(work, browse):
    author = browse(work.author)
    form = {
        "content": "",
        "media_type": "image/png",
        "minutes": "15",
        "permitted_uses": ["model-training"],
        "excluded_sectors": [],
        "password": "amara-password",
        "action": "draft",
    }
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert author.post(f"/tasks/{work.task.id}/submit", form, files={"file": ("scan.png", png)}).status_code in (
        200,
        303,
    )
    refused_form = author.post(
        f"/tasks/{work.task.id}/submit", {**form, "minutes": "1\x005"}, files={"file": ("scan.png", png)}
    )
    assert refused_form.status_code == 400 and "NUL" in refused_form.text


def test_a_browser_s_mixed_case_multipart_boundary_still_tells_files_from_fields(work, browse):
    author = browse(work.author)
    boundary = "----WebKitFormBoundaryAbCdEfGh"
    fields = {
        "content": "",
        "media_type": "image/png",
        "minutes": "15",
        "permitted_uses": "model-training",
        "password": "amara-password",
        "action": "draft",
        "_csrf_token": author.csrf,
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.png"\r\n'.encode()
        + b"Content-Type: image/png\r\n\r\n"
        + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = author.client.post(
        f"/tasks/{work.task.id}/submit",
        content=body,
        follow_redirects=False,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code in (200, 303), response.text
