"""`coop withdrawals verify FILE`: check a license's withdrawal feed offline — no database, no network."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coop.kernel.settings import Settings
from web.cli.common import Commands


def cmd_withdrawals_verify(_settings: Settings, args: argparse.Namespace) -> int:
    """Verify a saved GET /api/licenses/{id}/withdrawals response against the co-op's key."""
    from coop.lineage.withdrawal_verify import (  # start-up speed: see web.cli
        WithdrawalsInvalid,
        verify_withdrawals,
    )

    try:
        data = Path(args.feed).read_bytes()
    except OSError as error:
        print(f"coop: cannot read {args.feed}: {error}", file=sys.stderr)
        return 2
    try:
        report = verify_withdrawals(data, trusted_key=args.key)
    except WithdrawalsInvalid as failure:
        print(f"FEED DOES NOT VERIFY: {failure}", file=sys.stderr)
        return 1
    print(
        f"withdrawal feed verified: license {report.license} (entry {report.license_entry}); "
        f"{len(report.notices)} notices; log of {report.checkpoint_size} entries"
    )
    print(
        f"co-op key: {report.key}"
        + ("" if args.key else "  (taken from the feed: compare it with the co-op's published /log/key)")
    )
    for line in report.notices:
        print(f"  {line}")
    return 0


def add_withdrawals(commands: Commands) -> None:
    withdrawals = commands.add_parser("withdrawals", help="a license's withdrawal notices").add_subparsers(
        dest="withdrawals_command", required=True
    )
    verify = withdrawals.add_parser("verify", help="verify a saved withdrawal feed offline")
    verify.add_argument("feed", help="a saved GET /api/licenses/{id}/withdrawals response")
    verify.add_argument("--key", help="the co-op's verifier key you trust (default: the one in the feed)")
    verify.set_defaults(run=cmd_withdrawals_verify)
