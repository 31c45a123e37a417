"""Standard exports of a release's lineage: Croissant 1.0 (+ RAI) and W3C PROV-JSON, each checked by the
standard's own tooling (mlcroissant, prov) rather than by our reading of the spec."""

import hashlib
import json
import re
import warnings

import mlcroissant as mlc
import prov.model as prov_model

from coop.lineage.croissant import croissant_metadata, items_jsonl
from coop.lineage.gather import release_lineage
from coop.lineage.prov_export import prov_document
from tests.conftest import ORIGIN
from tests.test_money import market  # noqa: F401

BASE_URL = "https://coop.test"


def croissant_of(runtime, release_id):
    return croissant_metadata(release_lineage(runtime.engine, release_id), BASE_URL, ORIGIN)


def load_prov(doc):
    """Load with the prov package, refusing anything it would only warn about today."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return prov_model.ProvDocument.deserialize(content=json.dumps(doc), format="json")


def counts(document):
    return tuple(
        len(list(document.get_records(kind)))
        for kind in (prov_model.ProvEntity, prov_model.ProvActivity, prov_model.ProvAgent)
    )


def test_croissant_metadata_passes_the_mlcroissant_validator(runtime, market):
    dataset = mlc.Dataset(jsonld=croissant_of(runtime, market.release.id))  # raises mlc.ValidationError on any error
    assert dataset.metadata.ctx.issues.errors == set()
    assert [rs.uuid for rs in dataset.metadata.record_sets] == ["items"]


def test_the_croissant_record_file_matches_its_checksum_and_yields_one_record_per_item(runtime, market, tmp_path):
    lineage = release_lineage(runtime.engine, market.release.id)
    metadata = croissant_metadata(lineage, BASE_URL, ORIGIN)
    path = tmp_path / "items.jsonl"
    path.write_bytes(items_jsonl(lineage))
    [file_object] = metadata["distribution"]
    assert file_object["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert file_object["contentUrl"] == f"{BASE_URL}/releases/{market.release.id}/items.jsonl"
    # mlcroissant re-checks the SHA-256 before it reads the file.
    records = list(mlc.Dataset(jsonld=metadata, mapping={"items.jsonl": str(path)}).records("items"))
    assert sorted(r["items/entry"] for r in records) == sorted(c.acceptance_index for c in market.items)
    assert {r["items/content_sha256"].decode() for r in records} == {c.content_sha256 for c in market.items}


def test_croissant_rai_fields_state_pay_consent_and_provenance(runtime, market):
    metadata = croissant_of(runtime, market.release.id)
    demographics = " ".join(metadata["rai:annotatorDemographics"])
    assert "9.00 EUR per answer of 20 min = 27.00 EUR per hour" in demographics and "pay-floor v1" in demographics
    use_cases = " ".join(metadata["rai:dataUseCases"])
    assert "commercial 2 of 3" in use_cases and "model-training 3 of 3" in use_cases and "military 3 of 3" in use_cases
    maintenance = metadata["rai:dataReleaseMaintenancePlan"]
    assert (
        ORIGIN in maintenance
        and f"log entry {market.release.log_index} " in maintenance
        and market.release.items_root in maintenance
    )


def test_a_later_revocation_shows_in_croissant_text_but_leaves_the_record_file_unchanged(runtime, market, work):
    before = croissant_of(runtime, market.release.id)
    runtime.contributions.revoke_consent_with_password(work.author, market.items[0].id, "amara-password")
    after = croissant_of(runtime, market.release.id)
    assert after["distribution"] == before["distribution"]
    assert f"revoked for 1 of 3 items (entries {market.items[0].acceptance_index})" in " ".join(
        after["rai:dataLimitations"]
    )


def test_the_prov_document_loads_with_prov_with_one_record_per_step(runtime, market):
    document = load_prov(prov_document(release_lineage(runtime.engine, market.release.id)))
    # Entities: 3 contents + 3 accepted contributions + 1 task + 1 release; activities: 3 contributing +
    # 3 review-and-acceptance + releasing; agents: Amara's key, Bo's key and the co-op.
    assert counts(document) == (8, 7, 3)


def test_a_license_adds_its_entity_activity_and_buyer_to_the_prov_document(runtime, market):
    license = runtime.datasets.license(market.buyer, market.release.id, ["model-training"], None, True, "lic")
    document = load_prov(prov_document(release_lineage(runtime.engine, market.release.id, license.id)))
    assert counts(document) == (9, 8, 4)


def test_in_prov_the_release_derives_from_each_accepted_contribution(runtime, market):
    document = load_prov(prov_document(release_lineage(runtime.engine, market.release.id)))
    release = f"entry:{market.release.log_index}"
    derived = {
        str(d.get_attribute("prov:usedEntity").pop())
        for d in document.get_records(prov_model.ProvDerivation)
        if str(d.get_attribute("prov:generatedEntity").pop()) == release
    }
    assert derived == {f"entry:{c.acceptance_index}" for c in market.items}


def test_neither_export_names_a_member_or_their_email(runtime, market, work):
    lineage = release_lineage(runtime.engine, market.release.id)
    text = (
        json.dumps([croissant_metadata(lineage, BASE_URL, ORIGIN), prov_document(lineage)])
        + items_jsonl(lineage).decode()
    )
    people = [work.steward, work.author, *work.reviewers, market.bo, market.buyer]
    assert all(p.email and p.email.lower() not in text.lower() for p in people)
    # A name counts only as a whole token: "Bo" may occur inside a base64 key or hex hash by chance.
    for name in [p.display_name for p in people] + [market.buyer.org_name]:
        assert not re.search(rf"(?<![A-Za-z0-9+/=]){re.escape(name)}(?![A-Za-z0-9+/=])", text, re.IGNORECASE), name


def test_the_exports_give_money_as_minor_units_or_decimal_strings_never_floats(runtime, market):
    lineage = release_lineage(runtime.engine, market.release.id)
    metadata, prov = croissant_metadata(lineage, BASE_URL, ORIGIN), prov_document(lineage)
    assert metadata["offers"] == {"@type": "sc:Offer", "price": "3000.00", "priceCurrency": "EUR"}
    release = prov["entity"][f"entry:{market.release.log_index}"]
    assert (release["coop:priceMinor"], release["coop:price"]) == (300_000, "3000.00 EUR")

    def floats(value):
        if isinstance(value, dict):
            return [f for v in value.values() for f in floats(v)]
        if isinstance(value, list):
            return [f for v in value for f in floats(v)]
        return [value] if isinstance(value, float) else []

    assert floats(metadata) == [] and floats(prov) == []
