"""Portal pages for joining, signing in and out, one's own profile (/me, whose key and token panels
are web.portal.keys) and leaving."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from coop.datasets.withdrawals import WithdrawalService
from coop.kernel.errors import NotAllowed, Refused, TooManyAttempts
from coop.kernel.settings import Settings
from coop.membership.auth import AuthService
from coop.membership.keys import KeyService
from coop.membership.service import MembershipService
from coop.work.agreement import AgreementService
from coop.work.appeals import AppealService
from coop.work.member_pay import MemberPayService
from provenance.service import ProvenanceLog
from web import auth
from web.auth import SESSION_COOKIE, SignedIn
from web.errors import USER_ERRORS, retry_headers, sign_in_status, status_for
from web.portal.agreement import my_agreement_context
from web.portal.common import Form, Req, field_errors, page, redirect_done, safe_next, text_value
from web.portal.keys import keys_context, tokens_context
from web.portal.my_work import overturn_context, pay_context


class AccountPages(Controller):
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(
        self,
        request: Req,
        log: NamedDependency[ProvenanceLog],
        withdrawals: NamedDependency[WithdrawalService],
        done: FromQuery[str | None] = None,
    ) -> Template:
        user = request.scope.get("user")
        unread = sum(withdrawals.unread_counts(user).values()) if user is not None and user.is_buyer else 0
        return page(request, "home.html", log_size=log.size(), unread_withdrawals=unread, done=done)

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
        agreement: NamedDependency[AgreementService],
        member_pay: NamedDependency[MemberPayService],
        appeals: NamedDependency[AppealService],
        done: FromQuery[str | None] = None,
    ) -> Template:
        return page(
            request,
            "me.html",
            done=done,
            **keys_context(principal, keys),
            **tokens_context(principal, auth_service),
            **my_agreement_context(principal, agreement),
            **pay_context(principal, member_pay),
            **overturn_context(principal, appeals),
        )

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
