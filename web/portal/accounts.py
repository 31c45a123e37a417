"""Portal pages for joining, signing in and out, and one's own profile, keys and tokens."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from coop.membership.auth import MAX_TOKEN_DAYS, TOKEN_DAYS
from coop.kernel.errors import Conflict, Refused, NotAllowed, TooManyAttempts
from web.runtime import Runtime
from provenance.core.signing import SignedStatement, unb64
from web import auth
from web.auth import SESSION_COOKIE
from web.guard import parse_json
from web.inputs import RowId
from web.portal.common import Req, USER_ERRORS, field_errors, is_htmx, list_value, page, redirect_done, safe_next, text_value

Form = URLEncodedBody[dict[str, Any]]


class AccountPages(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Req, runtime: NamedDependency[Runtime], done: FromQuery[str | None] = None) -> Template:
        return page(request, "home.html", log_size=runtime.log.size(), done=done)

    @get("/apply", sync_to_thread=False)
    def apply_form(self, request: Req) -> Template:
        return page(request, "apply.html", errors={}, values={})

    @post("/apply", sync_to_thread=True)
    def apply(self, request: Req, runtime: NamedDependency[Runtime], data: Form) -> Template:
        values = {k: text_value(data, k) for k in ("name", "email", "password", "skills", "region")}
        try:
            runtime.members.apply(values["name"], values["email"], values["password"], values["skills"], values["region"], address=auth.client_address(request))
        except USER_ERRORS as error:
            status = 409 if isinstance(error, Conflict) else 400
            return page(request, "apply.html", status_code=status, errors=field_errors(error), values=values)
        return page(request, "applied.html", status_code=201, name=values["name"])

    @get("/buyers/register", sync_to_thread=False)
    def buyer_form(self, request: Req) -> Template:
        return page(request, "buyer_register.html", errors={}, values={})

    @post("/buyers/register", sync_to_thread=True)
    def register_buyer(self, request: Req, runtime: NamedDependency[Runtime], data: Form) -> Template | Redirect:
        values = {k: text_value(data, k) for k in ("organisation", "name", "email", "password")}
        try:
            runtime.members.register_buyer(values["organisation"], values["name"], values["email"], values["password"], address=auth.client_address(request))
        except USER_ERRORS as error:
            status = 409 if isinstance(error, Conflict) else 400
            return page(request, "buyer_register.html", status_code=status, errors=field_errors(error), values=values)
        return redirect_done("/login", "Your buyer account is ready: sign in.")

    @get("/login", sync_to_thread=False)
    def login_form(self, request: Req, next: FromQuery[str | None] = None, reason: FromQuery[str | None] = None, done: FromQuery[str | None] = None) -> Template:
        return page(request, "login.html", errors={}, values={}, next=safe_next(next), reason=reason, done=done)

    @post("/login", sync_to_thread=True)
    def login(self, request: Req, runtime: NamedDependency[Runtime], data: Form) -> Response[Any]:
        email, password, target = text_value(data, "email"), text_value(data, "password"), safe_next(text_value(data, "next"))
        try:
            principal = runtime.auth.check_credentials(email, password, auth.client_address(request))
        except (NotAllowed, TooManyAttempts, Refused) as error:
            status = 429 if isinstance(error, TooManyAttempts) else 400 if isinstance(error, Refused) else 401
            response = page(request, "login.html", status_code=status, errors={"_form": str(error)}, values={"email": email}, next=target)
            if isinstance(error, TooManyAttempts):
                response.headers["Retry-After"] = str(error.retry_after_seconds)
            return response
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            runtime.auth.end_session(old)  # a fresh id at every sign-in: no session fixation
        response = Redirect(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE, runtime.auth.start_session(principal), max_age=runtime.settings.session_max_seconds,
            httponly=True, samesite="lax", secure=runtime.settings.secure_cookies, path="/",
        )
        return response

    @post("/logout", sync_to_thread=True)
    def logout(self, request: Req, runtime: NamedDependency[Runtime]) -> Redirect:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            runtime.auth.end_session(session_id)
        response = redirect_done("/login", "You are signed out.")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/me", guards=[auth.signed_in], sync_to_thread=True)
    def me(self, request: Req, runtime: NamedDependency[Runtime], done: FromQuery[str | None] = None) -> Template:
        return page(request, "me.html", done=done, **self._keys_context(request, runtime), **self._tokens_context(request, runtime))

    # -- keys ------------------------------------------------------------------------------

    def _keys_context(self, request: Req, runtime: Runtime, **extra: Any) -> dict[str, Any]:
        user = request.user
        if user is None or not user.in_good_standing:
            return {"keys": [], **extra}
        body = json.dumps(runtime.keys.registration_body(user), separators=(",", ":"))
        return {"keys": runtime.keys.keys_of(user.account_id), "registration_body": body, "key_errors": {}, **extra}

    def _keys_panel(self, request: Req, runtime: Runtime, status: int = 200, **extra: Any) -> Template | Redirect:
        if is_htmx(request):
            return page(request, "partials/keys.html", status_code=status, **self._keys_context(request, runtime, **extra))
        if status >= 400:
            return page(request, "me.html", status_code=status, **self._keys_context(request, runtime, **extra), **self._tokens_context(request, runtime))
        return redirect_done("/me", "Your keys are updated.")

    def _key_action(self, request: Req, runtime: Runtime, action: Any) -> Template | Redirect:
        try:
            info = action()
        except USER_ERRORS as error:
            status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, Conflict) else 400
            return self._keys_panel(request, runtime, status, key_errors={"_form": str(error)})
        return self._keys_panel(request, runtime, new_key=info if hasattr(info, "key_id") else None)

    @post("/me/keys/custodial", guards=[auth.member], sync_to_thread=True)
    def custodial_key(self, request: Req, runtime: NamedDependency[Runtime], data: Form) -> Template | Redirect:
        return self._key_action(request, runtime, lambda: runtime.keys.create_custodial_key(request.user, text_value(data, "password")))

    @post("/me/keys/rotate-custodial", guards=[auth.member], sync_to_thread=True)
    def rotate_custodial(self, request: Req, runtime: NamedDependency[Runtime], data: Form) -> Template | Redirect:
        return self._key_action(request, runtime, lambda: runtime.keys.rotate_custodial(request.user, text_value(data, "password")))

    @post("/me/keys/own", guards=[auth.member], sync_to_thread=True)
    def own_key(self, request: Req, runtime: NamedDependency[Runtime], data: Form) -> Template | Redirect:
        def register() -> Any:
            try:
                raw = parse_json(text_value(data, "statement"), "the statement")
                statement = SignedStatement(raw["kind"], raw["body"], unb64(raw["key"], "key"), unb64(raw["sig"], "sig"))
            except (ValueError, KeyError, TypeError) as error:
                raise Refused("paste the JSON printed by `coop sign` (with kind, body, key and sig)") from error
            return runtime.keys.register_own_key(request.user, statement)  # type: ignore[arg-type]

        return self._key_action(request, runtime, register)

    @post("/me/keys/{key_id:str}/revoke", guards=[auth.member], sync_to_thread=True)
    def revoke_key(self, request: Req, runtime: NamedDependency[Runtime], key_id: FromPath[str]) -> Template | Redirect:
        return self._key_action(request, runtime, lambda: runtime.keys.revoke(request.user, key_id, "revoked by its owner"))

    # -- tokens and leaving ----------------------------------------------------------------

    def _tokens_context(self, request: Req, runtime: Runtime, **extra: Any) -> dict[str, Any]:
        return {"tokens": runtime.auth.tokens(request.user), **extra}  # type: ignore[arg-type]

    @post("/me/tokens", guards=[auth.signed_in], sync_to_thread=True)
    def create_token(self, request: Req, runtime: NamedDependency[Runtime], data: Form) -> Template | Redirect:
        days = text_value(data, "days") or str(TOKEN_DAYS)
        if not days.isdigit():
            raise Refused(f"a token lasts 1 to {MAX_TOKEN_DAYS} days")
        token = runtime.auth.create_token(request.user, text_value(data, "label"), list_value(data, "scopes"), int(days))  # type: ignore[arg-type]
        if is_htmx(request):
            return page(request, "partials/tokens.html", **self._tokens_context(request, runtime, new_token=token))
        return page(request, "me.html", status_code=201, **self._keys_context(request, runtime), **self._tokens_context(request, runtime, new_token=token))

    @post("/me/tokens/{token_id:int}/revoke", guards=[auth.signed_in], sync_to_thread=True)
    def revoke_token(self, request: Req, runtime: NamedDependency[Runtime], token_id: RowId) -> Template | Redirect:
        runtime.auth.revoke_token(request.user, token_id)  # type: ignore[arg-type]
        if is_htmx(request):
            return page(request, "partials/tokens.html", **self._tokens_context(request, runtime))
        return redirect_done("/me", "The token is revoked.")

    @post("/me/leave", guards=[auth.member], sync_to_thread=True)
    def leave(self, request: Req, runtime: NamedDependency[Runtime]) -> Redirect:
        runtime.members.leave(request.user)  # type: ignore[arg-type]
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            runtime.auth.end_session(session_id)
        response = redirect_done("/", "You have left the co-op. Thank you for your work.")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
