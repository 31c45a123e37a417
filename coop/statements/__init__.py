"""The exact schema of every statement kind the co-op writes to its log — one home for all of them.

The log is permanent and public, so what may enter it is decided here, field by field (DESIGN.md,
identifiers contract; invariant 8): unknown keys are refused, every text is bounded and shaped
(ids, hashes, keys, times), every number is an integer of the right sign, and a whole body fits a
C2SP entry bundle. Long free text (a resolution's wording, a revocation's reason) never enters the
log: it is kept beside it in `log_text` and the entry carries its SHA-256 (`text`).

`check_statement(kind, body)` is called by `ProvenanceLog.append_in_transaction`, the one place the
services append, so nothing unchecked reaches the log; member-signed statements are also checked
as they arrive (`check_input`), so a bad one is a 400 naming the field before anything is stored.

The modules: `fields` (limits, the shapes of fields, the exact struct), one per domain's kinds
(`members`, `work`, `policies`, `proposals`, `datasets`), `check` (every kind by name, and the
check), `text` (free text beside the log). What other packages use is importable from here.
"""

from coop.statements.check import MEMBER_KINDS, NAMESPACES, SCHEMAS, check_input, check_statement, is_coop_kind
from coop.statements.fields import MAX_BODY_BYTES, MAX_DRAFTS, MAX_TEXT, StatementRefused
from coop.statements.members import REGISTRATION_PURPOSE
from coop.statements.policies import POLICY_BODIES, WEIGHTS, Weight, policy_body_type
from coop.statements.proposals import (
    LOGGED_OPTIONS,
    MAX_BALLOTS_PER_VOTER,
    PROPOSAL_KINDS,
    PROPOSAL_OPTIONS,
    check_proposal_options,
)
from coop.statements.text import store_text, text_of

__all__ = [
    "LOGGED_OPTIONS",
    "MAX_BALLOTS_PER_VOTER",
    "MAX_BODY_BYTES",
    "MAX_DRAFTS",
    "MAX_TEXT",
    "MEMBER_KINDS",
    "NAMESPACES",
    "POLICY_BODIES",
    "PROPOSAL_KINDS",
    "PROPOSAL_OPTIONS",
    "REGISTRATION_PURPOSE",
    "SCHEMAS",
    "WEIGHTS",
    "StatementRefused",
    "Weight",
    "check_input",
    "check_proposal_options",
    "check_statement",
    "is_coop_kind",
    "policy_body_type",
    "store_text",
    "text_of",
]
