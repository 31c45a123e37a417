"""Typed request bodies for the statements a member signs with their own key, so the OpenAPI
document says exactly what each body holds and which bytes are signed (docs/signed-statements.md).

The signature covers `coop-ledger statement v1\\n<kind>\\n<canonical body>`, the canonical body being
the RFC 8785 JSON of `body` (keys sorted, no spaces, UTF-8). Each body here decodes to the same
JSON it was sent as — no field gets a default the client did not send — so the service verifies
the very bytes the member signed. Unknown fields are refused at the edge, with the field named.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from coop.rules.consent import Sector, Use
from coop.statements import REGISTRATION_PURPOSE
from coop.statements.fields import Count, Date, Id, KeyId, Label, Positive, PublicKey, Sha256, Time
from provenance.core.signing import SignedStatement, unb64

MEMBER = "3f0c2a9be1d84f6c9a0b7d5e4c3b2a19"
EXAMPLE_KEY = "Cpm3Zk6Xj1ZtQm0m8Jc4x3b8r5m3m2y2d3s1i0e4b5E="
EXAMPLE_SIG = "base64 of the 64-byte Ed25519 signature over the signed message"

Base64Key = Annotated[
    str,
    Meta(
        description="The signer's Ed25519 public key: base64 of its 32 bytes. Its key id is "
        "hex(SHA-256(b'coop-ledger key\\n' + the 32 bytes))[:32].",
        examples=[EXAMPLE_KEY],
    ),
]
Base64Sig = Annotated[
    str,
    Meta(
        description="base64 of the 64-byte Ed25519 signature over "
        "b'coop-ledger statement v1\\n' + kind + b'\\n' + RFC 8785 canonical JSON of body.",
        examples=[EXAMPLE_SIG],
    ),
]
AwareTimeText = Annotated[
    str,
    Meta(
        description="ISO 8601 with a timezone (Z or ±hh:mm), within 5 minutes of the server's clock; "
        "a time without a timezone is refused",
        examples=["2026-01-31T12:00:00Z"],
    ),
]


def _signed(kind: str, body: msgspec.Struct, key: str, sig: str) -> SignedStatement:
    """The statement as the service verifies it: the body back as the plain JSON it was sent as."""
    return SignedStatement(kind, msgspec.to_builtins(body), unb64(key, "key"), unb64(sig, "sig"))


class BallotBody(msgspec.Struct, forbid_unknown_fields=True):
    """A vote. Signed message for this example (one line break after each of the first two lines):
    `coop-ledger statement v1` / `ballot` /
    `{"cast_at":"2026-01-31T12:00:00Z","member":"3f0c2a9be1d84f6c9a0b7d5e4c3b2a19","proposal":"9b1e…","vote":"yes"}`"""

    proposal: Annotated[Id, Meta(description="the proposal's id", examples=["9b1e0c4f2a6d4e8b8c7a6f5e4d3c2b1a"])]
    member: Annotated[Id, Meta(description="your member (account) id, as GET /api/me gives it", examples=[MEMBER])]
    vote: Annotated[
        Label | list[Label],
        Meta(
            description="yes-no: 'yes', 'no' or 'abstain'; ranked: the drafts in order of preference",
            examples=["yes"],
        ),
    ]
    cast_at: AwareTimeText


class BallotStatement(msgspec.Struct, forbid_unknown_fields=True):
    """A ballot signed by your own key (custodial keys vote with {vote, password} instead)."""

    kind: Literal["ballot"]
    body: BallotBody
    key: Base64Key
    sig: Base64Sig

    def signed(self) -> SignedStatement:
        return _signed(self.kind, self.body, self.key, self.sig)


class KeyRegistrationBody(msgspec.Struct, forbid_unknown_fields=True):
    """Signed by the new key itself (proof of possession). Signed message for this example:
    `coop-ledger statement v1` / `member.key-registration` /
    `{"member":"3f0c2a9be1d84f6c9a0b7d5e4c3b2a19","purpose":"register this key as my co-op signing key"}`"""

    member: Annotated[Id, Meta(description="your member (account) id", examples=[MEMBER])]
    purpose: Annotated[
        Literal["register this key as my co-op signing key"],
        Meta(description="exactly this sentence", examples=[REGISTRATION_PURPOSE]),
    ]


class KeyRegistrationStatement(msgspec.Struct, forbid_unknown_fields=True):
    """Register a key you hold; GET /api/me/keys gives the body to sign."""

    kind: Literal["member.key-registration"]
    body: KeyRegistrationBody
    key: Base64Key
    sig: Base64Sig

    def signed(self) -> SignedStatement:
        return _signed(self.kind, self.body, self.key, self.sig)


class KeyRotationBody(msgspec.Struct, forbid_unknown_fields=True):
    """Signed by your current key. Signed message for this example:
    `coop-ledger statement v1` / `member.key-rotation` /
    `{"member":"3f0c…","new_key":"<base64 new public key>","old_key":"<current key id>"}`"""

    member: Annotated[Id, Meta(description="your member (account) id", examples=[MEMBER])]
    old_key: Annotated[KeyId, Meta(description="the key id of your current key, which signs this")]
    new_key: Annotated[PublicKey, Meta(description="the new Ed25519 public key, base64 of 32 bytes")]


class KeyRotationStatement(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["member.key-rotation"]
    body: KeyRotationBody
    key: Base64Key
    sig: Base64Sig

    def signed(self) -> SignedStatement:
        return _signed(self.kind, self.body, self.key, self.sig)


class ConsentRevocationBody(msgspec.Struct, forbid_unknown_fields=True):
    """Revoke consent for every future license of one contribution. Signed message for this example:
    `coop-ledger statement v1` / `consent.revocation` /
    `{"content_sha256":"<64 hex>","contribution_entry":42,"revokes":"all future licenses"}`"""

    contribution_entry: Annotated[Count, Meta(description="the log index of the contribution's acceptance")]
    content_sha256: Annotated[Sha256, Meta(description="the contribution's content SHA-256, hex")]
    revokes: Annotated[Literal["all future licenses"], Meta(description="exactly this phrase")]


class ConsentRevocationStatement(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["consent.revocation"]
    body: ConsentRevocationBody
    key: Base64Key
    sig: Base64Sig

    def signed(self) -> SignedStatement:
        return _signed(self.kind, self.body, self.key, self.sig)


class PayoutApprovalBody(msgspec.Struct, forbid_unknown_fields=True):
    """Approve a payout run: its lines as their Merkle root and total, as GET
    /api/payouts/runs/{id}/approval gives them. Signed message: `coop-ledger statement v1` /
    `payout.approved` / `{"approved_at":"2026-01-31T12:00:00Z","currency":"EUR","lines_root":"<64 hex>",
    "member":"3f0c…","run":"9b1e…","total":123456}`"""

    run: Annotated[Id, Meta(description="the payout run's id")]
    member: Annotated[Id, Meta(description="your member (account) id", examples=[MEMBER])]
    lines_root: Annotated[Sha256, Meta(description="the run's lines_root, as the run shows it")]
    total: Annotated[Count, Meta(description="the run's total, minor units")]
    currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
    approved_at: AwareTimeText


class PayoutApprovalStatement(msgspec.Struct, forbid_unknown_fields=True):
    """A payout approval signed by your own key (custodial keys approve with {password} instead)."""

    kind: Literal["payout.approved"]
    body: PayoutApprovalBody
    key: Base64Key
    sig: Base64Sig

    def signed(self) -> SignedStatement:
        return _signed(self.kind, self.body, self.key, self.sig)


class ConsentTerms(msgspec.Struct, forbid_unknown_fields=True):
    """The consent terms sent with the work, as the co-op stored them (docs/consent.md)."""

    permitted_uses: Annotated[list[Use], Meta(description="uses the author permits", examples=[["model-training"]])]
    excluded_sectors: Annotated[list[Sector], Meta(description="sectors the author excludes", examples=[["military"]])]
    expires: Annotated[Date | None, Meta(description="the last day of consent (YYYY-MM-DD), or null for none")]


# A revised answer to a pairwise item, consent until the end of 2027. It has no null on purpose: the
# OpenAPI document drops nulls from examples, and a first version's `revises` (or terms without an
# end date's `expires`) is null — sent as null, never left out.
CONTRIBUTION_EXAMPLE: dict[str, Any] = {
    "task": "5d41c7a0e8b94f0c9b2a7e6d3c1f0a28",
    "item": "0a1b2c3d4e5f40718293a4b5c6d7e8f9",
    "item_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "answer": {"choice": "B", "reason": "it cites the guideline"},
    "content_sha256": "02336bee9e03c58e32f61e581a331419d0e398920b40d938751177e1dc528384",
    "author": "7c4a8d09ca3762af61e59520943dc264",
    "terms": {
        "permitted_uses": ["model-training", "research"],
        "excluded_sectors": ["military"],
        "expires": "2027-12-31",
    },
    "minutes": 12,
    "units": 1,
    "revises": "235d8c9008082e60bf4e42fa5f1895b9cf6c862776828993270fae13ae777eaa",
    "time": "2026-11-30T14:05:09+00:00",
}
# The exact bytes an author signs for CONTRIBUTION_EXAMPLE (tests/test_signed_statements.py checks them
# against the documented recipe, docs/signed-statements.md shows them).
CONTRIBUTION_SIGNED_EXAMPLE = (
    "coop-ledger statement v1\ncontribution\n"
    '{"answer":{"choice":"B","reason":"it cites the guideline"},"author":"7c4a8d09ca3762af61e59520943dc264",'
    '"content_sha256":"02336bee9e03c58e32f61e581a331419d0e398920b40d938751177e1dc528384",'
    '"item":"0a1b2c3d4e5f40718293a4b5c6d7e8f9",'
    '"item_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","minutes":12,'
    '"revises":"235d8c9008082e60bf4e42fa5f1895b9cf6c862776828993270fae13ae777eaa",'
    '"task":"5d41c7a0e8b94f0c9b2a7e6d3c1f0a28","terms":{"excluded_sectors":["military"],'
    '"expires":"2027-12-31","permitted_uses":["model-training","research"]},"time":"2026-11-30T14:05:09+00:00",'
    '"units":1}'
)


class ContributionBody(msgspec.Struct, forbid_unknown_fields=True):
    """The work an author signs (docs/submit-and-next.md): the body GET
    /api/contributions/{id}/statement?key=… or POST /api/claims/{id}/statement returns. An answer to
    an item adds `item`, `item_sha256` and `answer`; free-form work leaves them out (absent, not null,
    so the body re-encodes to the very bytes signed). Signed message: `coop-ledger statement v1` /
    `contribution` / the RFC 8785 JSON of the body (the statement's `body` gives an example's bytes)."""

    task: Annotated[Id, Meta(description="the task's id", examples=[CONTRIBUTION_EXAMPLE["task"]])]
    content_sha256: Annotated[
        Sha256,
        Meta(description="hex SHA-256 of the content; for an answer, of the RFC 8785 JSON of `answer`"),
    ]
    author: Annotated[
        KeyId, Meta(description="key id of the signing key: hex(SHA-256(b'coop-ledger key\\n' + public key))[:32]")
    ]
    terms: Annotated[ConsentTerms, Meta(description="the consent terms sent with the work")]
    minutes: Annotated[Positive, Meta(description="the minutes sent with the work (a note; pay uses measured time)")]
    units: Annotated[Positive, Meta(description="units of work (1 for an answer to an item)")]
    time: Annotated[
        Time,
        Meta(
            description="the signing time, UTC in whole seconds with +00:00, within 10 minutes of the server's clock",
            examples=[CONTRIBUTION_EXAMPLE["time"]],
        ),
    ]
    revises: Annotated[Sha256 | None, Meta(description="SHA-256 of the revised contribution's statement, or null")]
    item: Annotated[
        Id | None | msgspec.UnsetType, Meta(description="an answer to an item: the item's id (the claim's item.id)")
    ] = msgspec.UNSET
    item_sha256: Annotated[
        Sha256 | None | msgspec.UnsetType,
        Meta(description="an answer to an item: SHA-256 of the item's canonical JSON (the claim's item.sha256)"),
    ] = msgspec.UNSET
    answer: Annotated[
        dict[str, Any] | None | msgspec.UnsetType,
        Meta(description="an answer to an item: the answer in its normal form (docs/submit-and-next.md)"),
    ] = msgspec.UNSET


class ContributionStatement(msgspec.Struct, forbid_unknown_fields=True):
    """Work signed by your own key (custodial keys submit with {password} instead)."""

    kind: Literal["contribution"]
    body: Annotated[
        ContributionBody,
        Meta(
            description="The body as signed. For the example the exact bytes signed are (\\n a line feed): "
            + CONTRIBUTION_SIGNED_EXAMPLE.replace("\n", "\\n"),
            examples=[CONTRIBUTION_EXAMPLE],
        ),
    ]
    key: Base64Key
    sig: Base64Sig

    def signed(self) -> SignedStatement:
        return _signed(self.kind, self.body, self.key, self.sig)


class PayoutApprovalIn(msgspec.Struct):
    """Approve with a custodial key ({password}) or with your own key ({statement})."""

    password: str | None = None
    statement: PayoutApprovalStatement | None = None


class BallotIn(msgspec.Struct):
    """Vote with a custodial key ({vote, password}) or with your own key ({statement})."""

    vote: Annotated[Label | list[Label] | None, Meta(description="with `password`: your vote")] = None
    password: Annotated[str | None, Meta(description="with `vote`: your account password")] = None
    statement: BallotStatement | None = None


class ConsentRevocationIn(msgspec.Struct):
    """Revoke with a custodial key ({password}) or with your own key ({statement})."""

    password: str | None = None
    statement: ConsentRevocationStatement | None = None
