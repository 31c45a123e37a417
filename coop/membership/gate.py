"""The one gate every password check and every sign-up passes: it records the attempt in the database
and applies the throttle's rules (coop.membership.throttle), so several server processes share it.

A password check, `check_password`, runs in three steps, and the slow one is outside any transaction:
1. in a short write transaction, refuse if the account or the client address must wait; otherwise
   record the attempt as a failure (so concurrent guesses count, each one, before any is checked);
2. run the check (argon2: a password hash, or opening a sealed key) with no transaction open;
3. if the password was right, record a success, which clears what the throttle's rules say it clears.
Checks and their records are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a table lock held for
the few milliseconds of step 1 or 3), so no two requests both see "may try" for the last allowed try.

Within one server process, the three steps of one account's checks also take turns (`_one_at_a_time`):
otherwise a member's own simultaneous requests with the right password (a script creating tokens,
several tabs submitting) would each see the others' not-yet-checked attempts as failures and be
told to wait. The lock decides nothing — the database still does — it only orders the checks; across
processes, at most one check per process is in flight for an account.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Engine, select, text
from sqlalchemy.orm import Session

from coop.kernel.db import is_postgresql, utcnow, write_session
from coop.kernel.errors import TooManyAttempts
from coop.membership.models import AuthAttempt
from coop.membership.throttle import ACCOUNT, ADDRESS, SIGN_UP, Attempt, password_wait, wait

T = TypeVar("T")
PASSWORD, SIGN_UP_ACTION = "password", "sign-up"


class Gate:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow, sign_ups_per_day: int = SIGN_UP.free):
        self.engine = engine
        self.clock = clock
        self.sign_up_rule = dataclasses.replace(SIGN_UP, free=sign_ups_per_day)
        self._turns: dict[str, tuple[threading.Lock, int]] = {}  # account → (its lock, requests holding or awaiting it)
        self._turns_guard = threading.Lock()

    def check_password(self, account: str, address: str, check: Callable[[], T]) -> T:
        """Run `check` (which raises WrongPassword on a wrong password) under the throttle for this
        account (an account id, or the email typed when it names no account) and client address."""
        with self._one_at_a_time(account):
            return self._check_password(account, _address(address), check)

    def _check_password(self, account: str, address: str, check: Callable[[], T]) -> T:
        with _locked(self.engine) as session:
            now = self.clock()
            on_account = self._attempts(session, AuthAttempt.account == account, now - ACCOUNT.window)
            from_address = self._attempts(session, AuthAttempt.address == address, now - ADDRESS.window)
            _refuse(password_wait(on_account, from_address, now), "too many wrong passwords")
            session.add(AuthAttempt(action=PASSWORD, account=account, address=address, at=now, succeeded=False))
        result = check()  # WrongPassword propagates: the failure is already recorded
        with _locked(self.engine) as session:
            session.add(AuthAttempt(action=PASSWORD, account=account, address=address, at=self.clock(), succeeded=True))
        return result

    def admit_sign_up(self, address: str) -> None:
        """Count a sign-up from this client address, or refuse it if the address must wait."""
        address = _address(address)
        with _locked(self.engine) as session:
            now = self.clock()
            earlier = session.scalars(
                select(AuthAttempt.at)
                .where(
                    AuthAttempt.address == address,
                    AuthAttempt.action == SIGN_UP_ACTION,
                    AuthAttempt.at > now - self.sign_up_rule.window,
                )
                .order_by(AuthAttempt.id)
            ).all()
            _refuse(wait(list(earlier), now, self.sign_up_rule), "too many sign-ups from your network")
            session.add(AuthAttempt(action=SIGN_UP_ACTION, account="", address=address, at=now, succeeded=True))

    @contextmanager
    def _one_at_a_time(self, account: str) -> Iterator[None]:
        """This process's checks on `account` take turns; the entry is dropped when nobody waits."""
        with self._turns_guard:
            lock, users = self._turns.get(account, (threading.Lock(), 0))
            self._turns[account] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._turns_guard:
                lock, users = self._turns[account]
                if users == 1:
                    del self._turns[account]
                else:
                    self._turns[account] = (lock, users - 1)

    @staticmethod
    def _attempts(session: Session, where: ColumnElement[bool], since: datetime) -> list[Attempt]:
        rows = session.execute(
            select(AuthAttempt.at, AuthAttempt.account, AuthAttempt.address, AuthAttempt.succeeded)
            .where(where, AuthAttempt.action == PASSWORD, AuthAttempt.at > since)
            .order_by(AuthAttempt.id)
        ).all()
        return [Attempt(*row) for row in rows]


@contextmanager
def _locked(engine: Engine) -> Iterator[Session]:
    """A write transaction that holds the throttle's lock until it commits."""
    with write_session(engine) as session, session.begin():
        if is_postgresql(engine):
            session.execute(text("LOCK TABLE auth_attempt IN SHARE ROW EXCLUSIVE MODE"))
        yield session


def _address(address: str) -> str:
    return (address or "unknown")[:64]


def _refuse(delay: timedelta | None, why: str) -> None:
    if delay is not None:
        seconds = max(1, math.ceil(delay.total_seconds()))
        when = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
        raise TooManyAttempts(f"{why}; try again in {when}", seconds)
