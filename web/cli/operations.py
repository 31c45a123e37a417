"""`coop backup` and `coop restore`: a consistent snapshot of the database and key files, and its
restore into an empty data directory that refuses to roll the published log back
(coop.operations)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coop.kernel.settings import Settings
from web.cli.common import Commands


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent online snapshot of the database and the key files (coop/operations/backup.py)."""
    from coop.operations.backup import (  # start-up speed: see web.cli
        BackupError,
        take_backup,
    )

    try:
        manifest = take_backup(settings, Path(args.dest))
    except BackupError as error:
        print(f"coop: {error}", file=sys.stderr)
        return 1
    print(
        f"backup written to {args.dest}: {manifest['engine']} database at schema {manifest['schema_revision']}, "
        f"log of {manifest['log']['size']:,} entries (root {manifest['log']['root_hash']})"
    )
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """A backup into an empty data directory and database, refusing to roll the log back
    (coop/operations/restore.py)."""
    from coop.operations.backup import BackupError  # start-up speed: see web.cli
    from coop.operations.restore import restore

    try:
        report = restore(
            settings,
            Path(args.src),
            args.checkpoint,
            args.checkpoint_url,
            args.allow_rollback,
            warn=lambda text: print(text, file=sys.stderr),
        )
    except BackupError as error:
        print(f"coop: restore refused: {error}", file=sys.stderr)
        return 1
    compared = ", ".join(f"{p.source} ({p.checkpoint.size})" for p in report.compared_with) or "the snapshot's own only"
    print(f"restored {args.src}: log of {report.size:,} entries; checkpoints compared: {compared}")
    print("next: `coop log verify`, then start the service")
    return 0


def add_backup(commands: Commands) -> None:
    backup = commands.add_parser(
        "backup", help="consistent online snapshot of the database and key files, with a manifest"
    )
    backup.add_argument("dest", help="a new (or empty) directory")
    backup.set_defaults(run=cmd_backup)


def add_restore(commands: Commands) -> None:
    restore = commands.add_parser("restore", help="restore a backup into an empty data directory and database")
    restore.add_argument("src", help="a directory written by `coop backup`")
    restore.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help="a checkpoint kept elsewhere (witness, auditor): refuse if it is newer than the snapshot",
    )
    restore.add_argument(
        "--checkpoint-url",
        action="append",
        default=[],
        metavar="URL",
        help="fetch a published checkpoint (the live or a mirrored /log/checkpoint) and compare likewise",
    )
    restore.add_argument(
        "--allow-rollback",
        action="store_true",
        help="restore even if published checkpoints are newer: the log WILL fork",
    )
    restore.set_defaults(run=cmd_restore)
