"""What a person does in the portal, step by step, written once for the browser tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from playwright.sync_api import Page, expect


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    password: str


def newcomer(first_name: str) -> Person:
    """A person with a unique email, so tests sharing one service never meet each other's accounts."""
    tag = uuid.uuid4().hex[:8]
    return Person(f"{first_name} Newcomer", f"{first_name.lower()}-{tag}@x.test", f"{first_name.lower()}-pass-{tag}")


def apply_to_join(page: Page, person: Person, skills: str = "clinical medicine", region: str = "EU") -> None:
    page.goto("/apply")
    page.get_by_label("Your name").fill(person.name)
    page.get_by_label("Email", exact=True).fill(person.email)
    page.get_by_label("Password", exact=True).fill(person.password)
    page.get_by_label("Skills and expertise").fill(skills)
    page.get_by_label("Region").fill(region)
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name=f"Thank you, {person.name}")).to_be_visible()


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in from the sign-in page (whatever `next` it carries) and wait to land signed in."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def expect_signed_out(page: Page) -> None:
    expect(main_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
