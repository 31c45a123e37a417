"""What a person does in the portal, step by step, written once for the browser tests."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Locator, Page, expect


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    password: str


def newcomer(first_name: str) -> Person:
    """A person with a unique email, so tests sharing one service never meet each other's accounts."""
    tag = uuid.uuid4().hex[:8]
    return Person(f"{first_name} Newcomer", f"{first_name.lower()}-{tag}@x.test", f"{first_name.lower()}-pass-{tag}")


def apply_to_join(page: Page, person: Person, skills: str = "clinical medicine", region: str = "EU") -> None:
    page.goto("/apply")
    page.get_by_label("Your name").fill(person.name)
    page.get_by_label("Email", exact=True).fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_label("Skills and expertise").fill(skills)
    page.get_by_label("Region").fill(region)
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name=f"Thank you, {person.name}")).to_be_visible()


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in from the sign-in page (whatever `next` it carries) and wait to land signed in."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def expect_signed_out(page: Page) -> None:
    expect(main_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


# -- members, keys and roles --------------------------------------------------------------------------


def admit(steward: Page, person: Person, roles: tuple[str, ...] = ()) -> None:
    """A signed-in steward admits an applicant on /members (htmx, row swapped in place), then gives roles."""
    steward.goto("/members?status=applicant")  # applicants only: a long directory pages the newest away
    row = steward.get_by_role("row").filter(has_text=person.email)
    row.get_by_role("button", name=f"Admit {person.name}").click()
    expect(row.get_by_test_id("member-status")).to_have_text("member")
    if roles:
        fieldset = row.get_by_role("group", name=f"Roles of {person.name}")
        for role in roles:
            fieldset.get_by_label(role, exact=True).check()
        row.get_by_role("button", name="Save roles").click()
        roles_cell = row.locator("td:nth-child(6)")  # empty until the saved row is swapped in
        for role in roles:
            expect(roles_cell).to_contain_text(role)


def create_password_sealed_key(page: Page, person: Person) -> None:
    """A signed-in member lets the co-op keep a signing key sealed with their password (on /me)."""
    page.goto("/me")
    keys = page.locator("#keys")
    keys.get_by_label("Your password").fill(person.password)
    keys.get_by_role("button", name="Create my password-sealed key").click()
    expect(keys.get_by_role("row").filter(has_text="co-op (password)")).to_contain_text("active")


def join_with_a_key(page: Page, steward: Page, person: Person, roles: tuple[str, ...] = ()) -> None:
    """Apply, be admitted (with roles) by a signed-in steward, sign in and set up a password-sealed key."""
    apply_to_join(page, person)
    admit(steward, person, roles)
    sign_in(page, person.email, person.password)
    create_password_sealed_key(page, person)


# -- tasks, contributions and reviews ------------------------------------------------------------------


@dataclass(frozen=True)
class TaskForm:
    """What a steward types into /tasks/new (the defaults clear the EUR pay floor: 900 per 20 min)."""

    title: str
    project: str = "Clinical questions"
    instructions: str = "Answer as you would to a colleague, citing the guideline you rely on."
    kind: str = "expert-answer"
    unit: str = "answer"
    minutes_per_unit: int = 20
    pay_per_unit: int = 900  # minor units; typed in major units ("9.00")
    currency: str = "EUR"
    intended_uses: tuple[str, ...] = ("model-training",)
    buyer_org: str = ""


def new_task(title_prefix: str, **fields: Any) -> TaskForm:
    """A task with a unique title, so tests sharing one service find only their own work."""
    return TaskForm(f"{title_prefix} {uuid.uuid4().hex[:8]}", **fields)


def major_units(minor: int) -> str:
    """900 → "9.00": what a steward types for an amount the tests keep in minor units (two decimals)."""
    return f"{minor // 100}.{minor % 100:02d}"


def fill_task_form(page: Page, task: TaskForm) -> None:
    page.goto("/tasks/new")
    page.get_by_label("Project").fill(task.project)
    page.get_by_label("On behalf of buyer organisation (optional)").fill(task.buyer_org)
    page.get_by_label("Title").fill(task.title)
    page.get_by_label("Instructions").fill(task.instructions)
    page.get_by_label("Kind").select_option(task.kind)
    page.get_by_label("Unit", exact=True).fill(task.unit)
    page.get_by_label("Estimated minutes per unit").fill(str(task.minutes_per_unit))
    page.get_by_label("Currency").fill(task.currency)
    page.get_by_label("Pay per unit", exact=True).fill(major_units(task.pay_per_unit))
    uses = page.get_by_role("group", name="Intended uses of the work")
    for use in task.intended_uses:
        uses.get_by_label(use, exact=True).check()


def open_task(steward: Page, task: TaskForm) -> str:
    """A signed-in steward opens a task; returns its path (/tasks/<id>)."""
    fill_task_form(steward, task)
    steward.get_by_role("button", name="Open the task").click()
    expect(steward.get_by_role("heading", name=task.title)).to_be_visible()
    expect(steward.get_by_role("status")).to_contain_text("The task is open.")
    expect(steward.get_by_test_id("task-status")).to_have_text("open")
    return urlparse(steward.url).path


def submit_work(
    page: Page,
    task_title: str,
    work: str,
    minutes: int,
    password: str,
    consented: tuple[str, ...] = ("model-training",),
) -> str:
    """A member with a key finds the task on /tasks, keeps the default consent (which must include
    `consented`), signs and submits (htmx, no navigation); returns the contribution's path."""
    page.goto("/tasks")
    page.get_by_role("link", name=task_title, exact=True).click()
    expect(page.get_by_role("heading", name=task_title)).to_be_visible()
    task_url = page.url
    page.get_by_label("Your work").fill(work)
    page.get_by_label("Minutes you spent").fill(str(minutes))
    consent = page.get_by_role("group", name="I consent to these uses")
    for use in consented:
        expect(consent.get_by_label(use, exact=True)).to_be_checked()
    page.get_by_label("Your password (opens your key to sign)").fill(password)
    page.get_by_role("button", name="Sign and submit").click()
    result = page.locator("#submit-result")
    expect(result.get_by_role("status")).to_contain_text("Signed and submitted for review.")
    expect(page).to_have_url(task_url)
    href = result.get_by_role("link", name="See it").get_attribute("href")
    assert href and href.startswith("/contributions/"), href
    return href


def review_work(page: Page, task_title: str, scores: dict[str, int], feedback: str) -> str:
    """A signed-in reviewer takes the task's one item from /reviews, scores each criterion, and
    submits; returns the outcome message shown back on the queue."""
    page.goto("/reviews")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    page.get_by_role("row").filter(has_text=task_title).get_by_role(
        "button", name="Review"
    ).click()  # claims it, opens the form
    expect(page.get_by_role("heading", name=f"Review: {task_title}")).to_be_visible()
    for criterion, score in scores.items():
        page.get_by_role("group", name=re.compile(rf"^{re.escape(criterion)}:")).get_by_role(
            "radio", name=str(score), exact=True
        ).check()
    page.get_by_label("Feedback for the author").fill(feedback)
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    flash = page.locator("#flash")
    expect(flash).to_contain_text("Review recorded:")
    return flash.inner_text().strip()


def my_contribution_row(page: Page, task_title: str, round_number: int = 1) -> Locator:
    """A signed-in member opens My contributions; the row of this task's work in that round."""
    main_nav(page).get_by_role("link", name="My contributions").click()
    expect(page.get_by_role("heading", name="My contributions")).to_be_visible()
    return (
        page.get_by_role("row")
        .filter(has_text=task_title)
        .filter(has=page.locator("td:nth-child(2)", has_text=re.compile(rf"^{round_number}$")))
    )


def submit_work_consenting(
    page: Page, task_title: str, work: str, minutes: int, password: str, uses: tuple[str, ...]
) -> str:
    """Like submit_work, but the member ticks exactly `uses` under "I consent to these uses" (and
    unticks the rest) before signing; returns the contribution's path."""
    page.goto("/tasks")
    page.get_by_role("link", name=task_title, exact=True).click()
    expect(page.get_by_role("heading", name=task_title)).to_be_visible()
    page.get_by_label("Your work").fill(work)
    page.get_by_label("Minutes you spent").fill(str(minutes))
    consent = page.get_by_role("group", name="I consent to these uses")
    for box in consent.get_by_role("checkbox").all():
        box.set_checked((box.get_attribute("value") or "") in uses)
    for use in uses:
        expect(consent.get_by_label(use, exact=True)).to_be_checked()
    page.get_by_label("Your password (opens your key to sign)").fill(password)
    page.get_by_role("button", name="Sign and submit").click()
    result = page.locator("#submit-result")
    expect(result.get_by_role("status")).to_contain_text("Signed and submitted for review.")
    href = result.get_by_role("link", name="See it").get_attribute("href")
    assert href and href.startswith("/contributions/"), href
    return href


def review_contribution(page: Page, contribution: str, scores: dict[str, int], feedback: str) -> str:
    """Like review_work, for a task with several items: the reviewer picks, from /reviews, the one
    item at this contribution's path; returns the outcome message shown back on the queue."""
    page.goto("/reviews")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    page.locator(f"form[action='{contribution.replace('/contributions/', '/reviews/')}/claim']").get_by_role(
        "button", name="Review"
    ).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Review: "))).to_be_visible()
    for criterion, score in scores.items():
        page.get_by_role("group", name=re.compile(rf"^{re.escape(criterion)}:")).get_by_role(
            "radio", name=str(score), exact=True
        ).check()
    page.get_by_label("Feedback for the author").fill(feedback)
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    flash = page.locator("#flash")
    expect(flash).to_contain_text("Review recorded:")
    return flash.inner_text().strip()


# -- releases, buyers and licenses ---------------------------------------------------------------------


def cut_release(
    steward: Page,
    title: str,
    task_titles: tuple[str, ...],
    intended_uses: tuple[str, ...],
    price: int,
    currency: str = "EUR",
) -> str:
    """A signed-in steward cuts a release on /releases from these tasks' accepted work; returns its
    path (/releases/<id>)."""
    steward.goto("/releases")
    form = steward.locator("form").filter(has=steward.get_by_role("heading", name="Cut a release"))
    form.get_by_label("Title").fill(title)
    included = form.get_by_role("group", name="Tasks to include (accepted work only)")
    for task_title in task_titles:
        included.get_by_label(task_title, exact=True).check()
    uses = form.get_by_role("group", name="Intended uses", exact=True)
    for use in intended_uses:
        uses.get_by_label(use, exact=True).check()
    form.get_by_label("Price for all items").fill(major_units(price))
    form.get_by_label("Currency").fill(currency)
    form.get_by_role("button", name="Sign and publish the release").click()
    expect(steward.get_by_role("heading", name=title)).to_be_visible()
    expect(steward.locator("#flash")).to_contain_text("The release is signed and published.")
    return urlparse(steward.url).path


def major_units(minor: int) -> str:
    """12345 → "123.45": a price typed as people write it (EUR-like, two decimals)."""
    return f"{minor // 100:,}.{minor % 100:02d}"


def register_buyer(page: Page, buyer: Person, organisation: str) -> None:
    """A buyer creates an account for their organisation on /buyers/register and signs in."""
    page.goto("/buyers/register")
    page.get_by_label("Organisation").fill(organisation)
    page.get_by_label("Your name").fill(buyer.name)
    page.get_by_label("Work email").fill(buyer.email)
    page.get_by_label("Password", exact=True).fill(buyer.password)
    page.get_by_role("button", name="Create buyer account").click()
    expect(page.get_by_role("status")).to_contain_text("Your buyer account is ready: sign in.")
    sign_in(page, buyer.email, buyer.password)
    expect(main_nav(page).get_by_role("link", name=organisation)).to_be_visible()


def check_consent(page: Page, release_title: str, uses: tuple[str, ...]) -> Locator:
    """A signed-in buyer opens the release from the catalog and checks consent for `uses` (htmx,
    swapped in place); returns the result section."""
    page.goto("/releases")
    page.get_by_role("link", name=release_title, exact=True).click()
    expect(page.get_by_role("heading", name=release_title, exact=True)).to_be_visible()
    form = page.locator("form").filter(has=page.get_by_role("heading", name="Check consent for your intended use"))
    for use in uses:
        form.get_by_role("group", name="Uses", exact=True).get_by_label(use, exact=True).check()
    form.get_by_role("button", name="Check", exact=True).click()
    result = page.locator("#check")
    expect(result.get_by_role("heading", name=f"For {', '.join(uses)} in other")).to_be_visible()
    return result


def license_checked(page: Page, result: Locator) -> str:
    """A buyer goes from the consent check to the terms page (the exact item count and total), accepts
    the terms, confirms, reads the receipt and lands on /licenses; returns the new license's id."""
    total = result.get_by_test_id("quote-total").inner_text()
    result.get_by_role("button", name="Review the terms and total").click()
    expect(page.get_by_role("heading", name="Your order")).to_be_visible()
    shown = page.get_by_test_id("order-total").inner_text()
    assert shown in total, (shown, total)  # the total confirmed is the one the check quoted
    page.get_by_role("checkbox", name=re.compile(r"I accept the license terms version \d+")).check()
    page.get_by_role("button", name=re.compile(r"^Confirm and license for ")).click()
    expect(page.get_by_role("status")).to_contain_text(
        "Licensed: the sale is shared with the people who made the data."
    )
    found = re.search(r"/licenses/([0-9a-f]+)/receipt", page.url)
    assert found, page.url
    expect(page.get_by_test_id("receipt-total")).to_have_text(shown)
    page.goto("/licenses")
    return found.group(1)


# -- proposals and votes -------------------------------------------------------------------------------


def propose(page: Page, kind: str, title: str, voting_minutes: int, why: str = "") -> None:
    """A signed-in member starts a proposal of this kind on /proposals/new and gives its title,
    reasons and voting period; the caller fills in what is proposed, then calls open_the_vote."""
    page.goto("/proposals/new")
    page.get_by_label("Kind of proposal").select_option(kind)
    page.get_by_role("button", name="Choose", exact=True).click()
    expect(page.locator("input[name='kind']")).to_have_value(kind)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Why (for the discussion)").fill(why)
    page.get_by_label("Voting period in minutes (empty: the default in the governance rules)").fill(str(voting_minutes))


def open_the_vote(page: Page, title: str) -> str:
    """Send the filled-in proposal form; returns the proposal's path (/proposals/<id>)."""
    page.get_by_role("button", name="Open the vote").click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Your proposal is open for voting.")
    expect(page.get_by_test_id("proposal-status")).to_have_text("open")
    return urlparse(page.url).path


def cast_ballot(
    page: Page, proposal: str, password: str, choice: str | None = None, ranks: dict[str, int] | None = None
) -> None:
    """A signed-in member votes on the proposal's page (htmx: the #vote section is swapped in place):
    one choice for a yes/no vote, or a rank per draft for ranked choice."""
    if urlparse(page.url).path != proposal:
        page.goto(proposal)
    vote = page.locator("#vote")
    if choice is not None:
        vote.get_by_role("radio", name=choice, exact=True).check()
        counted = choice
    else:
        assert ranks
        for draft, rank in ranks.items():
            vote.get_by_label(f"Draft {draft}", exact=True).fill(str(rank))
        counted = " > ".join(sorted(ranks, key=ranks.__getitem__))
    vote.get_by_label("Your password (signs your ballot)").fill(password)
    vote.get_by_role("button", name="Cast my signed ballot").click()
    expect(vote.get_by_test_id("my-vote")).to_have_text(
        f"Your ballot counts as: {counted}. You may change it until the vote closes."
    )
    expect(vote.get_by_label("Your password (signs your ballot)")).to_have_value("")  # a fresh form came back


# -- setup shared by a module's tests --------------------------------------------------------------------


@contextmanager
def watched_pages(chromium: Browser, server: Any) -> Iterator[Callable[[], Page]]:
    """make(**context options) → pages for module-scoped setup, watched like the `new_page`
    fixture's: CSP violations and script errors fail the setup."""
    from tests.browser.conftest import PageProblems

    problems = PageProblems()
    contexts = []

    def make(**options: Any) -> Page:
        context = chromium.new_context(base_url=server.url, **options)
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    if problems.csp_violations or problems.script_errors:
        pytest.fail(
            "the browser reported CSP violations or script errors during setup:\n"
            + "\n".join(problems.csp_violations + problems.script_errors),
            pytrace=False,
        )
