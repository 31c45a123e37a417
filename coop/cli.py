"""The `coop` command line: set up, serve, and audit the co-op's service."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from coop.keys import KeyFileError, load_or_create_signing_key
from coop.settings import Settings


def cmd_init(settings: Settings, _args: argparse.Namespace) -> int:
    from coop.db import make_engine
    from coop.migrate import upgrade
    from provenance.core.note import NoteSigner

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    key, created = load_or_create_signing_key(settings.key_file)
    print(f"database ready: {settings.database_url}")
    print(f"{'created' if created else 'using'} co-op log key {settings.key_file} (mode 0600)")
    print(f"verifier key: {NoteSigner(settings.log_origin, key).verifier.encode()}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    uvicorn.run(create_app(settings), host=args.host or settings.host, port=args.port or settings.port, log_level="info")
    return 0


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    from coop.demo import seed_demo
    from coop.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        print(seed_demo(runtime))
    finally:
        runtime.close()
    return 0


def cmd_log_verify(settings: Settings, _args: argparse.Namespace) -> int:
    from coop.runtime import build_runtime
    from provenance.audit import AuditFailure, audit_log

    runtime = build_runtime(settings)
    try:
        report = audit_log(
            runtime.engine,
            runtime.log.signer.verifier,
            settings.log_origin,
            progress=lambda n: print(f"  … {n:,} entries verified", file=sys.stderr),
        )
    except AuditFailure as failure:
        print(f"LOG VERIFICATION FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    rate = report.entries / report.seconds if report.seconds else 0.0
    print(
        f"log verified: {report.entries:,} entries, {report.checkpoints:,} checkpoints, "
        f"{report.tile_hashes:,} tile hashes; root {report.root_hash.hex()}; "
        f"{report.seconds:.2f}s ({rate:,.0f} entries/s)"
    )
    return 0


def cmd_log_checkpoint(settings: Settings, _args: argparse.Namespace) -> int:
    from coop.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        latest = runtime.log.latest_checkpoint()
    finally:
        runtime.close()
    if latest is None:
        print("the log has no checkpoint yet", file=sys.stderr)
        return 1
    print(latest.note, end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coop", description="coop-ledger: the co-op's ledger and provenance log")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create or upgrade the database; create the co-op log key if none").set_defaults(run=cmd_init)
    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=cmd_serve)
    commands.add_parser("demo", help="seed believable demo data (idempotent)").set_defaults(run=cmd_demo)
    log = commands.add_parser("log", help="the provenance log").add_subparsers(dest="log_command", required=True)
    log.add_parser("verify", help="audit the whole log: every signature, hash and checkpoint").set_defaults(run=cmd_log_verify)
    log.add_parser("checkpoint", help="print the latest signed checkpoint").set_defaults(run=cmd_log_checkpoint)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.run(settings, args))
    except (KeyFileError, ValueError) as error:
        print(f"coop: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
