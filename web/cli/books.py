"""`coop books export`: the whole journal as a Beancount ledger, for the co-op's accountant."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coop.kernel.settings import Settings
from web.cli.common import Commands, opened


def cmd_books_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the whole journal as a Beancount file (check it with `bean-check`)."""
    from ledger.beancount_export import export  # start-up speed: see web.cli

    with opened(settings) as runtime:
        text = "".join(export(runtime.ledger.accounts(), runtime.ledger.transactions()))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


def add_books(commands: Commands) -> None:
    books = commands.add_parser("books", help="the money ledger").add_subparsers(dest="books_command", required=True)
    export = books.add_parser("export", help="the whole journal as a Beancount ledger")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    export.set_defaults(run=cmd_books_export)
