"""The license terms a buyer accepts, versioned, each version's text fixed forever.

Where the terms live, and why here: the text is a contract between the co-op and an organisation,
drafted with counsel and changed rarely and deliberately; each license must point at exactly the
text its buyer accepted, for as long as the license lives. So every version is a constant in this
module — a new version is a new entry, an old one is never edited (tests/test_checkout.py pins each
version's SHA-256, so an edit fails the build) — and the license's logged statement
(`license.granted`) and its row commit the version and the SHA-256 of the UTF-8 text. Anyone holding
a license can show which words they agreed to; anyone with the repository can check the hash.

What the co-op's members govern stays governed (coop.rules.consent and the consent-rules policy:
which uses and sectors are allowed at all; the revenue formula): the terms refer to those, by the
versions logged with each license, instead of repeating them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

TERMS: dict[int, str] = {
    1: """\
Dataset license terms, version 1

1. Parties. These terms are between the co-operative that publishes this release (the co-op) and
   the organisation named on the license (the licensee), accepted by the licensee's account that
   confirmed the checkout.
2. What is licensed. The items of the release that passed the consent check for the licensee's
   declared uses and sector at the moment of licensing, with their accepted judgments, exactly as
   counted on the terms page and committed (as a Merkle root) in the license's log entry.
3. Permitted use. The licensee may use the licensed items only for the uses it declared, and not
   in any sector it did not declare or that the contributors or the co-op's consent rules exclude.
   The license is not transferable. A further use or another sector needs a new license.
4. Consent withdrawals. A contributor may withdraw consent later. A withdrawal binds licenses
   granted after it; for this license, the co-op tells the licensee of every withdrawal, and the
   licensee will not use a withdrawn item in any new training run, evaluation or release started
   after the notice.
5. No personal data. Authors are named by pseudonymous key ids only. The licensee will not try to
   identify contributors.
6. Price and payment. The total shown on the terms page, in the currency shown, is owed on
   confirmation and shared with the people who made and reviewed the data by the revenue formula in
   force. The licensee reports downstream revenue from the dataset where its agreement with the co-op
   says so.
7. Verification. The release manifest and this license are signed by the co-op and written to its
   public append-only log; either party may verify them offline.
8. Warranty. The items are provided as accepted by the co-op's review process, without any other
   warranty. The co-op's liability is limited to the price paid.
""",
}
CURRENT = max(TERMS)


@dataclass(frozen=True)
class Terms:
    version: int
    text: str
    sha256: str  # of the UTF-8 text: what a license commits


def terms(version: int = CURRENT) -> Terms:
    """One version of the terms (KeyError for a version that never existed)."""
    text = TERMS[version]
    return Terms(version, text, hashlib.sha256(text.encode("utf-8")).hexdigest())
