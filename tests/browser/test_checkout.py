"""The buyer's checkout in a real browser against `coop serve` (SQLite and PostgreSQL): the release
page sells (sample, schema, terms, price), the consent check counts what passes, the terms page
shows the exact count and total, and a double-clicked confirmation grants one license, whose
receipt follows; the release is then "Owned" for that organisation; the downloaded files hash to the
SHA-256 in the co-op-signed manifest and mlcroissant loads their records."""

from __future__ import annotations

import base64
import hashlib
import re

import mlcroissant as mlc
import pytest

from provenance.core.entry import verify_leaf
from tests.browser.conftest import require_playwright

require_playwright()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.portal import check_consent  # noqa: E402
from tests.browser.test_money import PRICE, new_buyer, release  # noqa: E402, F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_buyer_walks_from_the_release_page_to_a_receipt_and_a_double_click_licenses_once(
    coop_server,
    new_page,
    release,  # noqa: F811
    tmp_path,
):
    buyer = new_buyer(new_page, coop_server)
    price = f"{PRICE // 100:,}.{PRICE % 100:02d} EUR"

    # The release page: what is sold, before any choice.
    buyer.goto(release.path)
    expect(buyer.get_by_test_id("item-count")).to_contain_text("3 accepted contributions")
    expect(buyer.get_by_test_id("task-kinds")).to_have_text("expert-answer (3)")
    expect(buyer.get_by_test_id("schema")).to_contain_text("free-form contribution")
    expect(buyer.get_by_test_id("sample-item")).to_have_count(3)
    expect(buyer.get_by_test_id("sample")).to_contain_text("Warfarin with clarithromycin")
    expect(buyer.get_by_test_id("price")).to_contain_text(f"{price} for all 3 items")
    expect(buyer.get_by_test_id("terms-version")).to_contain_text("version 1")
    expect(buyer.get_by_test_id("owned")).to_have_count(0)

    # The consent check: how many items pass, and their total.
    check = check_consent(buyer, release.title, ("model-training",))
    expect(check.get_by_test_id("licensable")).to_have_text("3 of 3 items may be licensed.")
    expect(check.get_by_test_id("quote-total")).to_contain_text(price)

    # The terms: the exact count and total, the text; nothing is licensed without the box ticked.
    check.get_by_role("button", name="Review the terms and total").click()
    expect(buyer.get_by_test_id("order-items")).to_contain_text("3 of 3")
    expect(buyer.get_by_test_id("order-total")).to_have_text(price)
    expect(buyer.get_by_test_id("terms-text")).to_contain_text("Dataset license terms, version 1")
    confirm = buyer.get_by_role("button", name=f"Confirm and license for {price}")
    buyer.get_by_role("checkbox", name=re.compile(r"I accept the license terms version 1 for 3 items")).check()

    # A double click: one license, one receipt.
    confirm.dblclick()
    expect(buyer.get_by_test_id("receipt")).to_be_visible()
    expect(buyer.get_by_test_id("receipt-total")).to_have_text(price)
    expect(buyer.get_by_test_id("receipt-items")).to_contain_text("3 (Merkle root")
    license_id = buyer.get_by_test_id("receipt-license").inner_text()

    buyer.goto("/licenses")
    expect(buyer.get_by_role("region", name=release.title)).to_have_count(1)
    expect(buyer.get_by_role("link", name="Receipt")).to_have_attribute("href", f"/licenses/{license_id}/receipt")
    buyer.goto(release.path)
    expect(buyer.get_by_test_id("owned")).to_have_text("Owned")
    buyer.goto("/releases")
    expect(buyer.get_by_role("row").filter(has_text=release.title).get_by_test_id("owned")).to_have_text("Owned")

    # The download: each file as the browser saves it hashes to the SHA-256 in the license's
    # manifest, a log entry signed by the co-op's key; mlcroissant loads the records from those files.
    buyer.goto("/licenses")
    manifest = buyer.request.get(f"/licenses/{license_id}/files").json()
    leaf = buyer.request.get(f"/log/entries/{manifest['manifest_entry']}").body()
    entry = verify_leaf(leaf)  # raises unless the signature is good
    coop_key = base64.b64decode(buyer.request.get("/log/key").text().strip().split("+", 2)[2])[1:]
    assert entry.kind == "license.files" and entry.public_key == coop_key
    signed = {f["name"]: f["sha256"] for f in entry.body["files"]}
    paths = {}
    for name in ("judgments.jsonl", "judgments.parquet"):
        with buyer.expect_download() as download:
            buyer.get_by_role("link", name=name).click()
        paths[name] = tmp_path / name
        download.value.save_as(paths[name])
        assert hashlib.sha256(paths[name].read_bytes()).hexdigest() == signed[name]
    metadata = buyer.request.get(f"/licenses/{license_id}/croissant.json").json()
    dataset = mlc.Dataset(jsonld=metadata, mapping={name: str(path) for name, path in paths.items()})
    entries = [record["judgments/entry"] for record in dataset.records("judgments")]
    assert len(entries) == 3 and len(set(entries)) == 3

    # Another organisation sees the release as not theirs.
    other = new_buyer(new_page, coop_server)
    other.goto(release.path)
    expect(other.get_by_test_id("owned")).to_have_count(0)
