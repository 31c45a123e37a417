"""A steward's own signed statement, checked the same way wherever a second steward's hand is needed
(issue 16: approving a task above the pay ceiling, confirming downstream revenue another steward
reported). Like a ballot: the body names the signer, is signed by their valid member key — custodial,
opened with their password, or their own — and carries the current time, so an old signature
cannot be replayed later as a new approval.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from coop.kernel.errors import NotAllowed, Refused
from coop.kernel.principal import Principal
from coop.membership.key_records import KeyInfo
from coop.membership.keys import KeyService
from coop.statements import check_input
from provenance.core.signing import SignedStatement

CLOCK_SKEW = timedelta(minutes=5)


def checked_steward_statement(
    keys: KeyService,
    steward: Principal,
    statement: SignedStatement,
    kind: str,
    signer_field: str,
    now: datetime,
) -> tuple[dict[str, Any], KeyInfo]:
    """The statement's body and key, once it is of `kind`, matches its schema, is signed by `steward`'s
    own valid key, names them in `signer_field`, and was signed within minutes of `now`."""
    if not steward.is_steward:
        raise NotAllowed("only stewards give the second hand")
    if statement.kind != kind:
        raise Refused(f"send a '{kind}' statement")
    check_input(kind, statement.body)
    key = keys.verify_member_statement(statement, now)
    body = dict(statement.body)
    if key.account_id != steward.account_id or body.get(signer_field) != steward.account_id:
        raise NotAllowed(f"a '{kind}' statement names you as {signer_field} and is signed by your own valid key")
    try:
        signed_at = datetime.fromisoformat(str(body["time"]))
    except ValueError as error:
        raise Refused("time is not an ISO 8601 time") from error
    if signed_at.tzinfo is None:
        raise Refused("time needs a timezone (Z or ±hh:mm)")
    if abs(signed_at - now) > CLOCK_SKEW:
        raise Refused("the statement's time is not the current time; sign it again")
    return body, key


def sign_with_password(
    keys: KeyService, steward: Principal, password: str, kind: str, body: dict[str, Any]
) -> SignedStatement:
    """A custodial key's statement: the key is opened with the steward's password, used and forgotten."""
    if not steward.is_steward:
        raise NotAllowed("only stewards give the second hand")
    return keys.sign_as(steward, password, kind, body)


def statement_time(now: datetime) -> str:
    return now.replace(microsecond=0).isoformat()
