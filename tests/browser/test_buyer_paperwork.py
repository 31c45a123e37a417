"""The buyer's paperwork in a real browser against `coop serve` (SQLite and PostgreSQL): the license
report a compliance team files (the EU AI Act Art. 53(1)(d) training-data summary and the fair-work
evidence, whose JSON states the same facts), and the withdrawal feed that tells a licensee when a
contributor revokes consent after the license. Another organisation's buyer is refused both (403)."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from provenance.core.entry import verify_leaf
from tests.browser.conftest import require_playwright

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.portal import check_consent, license_checked, my_contribution_row  # noqa: E402
from tests.browser.test_money import back_in_session, dd_after, new_buyer, release  # noqa: E402, F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BEN_WORK = "SSRIs with triptans: watch for serotonin syndrome."  # Ben's answer in the shared release
SUMMARY_FIELDS = (
    "Source category",
    "Modalities",
    "Content types",
    "Size",
    "Collection period",
    "How opt-outs were respected",
)


def licensed(buyer: Page, title: str) -> str:
    """A buyer licenses the release for model training; returns the license id (on /licenses)."""
    return license_checked(buyer, check_consent(buyer, title, ("model-training",)))


def test_the_buyer_files_the_license_report_and_its_json_link_states_the_same_facts(
    coop_server,
    new_page,
    release,  # noqa: F811
):
    buyer = new_buyer(new_page, coop_server)
    license_id = licensed(buyer, release.title)
    buyer.get_by_role("region", name=release.title).get_by_role("link", name="the license report").click()
    expect(buyer.get_by_role("heading", name=f"License report: “{release.title}”")).to_be_visible()
    expect(buyer.get_by_role("heading", name="Training-data summary (EU AI Act Art. 53(1)(d))")).to_be_visible()

    # The JSON the page links to: the very bytes whose SHA-256 the page shows (and the bundle signs).
    href = buyer.get_by_role("link", name="report JSON").get_attribute("href")
    assert href == f"/licenses/{license_id}/report.json"
    answer = buyer.request.get(href)
    assert answer.status == 200
    expect(buyer.get_by_test_id("report-sha256")).to_have_text(hashlib.sha256(answer.body()).hexdigest())
    report = json.loads(answer.body())
    assert report["license"]["id"] == license_id and report["license"]["uses"] == ["model-training"]

    # Art. 53(1)(d): every field, on the page as in the JSON.
    summary, facts = buyer.get_by_test_id("summary"), report["training_data_summary"]
    expect(summary.locator("dt")).to_have_text(list(SUMMARY_FIELDS))
    expect(dd_after(summary, "Source category")).to_have_text(facts["source_category"])
    assert "co-operative" in facts["source_category"]
    expect(dd_after(summary, "Modalities")).to_have_text(", ".join(facts["modalities"]))
    for kind, count in facts["content_types"]["task_kinds"].items():
        expect(dd_after(summary, "Content types")).to_contain_text(f"{kind} ({count})")
    size = facts["size"]
    expect(buyer.get_by_test_id("size")).to_contain_text(
        f"{size['judgments']} judgments of {size['items']} items by {size['contributors']} contributors"
    )
    period = facts["collection_period"]
    for moment in (period["first_submitted"], period["last_submitted"], period["last_accepted"]):
        expect(buyer.get_by_test_id("period")).to_contain_text(moment)
    opt_outs = facts["opt_outs"]
    assert opt_outs["release_items"] == 3 and opt_outs["included"] + opt_outs["excluded_by_consent"] == 3
    assert opt_outs["included"] == size["judgments"]
    expect(buyer.get_by_test_id("consent")).to_contain_text(
        f"Consent rules v{opt_outs['consent_rules_version']} in force at license time"
    )
    expect(buyer.get_by_test_id("consent")).to_contain_text(
        f"{opt_outs['included']} of {opt_outs['release_items']} release items included"
    )

    # The fair-work evidence: pay per measured hour against the floor in force, per task and floor
    # version on the page; every judgment's own row in the judgments file whose hash the report states.
    fair = report["fair_work"]
    assert fair["judgments"]["count"] == size["judgments"] and fair["below_floor"] == 0
    expect(buyer.get_by_test_id("fair-work-totals")).to_contain_text(
        f"{fair['meets_floor']} judgments at or above the pay floor, 0 below"
    )
    assert sum(group["judgments"] for group in fair["groups"]) == size["judgments"]
    for group in fair["groups"]:
        assert group["below_floor"] == 0 and group["min_hourly_rate"] >= group["floor"]
        row = buyer.get_by_test_id(f"group-{group['task']}-{group['floor_version']}")
        expect(row).to_contain_text(group["task_kind"])
    expect(buyer.get_by_test_id("judgments-file")).to_contain_text(fair["judgments"]["sha256"])

    # Another organisation's buyer: neither the page nor the JSON.
    other = new_buyer(new_page, coop_server)
    refused = other.goto(f"/licenses/{license_id}/report")
    assert refused is not None and refused.status == 403
    assert other.request.get(href).status == 403


def test_a_revocation_after_a_license_reaches_the_buyer_as_an_unread_notice_that_is_then_read(
    coop_server,
    new_page,
    release,  # noqa: F811
):
    buyer = new_buyer(new_page, coop_server)
    license_id = licensed(buyer, release.title)
    section = buyer.get_by_role("region", name=release.title)
    expect(section.get_by_role("link", name="Withdrawal notices")).to_be_visible()
    expect(section.get_by_text("unread")).to_have_count(0)

    # Ben, whose answer the license includes, revokes his consent from his contribution's page.
    ben = back_in_session(new_page, coop_server, release.sessions["Ben"])
    row = my_contribution_row(ben, release.task_titles[0])
    item_entry = int(row.locator("td").nth(4).inner_text().strip().lstrip("#"))
    row.get_by_role("link", name=release.task_titles[0]).click()
    revoke = ben.locator("form[action$='/revoke-consent']")
    revoke.get_by_label("Your password").fill(release.ben.password)
    revoke.get_by_role("button", name="Revoke my consent").click()
    expect(ben.get_by_role("status")).to_contain_text("Consent revoked (log entry #")
    found = re.search(r"log entry #(\d+)", ben.get_by_role("status").inner_text())
    assert found
    revocation_entry = int(found.group(1))

    # The buyer's portal says so at once: on the home page and on the license.
    buyer.goto("/")
    notice_link = buyer.get_by_role("link", name="1 unread withdrawal notice", exact=True)
    expect(notice_link).to_be_visible()
    notice_link.click()
    section = buyer.get_by_role("region", name=release.title)
    expect(section.get_by_text("1 unread", exact=True)).to_be_visible()
    section.get_by_role("link", name="Withdrawal notices").click()

    # The feed: the notice, with the revocation's log entry and the item, unread.
    expect(buyer.get_by_role("heading", name="Withdrawal notices")).to_be_visible()
    expect(buyer.locator("#unread-count")).to_have_text("1 unread")
    notices = buyer.locator("tbody tr")
    expect(notices).to_have_count(1)
    cells = notices.first.locator("td")
    expect(cells.nth(0)).to_have_text("1")
    expect(cells.nth(1).get_by_role("link")).to_have_text(f"#{item_entry}")
    expect(cells.nth(1).get_by_role("link")).to_have_attribute("href", f"/lineage/entries/{item_entry}")
    expect(cells.nth(2)).to_have_text(hashlib.sha256(BEN_WORK.encode()).hexdigest())
    expect(cells.nth(3).get_by_role("link")).to_have_text(f"#{revocation_entry}")
    expect(cells.nth(3).get_by_role("link")).to_have_attribute("href", f"/public-log?index={revocation_entry}")
    expect(cells.nth(6)).to_have_text("unread")

    # Both entries are signed log entries that say the same: Ben's revocation, the co-op's notice.
    revocation = verify_leaf(buyer.request.get(f"/log/entries/{revocation_entry}").body())
    assert revocation.kind == "consent.revocation" and revocation.body["contribution_entry"] == item_entry
    notice_entry = int(cells.nth(4).inner_text().strip().lstrip("#"))
    notice = verify_leaf(buyer.request.get(f"/log/entries/{notice_entry}").body())
    assert notice.kind == "license.withdrawal"
    assert (notice.body["license"], notice.body["revocation_entry"], notice.body["contribution_entry"]) == (
        license_id,
        revocation_entry,
        item_entry,
    )

    # Read: the notice stays, marked read, and the portal no longer calls it unread.
    buyer.get_by_role("button", name="Mark all read").click()
    expect(buyer.get_by_role("status")).to_contain_text("Marked read.")
    expect(buyer.locator("#unread-count")).to_have_text("0 unread")
    expect(buyer.locator("tbody tr").first.locator("td").nth(6)).to_have_text("read")
    expect(buyer.get_by_role("button", name="Mark all read")).to_have_count(0)
    buyer.goto("/licenses")
    expect(buyer.get_by_role("region", name=release.title).get_by_text("unread")).to_have_count(0)
    buyer.goto("/")
    expect(buyer.get_by_role("link", name=re.compile("unread withdrawal notice"))).to_have_count(0)

    # Another organisation's buyer cannot read this license's feed.
    other = new_buyer(new_page, coop_server)
    refused = other.goto(f"/licenses/{license_id}/withdrawals")
    assert refused is not None and refused.status == 403
