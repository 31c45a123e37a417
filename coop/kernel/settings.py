"""Every setting the service reads from its environment, in one place.

| variable              | default                              | meaning                                   |
| COOP_DATA_DIR         | ./var                                | where the SQLite file and key live        |
| COOP_DATABASE_URL     | sqlite:///<data dir>/coop.db         | SQLAlchemy URL (postgresql+psycopg://…)   |
| COOP_LOG_ORIGIN       | coop-ledger.local/log                | checkpoint origin line and key name       |
| COOP_KEY_FILE         | <data dir>/log-signing.key           | the co-op's Ed25519 log key (mode 0600)   |
| COOP_APPEND_TOKEN     | (unset: HTTP appends disabled)       | bearer token for POST /log/entries        |
| COOP_HOST, COOP_PORT  | 127.0.0.1, 8000                      | where `coop serve` listens                |
| COOP_PUBLIC_URL       | http://<host>:<port>                 | https:// here makes cookies Secure        |
| COOP_SECRET_FILE      | <data dir>/app-secret                | CSRF secret (created by `coop init`, 0600) |
| COOP_SESSION_IDLE     | 1800                                 | seconds a session may sit unused          |
| COOP_SESSION_MAX      | 43200                                | seconds a session may last at all         |
| COOP_MAX_CONTENT      | 5242880                              | largest contribution content, in bytes    |
| COOP_METRICS_TOKEN    | (unset: /metrics for loopback only)  | bearer token Prometheus sends to /metrics |
| COOP_FORWARDED_ALLOW_IPS | (unset: trust no proxy)           | proxies whose X-Forwarded-For is believed |
| COOP_SIGN_UPS_PER_DAY | 20                                   | sign-ups a client address makes a day     |
|                       |                                      | before back-off                           |

COOP_FORWARDED_ALLOW_IPS is passed to uvicorn as `forwarded_allow_ips` (comma-separated addresses or
networks, e.g. 127.0.0.1 behind a local reverse proxy). Unset, X-Forwarded-For is ignored: the client
address (which the password throttle counts) is the connection's own, which nobody can spoof.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    log_origin: str
    key_file: Path
    append_token: str | None
    host: str
    port: int
    public_url: str
    secret_file: Path
    session_idle_seconds: int = 1800
    session_max_seconds: int = 43200
    max_content_bytes: int = 5 * 1024 * 1024
    metrics_token: str | None = None
    forwarded_allow_ips: str = ""  # "": trust no proxy's X-Forwarded-For
    sign_ups_per_day: int = 20

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("COOP_DATA_DIR", "var"))
        origin = env.get("COOP_LOG_ORIGIN", "coop-ledger.local/log")
        if not origin or any(c.isspace() for c in origin) or "+" in origin:
            raise ValueError(f"COOP_LOG_ORIGIN {origin!r} must be non-empty, without spaces or '+'")
        numbers = {}
        for name, default in (
            ("COOP_PORT", "8000"),
            ("COOP_SESSION_IDLE", "1800"),
            ("COOP_SESSION_MAX", "43200"),
            ("COOP_MAX_CONTENT", "5242880"),
            ("COOP_SIGN_UPS_PER_DAY", "20"),
        ):
            text = env.get(name, default)
            if not text.isdigit() or int(text) == 0:
                raise ValueError(f"{name} {text!r} must be a positive whole number")
            numbers[name] = int(text)
        port_text = str(numbers["COOP_PORT"])
        host = env.get("COOP_HOST", "127.0.0.1")
        return cls(
            data_dir=data_dir,
            database_url=env.get("COOP_DATABASE_URL", f"sqlite:///{data_dir / 'coop.db'}"),
            log_origin=origin,
            key_file=Path(env.get("COOP_KEY_FILE", str(data_dir / "log-signing.key"))),
            append_token=env.get("COOP_APPEND_TOKEN") or None,
            host=host,
            port=int(port_text),
            public_url=env.get("COOP_PUBLIC_URL", f"http://{host}:{port_text}"),
            secret_file=Path(env.get("COOP_SECRET_FILE", str(data_dir / "app-secret"))),
            session_idle_seconds=numbers["COOP_SESSION_IDLE"],
            session_max_seconds=numbers["COOP_SESSION_MAX"],
            max_content_bytes=numbers["COOP_MAX_CONTENT"],
            metrics_token=env.get("COOP_METRICS_TOKEN") or None,
            forwarded_allow_ips=env.get("COOP_FORWARDED_ALLOW_IPS", "").strip(),
            sign_ups_per_day=numbers["COOP_SIGN_UPS_PER_DAY"],
        )
