"""`coop init`, `coop serve` and `coop demo`: set the service up, run it, and fill it with demo data."""

from __future__ import annotations

import argparse

from coop.kernel.keys import load_or_create_app_secret, load_or_create_signing_key
from coop.kernel.settings import Settings
from web.cli.common import Commands, opened


def cmd_init(settings: Settings, _args: argparse.Namespace) -> int:
    from coop.kernel.db import make_engine  # start-up speed: see web.cli
    from migrations.schema import upgrade
    from provenance.core.note import NoteSigner

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    key, created = load_or_create_signing_key(settings.key_file)
    load_or_create_app_secret(settings.secret_file)
    with opened(settings) as runtime:
        seeded = runtime.policies.seed_defaults()
        acknowledged = runtime.keys.acknowledge_earlier_keys()
    if acknowledged:
        print(f"acknowledged {acknowledged} member keys registered before the co-op acknowledged keys in the log")
    if seeded:
        print(f"seeded version 1 of {len(seeded)} policies: {', '.join(p.name for p in seeded)}")
    print(f"database ready: {settings.database_url}")
    print(f"{'created' if created else 'using'} co-op log key {settings.key_file} (mode 0600)")
    print(f"verifier key: {NoteSigner(settings.log_origin, key).verifier.encode()}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from web.serve import serve  # start-up speed: see web.cli

    return serve(settings, args.host or settings.host, args.port or settings.port, args.workers)


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    from web.demo import seed_demo  # start-up speed: see web.cli

    with opened(settings) as runtime:
        print(seed_demo(runtime))
    return 0


def add_init(commands: Commands) -> None:
    commands.add_parser("init", help="create or upgrade the database; create the co-op log key if none").set_defaults(
        run=cmd_init
    )


def add_serve(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="server processes sharing the port (default 1)")
    serve.set_defaults(run=cmd_serve)


def add_demo(commands: Commands) -> None:
    commands.add_parser("demo", help="seed believable demo data (idempotent)").set_defaults(run=cmd_demo)
