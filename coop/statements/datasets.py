"""Datasets' statement kinds: a release published, a license granted, and a withdrawal notice to a
licensee whose license includes a contribution whose consent was later revoked."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from coop.rules.consent import Sector
from coop.rules.sampling import SAMPLE_SIZE
from coop.statements.fields import Count, Exact, Excluded, Id, Money, PolicyRef, Positive, Sha256, Time, Uses


class ReleasePolicies(Exact, rename={"consent_rules": "consent-rules", "revenue_formula": "revenue-formula"}):
    consent_rules: Positive
    revenue_formula: Positive


class ReleasePublished(Exact):
    release: Id
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    intended_uses: Uses
    items_root: Sha256  # list_root of [{entry, content_sha256}] by entry; the list travels in the bundle
    item_count: Positive
    excluded: Excluded
    price: Money
    policies: ReleasePolicies
    published_at: Time
    sample: Annotated[list[Count], Meta(max_length=SAMPLE_SIZE)]  # entries shown before buying (coop.rules.sampling)


class TermsRef(Exact):
    """The license terms the buyer accepted: their version and the SHA-256 of their text (coop.datasets.terms)."""

    version: Positive
    sha256: Sha256


class LicenseGranted(Exact):
    license: Id
    release: Id
    release_entry: Count
    buyer_org: Id
    uses: Uses
    sector: Sector | Literal["other"] | None  # a buyer's declared sector (consent.check_declaration)
    price: Money
    included_count: Positive
    included_root: Sha256
    excluded: Excluded
    granted_at: Time
    consent_rules: PolicyRef
    terms: TermsRef


class LicenseWithdrawal(Exact):
    """The co-op tells a licensee that a contribution its license includes had its consent revoked
    after the license was granted. Hashes and log indexes only: no personal data. `sequence` numbers
    the license's notices 1, 2, 3, … with no gap, so a buyer polling `after=N` sees one is missing."""

    license: Id
    license_entry: Count  # the license.granted entry
    sequence: Positive
    revocation_entry: Count  # the author's consent.revocation entry
    contribution_entry: Count  # the contribution.accepted entry (the item's id in the release)
    content_sha256: Sha256
    noticed_at: Time


class DeliveredFile(Exact):
    name: Literal["judgments.jsonl", "judgments.parquet"]
    media_type: Literal["application/jsonlines", "application/x-parquet"]
    sha256: Sha256
    size: Positive


class LicenseFiles(Exact):
    """The files a license delivers and their SHA-256 (coop.datasets.delivery), logged when it is granted."""

    license: Id
    license_entry: Count
    records: Positive
    format: Literal["coop-judgments/1"]
    row_group_rows: Positive
    parquet_writer: Annotated[str, Meta(min_length=1, max_length=100)]
    files: Annotated[list[DeliveredFile], Meta(min_length=2, max_length=2)]
    made_at: Time
