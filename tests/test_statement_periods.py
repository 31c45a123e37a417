"""A member's statement for a period: `?since=` and `?until=` (dates, UTC, both included) on
`GET /api/me/earnings` and the earnings page; a bad date is refused with the reason."""

import re

import pytest

from tests.test_api_keys_flow import api_token

TERMS = {"permitted_uses": ["model-training"], "excluded_sectors": [], "expires": None}
GOOD = {"correctness": 5, "completeness": 4, "clarity": 4}


@pytest.fixture
def two_paydays(runtime, work, clock):
    """Amara's base pay for one contribution accepted on 2026-11-25 and one on 2026-12-05."""
    for text in ("first", "second"):
        draft = runtime.contributions.draft(work.author, work.task.id, text.encode(), "text/plain", 20, TERMS)
        submitted = runtime.contributions.submit_with_password(work.author, draft.id, "amara-password")
        for reviewer in work.reviewers[:2]:
            runtime.reviews.review(reviewer, submitted.id, GOOD, "good")
        clock.advance(days=10)


def _days(client, headers, **period):
    response = client.get("/api/me/earnings", params=period, headers=headers)
    assert response.status_code == 200, response.text
    return [line["at"][:10] for line in response.json()["lines"]]


def test_the_api_statement_covers_the_period_asked_for_both_ends_included(client, two_paydays):
    amara = api_token(client, "amara@coop.test", "amara-password")
    assert _days(client, amara) == ["2026-11-25", "2026-12-05"]
    assert _days(client, amara, since="2026-12-01") == ["2026-12-05"]
    assert _days(client, amara, until="2026-11-30") == ["2026-11-25"]
    assert _days(client, amara, since="2026-11-25", until="2026-11-25") == ["2026-11-25"]
    assert _days(client, amara, since="2026-12-05", until="2026-12-05") == ["2026-12-05"]


def test_the_api_refuses_a_period_that_is_not_dates_or_ends_before_it_starts(client, two_paydays):
    amara = api_token(client, "amara@coop.test", "amara-password")
    response = client.get("/api/me/earnings", params={"since": "last week"}, headers=amara)
    assert response.status_code == 400 and "since must be a date like 2026-01-31" in response.text
    response = client.get("/api/me/earnings", params={"since": "2026-12-05", "until": "2026-11-25"}, headers=amara)
    assert response.status_code == 400 and "ends (2026-11-25) before it starts (2026-12-05)" in response.text


def test_the_earnings_page_shows_the_chosen_period(browse, work, two_paydays):
    amara = browse(work.author)
    assert len(re.findall('data-testid="line-amount"', amara.get("/earnings").text)) == 2
    page = amara.get("/earnings?since=2026-12-01")
    assert page.status_code == 200 and len(re.findall('data-testid="line-amount"', page.text)) == 1
    assert "from 2026-12-01" in page.text and 'value="2026-12-01"' in page.text
    refused = amara.get("/earnings?until=31/12/2026")
    assert refused.status_code == 400 and "until must be a date like 2026-01-31" in refused.text
