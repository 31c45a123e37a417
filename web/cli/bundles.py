"""`coop verify`: check a release or license bundle offline — no database, no network.

With `--report` it checks the license's report against the bundle too, and with `--files DIR` the
downloaded files against the license's signed, logged files manifest the bundle proves.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coop.kernel.settings import Settings
from web.cli.common import Commands


def cmd_verify(_settings: Settings, args: argparse.Namespace) -> int:
    """Verify a release or license bundle offline: no database, no network."""
    from coop.lineage.verify import (  # start-up speed: see web.cli
        BundleInvalid,
        verify_bundle,
    )
    from coop.lineage.verify_files import FilesInvalid, check_files

    try:
        data = Path(args.bundle).read_bytes()
        paperwork = Path(args.report).read_bytes() if args.report else None
        judgments = Path(args.report_judgments).read_bytes() if args.report_judgments else None
    except OSError as error:
        print(f"coop: cannot read {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    if judgments is not None and paperwork is None:
        print(
            "coop: --report-judgments checks a report's judgments file: give the report with --report", file=sys.stderr
        )
        return 2
    try:
        report = verify_bundle(data, trusted_key=args.key, report=paperwork, judgments=judgments)
    except BundleInvalid as failure:
        print(f"BUNDLE DOES NOT VERIFY: {failure}", file=sys.stderr)
        return 1
    checked_files = None
    if args.files:
        if report.files is None:
            print(
                "FILES NOT CHECKED: this bundle proves no files manifest (a release bundle, or a license "
                "bundle made before v4: download the license's bundle again)",
                file=sys.stderr,
            )
            return 1
        try:
            checked_files = check_files(report.files, Path(args.files))
        except FilesInvalid as failure:
            print(f"FILES DO NOT VERIFY: {failure}", file=sys.stderr)
            return 1
    subject = (
        f"license entry {report.license_entry} of release entry {report.release_entry}"
        if report.license_entry is not None
        else f"release entry {report.release_entry}"
    )
    print(f"bundle verified: {subject}; {report.items} items; log of {report.checkpoint_size} entries")
    print(
        f"declared use: {', '.join(report.declared_uses)}{' in ' + report.sector if report.sector else ''} "
        "— consent holds for every item"
    )
    print(
        f"co-op key: {report.key}"
        + ("" if args.key else "  (taken from the bundle: compare it with the co-op's published /log/key)")
    )
    print("fair-work attestation:")
    for line in report.attestation:
        print(f"  {line}")
    if report.report_sha256 is not None:
        print(f"license report verified: SHA-256 {report.report_sha256}, signed in the bundle and equal to the")
        if report.report_judgments:
            print("  report recomputed from the bundle's entries and its judgments file, whose SHA-256 it states")
            print("  (measured seconds, answer kinds and sizes as the co-op signed them)")
        else:
            print("  report recomputed from the bundle's entries, except the pay figures, answer kinds and sizes:")
            print("  pass its judgments file with --report-judgments to recompute those too")
    elif report.report_signed:
        print("license report: the bundle signs one; pass it with --report to check it too")
    if report.files is not None:
        print(
            f"files manifest verified: entry {report.files.entry}, signed by the co-op key and in the log; "
            f"{report.files.records} records"
        )
        for signed in checked_files or report.files.files:
            state = "matches" if checked_files else "signed"
            print(f"  {signed.name}: {state} SHA-256 {signed.sha256} ({signed.size} bytes)")
        if checked_files is None:
            print("  pass the downloaded files' directory with --files to check their bytes too")
    return 0


def add_verify(commands: Commands) -> None:
    verify = commands.add_parser("verify", help="verify a release or license bundle offline")
    verify.add_argument("bundle")
    verify.add_argument("--key", help="the co-op's verifier key you trust (default: the one in the bundle)")
    verify.add_argument("--report", help="the license's report (JSON, as served): check it against the bundle too")
    verify.add_argument(
        "--report-judgments",
        help="the report's judgments file (JSON Lines, as served): check it and recompute the pay figures from it",
    )
    verify.add_argument(
        "--files", help="the directory holding the license's downloaded files: check each one's SHA-256 too"
    )
    verify.set_defaults(run=cmd_verify)
