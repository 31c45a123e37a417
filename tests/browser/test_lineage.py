"""Lineage, in a real browser against `coop serve` (SQLite and PostgreSQL), and `coop verify` offline.

A buyer who licensed a release sees where every item came from and the fair-work attestation,
downloads the license's verification bundle from the portal, and checks it with `coop verify` on a
machine that has no database at all. One flipped byte, anywhere, and the bundle does not verify.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import STEWARD_EMAIL, STEWARD_PASSWORD, _coop_command, require_playwright

require_playwright()

from playwright.sync_api import Page, expect  # noqa: E402

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
    review_work,
    sign_in,
    submit_work,
    watched_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPERT_ANSWER_CRITERIA = ("correctness", "completeness", "clarity")  # rubric.expert-answer v1
NO_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"  # nothing listens on port 1


# -- shared setup: a licensed release of two accepted contributions, once per server -------------------------


@dataclass(frozen=True)
class Licensed:
    title: str
    path: str
    license_id: str
    organisation: str
    entries: tuple[int, int]  # the acceptances of the two items, in the log
    rates: tuple[int, int]  # each task's hourly rate, minor units
    author: Person
    buyer_session: dict[str, Any]


@pytest.fixture(scope="module")
def licensed(coop_server, chromium) -> Licensed:
    """Eva answers two tasks, two reviewers accept both answers, the steward cuts a release of them
    for model-training, and a buyer licenses all of it."""
    eva, rita, rui, buyer = newcomer("Eva"), newcomer("Rita"), newcomer("Rui"), newcomer("Bo")
    organisation = f"Lineage Labs {buyer.email.split('@')[0]}"
    with watched_pages(chromium, coop_server) as make_page:
        steward = make_page()
        sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
        author = make_page()
        join_with_a_key(author, steward, eva)
        reviewers = []
        for reviewer in (rita, rui):
            reviewers.append(make_page())
            join_with_a_key(reviewers[-1], steward, reviewer, roles=("reviewer",))

        tasks = (new_task("Antibiotic choice"), new_task("Imaging referral", minutes_per_unit=30, pay_per_unit=1_500))
        for task in tasks:
            open_task(steward, task)
            submit_work(
                author,
                task.title,
                f"Eva's answer to {task.title}.",
                minutes=task.minutes_per_unit - 2,
                password=eva.password,
            )
            for page in reviewers:
                review_work(page, task.title, {c: 5 for c in EXPERT_ANSWER_CRITERIA}, "Exemplary.")
        entries = []
        for task in tasks:
            link = my_contribution_row(author, task.title).get_by_role("link", name=re.compile(r"^#\d+$"))
            entries.append(int(link.inner_text().removeprefix("#")))

        title = f"Clinical decisions {tasks[0].title.rsplit(' ', 1)[1]}"
        path = cut_release(steward, title, tuple(t.title for t in tasks), ("model-training",), 5_000)

        page = make_page()
        register_buyer(page, buyer, organisation)
        check = check_consent(page, title, ("model-training",))
        expect(check.get_by_test_id("licensable")).to_have_text("2 of 2 items may be licensed.")
        license_id = license_checked(page, check)
        rates = tuple(t.pay_per_unit * 60 // t.minutes_per_unit for t in tasks)
        return Licensed(
            title,
            path,
            license_id,
            organisation,
            (entries[0], entries[1]),
            (rates[0], rates[1]),
            eva,
            page.context.storage_state(),
        )


# -- steps ------------------------------------------------------------------------------------------------


def buyer_page(new_page, server, licensed: Licensed) -> Page:
    page = new_page(server, storage_state=licensed.buyer_session)
    page.goto("/me")
    return page


def download_license_bundle(page: Page, licensed: Licensed, folder: Path) -> Path:
    """From the buyer's Licenses page, through the browser's own download."""
    main_nav(page).get_by_role("link", name="Licenses").click()
    section = page.get_by_role("region", name=licensed.title)
    with page.expect_download() as download:
        section.get_by_role("link", name="Download the verification bundle").click()
    assert download.value.suggested_filename == f"license-{licensed.license_id}.bundle"
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    return saved


def coop_verify(bundle: Path, data_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`coop verify` as a buyer runs it: no COOP_ settings but an empty data directory and a
    database URL nothing answers at, so any use of a database would fail loudly."""
    data_dir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    env.update({"COOP_DATABASE_URL": NO_DATABASE, "COOP_DATA_DIR": str(data_dir)})
    result = subprocess.run(
        [*_coop_command(), "verify", str(bundle), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert list(data_dir.iterdir()) == [], "coop verify wrote to its data directory"
    return result


# -- the flows ---------------------------------------------------------------------------------------------


def test_a_buyer_sees_where_every_item_came_from_and_the_fair_work_attestation(coop_server, new_page, licensed):
    page = buyer_page(new_page, coop_server, licensed)
    main_nav(page).get_by_role("link", name="Catalog").click()
    page.get_by_role("link", name=licensed.title, exact=True).click()
    page.get_by_role("link", name="Where every item came from, and the fair-work attestation").click()
    expect(page).to_have_url(f"{coop_server.url}{licensed.path}/lineage")
    expect(page.get_by_role("heading", name=f"Lineage of “{licensed.title}”")).to_be_visible()

    attestation = page.get_by_test_id("attestation")
    expect(attestation).to_have_text(
        re.compile(
            r"^✔ The bundle verifies against checkpoint \d+: every item was paid at or above the pay floor in force "
            r"and reviewed under the rubric in force, and consents to model-training\.$"
        )
    )
    page.get_by_text("Per item", exact=True).click()
    per_item = page.get_by_role("region", name="Fair-work attestation").get_by_role("listitem")
    expect(per_item).to_have_count(2)
    for entry, rate in zip(licensed.entries, licensed.rates):
        expect(per_item.filter(has_text=f"item {entry}:")).to_have_text(
            re.compile(
                rf"^item {entry}: task paid {rate} EUR/h ≥ floor \d+ \(pay-floor v\d+\); "
                r"reviewed under rubric\.expert-answer v\d+, in force when the task opened$"
            )
        )

    items = page.get_by_role("table", name="2 contributions (pseudonymous author keys)")
    for entry, paid in zip(licensed.entries, ("9.00 EUR per answer (~20 min)", "15.00 EUR per answer (~30 min)")):
        row = items.get_by_role("row").filter(has=page.get_by_role("link", name=f"#{entry}", exact=True))
        expect(row.locator("td").nth(4)).to_have_text(paid)
        expect(row.locator("td").nth(6)).to_have_text(re.compile(r"^model-training, model-evaluation, research; not "))
        expect(row.locator("td").nth(7)).to_have_text("—")  # not revoked
    for personal in (licensed.author.name, licensed.author.email):
        expect(page.get_by_text(personal)).to_have_count(0)

    # One item's chain, from its task to this buyer's license.
    items.get_by_role("link", name=f"#{licensed.entries[0]}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Contribution at log entry #{licensed.entries[0]}")).to_be_visible()
    chain = page.get_by_role("list").filter(has_text="Task opened at")
    expect(chain.get_by_role("listitem").filter(has_text="In release")).to_contain_text(licensed.title)
    licensed_by = chain.get_by_role("listitem").filter(has_text=f"Licensed by {licensed.organisation}")
    expect(licensed_by.get_by_role("link", name="bundle")).to_have_attribute(
        "href", f"/licenses/{licensed.license_id}/bundle"
    )


def test_the_license_bundle_from_the_portal_verifies_offline_with_no_database(
    coop_server, new_page, licensed, tmp_path
):
    page = buyer_page(new_page, coop_server, licensed)
    bundle = download_license_bundle(page, licensed, tmp_path)

    result = coop_verify(bundle, tmp_path / "empty-data-dir")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(
        r"^bundle verified: license entry \d+ of release entry \d+; 2 items; log of \d+ entries$", out, re.MULTILINE
    ), out
    assert "declared use: model-training in other — consent holds for every item" in out, out
    assert "fair-work attestation:" in out, out
    for entry, rate in zip(licensed.entries, licensed.rates):
        assert re.search(
            rf"^  item {entry}: task paid {rate} EUR/h ≥ floor \d+ \(pay-floor v\d+\); "
            r"reviewed under rubric\.expert-answer v\d+",
            out,
            re.MULTILINE,
        ), out

    # The key it used came with the bundle; it is the co-op's published one, and trusting that
    # key explicitly verifies too.
    published = page.request.get(f"{coop_server.url}/log/key").text().strip()
    assert f"co-op key: {published}  (taken from the bundle" in out, out
    trusted = coop_verify(bundle, tmp_path / "empty-data-dir", "--key", published)
    assert trusted.returncode == 0, trusted.stderr
    assert "co-op key: " + published + "\n" in trusted.stdout


def still_well_formed(data: bytes, start: int) -> int:
    """The first offset from `start` whose byte, with its lowest bit flipped, is still a letter or a
    digit: the JSON and base64 still parse, so only the signatures and proofs can catch the change."""
    return next(i for i in range(start, len(data)) if chr(data[i] ^ 0x01).isascii() and chr(data[i] ^ 0x01).isalnum())


def test_a_bundle_with_one_byte_flipped_does_not_verify(coop_server, new_page, licensed, tmp_path):
    page = buyer_page(new_page, coop_server, licensed)
    original = download_license_bundle(page, licensed, tmp_path).read_bytes()
    checkpoint = original.index(b'"checkpoint":"') + len(
        b'"checkpoint":"'
    )  # origin, size, root hash: lines escaped in JSON
    root_hash = original.index(b"\\n", original.index(b"\\n", checkpoint) + 2) + 2
    positions = {
        "the license entry it is about": still_well_formed(
            original, original.index(b'"license_entry":') + len(b'"license_entry":')
        ),
        "the checkpoint's root hash": still_well_formed(original, root_hash + 4),
        "a log entry's leaf": still_well_formed(original, original.index(b'"leaf":"') + 100),
        "the co-op's signature": still_well_formed(original, original.rindex(b" ") + 20),
        "the last byte": len(original) - 1,
    }
    for where, position in positions.items():
        flipped = bytearray(original)
        flipped[position] ^= 0x01
        tampered = tmp_path / f"flipped-at-{position}.bundle"
        tampered.write_bytes(bytes(flipped))
        result = coop_verify(tampered, tmp_path / "empty-data-dir")
        assert result.returncode == 1, (
            f"a byte flipped in {where} (offset {position}): exit {result.returncode}\n{result.stdout}{result.stderr}"
        )
        assert result.stderr.startswith("BUNDLE DOES NOT VERIFY: "), f"{where}: {result.stderr}"
        assert "bundle verified" not in result.stdout
    assert (
        coop_verify(tmp_path / f"license-{licensed.license_id}.bundle", tmp_path / "empty-data-dir").returncode == 0
    )  # the original still does
