"""Is a contribution licensable for a declared use? DESIGN.md's consent contract as one pure function.

A contribution is licensable for {uses, sector} when every declared use is permitted by its terms,
the sector is excluded neither by the contributor nor by the co-op rule in force, no declared use is
excluded by the co-op rule, the terms have not expired, and no revocation precedes the check.
The answer is a list of reasons (empty = licensable), so a buyer sees counts per reason and the
portal can say exactly why an item is left out — without naming anyone.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping, Sequence

from coop.work.rules import SECTORS, USES, RuleViolation

REASONS = {
    "revoked": "the contributor revoked consent",
    "expired": "the consent terms have expired",
    "use-not-permitted": "a declared use is not permitted by the contributor",
    "sector-excluded-by-contributor": "the contributor excluded this sector",
    "excluded-by-coop-rule": "the co-op's consent rules exclude this use or sector",
}


def check_declaration(uses: Sequence[str], sector: str | None) -> None:
    if not uses or not set(uses) <= set(USES) or len(set(uses)) != len(uses):
        raise RuleViolation(f"declare one or more distinct uses from {', '.join(USES)}")
    if sector is not None and sector not in SECTORS and sector != "other":
        raise RuleViolation(f"the sector is one of {', '.join(SECTORS)} or 'other'")


def refusals(terms: Mapping[str, Any], coop_rules: Mapping[str, Any], uses: Sequence[str], sector: str | None,
             on: date, revoked: bool) -> list[str]:
    """Why this contribution may not be licensed for {uses, sector} on date `on` (empty: it may)."""
    reasons = []
    if revoked:
        reasons.append("revoked")
    if terms.get("expires") is not None and date.fromisoformat(str(terms["expires"])) < on:
        reasons.append("expired")
    if any(use not in terms["permitted_uses"] for use in uses):
        reasons.append("use-not-permitted")
    if sector is not None and sector in terms["excluded_sectors"]:
        reasons.append("sector-excluded-by-contributor")
    if (sector is not None and sector in coop_rules.get("excluded_sectors", [])) or any(u in coop_rules.get("excluded_uses", []) for u in uses):
        reasons.append("excluded-by-coop-rule")
    return reasons
