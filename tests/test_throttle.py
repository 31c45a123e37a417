"""The throttle's rules, as pure functions: back-off per account and per client address, sign-ups."""

from datetime import UTC, datetime, timedelta

from coop.membership.throttle import (
    ACCOUNT,
    ADDRESS,
    SIGN_UP,
    Attempt,
    account_failures,
    address_failures,
    password_wait,
    wait,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def ago(seconds):
    return NOW - timedelta(seconds=seconds)


def failures(count, account="a", address="1.2.3.4", start=600):
    return [Attempt(ago(start - i), account, address, False) for i in range(count)]


def test_no_wait_within_the_free_allowance():
    assert wait([ago(10)] * (ACCOUNT.free - 1), NOW, ACCOUNT) is None


def test_the_wait_starts_at_the_free_allowance_and_runs_from_the_last_event():
    assert wait([ago(10)] * ACCOUNT.free, NOW, ACCOUNT) == ACCOUNT.first_delay - timedelta(seconds=10)


def test_each_further_event_doubles_the_wait_up_to_the_cap():
    assert wait([NOW] * (ACCOUNT.free + 1), NOW, ACCOUNT) == ACCOUNT.first_delay * 2
    assert wait([NOW] * (ACCOUNT.free + 3), NOW, ACCOUNT) == ACCOUNT.first_delay * 8
    assert wait([NOW] * (ACCOUNT.free + 60), NOW, ACCOUNT) == ACCOUNT.max_delay


def test_the_wait_ends_and_old_events_are_forgotten():
    assert wait([ago(ACCOUNT.first_delay.total_seconds() + 1)] * ACCOUNT.free, NOW, ACCOUNT) is None
    old = ago(ACCOUNT.window.total_seconds() + 1)
    assert wait([old] * 50 + [NOW], NOW, ACCOUNT) is None


def test_a_success_on_the_account_clears_its_failures():
    attempts = failures(7) + [Attempt(ago(1), "a", "5.6.7.8", True)]
    assert account_failures(attempts) == []
    assert len(account_failures(attempts + failures(2, start=0))) == 2


def test_a_success_on_one_account_does_not_clear_the_address_failures_on_others():
    guesses = [a for n in range(20) for a in failures(3, account=f"victim{n}")]
    own = Attempt(ago(1), "mine", "1.2.3.4", True)
    assert len(address_failures(guesses + [own])) == 60
    assert password_wait([own], guesses + [own], NOW) is not None


def test_a_success_clears_the_address_failures_on_that_same_account_only():
    typo = failures(2, account="me") + [Attempt(ago(1), "me", "1.2.3.4", True)]
    assert address_failures(typo) == []
    assert len(address_failures(failures(4, account="other") + typo)) == 4


def test_the_address_allowance_is_larger_than_the_account_one():
    spread = [a for n in range(ADDRESS.free - 1) for a in failures(1, account=f"acct{n}")]
    assert password_wait([], spread, NOW) is None
    assert password_wait([], spread + failures(1, account="one-more", start=0), NOW) is not None


def test_sign_ups_count_every_event():
    assert wait([ago(30)] * (SIGN_UP.free - 1), NOW, SIGN_UP) is None
    assert wait([ago(30)] * SIGN_UP.free, NOW, SIGN_UP) == SIGN_UP.first_delay - timedelta(seconds=30)
