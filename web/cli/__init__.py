"""The `coop` command line: set up, serve, and audit the co-op's service.

One module per group of commands, each adding its own subcommands to the parser (`add_*`), in the
order `coop --help` lists them. A command imports what it uses inside its function, for start-up
speed only: `coop --help`, `coop sign` and `coop verify` never load the database or the web stack.
None of these imports hides a cycle: nothing below `web` imports the CLI (see .importlinter).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from coop.kernel.keys import KeyFileError
from coop.kernel.settings import Settings
from web.cli import accounts, books, bundles, governance, log, operations, service, signing, withdrawals, witness


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coop", description="coop-ledger: the co-op's ledger and provenance log")
    commands = parser.add_subparsers(dest="command", required=True)
    service.add_init(commands)
    service.add_serve(commands)
    service.add_demo(commands)
    log.add_log(commands)
    accounts.add_steward(commands)
    accounts.add_member(commands)
    signing.add_key(commands)
    governance.add_governance(commands)
    books.add_books(commands)
    bundles.add_verify(commands)
    withdrawals.add_withdrawals(commands)
    operations.add_backup(commands)
    operations.add_restore(commands)
    signing.add_sign(commands)
    witness.add_witness(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.run(settings, args))
    except (KeyFileError, ValueError, PermissionError, LookupError) as error:
        print(f"coop: {error}", file=sys.stderr)
        return 2
