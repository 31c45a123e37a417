"""JSON API for a license's withdrawal feed: poll it (`after=N`), verify it offline with
`coop withdrawals verify FILE`, and mark its notices read (docs/withdrawals.md)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from coop.datasets.withdrawals import WithdrawalService
from web import auth
from web.auth import SignedIn
from web.inputs import SMALL_MAX, RowId


class NoticeOut(msgspec.Struct):
    sequence: int  # 1, 2, 3, … per license, no gaps
    index: int  # the notice's own log entry (license.withdrawal, signed by the co-op)
    revocation_entry: int  # the author's consent.revocation entry
    contribution_entry: int  # the contribution.accepted entry: the item's id in the release
    content_sha256: str
    noticed_at: str


class EntryOut(msgspec.Struct):
    index: int
    leaf: str  # base64 of the exact leaf bytes
    proof: list[str]  # base64 RFC 6962 inclusion proof against `checkpoint`


class FeedOut(msgspec.Struct):
    format: str
    license: str
    license_entry: int
    after: int
    notices: list[NoticeOut]
    verifier_key: str
    checkpoint: str  # the signed checkpoint (C2SP signed note) every entry is proven against
    entries: list[EntryOut]  # the license, each notice, its revocation and the accepted contribution
    read_up_to: int  # your organisation's reading state: not signed
    unread: int


class ReadIn(msgspec.Struct):
    up_to: Annotated[int, msgspec.Meta(ge=0, le=SMALL_MAX)] | None = (
        None  # the highest sequence read; default: every notice so far
    )


class ReadOut(msgspec.Struct):
    read_up_to: int


class WithdrawalsApi(Controller):
    path = "/api/licenses/{license_id:str}/withdrawals"
    tags = ["money"]
    guards = [auth.signed_in]

    @get(
        summary="A license's withdrawal notices after sequence N, with their log proofs",
        description=(
            "Licensee's organisation (and stewards) only. Each notice is a co-op-signed `license.withdrawal` "
            "log entry; save the response and run `coop withdrawals verify FILE --key KEY` to check it offline."
        ),
        sync_to_thread=True,
    )
    def feed(
        self,
        principal: SignedIn,
        withdrawals: NamedDependency[WithdrawalService],
        license_id: FromPath[str],
        after: RowId = 0,
    ) -> FeedOut:
        return msgspec.convert(withdrawals.feed(principal, license_id, after), FeedOut)

    @post("/read", summary="Mark the license's notices read (up to a sequence)", sync_to_thread=True)
    def read(
        self,
        principal: SignedIn,
        withdrawals: NamedDependency[WithdrawalService],
        license_id: FromPath[str],
        data: JSONBody[ReadIn],
    ) -> ReadOut:
        return ReadOut(withdrawals.mark_read(principal, license_id, data.up_to))


WITHDRAWALS_API = [WithdrawalsApi]
