"""Portal pages for joining, signing in and out, and one's own profile, keys and tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from coop.kernel.errors import NotAllowed, Refused, TooManyAttempts
from coop.kernel.principal import Principal
from coop.kernel.settings import Settings
from coop.membership.auth import MAX_TOKEN_DAYS, TOKEN_DAYS, AuthService
from coop.membership.keys import KeyInfo, KeyService
from coop.membership.service import MembershipService
from provenance.core.signing import SignedStatement, unb64
from provenance.service import ProvenanceLog
from web import auth
from web.auth import SESSION_COOKIE, SignedIn
from web.errors import USER_ERRORS, retry_headers, sign_in_status, status_for
from web.guard import parse_json
from web.inputs import RowId
from web.portal.common import Req, field_errors, is_htmx, list_value, page, redirect_done, safe_next, text_value

Form = URLEncodedBody[dict[str, Any]]


def _keys_context(principal: Principal, keys: KeyService, **extra: Any) -> dict[str, Any]:
    if not principal.in_good_standing:
        return {"keys": [], **extra}
    body = json.dumps(keys.registration_body(principal), separators=(",", ":"))
    return {"keys": keys.keys_of(principal.account_id), "registration_body": body, "key_errors": {}, **extra}


def _tokens_context(principal: Principal, auth_service: AuthService, **extra: Any) -> dict[str, Any]:
    return {"tokens": auth_service.tokens(principal), **extra}


class AccountPages(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Req, log: NamedDependency[ProvenanceLog], done: FromQuery[str | None] = None) -> Template:
        return page(request, "home.html", log_size=log.size(), done=done)

    @get("/apply", sync_to_thread=False)
    def apply_form(self, request: Req) -> Template:
        return page(request, "apply.html", errors={}, values={})

    @post("/apply", sync_to_thread=True)
    def apply(self, request: Req, members: NamedDependency[MembershipService], data: Form) -> Template:
        values = {k: text_value(data, k) for k in ("name", "email", "password", "skills", "region")}
        try:
            members.apply(
                values["name"],
                values["email"],
                values["password"],
                values["skills"],
                values["region"],
                address=auth.client_address(request),
            )
        except USER_ERRORS as error:
            return page(request, "apply.html", status_code=status_for(error), errors=field_errors(error), values=values)
        return page(request, "applied.html", status_code=201, name=values["name"])

    @get("/buyers/register", sync_to_thread=False)
    def buyer_form(self, request: Req) -> Template:
        return page(request, "buyer_register.html", errors={}, values={})

    @post("/buyers/register", sync_to_thread=True)
    def register_buyer(
        self, request: Req, members: NamedDependency[MembershipService], data: Form
    ) -> Template | Redirect:
        values = {k: text_value(data, k) for k in ("organisation", "name", "email", "password")}
        try:
            members.register_buyer(
                values["organisation"],
                values["name"],
                values["email"],
                values["password"],
                address=auth.client_address(request),
            )
        except USER_ERRORS as error:
            return page(
                request, "buyer_register.html", status_code=status_for(error), errors=field_errors(error), values=values
            )
        return redirect_done("/login", "Your buyer account is ready: sign in.")

    @get("/login", sync_to_thread=False)
    def login_form(
        self,
        request: Req,
        next: FromQuery[str | None] = None,
        reason: FromQuery[str | None] = None,
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(request, "login.html", errors={}, values={}, next=safe_next(next), reason=reason, done=done)

    @post("/login", sync_to_thread=True)
    def login(
        self, request: Req, auth_service: NamedDependency[AuthService], settings: NamedDependency[Settings], data: Form
    ) -> Response[Any]:
        email, password, target = (
            text_value(data, "email"),
            text_value(data, "password"),
            safe_next(text_value(data, "next")),
        )
        try:
            principal = auth_service.check_credentials(email, password, auth.client_address(request))
        except (NotAllowed, TooManyAttempts, Refused) as error:
            response = page(
                request,
                "login.html",
                status_code=sign_in_status(error),
                errors={"_form": str(error)},
                values={"email": email},
                next=target,
            )
            response.headers.update(retry_headers(error))
            return response
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            auth_service.end_session(old)  # a fresh id at every sign-in: no session fixation
        redirect = Redirect(target, status_code=303)
        redirect.set_cookie(
            SESSION_COOKIE,
            auth_service.start_session(principal),
            max_age=settings.session_max_seconds,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )
        return redirect

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Req, auth_service: NamedDependency[AuthService]) -> Redirect:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            auth_service.end_session(session_id)
        response = redirect_done("/login", "You are signed out.")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/me", guards=[auth.signed_in], sync_to_thread=True)
    def me(
        self,
        request: Req,
        principal: SignedIn,
        keys: NamedDependency[KeyService],
        auth_service: NamedDependency[AuthService],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(
            request, "me.html", done=done, **_keys_context(principal, keys), **_tokens_context(principal, auth_service)
        )

    # -- keys ------------------------------------------------------------------------------

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
            return page(request, "partials/keys.html", status_code=status, **_keys_context(principal, keys, **extra))
        if status >= 400:
            return page(
                request,
                "me.html",
                status_code=status,
                **_keys_context(principal, keys, **extra),
                **_tokens_context(principal, auth_service),
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
        def register() -> KeyInfo:
            try:
                raw = parse_json(text_value(data, "statement"), "the statement")
                statement = SignedStatement(
                    raw["kind"], raw["body"], unb64(raw["key"], "key"), unb64(raw["sig"], "sig")
                )
            except (ValueError, KeyError, TypeError) as error:
                raise Refused("paste the JSON printed by `coop sign` (with kind, body, key and sig)") from error
            return keys.register_own_key(principal, statement)

        return self._key_action(request, principal, keys, auth_service, register)

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

    # -- tokens and leaving ----------------------------------------------------------------

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
            return page(request, "partials/tokens.html", **_tokens_context(principal, auth_service, new_token=token))
        return page(
            request,
            "me.html",
            status_code=201,
            **_keys_context(principal, keys),
            **_tokens_context(principal, auth_service, new_token=token),
        )

    @post("/me/tokens/{token_id:int}/revoke", guards=[auth.signed_in], sync_to_thread=True)
    def revoke_token(
        self, request: Req, principal: SignedIn, auth_service: NamedDependency[AuthService], token_id: RowId
    ) -> Template | Redirect:
        auth_service.revoke_token(principal, token_id)
        if is_htmx(request):
            return page(request, "partials/tokens.html", **_tokens_context(principal, auth_service))
        return redirect_done("/me", "The token is revoked.")

    @post("/me/leave", guards=[auth.member], sync_to_thread=True)
    def leave(
        self,
        request: Req,
        principal: SignedIn,
        members: NamedDependency[MembershipService],
        auth_service: NamedDependency[AuthService],
    ) -> Redirect:
        members.leave(principal)
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            auth_service.end_session(session_id)
        response = redirect_done("/", "You have left the co-op. Thank you for your work.")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
