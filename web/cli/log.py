"""`coop log verify` and `coop log checkpoint`: audit the whole provenance log, print its head."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coop.kernel.settings import Settings
from web.cli.common import Commands, opened


def cmd_log_verify(settings: Settings, args: argparse.Namespace) -> int:
    """The log's own audit; with --books, then `coop books verify` too (one command for both)."""
    from provenance.audit import AuditFailure, audit_log  # start-up speed: see web.cli
    from web.cli.books import verify_books_of

    try:
        known = [Path(path).read_text(encoding="utf-8") for path in args.checkpoint or ()]
    except OSError as error:
        print(f"cannot read a known checkpoint: {error}", file=sys.stderr)
        return 2
    with opened(settings) as runtime:
        try:
            report = audit_log(
                runtime.engine,
                runtime.log.signer.verifier,
                settings.log_origin,
                progress=lambda n: print(f"  … {n:,} entries verified", file=sys.stderr),
                known=known,
            )
        except AuditFailure as failure:
            print(f"LOG VERIFICATION FAILED: {failure}", file=sys.stderr)
            return 1
        rate = report.entries / report.seconds if report.seconds else 0.0
        print(
            f"log verified: {report.entries:,} entries, {report.checkpoints:,} checkpoints, "
            f"{report.tile_hashes:,} tile hashes; root {report.root_hash.hex()}; "
            f"{report.seconds:.2f}s ({rate:,.0f} entries/s)"
        )
        return verify_books_of(runtime.engine) if args.books else 0


def cmd_log_checkpoint(settings: Settings, _args: argparse.Namespace) -> int:
    with opened(settings) as runtime:
        latest = runtime.log.latest_checkpoint()
    if latest is None:
        print("the log has no checkpoint yet", file=sys.stderr)
        return 1
    print(latest.note, end="")
    return 0


def add_log(commands: Commands) -> None:
    log = commands.add_parser("log", help="the provenance log").add_subparsers(dest="log_command", required=True)
    verify = log.add_parser("verify", help="audit the whole log: every signature, hash and checkpoint")
    verify.add_argument(
        "--checkpoint",
        action="append",
        metavar="FILE",
        help="a signed checkpoint kept from before (a receipt's, a witness's): the log must still contain it; "
        "shows a rollback to an earlier checkpoint (repeatable)",
    )
    verify.add_argument("--books", action="store_true", help="then reconcile the books against it (coop books verify)")
    verify.set_defaults(run=cmd_log_verify)
    log.add_parser("checkpoint", help="print the latest signed checkpoint").set_defaults(run=cmd_log_checkpoint)
