"""Governance, in a real browser against a `coop serve` of its own (SQLite and PostgreSQL).

Members propose a higher pay floor and, in the same voting period, three competing drafts of a
rubric; they vote in place with signed ballots, one of them changes their mind, and the turnout on
an open page updates by itself. The votes close on time by the server's own ticker, with no page
looking: the floor is enacted as pay-floor v2 and the draft that wins the instant runoff as v2 of
the rubric. New tasks must then meet the new floor, while a task opened before the vote keeps the
versions it was opened under. A ballot sent after the close is refused as late, next to the form.

A vote needs a voting period (one minute, the least the seeded governance rules allow): the service
of this module runs on a clock the test moves past the close instead of waiting for it
(tests/browser/clocked_serve.py); its ticker still closes the votes by itself. The whole story is one
test. It raises the co-op's pay floor, which the other browser tests rely on, so this module runs a
service of its own.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.browser.conftest import STEWARD_EMAIL, STEWARD_PASSWORD, CoopServer, require_playwright, running_coop

require_playwright()

from playwright.sync_api import Locator, Page, expect  # noqa: E402

from tests.browser.portal import (  # noqa: E402
    Person,
    cast_ballot,
    fill_task_form,
    join_with_a_key,
    new_task,
    newcomer,
    open_task,
    open_the_vote,
    propose,
    sign_in,
    watched_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VOTING_MINUTES = 1  # governance-rules v1: min_voting_minutes
ELIGIBLE = 5  # the steward and the four members below, all members when the proposals open
QUORUM = 2  # ⌈30% of 5⌉


# -- shared setup: a service of this module's own, and four members with keys -------------------------------


@pytest.fixture(scope="module")
def own_server(browser_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoopServer]:
    with running_coop(
        browser_db, tmp_path_factory.mktemp(f"coop-governance-{browser_db}"), movable_clock=True
    ) as server:
        yield server


@dataclass(frozen=True)
class Electorate:
    members: tuple[Person, ...]
    sessions: tuple[dict[str, Any], ...]
    steward_session: dict[str, Any]


@pytest.fixture(scope="module")
def electorate(own_server, chromium) -> Electorate:
    """Four members with password-sealed keys, admitted by the steward; with the steward, every
    member of this co-op."""
    members = tuple(newcomer(name) for name in ("Ada", "Bea", "Cy", "Dan"))
    with watched_pages(chromium, own_server) as make_page:
        steward = make_page()
        sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
        sessions = []
        for member in members:
            page = make_page()
            join_with_a_key(page, steward, member)
            sessions.append(page.context.storage_state())
        return Electorate(members, tuple(sessions), steward.context.storage_state())


@dataclass(frozen=True)
class PageLoadedBeforeTheClose:
    page: Page
    closes_at: datetime
    voter: Person


@pytest.fixture(scope="module")
def resolution_page_without_javascript(own_server, chromium, electorate) -> Iterator[PageLoadedBeforeTheClose]:
    """A one-minute vote on a resolution, and Dan's page on it in a browser without JavaScript (so
    nothing polls it), loaded while the vote is open. Its vote closes during the story's wait."""
    dan, session = electorate.members[3], electorate.sessions[3]
    with watched_pages(chromium, own_server) as make_page:
        proposer = make_page(storage_state=electorate.steward_session)
        propose(proposer, "resolution", "Meet in person once a year", VOTING_MINUTES)
        proposer.get_by_label("Resolution text").fill("The co-op holds one in-person assembly a year.")
        resolution = open_the_vote(proposer, "Meet in person once a year")
        page = make_page(java_script_enabled=False, storage_state=session)
        page.goto(resolution)
        expect(page.locator("#vote").get_by_role("button", name="Cast my signed ballot")).to_be_visible()
        yield PageLoadedBeforeTheClose(page, closes_at(page), dan)


# -- steps ---------------------------------------------------------------------------------------------


def dd_after(scope: Page | Locator, term: str) -> Locator:
    """The <dd> that a <dt> labels, in a facts list."""
    return scope.locator(f"dt:text-is('{term}') + dd")


def closes_at(page: Page) -> datetime:
    """When the vote on this proposal page closes, as the page says."""
    shown = dd_after(page, "Open").inner_text()
    found = re.search(r" to (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$", shown)
    assert found, shown
    return datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def wait_until(server: CoopServer, moment: datetime) -> None:
    """The server's clock passes the close of the vote (moved there: nobody waits a minute)."""
    server.move_clock_past(moment)


def reload_until_visible(page: Page, target: Locator, seconds: float) -> None:
    """Reload until `target` shows (for pages that do not update themselves)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            expect(target).to_be_visible(timeout=1_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def policy_row(page: Page, policy: str, version: int) -> Locator:
    return (
        page.get_by_role("region", name=policy, exact=True)
        .get_by_role("row")
        .filter(has=page.locator("td:first-child", has_text=re.compile(rf"^v{version}$")))
    )


def rubric_drafts(page: Page) -> dict[str, Any]:
    """Three drafts of the expert-answer rubric from the one in force that the form is prefilled with:
    A keeps it, B asks for a third review, C raises the bar for acceptance."""
    box = page.get_by_label(re.compile(r"^Proposed rubric \(JSON\)"))
    current = json.loads(box.input_value())
    assert current["task_kind"] == "expert-answer" and len(current["drafts"]) == 1, current
    body = current["drafts"][0]["body"]
    three_reviews = {**body, "acceptance": {**body["acceptance"], "reviews_required": 3}}
    higher_bar = {**body, "acceptance": {**body["acceptance"], "accept_min_average_pct": 80}}
    return {
        "task_kind": "expert-answer",
        "drafts": [
            {"label": "A", "body": body},
            {"label": "B", "body": three_reviews},
            {"label": "C", "body": higher_bar},
        ],
    }


# -- the story -------------------------------------------------------------------------------------------


def test_members_raise_the_pay_floor_and_pick_a_rubric_by_signed_votes_that_close_on_time(
    own_server, new_page, electorate, resolution_page_without_javascript
):
    # (resolution_page_without_javascript is only opened first, so that its vote closes during this test's wait.)
    server = own_server
    steward = new_page(server, storage_state=electorate.steward_session)
    ada, bea, cy, dan = electorate.members
    pages = [new_page(server, storage_state=session) for session in electorate.sessions]
    ada_page, bea_page, cy_page, dan_page = pages

    # A task opened before the vote, at 900 per 20 min = 2700/h: fine under the floor in force.
    before = new_task("Opened before the vote")
    before_path = open_task(steward, before)
    expect(dd_after(steward, "Pay")).to_contain_text("27.00 EUR/h (pay-floor v1)")
    expect(dd_after(steward, "Judged by")).to_have_text("rubric.expert-answer v1, 2 reviews")

    # Ada proposes a floor of 24.00 EUR/h, with a one-minute vote.
    floor_title = "Raise the floor to 24 EUR an hour"
    propose(
        ada_page,
        "pay-floor",
        floor_title,
        VOTING_MINUTES,
        why="18 EUR/h is below a living wage in most of our regions.",
    )
    floors = ada_page.get_by_role("group", name="New hourly minimum per hour, in each currency")
    expect(floors.get_by_label("EUR (now 18.00 EUR)", exact=True)).to_have_value("18.00")
    expect(floors.get_by_label("USD (now 20.00 USD)", exact=True)).to_have_value("20.00")
    floors.get_by_label("EUR (now 18.00 EUR)", exact=True).fill("24.00")
    pay_floor = open_the_vote(ada_page, floor_title)
    expect(dd_after(ada_page, "Kind")).to_have_text("pay-floor (changes pay-floor)")
    expect(dd_after(ada_page, "Voting")).to_have_text(
        f"yes / no / abstain; simple-majority; quorum 30.0% of {ELIGIBLE} eligible members"
    )
    diff = ada_page.get_by_test_id("diff")
    expect(diff).to_contain_text('-    "EUR": 1800,')
    expect(diff).to_contain_text('+    "EUR": 2400,')
    closing = closes_at(ada_page)

    # Bea proposes three drafts of the expert-answer rubric: a ranked-choice vote.
    rubric_title = "How many reviews should an expert answer get?"
    propose(bea_page, "rubric", rubric_title, VOTING_MINUTES)
    bea_page.get_by_label(re.compile(r"^Proposed rubric \(JSON\)")).fill(json.dumps(rubric_drafts(bea_page), indent=2))
    rubric = open_the_vote(bea_page, rubric_title)
    expect(dd_after(bea_page, "Kind")).to_have_text("rubric (changes rubric.expert-answer)")
    expect(dd_after(bea_page, "Voting")).to_contain_text("ranked choice (instant runoff)")
    expect(bea_page.get_by_test_id("diff")).to_have_count(3)
    closing = max(closing, closes_at(bea_page))

    # The steward keeps the pay-floor proposal open: nobody has voted yet.
    steward.goto(pay_floor)
    live_turnout = steward.get_by_test_id("turnout")
    expect(live_turnout).to_have_text(f"Turnout: 0 of {ELIGIBLE} eligible; quorum needs {QUORUM}. 0 of {ELIGIBLE}")
    steward_page_url = steward.url

    # The pay floor: Ada yes, Bea no, Cy no — then Cy changes their mind; the last ballot counts.
    proposal_page_url = ada_page.url  # where opening the vote landed
    cast_ballot(ada_page, pay_floor, ada.password, choice="yes")
    expect(ada_page).to_have_url(proposal_page_url)  # swapped in place, no navigation
    cast_ballot(bea_page, pay_floor, bea.password, choice="no")
    cast_ballot(cy_page, pay_floor, cy.password, choice="no")
    cast_ballot(cy_page, pay_floor, cy.password, choice="yes")
    expect(cy_page.locator("#vote").get_by_role("radio", name="yes", exact=True)).to_be_checked()

    # A ballot with the wrong password is refused next to the form and counts for nothing.
    dan_page.goto(pay_floor)
    dan_vote = dan_page.locator("#vote")
    dan_vote.get_by_role("radio", name="no", exact=True).check()
    dan_vote.get_by_label("Your password (signs your ballot)").fill("not-my-password")
    with dan_page.expect_response(lambda r: r.url.endswith(f"{pay_floor}/vote")) as answer:
        dan_vote.get_by_role("button", name="Cast my signed ballot").click()
    assert answer.value.status == 403
    expect(dan_vote.get_by_role("alert")).to_contain_text("wrong password")
    expect(dan_vote.get_by_test_id("my-vote")).to_have_count(0)

    # The rubric, ranked: first preferences A 1, B 2, C 1 — no majority; C is eliminated (tied
    # with A for fewest, and listed later) and its ballot moves to B, which wins 3 to 1.
    cast_ballot(ada_page, rubric, ada.password, ranks={"B": 1, "A": 2})
    cast_ballot(bea_page, rubric, bea.password, ranks={"C": 1, "B": 2})
    cast_ballot(cy_page, rubric, cy.password, ranks={"A": 1, "B": 2})
    cast_ballot(dan_page, rubric, dan.password, ranks={"B": 1})

    # The steward's open page has picked up the turnout by itself (it polls every 10 s).
    expect(live_turnout).to_contain_text(f"Turnout: 3 of {ELIGIBLE} eligible", timeout=15_000)
    expect(steward).to_have_url(steward_page_url)

    ada_page.goto("/proposals")
    for title, turnout in ((floor_title, 3), (rubric_title, 4)):
        row = ada_page.get_by_role("row").filter(has=ada_page.get_by_role("link", name=title, exact=True))
        expect(row.locator("td:nth-child(4)")).to_have_text(f"{turnout} of {ELIGIBLE}")
        expect(row.get_by_test_id("outcome")).to_have_text("voting")

    # Cy keeps the pay-floor page open to try a late ballot. Its turnout poll would close the vote
    # too (any look at a due proposal does), so it is held back: only the server's ticker may close.
    cy_page.route(re.compile(r"/turnout$"), lambda route: route.fulfill(status=204))
    cy_page.goto(pay_floor)
    for page in (steward, ada_page, bea_page, dan_page):
        page.goto("/tasks")

    wait_until(server, closing)

    # Nobody looked at the proposals: the ticker closed them and enacted the results.
    steward.goto("/policies")
    for policy, proposal in (("pay-floor", pay_floor), ("rubric.expert-answer", rubric)):
        adopted = policy_row(steward, policy, 2)
        reload_until_visible(steward, adopted, seconds=20)  # the ticker runs every 5 s
        expect(adopted.get_by_role("link", name="vote", exact=True)).to_have_attribute("href", proposal)
        expect(policy_row(steward, policy, 1).locator("td:nth-child(3)")).to_have_text("seed")
    steward.get_by_role("region", name="pay-floor", exact=True).get_by_text("v2 in full").click()
    expect(steward.get_by_role("region", name="pay-floor", exact=True).locator("pre")).to_contain_text('"EUR": 2400')

    # Cy's ballot, cast after the close from the page loaded before it, is refused as late.
    cy_vote = cy_page.locator("#vote")
    cy_vote.get_by_role("radio", name="no", exact=True).check()
    cy_vote.get_by_label("Your password (signs your ballot)").fill(cy.password)
    cy_vote.get_by_role("button", name="Cast my signed ballot").click()
    expect(cy_vote.get_by_role("alert")).to_contain_text("this ballot is late")

    # The results, on the proposals' pages.
    ada_page.goto(pay_floor)
    expect(ada_page.get_by_test_id("proposal-status")).to_have_text("closed")
    expect(ada_page.get_by_test_id("result")).to_have_text("adopted")
    result = ada_page.get_by_role("region", name=re.compile(r"^Result: "))
    expect(result).to_contain_text("Yes 2, no 1, abstain 0.")  # Cy's second ballot counted, not the first
    expect(result).to_contain_text(f"Quorum: 3 voted, {QUORUM} needed — met.")
    expect(result).to_contain_text("Enacted: pay-floor v2")
    expect(ada_page.get_by_test_id("turnout")).to_contain_text(f"Turnout: 3 of {ELIGIBLE} eligible")
    expect(ada_page.locator("#vote")).to_have_count(0)

    ada_page.goto(rubric)
    expect(ada_page.get_by_test_id("result")).to_have_text("elected")
    expect(ada_page.get_by_role("heading", name="Result: elected: draft B")).to_be_visible()
    rounds = ada_page.get_by_role("table", name="Rounds of the count").locator("tbody tr")
    expect(rounds).to_have_count(2)
    expect(rounds.nth(0).locator("td").nth(1)).to_have_text("1")  # A
    expect(rounds.nth(0).locator("td").nth(2)).to_have_text("2")  # B
    expect(rounds.nth(0).locator("td").nth(3)).to_have_text("1")  # C
    expect(rounds.nth(1).locator("td").nth(2)).to_have_text("3")  # B, with C's ballot
    expect(rounds.nth(1).locator("td").nth(3)).to_have_text("—")  # C is out
    expect(ada_page.get_by_role("region", name=re.compile(r"^Result: "))).to_contain_text(
        "Enacted: rubric.expert-answer v2"
    )

    ada_page.goto("/proposals?status=adopted")
    row = ada_page.get_by_role("row").filter(has=ada_page.get_by_role("link", name=floor_title, exact=True))
    expect(row.get_by_test_id("outcome")).to_have_text("adopted → pay-floor v2")

    # Anyone can recount the vote from the log alone; it matches.
    proposal_id = pay_floor.removeprefix("/proposals/")
    recount = server.coop("governance", "recount", proposal_id)
    assert json.loads(recount.stdout)["counts"] == {"yes": 2, "no": 1, "abstain": 0}
    assert "recount matches the logged result: adopted" in recount.stderr

    # New tasks must meet the new floor: 700 per 20 min (21.00 EUR/h) is refused…
    below = new_task("Opened after the vote", pay_per_unit=700)
    fill_task_form(steward, below)
    floor_note = steward.get_by_role("paragraph").filter(has_text="must meet the pay floor in force")
    expect(floor_note).to_contain_text("24.00 EUR/h")
    expect(floor_note).to_contain_text("(pay-floor v2)")
    with steward.expect_response(lambda r: r.url.endswith("/tasks/new") and r.request.method == "POST") as answer:
        steward.get_by_role("button", name="Open the task").click()
    assert answer.value.status == 400
    alert = steward.locator("form[action='/tasks/new']").get_by_role("alert")
    expect(alert).to_contain_text("is 21.00 EUR per hour, below the floor of 24.00 EUR per hour (pay-floor v2)")
    expect(alert).to_contain_text("pay at least 8.00 EUR per unit")

    # …900 per 20 min is opened under the new floor and judged by the rubric the members chose…
    after = new_task("Opened after the vote")
    open_task(steward, after)
    expect(dd_after(steward, "Pay")).to_contain_text("27.00 EUR/h (pay-floor v2)")
    expect(dd_after(steward, "Judged by")).to_have_text("rubric.expert-answer v2, 3 reviews")

    # …while the task opened before the vote keeps the versions it was opened under.
    steward.goto(before_path)
    expect(steward.get_by_role("heading", name=before.title)).to_be_visible()
    expect(dd_after(steward, "Pay")).to_contain_text("27.00 EUR/h (pay-floor v1)")
    expect(dd_after(steward, "Judged by")).to_have_text("rubric.expert-answer v1, 2 reviews")
    expect(steward.get_by_test_id("task-status")).to_have_text("open")


# -- without JavaScript ------------------------------------------------------------------------------------


def test_a_late_ballot_sent_without_javascript_is_refused_with_the_reason(
    own_server, resolution_page_without_javascript
):
    late = resolution_page_without_javascript
    wait_until(own_server, late.closes_at)  # already past once the story above has run
    late.page.get_by_role("radio", name="yes", exact=True).check()
    late.page.get_by_label("Your password (signs your ballot)").fill(late.voter.password)
    with late.page.expect_response(lambda r: r.url.endswith("/vote")) as answer:
        late.page.get_by_role("button", name="Cast my signed ballot").click()
    assert answer.value.status == 409
    expect(late.page.get_by_test_id("proposal-status")).to_have_text("closed")
    expect(late.page.get_by_role("alert")).to_contain_text("this ballot is late", timeout=2_000)
