"""Public log endpoints, exactly as DESIGN.md's contract, plus the authenticated append endpoint.

`POST /log/entries` (with COOP_APPEND_TOKEN) appends only statements that are neither the co-op's
nor its members': any kind in `coop.statements` — or in one of its namespaces (`member.`, `ballot`,
`proposal.`, `policy.`, …) — enters the log only through the service that checks and records it
(a ballot through its proposal, a key through its member). Other kinds (attestations by other
systems, test entries) are still accepted as opaque signed statements, up to the entry size limit.
Nothing the co-op reads back from its log trusts them."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter

from coop.statements import is_coop_kind
from governance.witnessing import Witnessing
from provenance.core.canonical import NotCanonicalizable
from provenance.core.merkle import ProofError
from provenance.core.signing import InvalidStatement, SignedStatement, b64, unb64
from provenance.core.tiles import TilePathError, parse_tile_path
from provenance.service import NotFound, ProvenanceLog
from provenance.writer import LeafTooLarge
from web.inputs import ID_MAX

MAX_APPEND_BATCH = 1000


def parse_count(value: str | None, name: str) -> int:
    """A non-negative decimal integer from a query or path, or a 400 that says what is wrong."""
    if value is None or value == "":
        raise ClientException(detail=f"'{name}' is required")
    if not value.isascii() or not value.isdigit() or len(value) > 19 or int(value) > ID_MAX:
        raise ClientException(
            detail=f"'{name}' must be a non-negative decimal integer up to {ID_MAX}, got {value[:40]!r}"
        )
    return int(value)


class StatementIn(msgspec.Struct):
    kind: str
    body: dict[str, Any]
    key: str
    sig: str


class AppendIn(msgspec.Struct):
    statements: list[StatementIn]


class AppendOut(msgspec.Struct):
    indices: list[int]
    tree_size: int


class InclusionProofOut(msgspec.Struct):
    index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str]


class ConsistencyProofOut(msgspec.Struct, rename={"first": "from", "second": "to"}):
    first: int
    second: int
    hashes: list[str]


def require_append_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Appends come from the co-op's own services, which hold COOP_APPEND_TOKEN; nobody else."""
    expected = connection.app.state.settings.append_token
    if not expected:
        raise PermissionDeniedException(detail="appending over HTTP is disabled (COOP_APPEND_TOKEN is not set)")
    given = connection.headers.get("authorization", "")
    if not given.startswith("Bearer ") or not hmac.compare_digest(given[7:].encode(), expected.encode()):
        raise NotAuthorizedException(detail="a valid bearer token is required to append")


def text(content: str) -> Response[str]:
    return Response(content, media_type="text/plain; charset=utf-8")


class LogController(Controller):
    path = "/log"
    tags = ["public log"]

    @get(
        "/checkpoint",
        summary="Latest cosigned checkpoint (C2SP tlog-checkpoint + tlog-cosignature)",
        sync_to_thread=True,
    )
    def checkpoint(self, witnessing: NamedDependency[Witnessing]) -> Response[str]:
        """The latest checkpoint a witness of the policy cosigned, with the co-op's signature and
        then the cosignature lines; the latest checkpoint when none is cosigned (docs/witnesses.md)."""
        note = witnessing.cosigned_checkpoint()
        if note is None:
            raise NotFoundException(detail="the log has no checkpoint yet")
        return text(note)

    @get("/witnesses", summary="The witness policy in force and how far each witness cosigned", sync_to_thread=True)
    def witnesses(self, witnessing: NamedDependency[Witnessing]) -> dict[str, Any]:
        return witnessing.status()

    @get("/key", summary="The co-op's signed-note verifier key", sync_to_thread=False)
    def key(self, log: NamedDependency[ProvenanceLog]) -> Response[str]:
        return text(log.verifier_key + "\n")

    @get("/entries/{index:str}", summary="The exact leaf bytes of one entry", sync_to_thread=True)
    def entry(self, log: NamedDependency[ProvenanceLog], index: FromPath[str]) -> Response[bytes]:
        try:
            leaf = log.entry(parse_count(index, "index"))
        except NotFound as error:
            raise NotFoundException(detail=str(error)) from error
        return Response(leaf, media_type="application/octet-stream")

    @get("/proof/inclusion", summary="RFC 6962 audit path", sync_to_thread=True)
    def inclusion(
        self,
        log: NamedDependency[ProvenanceLog],
        index: Annotated[str | None, QueryParameter(name="index")] = None,
        size: Annotated[str | None, QueryParameter(name="size")] = None,
    ) -> InclusionProofOut:
        i, n = parse_count(index, "index"), parse_count(size, "size")
        try:
            leaf_hash, hashes = log.inclusion_proof(i, n)
        except ProofError as error:
            raise ClientException(detail=str(error)) from error
        return InclusionProofOut(i, n, b64(leaf_hash), [b64(h) for h in hashes])

    @get("/proof/consistency", summary="RFC 6962 consistency proof", sync_to_thread=True)
    def consistency(
        self,
        log: NamedDependency[ProvenanceLog],
        first: Annotated[str | None, QueryParameter(name="from")] = None,
        second: Annotated[str | None, QueryParameter(name="to")] = None,
    ) -> ConsistencyProofOut:
        m, n = parse_count(first, "from"), parse_count(second, "to")
        try:
            hashes = log.consistency_proof(m, n)
        except ProofError as error:
            raise ClientException(detail=str(error)) from error
        return ConsistencyProofOut(m, n, [b64(h) for h in hashes])

    @get("/tile/{path:path}", summary="C2SP tlog-tiles hash tiles and entry bundles", sync_to_thread=True)
    def tile(self, log: NamedDependency[ProvenanceLog], path: FromPath[str]) -> Response[bytes]:
        try:
            ref = parse_tile_path(path)
            if ref.level is None:
                content = log.entry_bundle(ref.index, ref.width)
            else:
                content = log.hash_tile(ref.level, ref.index, ref.width)
        except TilePathError as error:
            raise ClientException(detail=str(error)) from error
        except NotFound as error:
            raise NotFoundException(detail=str(error)) from error
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}
        return Response(content, media_type="application/octet-stream", headers=headers)

    @post(
        "/entries",
        summary="Append signed statements (service token required)",
        guards=[require_append_token],
        sync_to_thread=True,
        status_code=201,
    )
    def append(self, log: NamedDependency[ProvenanceLog], data: JSONBody[AppendIn]) -> AppendOut:
        if not 1 <= len(data.statements) <= MAX_APPEND_BATCH:
            raise ClientException(detail=f"send between 1 and {MAX_APPEND_BATCH} statements")
        for s in data.statements:
            if is_coop_kind(s.kind):
                raise PermissionDeniedException(
                    detail=f"'{s.kind}' statements enter the log only through the co-op's own services, "
                    "not POST /log/entries"
                )
        try:
            statements = [
                SignedStatement(s.kind, s.body, unb64(s.key, "key"), unb64(s.sig, "sig")) for s in data.statements
            ]
            indices = log.append_many(statements)
        except (InvalidStatement, NotCanonicalizable, LeafTooLarge) as error:
            raise ClientException(detail=str(error)) from error
        return AppendOut(indices, indices[-1] + 1)
