"""Portal pages for passwords: changing one's own, a steward issuing a reset code, and setting a new
password with that code (coop.membership.passwords)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from coop.kernel.errors import Refused
from coop.kernel.settings import Settings
from coop.membership.passwords import PasswordService
from web import auth
from web.auth import SESSION_COOKIE, SignedIn
from web.errors import USER_ERRORS, status_for
from web.portal.common import Form, Req, page, redirect_done, text_value


class PasswordPages(Controller):
    include_in_schema = False

    @get("/me/password", guards=[auth.signed_in], sync_to_thread=False)
    def change_form(self, request: Req) -> Template:
        return page(request, "password.html", errors={})

    @post("/me/password", guards=[auth.signed_in], sync_to_thread=True)
    def change(
        self, request: Req, principal: SignedIn, passwords: NamedDependency[PasswordService], data: Form
    ) -> Template | Redirect:
        current, new = text_value(data, "current_password"), text_value(data, "new_password")
        try:
            if new != text_value(data, "confirm_password"):
                raise Refused("password: the two new passwords differ")
            ended = passwords.change(principal, current, new, keep_session=request.cookies.get(SESSION_COOKIE))
        except USER_ERRORS as error:
            message = str(error)
            errors = {
                "current_password"
                if "current password" in message
                else "new_password"
                if message.startswith("password")
                else "_form": message
            }
            return page(request, "password.html", status_code=status_for(error), errors=errors)
        return redirect_done("/me", f"Your password is changed. {ended} other session(s) signed out.")

    @get("/reset-password", sync_to_thread=False)
    def reset_form(self, request: Req) -> Template:
        return page(request, "reset_password.html", errors={}, values={})

    @post("/reset-password", sync_to_thread=True)
    def reset(self, request: Req, passwords: NamedDependency[PasswordService], data: Form) -> Template:
        code, new = text_value(data, "code"), text_value(data, "new_password")
        try:
            if new != text_value(data, "confirm_password"):
                raise Refused("password: the two new passwords differ")
            done = passwords.reset(code, new)
        except USER_ERRORS as error:
            errors = {"new_password": str(error)} if str(error).startswith("password") else {"_form": str(error)}
            return page(
                request, "reset_password.html", status_code=status_for(error), errors=errors, values={"code": code}
            )
        return page(request, "reset_password.html", done=done, errors={}, values={})

    @post("/members/{account_id:str}/password-reset", guards=[auth.steward], sync_to_thread=True)
    def issue(
        self,
        request: Req,
        principal: SignedIn,
        passwords: NamedDependency[PasswordService],
        settings: NamedDependency[Settings],
        account_id: FromPath[str],
    ) -> Template:
        issued = passwords.issue_reset(principal, account_id=account_id)
        url = f"{settings.public_url.rstrip('/')}/reset-password"
        return page(request, "reset_issued.html", status_code=201, issued=issued, url=url)
