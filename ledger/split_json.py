"""The canonical JSON of a revenue split, fast: the arithmetic stored with a revenue share.

A split across a million contributions is ~250 MB of JSON; the pure-Python RFC 8785 encoder
(provenance.core.canonical) takes ~40 s for it on the bench machine, the standard library's C
encoder ~13 s (bench/money_bench.py). For this one shape the two give the same bytes, provided:
- no floats: every number in RevenueSplit is an int, checked by the formula (ledger.formula);
- every int within ±(2^53−1), where RFC 8785 refuses larger ones: each int in the dict is at most
  the amount, a total weight W, a log index, a basis-point figure or the formula version, so
  checking those bounds all of them;
- keys compare the same by code point (Python) and by UTF-16 unit (RFC 8785): all keys are fixed
  ASCII names;
- strings escaped alike: both escape only `"`, `\\` and U+0000–U+001F, with the same short forms
  (\\b \\f \\n \\r \\t) and lowercase \\u00xx otherwise, and write everything else as UTF-8; a lone
  surrogate (which RFC 8785 refuses) makes the UTF-8 encoding fail here.
Anything outside that falls back to canonical_json, so the result (bytes or error) is always its.
"""

from __future__ import annotations

import json

from ledger.formula import RevenueSplit
from provenance.core.canonical import canonical_json

SAFE_INT = 2**53 - 1


def split_json(split: RevenueSplit) -> bytes:
    """canonical_json(split.to_dict()), exactly."""
    details = split.to_dict()
    shares = split.contributor_shares
    bounds = [split.amount, split.contributor_weight, split.reviewer_weight, split.params.version or 0]
    if shares:
        bounds += [shares[0].log_index or 0, shares[-1].log_index or 0]  # contributor shares are sorted by log index
    if all(isinstance(b, int) and 0 <= b <= SAFE_INT for b in bounds):
        try:
            return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (UnicodeEncodeError, ValueError, TypeError):
            pass
    return canonical_json(details)
