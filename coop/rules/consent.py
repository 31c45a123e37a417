"""Is a contribution licensable for a declared use? DESIGN.md's consent contract as one pure function.

A contribution is licensable for {uses, sector} when every declared use is permitted by its terms,
the sector is excluded neither by the contributor nor by the co-op rule in force, no declared use is
excluded by the co-op rule, the terms have not expired, and no revocation precedes the check.
The answer is a list of reasons (empty = licensable), so a buyer sees counts per reason and the
portal can say exactly why an item is left out — without naming anyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal, get_args

from coop.kernel.errors import Refused

Use = Literal["model-training", "model-evaluation", "research", "commercial", "redistribution", "open-release"]
Sector = Literal["military", "surveillance", "biometric-identification", "political-persuasion", "advertising"]
USES: tuple[Use, ...] = get_args(Use)
SECTORS: tuple[Sector, ...] = get_args(Sector)

REASONS = {
    "revoked": "the contributor revoked consent",
    "expired": "the consent terms have expired",
    "use-not-permitted": "a declared use is not permitted by the contributor",
    "sector-excluded-by-contributor": "the contributor excluded this sector",
    "excluded-by-coop-rule": "the co-op's consent rules exclude this use or sector",
}


def check_declaration(uses: Sequence[str], sector: str | None) -> None:
    if not uses or not set(uses) <= set(USES) or len(set(uses)) != len(uses):
        raise Refused(f"declare one or more distinct uses from {', '.join(USES)}")
    if sector is not None and sector not in SECTORS and sector != "other":
        raise Refused(f"the sector is one of {', '.join(SECTORS)} or 'other'")


def refusals(
    terms: Mapping[str, Any],
    coop_rules: Mapping[str, Any],
    uses: Sequence[str],
    sector: str | None,
    on: date,
    revoked: bool,
) -> list[str]:
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
    if (sector is not None and sector in coop_rules.get("excluded_sectors", [])) or any(
        u in coop_rules.get("excluded_uses", []) for u in uses
    ):
        reasons.append("excluded-by-coop-rule")
    return reasons


def check_terms(terms: Mapping[str, Any]) -> dict[str, Any]:
    """Validate consent terms against DESIGN.md's contract; return them normalised."""
    if not isinstance(terms, Mapping) or set(terms) != {"permitted_uses", "excluded_sectors", "expires"}:
        raise Refused("terms must be {permitted_uses, excluded_sectors, expires}")
    uses, sectors, expires = terms["permitted_uses"], terms["excluded_sectors"], terms["expires"]
    if not isinstance(uses, list) or not set(uses) <= set(USES) or len(set(uses)) != len(uses):
        raise Refused(f"permitted_uses must be distinct values from {', '.join(USES)}")
    if not isinstance(sectors, list) or not set(sectors) <= set(SECTORS) or len(set(sectors)) != len(sectors):
        raise Refused(f"excluded_sectors must be distinct values from {', '.join(SECTORS)}")
    if expires is not None:
        try:
            date.fromisoformat(str(expires))
        except ValueError as error:
            raise Refused("expires must be null or a date YYYY-MM-DD") from error
    return {
        "permitted_uses": sorted(uses, key=USES.index),
        "excluded_sectors": sorted(sectors, key=SECTORS.index),
        "expires": expires,
    }


def check_coop_rules(body: Any) -> None:
    """Refuse a consent-rules policy body (the co-op's own exclusions and the default terms a
    contribution starts from) that the contract above could not apply."""
    if not isinstance(body, dict) or set(body) != {"excluded_sectors", "excluded_uses", "default_terms"}:
        raise Refused("consent rules are {excluded_sectors, excluded_uses, default_terms}")
    if not set(body["excluded_sectors"]) <= set(SECTORS) or not set(body["excluded_uses"]) <= set(USES):
        raise Refused(f"sectors are {', '.join(SECTORS)}; uses are {', '.join(USES)}")
    check_terms(body["default_terms"])


def terms_cover(terms: Mapping[str, Any], intended_uses: Sequence[str]) -> list[str]:
    """Intended uses the terms do not permit (empty when the contribution fits the task)."""
    return [use for use in intended_uses if use not in terms["permitted_uses"]]
