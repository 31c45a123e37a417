"""The shared machinery of the log's schemas: limits, the shapes of fields, and the exact struct.

Every statement kind (coop.statements.members, .work, .policies, .proposals, .datasets) is built
from these shapes, so "an id", "a SHA-256" or "a time" means the same pattern in every kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar, get_args

import msgspec
from msgspec import Meta, Struct

from coop.kernel.principal import ROLES, Role
from coop.rules.consent import SECTORS, USES, Sector, Use
from provenance.writer import MAX_LEAF_BYTES

# Room the leaf needs around the body: the key, signature, kind and field names (~340 bytes).
MAX_BODY_BYTES = MAX_LEAF_BYTES - 512
# Inline lists are bounded so that a body at its limits still fits one entry. A list that grows with
# the co-op (eligible members, release items, a result's ballots) is logged as a commitment instead:
# its count and Merkle root (provenance.core.commitment), the list itself kept beside the log.
MAX_DRAFTS = 5  # competing rubric drafts in one ranked-choice proposal
MAX_TEXT = 20_000  # characters of free text kept beside the log


class StatementRefused(ValueError):
    """A statement body that does not match its kind's schema: it never enters the log."""


Id = Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$")]  # uuid4 hex: accounts, tasks, proposals, …
KeyId = Annotated[str, Meta(pattern=r"^[0-9a-f]{32}$")]  # provenance.core.signing.key_id
Sha256 = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]
PublicKey = Annotated[str, Meta(pattern=r"^[A-Za-z0-9+/]{43}=$")]  # base64 of 32 bytes
Signature = Annotated[str, Meta(pattern=r"^[A-Za-z0-9+/]{86}==$")]  # base64 of 64 bytes
Time = Annotated[str, Meta(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$")]
Date = Annotated[str, Meta(pattern=r"^\d{4}-\d\d-\d\d$")]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
Name = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]  # policy names, thresholds, reasons
Actor = Annotated[str, Meta(pattern=r"^([0-9a-f]{32}|bootstrap|proposal:[0-9a-f]{32})$")]
Count = Annotated[int, Meta(ge=0, le=2**53)]
Positive = Annotated[int, Meta(ge=1, le=2**53)]
Bps = Annotated[int, Meta(ge=0, le=10_000)]
Label = Annotated[str, Meta(min_length=1, max_length=80)]
Uses = Annotated[list[Use], Meta(min_length=1, max_length=len(USES))]
Roles = Annotated[list[Role], Meta(min_length=1, max_length=len(ROLES))]
Excluded = Annotated[dict[Name, Count], Meta(max_length=20)]


class Exact(Struct, forbid_unknown_fields=True):
    """Every field required, nothing else accepted."""


class PolicyRef(Exact):
    policy: Name
    version: Positive


class Money(Exact):
    amount: Count
    currency: Currency


class Terms(Exact):
    permitted_uses: Annotated[list[Use], Meta(max_length=len(USES))]
    excluded_sectors: Annotated[list[Sector], Meta(max_length=len(SECTORS))]
    expires: Date | None


S = TypeVar("S", bound=Struct)


def convert(value: Any, schema: type[S], what: str) -> S:
    """`value` as `schema`, exactly (strict types, no unknown keys), or StatementRefused naming the field."""
    if not isinstance(value, Mapping):
        raise StatementRefused(f"{what}: expected an object")
    try:
        return msgspec.convert(dict(value), schema, strict=True)
    except msgspec.ValidationError as error:
        raise StatementRefused(f"{what}: {error}") from error


def same_names(literal: Any, names: Any, what: str) -> None:
    """Refuse to start if a Literal type and the collection of names it mirrors ever differ."""
    if tuple(get_args(literal)) != tuple(names):
        raise RuntimeError(f"{what}: the schema's names {get_args(literal)} are not {tuple(names)}")
