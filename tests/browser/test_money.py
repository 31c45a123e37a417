"""Money, in a real browser against `coop serve` (SQLite and PostgreSQL).

Accepted work is cut into a release; a buyer checks which items consent to its intended use,
licenses the consenting subset, and later reports downstream revenue. Each sale is shared back by
the revenue formula in force, and every contributor's earnings page shows the arithmetic, which this
file redoes from the numbers on the page. Work whose author did not consent to a use earns nothing
from a license for that use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.conftest import STEWARD_EMAIL, STEWARD_PASSWORD, require_playwright

require_playwright()

from playwright.sync_api import Locator, Page, expect  # noqa: E402

from tests.browser.portal import (  # noqa: E402
    Person,
    check_consent,
    cut_release,
    join_with_a_key,
    license_checked,
    main_nav,
    my_contribution_row,
    new_task,
    newcomer,
    open_task,
    register_buyer,
    review_contribution,
    sign_in,
    submit_work_consenting,
    watched_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPERT_ANSWER_CRITERIA = ("correctness", "completeness", "clarity")  # rubric.expert-answer v1
DEFAULT_CONSENT = ("model-training", "model-evaluation", "research")  # consent-rules v1 default terms
WITH_COMMERCIAL = (*DEFAULT_CONSENT, "commercial")
PRICE = 10_001  # minor units, EUR: odd on purpose, so the shares have remainders


# -- shared setup: a release of three accepted contributions, once per server ---------------------------------


@dataclass(frozen=True)
class Release:
    """Ada answered both tasks and consented to commercial use; Ben answered the first and did not."""

    title: str
    path: str
    task_titles: tuple[str, str]
    pay: tuple[int, int]  # per unit on each task: each contribution's base pay
    ada: Person
    ben: Person
    reviewers: tuple[Person, Person]
    sessions: dict[str, dict[str, Any]]  # by first name, and "steward"


@pytest.fixture(scope="module")
def release(coop_server, chromium) -> Release:
    ada, ben, rita, rui = newcomer("Ada"), newcomer("Ben"), newcomer("Rita"), newcomer("Rui")
    with watched_pages(chromium, coop_server) as make_page:
        steward = make_page()
        sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
        pages = {}
        for person, roles in ((ada, ()), (ben, ()), (rita, ("reviewer",)), (rui, ("reviewer",))):
            pages[person] = make_page()
            join_with_a_key(pages[person], steward, person, roles)

        interactions = new_task("Drug interactions")  # 900 per 20 min
        dosing = new_task("Dosing in the elderly", minutes_per_unit=30, pay_per_unit=1_500)
        open_task(steward, interactions)
        open_task(steward, dosing)
        work = [
            submit_work_consenting(
                pages[ada],
                interactions.title,
                "Warfarin with clarithromycin: raise INR checks.",
                18,
                ada.password,
                WITH_COMMERCIAL,
            ),
            submit_work_consenting(
                pages[ada],
                dosing.title,
                "Start low, go slow; halve renally cleared drugs.",
                25,
                ada.password,
                WITH_COMMERCIAL,
            ),
            submit_work_consenting(
                pages[ben],
                interactions.title,
                "SSRIs with triptans: watch for serotonin syndrome.",
                15,
                ben.password,
                DEFAULT_CONSENT,
            ),
        ]
        for reviewer in (rita, rui):
            for contribution in work:
                review_contribution(
                    pages[reviewer], contribution, {c: 4 for c in EXPERT_ANSWER_CRITERIA}, "Accurate and clear."
                )
        for person, task_title in ((ada, interactions.title), (ada, dosing.title), (ben, interactions.title)):
            expect(my_contribution_row(pages[person], task_title).get_by_test_id("contribution-status")).to_have_text(
                "accepted"
            )

        title = f"Clinical pharmacology answers {interactions.title.rsplit(' ', 1)[1]}"
        path = cut_release(steward, title, (interactions.title, dosing.title), ("model-training",), PRICE)
        expect(dd_after(steward, "Items")).to_have_text("3 accepted contributions")
        sessions = {p.name.split()[0]: pages[p].context.storage_state() for p in pages}
        sessions["steward"] = steward.context.storage_state()
        return Release(
            title,
            path,
            (interactions.title, dosing.title),
            (interactions.pay_per_unit, dosing.pay_per_unit),
            ada,
            ben,
            (rita, rui),
            sessions,
        )


# -- steps and arithmetic ---------------------------------------------------------------------------------


def dd_after(scope: Page | Locator, term: str) -> Locator:
    return scope.locator(f"dt:text-is('{term}') + dd")


def cents(shown: str, currency: str = "EUR") -> int:
    """'66.67 EUR' → 6667: money as the portal shows it, back in minor units."""
    found = re.fullmatch(rf"(-?)(\d{{1,3}}(?:,\d{{3}})*)\.(\d\d) {currency}", shown.strip())
    assert found, shown
    return (-1 if found.group(1) else 1) * (int(found.group(2).replace(",", "")) * 100 + int(found.group(3)))


def back_in_session(new_page, server, session: dict[str, Any]) -> Page:
    """A page in a fresh browser context holding an earlier sign-in's cookies, on the member's profile."""
    page = new_page(server, storage_state=session)
    page.goto("/me")
    return page


def new_buyer(new_page, server) -> Page:
    buyer = newcomer("Bo")
    page = new_page(server)
    register_buyer(page, buyer, f"Acme Labs {buyer.email.split('@')[0]}")
    return page


@dataclass(frozen=True)
class Share:
    entry: int
    pool: int
    weight: int
    total_weight: int
    floor: int
    remainder: int
    leftover: bool
    amount: int


SHARE = re.compile(
    r"contribution #(\d+): ⌊(\d+) × (\d+) / (\d+)⌋ = (\d+), remainder (\d+)( \+ 1 leftover unit)? → (\d+)"
)
EVENT = re.compile(
    r"Event (\S+ EUR): reserve (\S+ EUR) \((\d+) bps\), reviewer pool (\S+ EUR) \((\d+) bps\), "
    r"contributor pool P = (\S+ EUR); weight = (\w+) \(formula v(\d+)\)\."
)


def share_line(page: Page, license_id: str, description: str) -> Locator:
    """On My earnings: the one revenue-share line from this license's event ("license sale", "royalty")."""
    main_nav(page).get_by_role("link", name="My earnings").click()
    expect(page.get_by_role("heading", name="My earnings")).to_be_visible()
    line = page.get_by_role("row").filter(has_text=f"Shares of {description} ({license_id})")
    expect(line).to_have_count(1)
    expect(line.locator("td:nth-child(2)")).to_contain_text("revenue-share")
    return line


def check_the_arithmetic(line: Locator, event_amount: int) -> tuple[int, list[Share]]:
    """Redo the line's arithmetic from what it shows; returns the contributor pool P and the shares."""
    event = EVENT.search(line.locator("td:nth-child(4) p").inner_text())
    assert event, line.inner_text()
    amount, reserve, reserve_bps, reviewer_pool, reviewer_bps, pool, weight, _version = event.groups()
    assert cents(amount) == event_amount
    assert cents(reserve) == event_amount * int(reserve_bps) // 10_000  # both deductions round down
    assert cents(reviewer_pool) == event_amount * int(reviewer_bps) // 10_000
    assert cents(pool) == event_amount - cents(reserve) - cents(reviewer_pool)
    assert weight == "base_pay"
    shares = []
    for text in line.get_by_test_id("share").all_inner_texts():
        found = SHARE.fullmatch(text.strip())
        assert found, text
        entry, p, w, total, floor, remainder, leftover, shown = found.groups()
        share = Share(int(entry), int(p), int(w), int(total), int(floor), int(remainder), bool(leftover), int(shown))
        assert share.pool == cents(pool)
        assert share.floor == share.pool * share.weight // share.total_weight
        assert share.remainder == share.pool * share.weight % share.total_weight
        assert share.amount == share.floor + share.leftover
        shares.append(share)
    assert shares, "no share on the line"
    assert cents(line.get_by_test_id("line-amount").inner_text()) == sum(s.amount for s in shares)
    return cents(pool), shares


def every_unit_is_placed_by_largest_remainder(pool: int, shares: list[Share]) -> None:
    """All of a pool's shares: they add up to P, and the units left after the floors go one each to
    the largest remainders, ties to the lower log entry."""
    assert sum(s.amount for s in shares) == pool
    leftovers = pool - sum(s.floor for s in shares)
    ranked = sorted(shares, key=lambda s: (-s.remainder, s.entry))
    assert {s.entry for s in shares if s.leftover} == {s.entry for s in ranked[:leftovers]}


def accepted_entries(page: Page, task_titles: tuple[str, ...]) -> list[int]:
    """The log entries (acceptances) of a member's work on these tasks, from My contributions."""
    entries = []
    for title in task_titles:
        link = my_contribution_row(page, title).get_by_role("link", name=re.compile(r"^#\d+$"))
        entries.append(int(link.inner_text().removeprefix("#")))
    return entries


def balance_is_the_sum_of_the_lines(page: Page) -> None:
    lines = sum(cents(text) for text in page.get_by_test_id("line-amount").all_inner_texts())
    assert cents(page.get_by_test_id("balance-EUR").inner_text()) == lines


# -- the flows ----------------------------------------------------------------------------------------------


def test_a_buyer_licenses_the_consenting_subset_and_only_consenting_contributors_share_in_the_sale(
    coop_server, new_page, release
):
    buyer = new_buyer(new_page, coop_server)
    everything = check_consent(buyer, release.title, ("model-training",))
    expect(everything.get_by_test_id("licensable")).to_have_text("3 of 3 items may be licensed.")
    expect(everything.get_by_test_id("quote-total")).to_contain_text(f"{PRICE // 100}.{PRICE % 100:02d} EUR")

    check = check_consent(buyer, release.title, ("model-training", "commercial"))
    expect(check.get_by_test_id("licensable")).to_have_text("2 of 3 items may be licensed.")
    expect(check).to_contain_text("Left out: 1 because a declared use is not permitted by the contributor.")
    subset_price = PRICE * 2 // 3  # pro rata, rounded down in the buyer's favour
    expect(check.get_by_test_id("quote-total")).to_have_text(
        f"Total for these 2 items: {subset_price // 100}.{subset_price % 100:02d} EUR, under license terms version 1."
    )
    license_id = license_checked(buyer, check)

    sold = buyer.get_by_role("region", name=release.title)
    expect(sold).to_contain_text(
        f"2 items for model-training, commercial in other; {subset_price // 100}.{subset_price % 100:02d} EUR"
    )
    expect(sold.get_by_role("listitem")).to_have_count(1)
    expect(sold.get_by_role("listitem")).to_contain_text(f"sale: {subset_price // 100}.{subset_price % 100:02d} EUR")

    # Ada consented to commercial use: both her items are in, and the whole pool P is hers.
    ada = back_in_session(new_page, coop_server, release.sessions["Ada"])
    ada_entries = accepted_entries(ada, release.task_titles)
    line = share_line(ada, license_id, "license sale")
    pool, shares = check_the_arithmetic(line, subset_price)
    assert sorted(s.entry for s in shares) == sorted(ada_entries)
    by_entry = {s.entry: s for s in shares}
    assert [by_entry[e].weight for e in ada_entries] == list(release.pay)  # weight = base pay of each item
    assert all(s.total_weight == sum(release.pay) for s in shares)  # W: only the licensed items
    every_unit_is_placed_by_largest_remainder(pool, shares)
    balance_is_the_sum_of_the_lines(ada)

    # Ben did not: his base pay is on his page, and nothing from this license.
    ben = back_in_session(new_page, coop_server, release.sessions["Ben"])
    main_nav(ben).get_by_role("link", name="My earnings").click()
    base = ben.get_by_role("row").filter(has_text="Base pay for accepted contribution")
    expect(base).to_have_count(1)
    expect(base.get_by_test_id("line-amount")).to_have_text("9.00 EUR")
    expect(ben.get_by_role("row").filter(has_text=license_id)).to_have_count(0)
    balance_is_the_sum_of_the_lines(ben)

    # The reviewers share the reviewer pool by their reviews of the licensed items (two each).
    rita = back_in_session(new_page, coop_server, release.sessions["Rita"])
    reviewer_line = share_line(rita, license_id, "license sale")
    reviewer_pool = subset_price * 1_000 // 10_000
    expect(reviewer_line).to_contain_text(f"your reviews: ⌊{reviewer_pool} × 2 / 4⌋ = {reviewer_pool // 2}")


def test_downstream_revenue_reported_by_the_buyer_is_shared_like_the_sale(coop_server, new_page, release):
    buyer = new_buyer(new_page, coop_server)
    check = check_consent(buyer, release.title, ("model-training",))
    expect(check.get_by_test_id("licensable")).to_have_text("3 of 3 items may be licensed.")
    license_id = license_checked(buyer, check)

    sold = buyer.get_by_role("region", name=release.title)
    sold.get_by_label(re.compile(r"^Report downstream revenue \(EUR, e\.g\. 1,250\.00\)")).fill("25.00")
    sold.get_by_label("Source").fill("royalty")
    sold.get_by_role("button", name="Report and share").click()
    expect(buyer.get_by_role("status")).to_contain_text("Revenue reported and shared.")
    sold = buyer.get_by_role("region", name=release.title)
    expect(sold.get_by_role("listitem")).to_have_count(2)
    expect(sold.get_by_role("listitem").nth(1)).to_have_text(
        "downstream: 25.00 EUR — reserve 2.50 EUR, reviewers 2.50 EUR, contributors 20.00 EUR (formula v1)"
    )

    # Ada has two lines from this license: her share of the sale, then of the royalty.
    ada = back_in_session(new_page, coop_server, release.sessions["Ada"])
    ada_entries = accepted_entries(ada, release.task_titles)
    _, sale_shares = check_the_arithmetic(share_line(ada, license_id, "license sale"), PRICE)
    pool, royalty_shares = check_the_arithmetic(share_line(ada, license_id, "royalty"), 2_500)
    assert pool == 2_000
    for shares in (sale_shares, royalty_shares):
        assert sorted(s.entry for s in shares) == sorted(ada_entries)
        assert all(s.total_weight == sum(release.pay) + release.pay[0] for s in shares)  # Ben's item is in this time
    rows = ada.get_by_role("row").filter(has_text=license_id)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Shares of royalty")  # newest first
    balance_is_the_sum_of_the_lines(ada)

    # Ben consented to model-training, so this license pays him too: for the sale and the royalty.
    ben = back_in_session(new_page, coop_server, release.sessions["Ben"])
    _, ben_shares = check_the_arithmetic(share_line(ben, license_id, "royalty"), 2_500)
    assert len(ben_shares) == 1 and ben_shares[0].weight == release.pay[0]
    every_unit_is_placed_by_largest_remainder(pool, royalty_shares + ben_shares)
