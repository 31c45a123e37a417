"""Membership tables. Current state (status, roles, sessions) is mutable; history is not:
key events and password attempts are insert-only, and every membership decision is a log entry."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coop.kernel.db import Base, UtcDateTime
from coop.kernel.principal import AccountKind, Role, Status

Custody = Literal["own", "custodial"]  # the member holds the private key, or the co-op keeps it sealed
KeyEventKind = Literal["registered", "rotated", "revoked"]
AttemptAction = Literal["password", "sign-up"]


class BuyerOrg(Base):
    __tablename__ = "buyer_org"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Account(Base):
    """Anyone who signs in: a member (or applicant) of the co-op, or a buyer of an organisation."""

    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random; the pseudonym used in the log
    kind: Mapped[AccountKind] = mapped_column(String(10))
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str | None] = mapped_column(ForeignKey("buyer_org.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Member(Base):
    __tablename__ = "member"
    # The stewards' directory pages through members in application order, all or by status (0008).
    __table_args__ = (
        Index("ix_member_applied_at", "applied_at"),
        Index("ix_member_status_applied_at", "status", "applied_at"),
    )

    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True)
    status: Mapped[Status] = mapped_column(String(12))
    skills: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime())
    admitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Who admitted them, as `member.admitted` logs it (a steward's id, `bootstrap`, `proposal:<id>`):
    # the payouts' two-person rule asks it (ledger.payout_rules). Set with the admission (0026).
    admitted_by: Mapped[str | None] = mapped_column(String(50), nullable=True)


class MemberRole(Base):
    """One role in one of a member's role sets. Insert-only history (migration 0029): admission is
    change 1, each role change inserts the whole new set under the next `change_no`, and a member's
    roles are those of their latest change."""

    __tablename__ = "member_role"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), primary_key=True)
    change_no: Mapped[int] = mapped_column(Integer, primary_key=True, default=1, server_default="1")
    role: Mapped[Role] = mapped_column(String(12), primary_key=True)


class MemberKey(Base):
    """A member's Ed25519 public key; custodial keys also keep the password-sealed seed."""

    __tablename__ = "member_key"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    custody: Mapped[Custody] = mapped_column(String(10))
    sealed_salt: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sealed_box: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sealed_opslimit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # argon2id cost the seal used
    sealed_memlimit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class KeyEvent(Base):
    """Insert-only history of a key: registered, rotated (with its successor), revoked."""

    __tablename__ = "key_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("member_key.key_id"), index=True)
    event: Mapped[KeyEventKind] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger)
    successor_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random id; only its hash is stored."""

    __tablename__ = "web_session"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(100))  # space-separated: read write
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class AuthAttempt(Base):
    """Insert-only record of password checks and sign-ups, the evidence the throttle decides on
    (coop.membership.throttle). A password check is recorded as a failure *before* the password is
    checked, and a success row follows when it was right: concurrent guesses all count."""

    __tablename__ = "auth_attempt"
    __table_args__ = (
        Index("ix_auth_attempt_account_at", "account", "at"),
        Index("ix_auth_attempt_address_action_at", "address", "action", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[AttemptAction] = mapped_column(String(10))
    account: Mapped[str] = mapped_column(
        String(320)
    )  # account id, or the email typed if it names none; "" for a sign-up
    address: Mapped[str] = mapped_column(String(64))  # the client address
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    succeeded: Mapped[bool] = mapped_column(Boolean)


class PasswordReset(Base):
    """A one-time, expiring password reset a steward (or the command line) issued; only its hash is kept."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    issued_by: Mapped[str] = mapped_column(String(40))  # a steward's account id, or "command line"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
