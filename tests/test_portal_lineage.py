"""Lineage pages: a buyer sees where every item came from and downloads a bundle that verifies."""

import pytest

from coop.lineage.verify import verify_bundle
from tests.test_money import market  # noqa: F401  (fixture)
from tests.test_portal_work import Browser


@pytest.fixture
def buyer_browser(runtime, market):
    browser = Browser(runtime, market.buyer)
    yield browser
    browser.client.__exit__(None, None, None)


def test_the_release_lineage_shows_every_item_and_the_fair_work_attestation(market, buyer_browser):
    page = buyer_browser.get(f"/releases/{market.release.id}/lineage").text
    assert 'data-testid="attestation">✔' in page
    for item in market.items:
        assert f"/lineage/entries/{item.acceptance_index}" in page


def test_a_downloaded_license_bundle_verifies(runtime, market, buyer_browser):
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    response = buyer_browser.get(f"/licenses/{license.id}/bundle")
    assert response.headers["content-type"] == "application/octet-stream"
    assert verify_bundle(response.content, trusted_key=runtime.log.verifier_key).items == 3


def test_a_contribution_chain_hides_other_buyers_licenses(runtime, market, buyer_browser):
    other = runtime.members.principal(
        runtime.members.register_buyer("Other Lab", "Oz", "oz@other.test", "oz-password-1")
    )
    runtime.datasets.license(other, market.release.id, ["model-training"], None, True, "other-lic")
    page = buyer_browser.get(f"/lineage/entries/{market.items[0].acceptance_index}").text
    assert "Licensed by another buyer" in page and "Other Lab" not in page


def test_the_croissant_checksum_matches_the_served_records_file(runtime, market, buyer_browser):
    import hashlib

    metadata = buyer_browser.get(f"/releases/{market.release.id}/croissant.json").json()
    records = buyer_browser.get(f"/releases/{market.release.id}/items.jsonl").content
    [file_object] = [d for d in metadata["distribution"] if d.get("sha256")]
    assert file_object["sha256"] == hashlib.sha256(records).hexdigest()
    assert len(records.splitlines()) == 3
