"""The `coop` command line: set up, serve, and audit the co-op's service."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from coop.kernel.keys import KeyFileError, load_or_create_app_secret, load_or_create_signing_key
from coop.kernel.settings import Settings


def cmd_init(settings: Settings, _args: argparse.Namespace) -> int:
    from coop.kernel.db import make_engine
    from migrations.schema import upgrade
    from provenance.core.note import NoteSigner

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    key, created = load_or_create_signing_key(settings.key_file)
    load_or_create_app_secret(settings.secret_file)
    from web.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        seeded = runtime.policies.seed_defaults()
        acknowledged = runtime.keys.acknowledge_earlier_keys()
    finally:
        runtime.close()
    if acknowledged:
        print(f"acknowledged {acknowledged} member keys registered before the co-op acknowledged keys in the log")
    if seeded:
        print(f"seeded version 1 of {len(seeded)} policies: {', '.join(p.name for p in seeded)}")
    print(f"database ready: {settings.database_url}")
    print(f"{'created' if created else 'using'} co-op log key {settings.key_file} (mode 0600)")
    print(f"verifier key: {NoteSigner(settings.log_origin, key).verifier.encode()}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from web.serve import serve

    return serve(settings, args.host or settings.host, args.port or settings.port, args.workers)


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    from web.demo import seed_demo
    from web.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        print(seed_demo(runtime))
    finally:
        runtime.close()
    return 0


def cmd_log_verify(settings: Settings, _args: argparse.Namespace) -> int:
    from web.runtime import build_runtime
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
    from web.runtime import build_runtime

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


def cmd_steward_create(settings: Settings, args: argparse.Namespace) -> int:
    import getpass
    import os

    from web.runtime import build_runtime

    password = os.environ.get(args.password_env) if args.password_env else getpass.getpass("New steward's password: ")
    if not password:
        print(f"coop: no password (set {args.password_env})", file=sys.stderr)
        return 2
    runtime = build_runtime(settings)
    try:
        account_id = runtime.members.create_steward(args.name, args.email, password)
    finally:
        runtime.close()
    print(f"steward {args.email} created (member id {account_id})")
    return 0


def cmd_member_reset_password(settings: Settings, args: argparse.Namespace) -> int:
    """Issue a one-time password reset code for an account (there is no email to send it by)."""
    from web.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        issued = runtime.passwords.issue_reset(None, email=args.email)
    finally:
        runtime.close()
    print(f"reset code (shown once, expires {issued.expires_at:%Y-%m-%d %H:%M} UTC): {issued.code}")
    print(f"the member opens {settings.public_url.rstrip('/')}/reset-password and types it with a new password;")
    print("a signing key the co-op keeps for them is revoked then (it was sealed under the old password)")
    return 0


def cmd_key_new(_settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from coop.kernel.keys import create_signing_key
    from provenance.core.signing import b64, key_id

    key = create_signing_key(Path(args.out))
    public = bytes(key.verify_key)
    print(f"created {args.out} (mode 0600)\npublic key: {b64(public)}\nkey id: {key_id(public)}")
    return 0


def cmd_sign(_settings: Settings, args: argparse.Namespace) -> int:
    """Sign a statement on the member's own machine: the private key never leaves it."""
    import json
    from pathlib import Path

    from coop.kernel.keys import load_signing_key
    from provenance.core.canonical import NotCanonicalizable
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
    print(json.dumps({"kind": statement.kind, "body": body, "key": b64(statement.public_key), "sig": b64(statement.signature)}))
    return 0


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

    from web.runtime import build_runtime
    from coop.kernel.errors import NotFound
    from governance.recount import RecountError, recount_log

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
    from web.runtime import build_runtime

    runtime = build_runtime(settings)
    try:
        closed = runtime.governance.close_due()
    finally:
        runtime.close()
    print(f"closed {len(closed)} proposal(s){': ' + ', '.join(closed) if closed else ''}")
    return 0


def cmd_books_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the whole journal as a Beancount file (check it with `bean-check`)."""
    from pathlib import Path

    from web.runtime import build_runtime
    from ledger.beancount_export import export

    runtime = build_runtime(settings)
    try:
        text = "".join(export(runtime.ledger.accounts(), runtime.ledger.transactions()))
    finally:
        runtime.close()
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


def cmd_verify(_settings: Settings, args: argparse.Namespace) -> int:
    """Verify a release or license bundle offline: no database, no network."""
    from pathlib import Path

    from coop.lineage.verify import BundleInvalid, verify_bundle

    try:
        data = Path(args.bundle).read_bytes()
    except OSError as error:
        print(f"coop: cannot read {args.bundle}: {error}", file=sys.stderr)
        return 2
    try:
        report = verify_bundle(data, trusted_key=args.key)
    except BundleInvalid as failure:
        print(f"BUNDLE DOES NOT VERIFY: {failure}", file=sys.stderr)
        return 1
    subject = f"license entry {report.license_entry} of release entry {report.release_entry}" if report.license_entry is not None else f"release entry {report.release_entry}"
    print(f"bundle verified: {subject}; {report.items} items; log of {report.checkpoint_size} entries")
    print(f"declared use: {', '.join(report.declared_uses)}{' in ' + report.sector if report.sector else ''} — consent holds for every item")
    print(f"co-op key: {report.key}" + ("" if args.key else "  (taken from the bundle: compare it with the co-op's published /log/key)"))
    print("fair-work attestation:")
    for line in report.attestation:
        print(f"  {line}")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent online snapshot of the database and the key files (coop/backup.py)."""
    from pathlib import Path

    from coop.operations.backup import BackupError, take_backup

    try:
        manifest = take_backup(settings, Path(args.dest))
    except BackupError as error:
        print(f"coop: {error}", file=sys.stderr)
        return 1
    print(f"backup written to {args.dest}: {manifest['engine']} database at schema {manifest['schema_revision']}, "
          f"log of {manifest['log']['size']:,} entries (root {manifest['log']['root_hash']})")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """A backup into an empty data directory and database, refusing to roll the log back (coop/restore.py)."""
    from pathlib import Path

    from coop.operations.backup import BackupError
    from coop.operations.restore import restore

    try:
        report = restore(settings, Path(args.src), args.checkpoint, args.checkpoint_url, args.allow_rollback,
                         warn=lambda text: print(text, file=sys.stderr))
    except BackupError as error:
        print(f"coop: restore refused: {error}", file=sys.stderr)
        return 1
    compared = ", ".join(f"{p.source} ({p.checkpoint.size})" for p in report.compared_with) or "the snapshot's own only"
    print(f"restored {args.src}: log of {report.size:,} entries; checkpoints compared: {compared}")
    print("next: `coop log verify`, then start the service")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coop", description="coop-ledger: the co-op's ledger and provenance log")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create or upgrade the database; create the co-op log key if none").set_defaults(run=cmd_init)
    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="server processes sharing the port (default 1)")
    serve.set_defaults(run=cmd_serve)
    commands.add_parser("demo", help="seed believable demo data (idempotent)").set_defaults(run=cmd_demo)
    log = commands.add_parser("log", help="the provenance log").add_subparsers(dest="log_command", required=True)
    log.add_parser("verify", help="audit the whole log: every signature, hash and checkpoint").set_defaults(run=cmd_log_verify)
    log.add_parser("checkpoint", help="print the latest signed checkpoint").set_defaults(run=cmd_log_checkpoint)
    steward = commands.add_parser("steward", help="bootstrap stewards").add_subparsers(dest="steward_command", required=True)
    create = steward.add_parser("create", help="create an admitted member with the steward role")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password-env", help="read the password from this environment variable instead of prompting")
    create.set_defaults(run=cmd_steward_create)
    member = commands.add_parser("member", help="members' accounts").add_subparsers(dest="member_command", required=True)
    reset = member.add_parser("reset-password", help="issue a one-time password reset code for an account")
    reset.add_argument("--email", required=True)
    reset.set_defaults(run=cmd_member_reset_password)
    key = commands.add_parser("key", help="member keys held on your own machine").add_subparsers(dest="key_command", required=True)
    new = key.add_parser("new", help="create an Ed25519 key file (mode 0600)")
    new.add_argument("--out", required=True)
    new.set_defaults(run=cmd_key_new)
    governance = commands.add_parser("governance", help="votes").add_subparsers(dest="governance_command", required=True)
    recount = governance.add_parser("recount", help="recount a vote from the provenance log alone")
    recount.add_argument("proposal")
    recount.add_argument("--eligible", help="a JSON file of the eligible member ids (checked against the logged root); default: the database's")
    recount.set_defaults(run=cmd_governance_recount)
    governance.add_parser("close-due", help="close every proposal whose voting period is over").set_defaults(run=cmd_governance_close_due)
    books = commands.add_parser("books", help="the money ledger").add_subparsers(dest="books_command", required=True)
    export = books.add_parser("export", help="the whole journal as a Beancount ledger")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    export.set_defaults(run=cmd_books_export)
    verify = commands.add_parser("verify", help="verify a release or license bundle offline")
    verify.add_argument("bundle")
    verify.add_argument("--key", help="the co-op's verifier key you trust (default: the one in the bundle)")
    verify.set_defaults(run=cmd_verify)
    backup = commands.add_parser("backup", help="consistent online snapshot of the database and key files, with a manifest")
    backup.add_argument("dest", help="a new (or empty) directory")
    backup.set_defaults(run=cmd_backup)
    restore = commands.add_parser("restore", help="restore a backup into an empty data directory and database")
    restore.add_argument("src", help="a directory written by `coop backup`")
    restore.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                         help="a checkpoint kept elsewhere (witness, auditor): refuse if it is newer than the snapshot")
    restore.add_argument("--checkpoint-url", action="append", default=[], metavar="URL",
                         help="fetch a published checkpoint (the live or a mirrored /log/checkpoint) and compare likewise")
    restore.add_argument("--allow-rollback", action="store_true",
                         help="restore even if published checkpoints are newer: the log WILL fork")
    restore.set_defaults(run=cmd_restore)
    sign = commands.add_parser("sign", help="sign a statement with a key file; prints the signed statement as JSON")
    sign.add_argument("--key", required=True, help="key file from `coop key new`")
    sign.add_argument("--kind", required=True, help="statement kind, e.g. member.key-registration")
    body = sign.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the statement body as JSON")
    body.add_argument("--body-file", help="a file holding the statement body as JSON")
    sign.set_defaults(run=cmd_sign)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.run(settings, args))
    except (KeyFileError, ValueError, PermissionError, LookupError) as error:
        print(f"coop: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
