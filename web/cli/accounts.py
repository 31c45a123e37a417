"""`coop steward create` and `coop member reset-password`: what the operator does for people's
accounts from the command line (bootstrapping stewards; reset codes, as there is no email)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from coop.kernel.settings import Settings
from web.cli.common import Commands, opened


def cmd_steward_create(settings: Settings, args: argparse.Namespace) -> int:
    password = os.environ.get(args.password_env) if args.password_env else getpass.getpass("New steward's password: ")
    if not password:
        print(f"coop: no password (set {args.password_env})", file=sys.stderr)
        return 2
    with opened(settings) as runtime:
        account_id = runtime.members.create_steward(args.name, args.email, password)
    print(f"steward {args.email} created (member id {account_id})")
    return 0


def cmd_member_reset_password(settings: Settings, args: argparse.Namespace) -> int:
    """Issue a one-time password reset code for an account (there is no email to send it by)."""
    with opened(settings) as runtime:
        issued = runtime.passwords.issue_reset(None, email=args.email)
    print(f"reset code (shown once, expires {issued.expires_at:%Y-%m-%d %H:%M} UTC): {issued.code}")
    print(f"the member opens {settings.public_url.rstrip('/')}/reset-password and types it with a new password;")
    print("a signing key the co-op keeps for them is revoked then (it was sealed under the old password)")
    return 0


def add_steward(commands: Commands) -> None:
    steward = commands.add_parser("steward", help="bootstrap stewards").add_subparsers(
        dest="steward_command", required=True
    )
    create = steward.add_parser("create", help="create an admitted member with the steward role")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password-env", help="read the password from this environment variable instead of prompting")
    create.set_defaults(run=cmd_steward_create)


def add_member(commands: Commands) -> None:
    member = commands.add_parser("member", help="members' accounts").add_subparsers(
        dest="member_command", required=True
    )
    reset = member.add_parser("reset-password", help="issue a one-time password reset code for an account")
    reset.add_argument("--email", required=True)
    reset.set_defaults(run=cmd_member_reset_password)
