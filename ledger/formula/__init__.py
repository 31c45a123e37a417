"""The revenue formula (DESIGN.md, "Contract: the revenue formula"): an amount in, every unit placed.

Pure and integer-only because invariant 3 demands reserve + pools = amount and Σ shares = each pool,
exactly, and because a member's statement must let them redo the arithmetic by hand. Floats would
lose units at scale; Python ints are exact at any size (10^15 minor units is fine).

The rules, in full:

1. reserve = ⌊R·reserve_bps/10000⌋, reviewer pool = ⌊R·reviewer_bps/10000⌋, contributor pool
   P = R − both. Both deductions round down, so rounding favours the people whose work was sold.
2. Each pool is split by the largest-remainder (Hamilton) method (`apportion`): every key gets
   ⌊pool·w/W⌋, and the leftover units go one each to the largest remainders pool·w mod W. All
   remainders share the denominator W, so comparing them as integers compares the exact fractional
   parts of the quotas.
3. Ties between equal remainders: contributions by lower log index (DESIGN.md) — unique, public and
   immutable. Reviewers have no log index, so by lower member id in Python string order (Unicode
   code points, the same order as their UTF-8 bytes): arbitrary, but public, stable and
   reproducible by anyone from the statement alone.
4. Contribution weight, per the policy's `weight`: base pay (minor units), units, reported minutes,
   or 1 for `equal`. Reviewer weight: the reviewer's accepted reviews on the release's
   contributions. With no reviewers the reviewer pool joins the contributor pool before it is split;
   `reviewer_pool` is then 0 and `reviewer_pool_redirected` says how much moved, so the three pools
   still add up to R.
5. Every share is ⌊quota⌋ or ⌊quota⌋+1 of its exact quota; a zero-weight contribution gets 0.
   Monotonicity (what holds, and the paradoxes that do not): see ledger.formula.apportion.

Refused with FormulaError (a Refused, so callers report it like any broken rule): bad parameters
(ledger.formula.params, the one check of a policy body) and bad events (ledger.formula.event).

Where each part lives — this package's face is the production path, what is imported from here:

| module | what | who runs it |
|---|---|---|
| `params` | FormulaParams, Weight, `check_params` (a policy body's one check) | governance, revenue |
| `event` | the inputs, the event's refusals, the pools (rule 1) | every path |
| `apportion` | the Hamilton method as lists, with its leftover threshold (rules 2, 3, 5) | every path |
| `classes` | the same over weight classes (a million contributions, few weights) | production |
| `compact` | `plan_split` → `SplitPlan.finish` → CompactSplit; a member's lines | production (revenue, statements) |
| `reference` | `split_revenue`, every share an object: what `compact` is checked against | tests; audits (full_split) |
| `in_memory` | `compact_split`: the compact split counted in Python, not by the database | tests, benchmarks |
"""

from ledger.formula.apportion import Apportionment, apportion, gets_leftover
from ledger.formula.classes import ClassCut, cut_classes
from ledger.formula.compact import (
    CONTRIBUTOR,
    REVIEWER,
    CompactSplit,
    MemberSummary,
    SplitPlan,
    contribution_lines,
    plan_split,
    review_line,
    share_line,
)
from ledger.formula.event import (
    ContributionColumns,
    ContributionWeightInput,
    ReviewerInput,
)
from ledger.formula.params import BPS, FormulaParams, Weight, check_params
from ledger.formula.refusals import FormulaError

__all__ = [
    "BPS",
    "CONTRIBUTOR",
    "REVIEWER",
    "Apportionment",
    "ClassCut",
    "CompactSplit",
    "ContributionColumns",
    "ContributionWeightInput",
    "FormulaError",
    "FormulaParams",
    "MemberSummary",
    "ReviewerInput",
    "SplitPlan",
    "Weight",
    "apportion",
    "check_params",
    "contribution_lines",
    "cut_classes",
    "gets_leftover",
    "plan_split",
    "review_line",
    "share_line",
]
