"""`coop books export`: the whole journal as a Beancount ledger, for the co-op's accountant.
`coop books verify`: every posting against the log and the business record it comes from.
`coop books commit-backlog`: at upgrade, commit the transactions posted before the books answered to it."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import Engine

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


def cmd_books_verify(settings: Settings, _args: argparse.Namespace) -> int:
    """Name every transaction that is not what the log committed or its record says (exit 1)."""
    with opened(settings) as runtime:
        return verify_books_of(runtime.engine)


def verify_books_of(engine: Engine) -> int:
    """Print the findings and a summary; 0 when the books answer to the log, 1 otherwise."""
    from coop.operations.books_audit import BooksAudit, verify_books  # start-up speed: see web.cli

    audit, started, findings = BooksAudit(), time.perf_counter(), 0
    for finding in verify_books(engine, audit):
        findings += 1
        print(f"BOOKS: {finding}", file=sys.stderr)
    seconds = time.perf_counter() - started
    summary = (
        f"{audit.transactions:,} transactions, {audit.postings:,} postings, "
        f"{audit.commitments:,} commitments in the log; {seconds:.2f}s"
    )
    if findings:
        print(f"BOOKS VERIFICATION FAILED: {findings:,} findings over {summary}", file=sys.stderr)
        return 1
    print(f"books verified: {summary}")
    return 0


def cmd_books_commit_backlog(settings: Settings, args: argparse.Namespace) -> int:
    """Commit, once, the transactions up to --through that predate the books' commitments (upgrade)."""
    from coop.operations.books_backlog import commit_backlog  # start-up speed: see web.cli

    with opened(settings) as runtime:
        done = commit_backlog(runtime.engine, runtime.log, args.through)
    where = f" in log entries {done.entries[0]}–{done.entries[-1]}" if done.entries else ""
    print(
        f"committed {done.committed:,} transaction(s) up to {args.through}{where}; "
        f"{done.already:,} were in the log already"
    )
    return 0


def add_books(commands: Commands) -> None:
    books = commands.add_parser("books", help="the money ledger").add_subparsers(dest="books_command", required=True)
    export = books.add_parser("export", help="the whole journal as a Beancount ledger")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    export.set_defaults(run=cmd_books_export)
    books.add_parser(
        "verify", help="reconcile every posting against the log and its business record; name what differs"
    ).set_defaults(run=cmd_books_verify)
    backlog = books.add_parser(
        "commit-backlog",
        help="at upgrade: commit the transactions posted before the books answered to the log "
        "(refuses them all if any disagrees with its business record)",
    )
    backlog.add_argument(
        "--through", type=int, required=True, help="the id of the last transaction to commit (the upgrade's last)"
    )
    backlog.set_defaults(run=cmd_books_commit_backlog)
