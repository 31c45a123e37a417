"""Fresh, throw-away databases: a new SQLite file or a new PostgreSQL schema for every measurement.

A fresh database per measurement keeps figures independent of each other (no leftover pages, no
earlier tree). The PostgreSQL URL is the one tests/conftest.py uses: the schema rides in the
connection's search_path, so the service needs no special setting.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nacl.signing
from sqlalchemy import Engine, create_engine, func, select, text

from coop.kernel.db import make_engine
from migrations.schema import upgrade
from provenance.core.note import NoteSigner
from provenance.models import LogCheckpoint
from provenance.service import ProvenanceLog

ORIGIN = "bench.coop/log"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
APPLICATION_NAME = "coop-bench"  # tags the backends serving the bench, so their CPU counts as ours


@dataclass(frozen=True)
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str
    backends: Callable[[], list[int]] = lambda: []  # PIDs of the database processes serving this URL


def postgres_problem(pg_url: str) -> str | None:
    """None if the server answers, else the first line of the error."""
    try:
        engine = create_engine(pg_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not usable"
        return str(error).splitlines()[0]


@contextmanager
def fresh_database(kind: str, workdir: Path, pg_url: str = DEFAULT_PG_URL) -> Iterator[Database]:
    """An empty database (no schema yet); dropped afterwards."""
    if kind == "sqlite":
        workdir.mkdir(parents=True, exist_ok=True)
        yield Database(kind, f"sqlite:///{workdir / 'coop.db'}")
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def backends() -> list[int]:
        with admin.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": APPLICATION_NAME}
            )
            return [int(row[0]) for row in rows]

    try:
        separator = "&" if "?" in pg_url else "?"
        yield Database(
            kind, f"{pg_url}{separator}options=-csearch_path%3D{schema}&application_name={APPLICATION_NAME}", backends
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def migrated_engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def open_log(engine: Engine, key: nacl.signing.SigningKey) -> ProvenanceLog:
    return ProvenanceLog(engine, NoteSigner(ORIGIN, key), ORIGIN)


def bench_coop_key() -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(b"\x42" * 32)


def checkpoint_count(engine: Engine) -> int:
    """Checkpoints written so far: one per committed batch, so appends ÷ this = mean batch size."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(LogCheckpoint.__table__)).scalar_one())
