"""What a proposal of each kind may propose: pure checks on plain data, so a bad proposal is refused
with a reason before anyone votes on it, and an adopted one always enacts cleanly.

The shape of each kind's options (exact keys, types, bounded text) is its schema in coop.statements,
checked first; the rules here are what a shape cannot say (ranges, distinct names, sums). The bodies
of a pay floor and of the consent rules are judged where those rules live (`coop.rules.pay_floor`,
`coop.rules.consent`); this module only dispatches to them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coop.kernel.errors import Refused
from coop.rules import consent, pay_ceiling, pay_floor
from coop.rules.review import TASK_KINDS
from coop.statements import (
    PROPOSAL_OPTIONS,
    StatementRefused,
    check_proposal_options,
)
from governance.tally import CHOICES, SIMPLE_MAJORITY, TWO_THIRDS, Threshold
from ledger.formula.params import check_params
from provenance.core.cosignature import CosignatureVerifier
from provenance.core.note import NoteError

# pay-floor, rubric, consent-rules, revenue-formula, governance-rules, adjudication, payout-approvals,
# pay-ceiling, admit-member, resolution
KINDS = tuple(PROPOSAL_OPTIONS)
POLICY_KINDS = (
    "pay-floor",
    "consent-rules",
    "revenue-formula",
    "governance-rules",
    "adjudication",
    "payout-approvals",
    "pay-ceiling",
    "witnesses",
)
THRESHOLDS: dict[str, Threshold] = {"simple-majority": SIMPLE_MAJORITY, "two-thirds": TWO_THIRDS}


def policy_name(kind: str, options: Mapping[str, Any]) -> str | None:
    """The policy an adopted proposal creates a new version of (None for admissions, resolutions)."""
    if kind == "rubric":
        return f"rubric.{options['task_kind']}"
    return kind if kind in POLICY_KINDS else None


def threshold_for(kind: str, rules: Mapping[str, Any]) -> str:
    names = rules["threshold"]
    name = names.get(kind, names["default"])
    if name not in THRESHOLDS:
        raise Refused(f"governance rules name an unknown threshold {name!r}")
    return str(name)


def check_options(kind: str, options: Mapping[str, Any]) -> str:
    """Validate a proposal's options; return its voting method ("yes-no" or "ranked")."""
    if kind not in KINDS:
        raise Refused(f"proposal kind must be one of {', '.join(KINDS)}")
    if kind == "pay-floor":  # the floor's own rules first: they name an unknown currency as such
        pay_floor.check_floor_policy(options.get("body"))
    if kind == "adjudication":  # its own reasons first, as for the pay floor
        check_adjudication(options.get("body"))
    if kind == "payout-approvals":
        check_payout_approvals(options.get("body"))
    if kind == "pay-ceiling":
        pay_ceiling.check_ceiling_policy(options.get("body"))
    if kind == "witnesses":
        check_witnesses(options.get("body"))
    try:
        check_proposal_options(kind, options)
    except StatementRefused as error:
        raise Refused(str(error)) from error
    if kind == "rubric":
        if options.get("task_kind") not in TASK_KINDS:
            raise Refused(f"a rubric proposal names a task kind: one of {', '.join(TASK_KINDS)}")
        drafts = options.get("drafts")
        if not isinstance(drafts, list) or not drafts:
            raise Refused("a rubric proposal carries one draft (yes/no) or several competing drafts (ranked choice)")
        labels = [d.get("label") for d in drafts]
        if len(set(labels)) != len(labels) or not all(isinstance(x, str) and x for x in labels):
            raise Refused("each rubric draft needs a distinct label")
        for draft in drafts:
            check_rubric(draft.get("body"), options["task_kind"])
        return "ranked" if len(drafts) > 1 else "yes-no"
    if kind == "admit-member":
        if not isinstance(options.get("member"), str):
            raise Refused("an admission proposal names the applicant's member id")
        return "yes-no"
    if kind == "resolution":
        if not isinstance(options.get("text"), str) or not options["text"].strip():
            raise Refused("a resolution has a text")
        return "yes-no"
    body = options.get("body")
    {
        "pay-floor": pay_floor.check_floor_policy,
        "consent-rules": consent.check_coop_rules,
        "revenue-formula": check_formula,
        "governance-rules": check_governance_rules,
        "adjudication": check_adjudication,
        "payout-approvals": check_payout_approvals,
        "pay-ceiling": pay_ceiling.check_ceiling_policy,
        "witnesses": check_witnesses,
    }[kind](body)
    return "yes-no"


def choices(method: str, options: Mapping[str, Any]) -> list[str]:
    """What a ballot on a proposal chooses from: its drafts' labels, in proposal order (ranked choice),
    or yes, no and abstain."""
    if method == "ranked":
        return [d["label"] for d in options["drafts"]]
    return list(CHOICES)


def adopted_body(kind: str, options: Mapping[str, Any], winner: str | None) -> dict[str, Any] | None:
    """The policy body an adopted proposal enacts."""
    if kind == "rubric":
        drafts = options["drafts"]
        chosen = drafts[0] if winner is None else next(d for d in drafts if d["label"] == winner)
        return dict(chosen["body"])
    return dict(options["body"]) if "body" in options else None


def _positive_int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise Refused(f"{what} must be a positive whole number")
    return value


def check_rubric(body: Any, task_kind: str) -> None:
    if not isinstance(body, dict) or body.get("task_kind") != task_kind:
        raise Refused(f"a rubric body names its task_kind ({task_kind})")
    criteria = body.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        raise Refused("a rubric has at least one criterion")
    names = []
    for c in criteria:
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not isinstance(c.get("description"), str):
            raise Refused("each criterion has a name and a description")
        if not (isinstance(c.get("min"), int) and isinstance(c.get("max"), int) and 0 <= c["min"] < c["max"] <= 10):
            raise Refused(f"criterion {c['name']}: scale must satisfy 0 ≤ min < max ≤ 10")
        names.append(c["name"])
    if len(set(names)) != len(names):
        raise Refused("criterion names must be distinct")
    acceptance = body.get("acceptance")
    keys = {
        "reviews_required",
        "accept_min_average_pct",
        "revise_min_average_pct",
        "max_spread_pct",
        "max_reviews",
        "max_revision_rounds",
    }
    if (
        not isinstance(acceptance, dict)
        or set(acceptance) != keys
        or not all(isinstance(acceptance[k], int) for k in keys)
    ):
        raise Refused(f"the acceptance rule has whole-number {', '.join(sorted(keys))}")
    if not 1 <= acceptance["reviews_required"] <= acceptance["max_reviews"] <= 7:
        raise Refused("need 1 ≤ reviews_required ≤ max_reviews ≤ 7")
    if not 0 <= acceptance["revise_min_average_pct"] <= acceptance["accept_min_average_pct"] <= 100:
        raise Refused("need 0 ≤ revise_min_average_pct ≤ accept_min_average_pct ≤ 100")


def check_formula(body: Any) -> None:
    """The formula owns its parameters' check (ledger.formula.params): the vote and the enactment refuse alike."""
    check_params(body)


def check_governance_rules(body: Any) -> None:
    keys = {"voting_period_hours", "min_voting_minutes", "max_voting_hours", "quorum_bps", "threshold"}
    if not isinstance(body, dict) or set(body) != keys:
        raise Refused(f"governance rules are {{{', '.join(sorted(keys))}}}")
    for key in ("voting_period_hours", "min_voting_minutes", "max_voting_hours"):
        _positive_int(body[key], key)
    if not isinstance(body["quorum_bps"], int) or not 0 <= body["quorum_bps"] <= 10_000:
        raise Refused("quorum_bps must be 0 to 10000")
    if (
        not isinstance(body["threshold"], dict)
        or "default" not in body["threshold"]
        or not set(body["threshold"].values()) <= set(THRESHOLDS)
    ):
        raise Refused(f"thresholds map proposal kinds (and 'default') to {', '.join(THRESHOLDS)}")


def check_adjudication(body: Any) -> None:
    """The adjudication policy (coop.work.agreement): a minimum alpha in basis points of 1, or null for
    no minimum, and how many items answered more than once it needs before it applies."""
    keys = {"minimum_alpha_bps", "minimum_items"}
    if not isinstance(body, dict) or set(body) != keys:
        raise Refused(f"an adjudication policy is {{{', '.join(sorted(keys))}}}")
    bps = body["minimum_alpha_bps"]
    if bps is not None and (not isinstance(bps, int) or isinstance(bps, bool) or not 0 <= bps <= 10_000):
        raise Refused(
            "minimum_alpha_bps is a whole number from 0 to 10000 (an alpha of 0.667 is 6670), or null for no minimum"
        )
    items = body["minimum_items"]
    if not isinstance(items, int) or isinstance(items, bool) or not 1 <= items <= 100_000:
        raise Refused("minimum_items is a whole number from 1 to 100000: the items answered more than once it needs")


def check_payout_approvals(body: Any) -> None:
    """The two-person rule for payouts (ledger.payout_rules): members may ask for more approvals or a
    longer window, never for none — no one alone moves money."""
    keys = {"approvals_required", "recent_admission_days"}
    if not isinstance(body, dict) or set(body) != keys:
        raise Refused(f"a payout-approvals policy is {{{', '.join(sorted(keys))}}}")
    required = body["approvals_required"]
    if not isinstance(required, int) or isinstance(required, bool) or not 1 <= required <= 5:
        raise Refused("approvals_required is a whole number from 1 to 5: a run always needs a second steward")
    days = body["recent_admission_days"]
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
        raise Refused("recent_admission_days is a whole number of days from 0 to 3650")


def check_witnesses(body: Any) -> None:
    """The witness policy (docs/witnesses.md): each witness a parseable cosignature/v1 vkey whose name
    is the witness's name, names and keys distinct, and k no more than the witnesses listed."""
    keys = {"k", "witnesses"}
    if not isinstance(body, dict) or set(body) != keys:
        raise Refused(f"a witnesses policy is {{{', '.join(sorted(keys))}}}")
    witnesses = body["witnesses"]
    if not isinstance(witnesses, list) or len(witnesses) > 20:
        raise Refused("witnesses is a list of at most 20 {name, vkey, url}")
    names, public_keys = set(), set()
    for witness in witnesses:
        if not isinstance(witness, dict) or set(witness) != {"name", "vkey", "url"}:
            raise Refused("each witness is {name, vkey, url}")
        if not all(isinstance(witness[f], str) for f in ("name", "vkey", "url")):
            raise Refused("a witness's name, vkey and url are text")
        try:
            verifier = CosignatureVerifier.parse(witness["vkey"])
        except NoteError as error:
            raise Refused(f"witness {witness['name'][:60]!r}: {error}") from error
        if verifier.name != witness["name"]:
            raise Refused(f"witness {witness['name'][:60]!r}: its vkey names {verifier.name!r}")
        if not witness["url"].startswith(("http://", "https://")):
            raise Refused(f"witness {witness['name'][:60]!r}: its url is http:// or https://")
        if verifier.name in names or verifier.public_key in public_keys:
            raise Refused(f"witness {verifier.name!r} is listed twice")
        names.add(verifier.name)
        public_keys.add(verifier.public_key)
    k = body["k"]
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k <= len(witnesses):
        raise Refused(f"k is a whole number from 0 to the number of witnesses ({len(witnesses)})")
