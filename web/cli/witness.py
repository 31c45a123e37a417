"""`coop witness keygen` and `coop witness serve`: run a C2SP tlog-witness for the co-op's log (or
any log), with your own key and state. Neither needs the co-op's database or web stack."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from coop.kernel.settings import Settings
from web.cli.common import Commands


def cmd_witness_keygen(_settings: Settings, args: argparse.Namespace) -> int:
    from provenance.witness.config import create_witness_key  # start-up speed: see web.cli

    cosigner = create_witness_key(Path(args.out), args.name)
    print(f"created {args.out} (mode 0600); the witness's vkey (publish it):", file=sys.stderr)
    print(cosigner.verifier.encode())
    return 0


def cmd_witness_serve(_settings: Settings, args: argparse.Namespace) -> int:
    from provenance.witness.config import load_witness_key, read_log_list, trusted_logs
    from provenance.witness.server import Witness, make_server
    from provenance.witness.state import WitnessState

    entries: list[tuple[str | None, str]] = [(None, vkey) for vkey in args.log]
    for path in args.logs:
        entries += read_log_list(Path(path))
    logs = trusted_logs(entries)
    cosigner = load_witness_key(Path(args.key))
    state = WitnessState(Path(args.state))
    server = make_server(Witness(cosigner, logs, state), args.host, args.port)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(
        f"witness {cosigner.name} listening on http://{args.host}:{server.server_port} for {', '.join(sorted(logs))}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        state.close()
    return 0


def add_witness(commands: Commands) -> None:
    witness = commands.add_parser("witness", help="run a witness that cosigns a log's checkpoints").add_subparsers(
        dest="witness_command", required=True
    )
    keygen = witness.add_parser("keygen", help="create a witness key file (mode 0600) and print its vkey")
    keygen.add_argument("--name", required=True, help="the witness's name, e.g. witness.example.org/alice")
    keygen.add_argument("--out", required=True, help="the key file to create (never replaced)")
    keygen.set_defaults(run=cmd_witness_keygen)
    serve = witness.add_parser("serve", help="serve POST /add-checkpoint (C2SP tlog-witness)")
    serve.add_argument("--key", required=True, help="key file from `coop witness keygen`")
    serve.add_argument("--state", required=True, help="the witness's own SQLite state file (created if missing)")
    serve.add_argument("--log", action="append", default=[], metavar="VKEY", help="a log's vkey; origin = key name")
    serve.add_argument(
        "--logs", action="append", default=[], metavar="FILE", help='JSON {"logs": [{"vkey", "origin"}]}'
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7380)
    serve.set_defaults(run=cmd_witness_serve)
