"""Signing with one's own key in the portal: the page shows the exact statement body to sign and the
`coop sign` command that signs it on the member's machine; the member pastes back what `coop sign`
printed (or only its signature). The private key never reaches the co-op, which only verifies.

A member whose active key is custodial signs with their password instead (the default): only a
member whose active key is their own is shown this. When that key is held in the member's browser,
web/static/browser_keys.js signs the shown body in the page and fills in the signature
(docs/browser-keys.md): the same route, the same check."""

from __future__ import annotations

import shlex
from typing import Any

from coop.kernel.errors import Conflict, Refused
from coop.kernel.principal import Principal
from coop.membership.key_records import KeyInfo
from coop.membership.keys import KeyService
from provenance.core.canonical import canonical_json
from provenance.core.signing import STATEMENT_CONTEXT, SignedStatement, unb64
from web.guard import parse_json

PASTE_HINT = "paste the JSON printed by `coop sign` (with kind, body, key and sig), or only its signature"


def own_key_of(keys: KeyService, member: Principal) -> KeyInfo | None:
    """The member's active key if they hold it themselves; None when it is custodial or missing."""
    try:
        key = keys.active_key(member.account_id)
    except Conflict:  # no active key yet: the password form says what to do
        return None
    return key if key.custody == "own" else None


def to_sign(kind: str, body: dict[str, Any]) -> dict[str, str]:
    """What the page shows: the body's canonical JSON, the exact bytes the signature covers (as
    text), and the command that signs it."""
    canonical = canonical_json(body).decode()
    return {
        "kind": kind,
        "body": canonical,
        "bytes": (STATEMENT_CONTEXT + kind.encode() + b"\n").decode() + canonical,
        "command": f"coop sign --key my.key --kind {kind} --body {shlex.quote(canonical)}",
    }


def pasted_statement(pasted: str, shown_body: str, kind: str, public_key: bytes) -> SignedStatement:
    """The signed statement the member pasted: `coop sign`'s JSON, or a bare base64 signature over
    the body the page showed (with their active key)."""
    text = pasted.strip()
    if not text:
        raise Refused(f"signature: {PASTE_HINT}")
    try:
        if text.startswith("{"):
            raw = parse_json(text, "the signed statement")
            return SignedStatement(raw["kind"], raw["body"], unb64(raw["key"], "key"), unb64(raw["sig"], "sig"))
        body = parse_json(shown_body, "the statement shown")
        if not isinstance(body, dict):
            raise Refused("the statement shown was changed: show it again")
        return SignedStatement(kind, body, public_key, unb64(text, "signature"))
    except (ValueError, KeyError, TypeError) as error:
        raise Refused(f"signature: {PASTE_HINT} ({error})") from error
