"""Portal pages for one's own signing keys and API tokens (panels of /me, swapped in place by htmx)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from coop.kernel.errors import Refused
from coop.kernel.principal import Principal
from coop.membership.auth import MAX_TOKEN_DAYS, TOKEN_DAYS, AuthService
from coop.membership.keys import KeyInfo, KeyService
from provenance.core.canonical import canonical_json
from provenance.core.signing import SignedStatement, unb64
from web import auth
from web.auth import SignedIn
from web.errors import USER_ERRORS, status_for
from web.guard import parse_json
from web.inputs import RowId
from web.portal.common import Form, Req, is_htmx, list_value, page, redirect_done, text_value


def keys_context(principal: Principal, keys: KeyService, **extra: Any) -> dict[str, Any]:
    """The keys panel's context: shared with /me (web.portal.accounts), which renders both panels."""
    if not principal.in_good_standing:
        return {"keys": [], **extra}
    body = canonical_json(keys.registration_body(principal)).decode()
    return {"keys": keys.keys_of(principal.account_id), "registration_body": body, "key_errors": {}, **extra}


def tokens_context(principal: Principal, auth_service: AuthService, **extra: Any) -> dict[str, Any]:
    """The tokens panel's context: shared with /me, as keys_context is."""
    return {"tokens": auth_service.tokens(principal), **extra}


class KeyPages(Controller):
    include_in_schema = False

    def _keys_panel(
        self,
        request: Req,
        principal: Principal,
        keys: KeyService,
        auth_service: AuthService,
        status: int = 200,
        **extra: Any,
    ) -> Template | Redirect:
        if is_htmx(request):
            return page(request, "partials/keys.html", status_code=status, **keys_context(principal, keys, **extra))
        if status >= 400:
            return page(
                request,
                "me.html",
                status_code=status,
                **keys_context(principal, keys, **extra),
                **tokens_context(principal, auth_service),
            )
        return redirect_done("/me", "Your keys are updated.")

    def _key_action(
        self,
        request: Req,
        principal: Principal,
        keys: KeyService,
        auth_service: AuthService,
        action: Callable[[], object],
    ) -> Template | Redirect:
        try:
            done = action()
        except USER_ERRORS as error:
            return self._keys_panel(
                request, principal, keys, auth_service, status_for(error), key_errors={"_form": str(error)}
            )
        return self._keys_panel(
            request, principal, keys, auth_service, new_key=done if isinstance(done, KeyInfo) else None
        )

    @post("/me/keys/custodial", guards=[auth.member], sync_to_thread=True)
    def custodial_key(
        self,
        request: Req,
        principal: SignedIn,
        keys: NamedDependency[KeyService],
        auth_service: NamedDependency[AuthService],
        data: Form,
    ) -> Template | Redirect:
        return self._key_action(
            request,
            principal,
            keys,
            auth_service,
            lambda: keys.create_custodial_key(principal, text_value(data, "password")),
        )

    @post("/me/keys/rotate-custodial", guards=[auth.member], sync_to_thread=True)
    def rotate_custodial(
        self,
        request: Req,
        principal: SignedIn,
        keys: NamedDependency[KeyService],
        auth_service: NamedDependency[AuthService],
        data: Form,
    ) -> Template | Redirect:
        return self._key_action(
            request,
            principal,
            keys,
            auth_service,
            lambda: keys.rotate_custodial(principal, text_value(data, "password")),
        )

    @post("/me/keys/own", guards=[auth.member], sync_to_thread=True)
    def own_key(
        self,
        request: Req,
        principal: SignedIn,
        keys: NamedDependency[KeyService],
        auth_service: NamedDependency[AuthService],
        data: Form,
    ) -> Template | Redirect:
        return self._key_action(
            request, principal, keys, auth_service, lambda: keys.register_own_key(principal, _statement(data))
        )

    @post("/me/keys/custodial-to-own", guards=[auth.member], sync_to_thread=True)
    def custodial_to_own(
        self,
        request: Req,
        principal: SignedIn,
        keys: NamedDependency[KeyService],
        auth_service: NamedDependency[AuthService],
        data: Form,
    ) -> Template | Redirect:
        """Move from the custodial key to one the member holds (a browser key): one rotation."""
        return self._key_action(
            request,
            principal,
            keys,
            auth_service,
            lambda: keys.move_custodial_to_own(principal, text_value(data, "password"), _statement(data)),
        )

    @post("/me/keys/{key_id:str}/revoke", guards=[auth.member], sync_to_thread=True)
    def revoke_key(
        self,
        request: Req,
        principal: SignedIn,
        keys: NamedDependency[KeyService],
        auth_service: NamedDependency[AuthService],
        key_id: FromPath[str],
    ) -> Template | Redirect:
        return self._key_action(
            request, principal, keys, auth_service, lambda: keys.revoke(principal, key_id, "revoked by its owner")
        )

    # -- tokens --------------------------------------------------------------------------

    @post("/me/tokens", guards=[auth.signed_in], sync_to_thread=True)
    def create_token(
        self,
        request: Req,
        principal: SignedIn,
        keys: NamedDependency[KeyService],
        auth_service: NamedDependency[AuthService],
        data: Form,
    ) -> Template | Redirect:
        days = text_value(data, "days") or str(TOKEN_DAYS)
        if not days.isdigit():
            raise Refused(f"a token lasts 1 to {MAX_TOKEN_DAYS} days")
        token = auth_service.create_token(principal, text_value(data, "label"), list_value(data, "scopes"), int(days))
        if is_htmx(request):
            return page(request, "partials/tokens.html", **tokens_context(principal, auth_service, new_token=token))
        return page(
            request,
            "me.html",
            status_code=201,
            **keys_context(principal, keys),
            **tokens_context(principal, auth_service, new_token=token),
        )

    @post("/me/tokens/{token_id:int}/revoke", guards=[auth.signed_in], sync_to_thread=True)
    def revoke_token(
        self, request: Req, principal: SignedIn, auth_service: NamedDependency[AuthService], token_id: RowId
    ) -> Template | Redirect:
        auth_service.revoke_token(principal, token_id)
        if is_htmx(request):
            return page(request, "partials/tokens.html", **tokens_context(principal, auth_service))
        return redirect_done("/me", "The token is revoked.")


def _statement(data: dict[str, Any]) -> SignedStatement:
    """The signed registration statement the form carries (pasted from `coop sign`, or filled in
    by the page's browser key)."""
    try:
        raw = parse_json(text_value(data, "statement"), "the statement")
        return SignedStatement(raw["kind"], raw["body"], unb64(raw["key"], "key"), unb64(raw["sig"], "sig"))
    except (ValueError, KeyError, TypeError) as error:
        raise Refused("paste the JSON printed by `coop sign` (with kind, body, key and sig)") from error
