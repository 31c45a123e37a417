"""Who is asking: the principal of a request, and the guards routes declare.

Portal pages authenticate with the session cookie (and are CSRF-protected); `/api` authenticates
only with personal API tokens (`Authorization: Bearer …`), which a browser never sends on its own,
so the API needs no CSRF token. Guards are the one place each access rule lives.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from coop.kernel.principal import Principal

SESSION_COOKIE = "coop_session"
_TOUCH_SESSION = "coop_session_touch"  # scope state: the session whose use is recorded after the response
API_PREFIX = "/api"


class PrincipalMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        runtime = connection.app.state.runtime
        authorization = connection.headers.get("authorization", "")
        if authorization.startswith("Bearer coop_"):
            principal = await anyio.to_thread.run_sync(runtime.auth.token_principal, authorization[7:])
            if principal is None:
                raise NotAuthorizedException(detail="the API token is unknown, expired or revoked")
            return AuthenticationResult(
                user=dataclasses.replace(principal, address=client_address(connection)), auth="token"
            )
        session_id = connection.cookies.get(SESSION_COOKIE)
        if session_id and not connection.scope["path"].startswith(API_PREFIX):
            principal, touch_due = await anyio.to_thread.run_sync(runtime.auth.session_lookup, session_id)
            if principal is not None:
                if touch_due:
                    connection.scope.setdefault("state", {})[_TOUCH_SESSION] = session_id
                return AuthenticationResult(
                    user=dataclasses.replace(principal, address=client_address(connection)), auth="session"
                )
            connection.scope.setdefault("state", {})["session_expired"] = True
        return AuthenticationResult(user=None, auth=None)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address as the ASGI server reports it, which the password throttle counts. An
    X-Forwarded-For header changes it only if the server trusts the proxy it came through
    (`COOP_FORWARDED_ALLOW_IPS`, trusting none by default): otherwise anyone could claim any address."""
    return connection.client.host if connection.client else "unknown"


async def record_session_use(request: Request[Any, Any, Any]) -> None:
    """After the response is sent, record the session's use if it was due (the app's after_response
    hook): the user does not wait for that commit. A failure is logged; the session stays valid and
    the next request past the 30 s mark tries again."""
    session_id = request.scope.get("state", {}).get(_TOUCH_SESSION)
    if session_id:
        try:
            await anyio.to_thread.run_sync(request.app.state.runtime.auth.touch_session, session_id)
        except Exception:  # noqa: BLE001 - the response is already sent; nothing to answer with
            logging.getLogger("coop.auth").exception("recording a session's last use failed")


def current(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def _require(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal = current(connection)
    if principal is None:
        expired = connection.scope.get("state", {}).get("session_expired")
        raise NotAuthorizedException(detail="your session has expired; sign in again" if expired else "sign in first")
    if (
        principal.via == "token"
        and connection.scope.get("method", "GET") not in ("GET", "HEAD")
        and "write" not in principal.scopes
    ):
        raise PermissionDeniedException(detail="this API token is read-only")
    return principal


Req = Request[Principal | None, Any, Any]
"""A request as a handler sees it: its user is the principal, or None on an open route."""

SignedIn = NamedDependency[Principal]
"""How a guarded handler asks for who is asking: a `principal: SignedIn` parameter, never None."""


def signed_in_principal(request: Request[Any, Any, Any]) -> Principal:
    """The `principal` dependency: who is asking, on a route whose guard let them in. The guards run
    first and decide every 401 and 403; this repeats their check only so that a handler asking for
    a `Principal` by mistake on an open route is refused with the same 401, never handed None."""
    return _require(request)


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    _require(connection)


def member(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not _require(connection).in_good_standing:
        raise PermissionDeniedException(detail="only members in good standing may do this")


def steward(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not _require(connection).is_steward:
        raise PermissionDeniedException(detail="only stewards may do this")


def reviewer(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not _require(connection).has_role("reviewer"):
        raise PermissionDeniedException(detail="only reviewers may do this")


def buyer(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not _require(connection).is_buyer:
        raise PermissionDeniedException(detail="only buyer accounts may do this")


def buyer_or_steward(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    principal = _require(connection)
    if not (principal.is_buyer or principal.is_steward):
        raise PermissionDeniedException(detail="only buyer accounts and stewards may do this")
