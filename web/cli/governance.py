"""`coop governance recount` and `coop governance close-due`: votes, checked from the log alone or
closed when their period is over."""

from __future__ import annotations

import argparse
import sys

from coop.kernel.settings import Settings
from web.cli.common import Commands, opened


def _eligible_file(path: str) -> list[str]:
    """An eligible list saved from GET /api/proposals/{id}/eligible (the object, or just its list)."""
    import json

    from governance.recount import RecountError

    try:
        with open(path, encoding="utf-8") as file:
            given = json.load(file)
    except (OSError, ValueError) as error:
        raise RecountError(f"cannot read the eligible list {path}: {error}") from error
    members = given.get("eligible") if isinstance(given, dict) else given
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise RecountError(f"{path} is not a list of member ids")
    return members


def cmd_governance_recount(settings: Settings, args: argparse.Namespace) -> int:
    """Recount a vote from the log alone and compare it with the logged result."""
    import json

    from coop.kernel.errors import NotFound
    from governance.recount import RecountError, recount_log
    from web.runtime import build_runtime

    if args.source:  # over HTTP, from the public log: no database
        from urllib.error import URLError

        from web.cli.recount_remote import http_fetch, replay

        try:
            given = _eligible_file(args.eligible) if args.eligible else None
            result = replay(http_fetch(args.source), args.proposal, given, args.log_key)
        except (RecountError, URLError, ValueError, KeyError) as error:
            print(f"coop: {error}", file=sys.stderr)
            return 2
    else:
        runtime = build_runtime(settings)
        try:
            eligible = _eligible_file(args.eligible) if args.eligible else runtime.governance.eligible(args.proposal)
            result = recount_log(runtime.log, args.proposal, eligible)
        except (RecountError, NotFound) as error:
            print(f"coop: {error}", file=sys.stderr)
            return 2
        finally:
            runtime.close()
    print(json.dumps(result.computed, indent=2, ensure_ascii=False))
    for left_out in result.ignored:
        print(f"left out of the count: entry {left_out['entry']}: {left_out['reason']}", file=sys.stderr)
    if result.logged is None:
        print("the vote has not closed yet: this is the count so far", file=sys.stderr)
        return 0
    if not result.matches:
        print("RECOUNT DIFFERS FROM THE LOGGED RESULT", file=sys.stderr)
        return 1
    print(f"recount matches the logged result: {result.computed['outcome']}", file=sys.stderr)
    return 0


def cmd_governance_close_due(settings: Settings, _args: argparse.Namespace) -> int:
    with opened(settings) as runtime:
        closed = runtime.governance.close_due()
    print(f"closed {len(closed)} proposal(s){': ' + ', '.join(closed) if closed else ''}")
    return 0


def add_governance(commands: Commands) -> None:
    governance = commands.add_parser("governance", help="votes").add_subparsers(
        dest="governance_command", required=True
    )
    recount = governance.add_parser("recount", help="recount a vote from the provenance log alone")
    recount.add_argument("proposal")
    recount.add_argument(
        "--eligible",
        help="a JSON file of the eligible member ids (checked against the logged root); default: the database's",
    )
    recount.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="replay the public log of the co-op at URL over HTTP (checked against its signed checkpoint); no database",
    )
    recount.add_argument("--log-key", help="with --from: the log's verifier key to trust, instead of URL/log/key")
    recount.set_defaults(run=cmd_governance_recount)
    governance.add_parser("close-due", help="close every proposal whose voting period is over").set_defaults(
        run=cmd_governance_close_due
    )
