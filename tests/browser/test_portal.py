"""The portal as people use it, in a real browser against `coop serve` (SQLite and PostgreSQL).

Each test reads as one behaviour of the portal; see conftest.py for how the service and the
browser are started, and portal.py for the steps people take.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import LOG_ORIGIN, STEWARD_EMAIL, STEWARD_NAME, STEWARD_PASSWORD, require_playwright

require_playwright()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.portal import apply_to_join, expect_signed_out, main_nav, newcomer, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]


# -- joining ----------------------------------------------------------------------------------------


def test_a_newcomer_applies_is_admitted_by_a_steward_and_sets_up_a_password_sealed_key(coop_server, new_page):
    nia = newcomer("Nia")
    applicant = new_page(coop_server)
    apply_to_join(applicant, nia)

    steward = new_page(coop_server)
    sign_in(steward, STEWARD_EMAIL, STEWARD_PASSWORD)
    steward.goto("/members")
    row = steward.get_by_role("row").filter(has_text=nia.email)
    expect(row.get_by_test_id("member-status")).to_have_text("applicant")
    row.get_by_role("button", name=f"Admit {nia.name}").click()
    expect(row.get_by_test_id("member-status")).to_have_text("member")
    expect(row.get_by_role("button", name="Save roles")).to_be_visible()
    expect(steward).to_have_url(f"{coop_server.url}/members")  # the row was swapped in place by htmx

    sign_in(applicant, nia.email, nia.password)
    expect(applicant).to_have_url(f"{coop_server.url}/me")
    expect(applicant.get_by_test_id("status")).to_have_text("member")
    keys = applicant.locator("#keys")
    expect(keys.get_by_role("heading", name="Let the co-op keep a key, sealed with my password")).to_be_visible()
    keys.get_by_label("Your password").fill(nia.password)
    keys.get_by_role("button", name="Create my password-sealed key").click()
    key_row = keys.get_by_role("row").filter(has_text="co-op (password)")
    expect(key_row).to_contain_text("active")
    expect(keys.get_by_role("status")).to_contain_text("is active")

    applicant.get_by_role("button", name=f"Sign out ({nia.name})").click()
    expect(applicant.get_by_role("status")).to_contain_text("You are signed out.")
    expect_signed_out(applicant)

    sign_in(applicant, nia.email, nia.password)
    expect(applicant.get_by_test_id("status")).to_have_text("member")
    expect(applicant.locator("#keys").get_by_role("row").filter(has_text="co-op (password)")).to_contain_text("active")


# -- signing in -------------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_with_a_message_next_to_the_form(coop_server, new_page):
    page = new_page(coop_server)
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(STEWARD_EMAIL)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 401

    form = page.locator("form[action='/login']")
    expect(form.get_by_role("alert")).to_have_text("wrong email or password")
    expect(page.get_by_label("Email", exact=True)).to_have_value(STEWARD_EMAIL)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect_signed_out(page)
    page.goto("/me")
    expect(page).to_have_url(re.compile(r"/login\?next=/me"))
    expect(page.get_by_role("alert")).to_have_text("sign in first")


def test_an_idle_session_expires_and_sends_the_user_to_sign_in_again(start_coop_server, new_page):
    idle_seconds = 60
    server = start_coop_server(movable_clock=True, COOP_SESSION_IDLE=str(idle_seconds))
    page = new_page(server)
    sign_in(page, STEWARD_EMAIL, STEWARD_PASSWORD)
    expect(page.get_by_role("heading", name=STEWARD_NAME)).to_be_visible()

    server.move_clock_past(
        datetime.now(UTC) + timedelta(seconds=idle_seconds)
    )  # the server's clock passes the idle limit
    page.goto("/me")

    expect(page).to_have_url(re.compile(r"/login\?next=/me"))
    expect(page.get_by_role("alert")).to_have_text("your session has expired; sign in again")
    expect_signed_out(page)
    sign_in(page, STEWARD_EMAIL, STEWARD_PASSWORD)
    expect(page).to_have_url(f"{server.url}/me")  # back where they were going


# -- CSRF -------------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_creates_nothing(coop_server, new_page):
    ana = newcomer("Ana")
    page = new_page(coop_server)
    apply_to_join(page, ana)
    sign_in(page, ana.email, ana.password)
    page.goto("/me")
    expect(page.locator("#tokens-panel")).to_contain_text("No tokens.")

    answer = page.request.post(f"{coop_server.url}/me/tokens", form={"label": "forged-token", "scopes": "read"})

    assert answer.status == 403
    assert "CSRF check failed" in answer.text()
    assert "forged-token" not in answer.text()
    page.reload()
    expect(page.locator("#tokens-panel")).to_contain_text("No tokens.")
    expect(page.locator("#tokens-panel")).not_to_contain_text("forged-token")


def test_a_form_stripped_of_its_csrf_token_is_refused_and_changes_nothing(coop_server, new_page):
    page = new_page(coop_server)
    sign_in(page, STEWARD_EMAIL, STEWARD_PASSWORD)
    removed = page.evaluate(
        """() => { const inputs = document.querySelectorAll("form[action='/logout'] input[name='_csrf_token']");
                   inputs.forEach(i => i.remove()); return inputs.length; }"""
    )
    assert removed == 1

    with page.expect_response(lambda r: r.url.endswith("/logout")) as answer:
        page.get_by_role("button", name=f"Sign out ({STEWARD_NAME})").click()

    assert answer.value.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("CSRF check failed")
    expect(page.get_by_role("alert")).to_contain_text("nothing was changed")
    page.goto("/me")  # still signed in: the sign-out did not happen
    expect(page).to_have_url(f"{coop_server.url}/me")
    expect(page.get_by_role("heading", name=STEWARD_NAME)).to_be_visible()


# -- buyers -----------------------------------------------------------------------------------------


def test_a_buyer_registers_signs_in_sees_their_organisation_and_is_kept_out_of_the_member_directory(
    coop_server, new_page
):
    buyer = newcomer("Bo")
    organisation = f"Acme Labs {buyer.email.split('@')[0]}"
    page = new_page(coop_server)
    page.goto("/buyers/register")
    page.get_by_label("Organisation").fill(organisation)
    page.get_by_label("Your name").fill(buyer.name)
    page.get_by_label("Work email").fill(buyer.email)
    page.get_by_label("Password", exact=True).fill(buyer.password)
    page.get_by_role("button", name="Create buyer account").click()
    expect(page).to_have_url(re.compile(r"/login\?done="))
    expect(page.get_by_role("status")).to_contain_text("Your buyer account is ready: sign in.")

    sign_in(page, buyer.email, buyer.password)
    expect(main_nav(page).get_by_role("link", name=organisation)).to_be_visible()
    expect(main_nav(page).get_by_role("link", name="Members")).to_have_count(0)

    answer = page.goto("/members")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("only stewards may do this")


# -- the public log ---------------------------------------------------------------------------------


def test_the_public_log_shows_the_checkpoint_and_verifies_an_entry_in_place(coop_server, new_page):
    page = new_page(coop_server)
    page.goto("/public-log")
    checkpoint = page.get_by_test_id("checkpoint")
    expect(checkpoint).to_contain_text(LOG_ORIGIN)
    expect(checkpoint).to_contain_text(f"— {LOG_ORIGIN} ")

    page.get_by_label("Entry index").fill("0")
    with page.expect_response(lambda r: "/public-log/entry" in r.url) as answer:
        page.get_by_role("button", name="Show entry and proof").click()
    assert answer.value.request.headers.get("hx-request") == "true"

    expect(page.get_by_test_id("verification")).to_contain_text("✔ included")
    expect(page.get_by_role("heading", name=re.compile(r"^Entry 0"))).to_be_visible()
    expect(page).to_have_url(f"{coop_server.url}/public-log")  # swapped into the page, no navigation


def test_the_entry_form_works_without_javascript(coop_server, new_page):
    page = new_page(coop_server, java_script_enabled=False)
    page.goto("/public-log")
    expect(page.get_by_test_id("checkpoint")).to_contain_text(LOG_ORIGIN)
    page.get_by_label("Entry index").fill("0")
    page.get_by_role("button", name="Show entry and proof").click()

    expect(page).to_have_url(re.compile(r"/public-log/entry\?index=0$"))
    expect(page.get_by_test_id("checkpoint")).to_contain_text(LOG_ORIGIN)
    expect(page.get_by_test_id("verification")).to_contain_text("✔ included")


def test_a_link_to_an_entry_shows_it_verified_without_javascript(coop_server, new_page):
    page = new_page(coop_server, java_script_enabled=False)
    page.goto("/public-log?index=0")
    expect(page.get_by_role("heading", name=re.compile(r"^Entry 0"))).to_be_visible()
    expect(page.get_by_test_id("entry-json")).to_contain_text('"kind"')
    expect(page.get_by_test_id("verification")).to_contain_text("✔ included")
    expect(page.get_by_label("Entry index")).to_have_value("0")


# -- the content security policy ----------------------------------------------------------------------


PUBLIC_PAGES = ("/", "/apply", "/buyers/register", "/login", "/public-log", "/public-log?index=0")
STEWARD_PAGES = ("/", "/me", "/members", "/public-log")


def test_every_page_runs_htmx_from_its_own_origin_under_the_content_security_policy(
    coop_server, new_page, page_problems
):
    page = new_page(coop_server)

    def visit(path: str) -> None:
        answer = page.goto(path)
        assert answer is not None and answer.ok, f"{path}: {answer.status if answer else 'no answer'}"
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        page.wait_for_function("() => typeof window.htmx === 'object'")  # /static/htmx.min.js ran

    for path in PUBLIC_PAGES:
        visit(path)
    sign_in(page, STEWARD_EMAIL, STEWARD_PASSWORD)
    for path in STEWARD_PAGES:
        visit(path)
    assert page_problems.csp_violations == []
