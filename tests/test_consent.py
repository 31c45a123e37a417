"""DESIGN.md's consent contract, one rule per test."""

import re
from datetime import date

import pytest

from coop.kernel.errors import Refused
from coop.rules.consent import check_coop_rules, check_declaration, refusals
from governance.defaults import CONSENT_RULES

TERMS = {"permitted_uses": ["model-training", "research"], "excluded_sectors": ["advertising"], "expires": "2027-06-30"}
RULES = {"excluded_sectors": ["military"], "excluded_uses": []}
TODAY = date(2026, 11, 25)


def test_permitted_uses_in_an_allowed_sector_are_licensable():
    assert refusals(TERMS, RULES, ["model-training"], "other", TODAY, revoked=False) == []


def test_every_declared_use_must_be_permitted():
    assert refusals(TERMS, RULES, ["model-training", "commercial"], None, TODAY, revoked=False) == ["use-not-permitted"]


def test_the_contributors_excluded_sector_is_refused():
    assert refusals(TERMS, RULES, ["research"], "advertising", TODAY, revoked=False) == [
        "sector-excluded-by-contributor"
    ]


def test_the_coop_rule_excludes_a_sector_for_everyone():
    assert refusals(TERMS, RULES, ["research"], "military", TODAY, revoked=False) == ["excluded-by-coop-rule"]


def test_the_coop_rule_can_exclude_a_use_for_everyone():
    assert refusals(TERMS, {**RULES, "excluded_uses": ["research"]}, ["research"], None, TODAY, revoked=False) == [
        "excluded-by-coop-rule"
    ]


def test_expired_terms_are_refused():
    assert refusals(TERMS, RULES, ["research"], None, date(2027, 7, 1), revoked=False) == ["expired"]


def test_a_revocation_is_refused():
    assert refusals(TERMS, RULES, ["research"], None, TODAY, revoked=True) == ["revoked"]


@pytest.mark.parametrize(
    "uses,sector", [([], None), (["spying"], None), (["research", "research"], None), (["research"], "casinos")]
)
def test_bad_declarations_are_refused(uses, sector):
    with pytest.raises(Refused):
        check_declaration(uses, sector)


def test_the_seeded_coop_rules_are_valid():
    check_coop_rules(CONSENT_RULES)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"excluded_sectors": ["gambling"]}, "sectors are military"),
        ({"excluded_uses": ["mining"]}, "uses are model-training"),
        (
            {"default_terms": {"permitted_uses": ["research"]}},
            "terms must be {permitted_uses, excluded_sectors, expires}",
        ),
        ({"extra": True}, "consent rules are {excluded_sectors, excluded_uses, default_terms}"),
    ],
)
def test_coop_rules_the_contract_could_not_apply_are_refused_with_the_reason(change, reason):
    with pytest.raises(Refused, match=re.escape(reason)):
        check_coop_rules(CONSENT_RULES | change)
