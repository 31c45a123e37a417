"""`coop key new` and `coop sign`: a member's own key, kept and used on their own machine (the
private key never reaches the co-op). Neither needs the database."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coop.kernel.keys import create_signing_key, load_signing_key
from coop.kernel.settings import Settings
from web.cli.common import Commands


def cmd_key_new(_settings: Settings, args: argparse.Namespace) -> int:
    from provenance.core.signing import b64, key_id  # start-up speed: see web.cli

    key = create_signing_key(Path(args.out))
    public = bytes(key.verify_key)
    print(f"created {args.out} (mode 0600)\npublic key: {b64(public)}\nkey id: {key_id(public)}")
    return 0


def cmd_sign(_settings: Settings, args: argparse.Namespace) -> int:
    """Sign a statement on the member's own machine: the private key never leaves it."""
    from provenance.core.canonical import (
        NotCanonicalizable,  # start-up speed: see web.cli
    )
    from provenance.core.signing import InvalidStatement, b64, sign_statement

    text = args.body if args.body is not None else Path(args.body_file).read_text()
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        print(f"coop: the statement body is not JSON: {error}", file=sys.stderr)
        return 2
    if not isinstance(body, dict):
        print("coop: the statement body must be a JSON object", file=sys.stderr)
        return 2
    try:
        statement = sign_statement(load_signing_key(Path(args.key)), args.kind, body)
    except (InvalidStatement, NotCanonicalizable) as error:
        print(f"coop: {error}", file=sys.stderr)
        return 2
    print(
        json.dumps(
            {"kind": statement.kind, "body": body, "key": b64(statement.public_key), "sig": b64(statement.signature)}
        )
    )
    return 0


def add_key(commands: Commands) -> None:
    key = commands.add_parser("key", help="member keys held on your own machine").add_subparsers(
        dest="key_command", required=True
    )
    new = key.add_parser("new", help="create an Ed25519 key file (mode 0600)")
    new.add_argument("--out", required=True)
    new.set_defaults(run=cmd_key_new)


def add_sign(commands: Commands) -> None:
    sign = commands.add_parser("sign", help="sign a statement with a key file; prints the signed statement as JSON")
    sign.add_argument("--key", required=True, help="key file from `coop key new`")
    sign.add_argument("--kind", required=True, help="statement kind, e.g. member.key-registration")
    body = sign.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the statement body as JSON")
    body.add_argument("--body-file", help="a file holding the statement body as JSON")
    sign.set_defaults(run=cmd_sign)
