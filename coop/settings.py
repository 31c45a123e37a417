"""Every setting the service reads from its environment, in one place.

| variable              | default                              | meaning                                   |
| COOP_DATA_DIR         | ./var                                | where the SQLite file and key live        |
| COOP_DATABASE_URL     | sqlite:///<data dir>/coop.db         | SQLAlchemy URL (postgresql+psycopg://…)   |
| COOP_LOG_ORIGIN       | coop-ledger.local/log                | checkpoint origin line and key name       |
| COOP_KEY_FILE         | <data dir>/log-signing.key           | the co-op's Ed25519 log key (mode 0600)   |
| COOP_APPEND_TOKEN     | (unset: HTTP appends disabled)       | bearer token for POST /log/entries        |
| COOP_HOST, COOP_PORT  | 127.0.0.1, 8000                      | where `coop serve` listens                |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    log_origin: str
    key_file: Path
    append_token: str | None
    host: str
    port: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("COOP_DATA_DIR", "var"))
        origin = env.get("COOP_LOG_ORIGIN", "coop-ledger.local/log")
        if not origin or any(c.isspace() for c in origin) or "+" in origin:
            raise ValueError(f"COOP_LOG_ORIGIN {origin!r} must be non-empty, without spaces or '+'")
        port_text = env.get("COOP_PORT", "8000")
        if not port_text.isdigit():
            raise ValueError(f"COOP_PORT {port_text!r} must be a number")
        return cls(
            data_dir=data_dir,
            database_url=env.get("COOP_DATABASE_URL", f"sqlite:///{data_dir / 'coop.db'}"),
            log_origin=origin,
            key_file=Path(env.get("COOP_KEY_FILE", str(data_dir / "log-signing.key"))),
            append_token=env.get("COOP_APPEND_TOKEN") or None,
            host=env.get("COOP_HOST", "127.0.0.1"),
            port=int(port_text),
        )
