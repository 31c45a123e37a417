"""Databases for the tests, on SQLite and on PostgreSQL: empty ones, and copies of one built once.

Migrating a database is the slowest part of setting up a test (all of Alembic's migrations, ~0.1 s
on SQLite and ~0.3–0.6 s on PostgreSQL), and hundreds of tests need one. So each test session
migrates one database per kind (`Templates.migrated`) and every test gets a copy of it: the SQLite
file copied, or on PostgreSQL a new database made with `CREATE DATABASE … TEMPLATE`, which copies
the template's files (~0.05 s). The template is built in the session itself, named per process,
and dropped at its end: a template left by another commit's run is never reused. A co-op built
once for many tests (tests/test_access_table.py) is copied the same way.

PostgreSQL forces a checkpoint for every DROP DATABASE (0.1 s on a quiet machine, seconds on a busy
one), so the copies are dropped by background threads while the next tests run, and the session
waits for the last of them at its end (`finish_drops`).

PostgreSQL is the server on 127.0.0.1:5432, database `test` (override with COOP_TEST_PG_URL).
Without a server the PostgreSQL half is skipped — except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from coop.kernel.db import make_engine
from migrations.schema import upgrade

PG_URL = os.environ.get("COOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# The tests' sessions do not wait for the disk at each commit. What the tests check (isolation, locks,
# what a commit makes visible to others, a killed client losing nothing acknowledged) is the same;
# only a crash of the server itself, which no test causes, could lose a commit.
SESSION_SETTINGS = ("synchronous_commit=off",)
SQLITE_FILE = "coop.db"


@cache
def _postgres_problem() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return str(error).splitlines()[0]


def require_postgres() -> None:
    """Skip the test without a PostgreSQL server; in CI, fail it."""
    problem = _postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_URL}: {problem}")
    pytest.skip(f"PostgreSQL unreachable: {problem}")


@cache
def _admin() -> Engine:
    """One connection pool per process for creating and dropping schemas and databases."""
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url(database: str | None = None, schema: str | None = None, like: str = PG_URL) -> str:
    """A URL like `like` (PG_URL by default), to another database or with another schema first in
    its search_path, whose sessions have SESSION_SETTINGS."""
    url = make_url(like)
    given = url.query.get("options", "")
    ours = [f"-c{setting}" for setting in SESSION_SETTINGS]
    options = [
        o
        for o in " ".join([given] if isinstance(given, str) else given).split()
        if not o.startswith("-csearch_path=") and o not in ours
    ]
    options += ours
    if schema is not None:
        options.append(f"-csearch_path={schema}")
    if database is not None:
        url = url.set(database=database)
    return url.update_query_dict({"options": " ".join(options)}).render_as_string(hide_password=False)


def _unique_name(prefix: str) -> str:
    """Unique across processes (pytest-xdist workers, other sessions on the same server)."""
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:12]}"


def new_database_url(kind: str, tmp_path: Path, beside: str | None = None) -> tuple[str, Callable[[], None]]:
    """A URL to an empty database of `kind`, and a function that drops it. On PostgreSQL it is a
    fresh schema, in the database of the URL `beside` if given (else in the test database)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / SQLITE_FILE}", lambda: None
    require_postgres()
    schema = _unique_name("t")
    admin = _admin() if beside is None else create_engine(beside, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        if beside is not None:
            admin.dispose()

    return _pg_url(schema=schema, like=beside or PG_URL), drop


@dataclass
class Database:
    """A database of its own: a SQLite file, or a PostgreSQL database (its `public` schema)."""

    kind: str
    url: str
    name: str  # the file's path, or the database's name

    def copy(self, directory: Path) -> Database:
        """A copy of this database as it is now. Nothing may be connected to it meanwhile (dispose
        engines first): PostgreSQL refuses to copy a database in use, and a SQLite file with open
        connections may hold writes in its WAL file that a copy of the main file would miss."""
        if self.kind == "sqlite":
            wal = Path(f"{self.name}-wal")
            if wal.exists() and wal.stat().st_size:
                raise RuntimeError(
                    f"{self.name} is still open (its WAL holds writes): dispose its engines before copying it"
                )
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / SQLITE_FILE
            shutil.copyfile(self.name, path)
            return Database("sqlite", f"sqlite:///{path}", str(path))
        name = _unique_name("coop_test")
        with _admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        return Database("postgresql", _pg_url(name), name)

    def drop(self) -> None:
        """Dropped in the background (see the module's docstring); a SQLite file goes with its tmp dir."""
        if self.kind == "postgresql":
            _pending_drops.append(_dropper().submit(_drop_database, self.name))


def _drop_database(name: str) -> None:
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@cache
def _dropper() -> ThreadPoolExecutor:
    # Two at a time: drops waiting together can share one checkpoint.
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="drop-database")


_pending_drops: list[Future[None]] = []


def finish_drops() -> None:
    """Wait for the databases still being dropped; a drop that failed fails the session's teardown."""
    failures = []
    while _pending_drops:
        error = _pending_drops.pop().exception()
        if error is not None:
            failures.append(error)
    if failures:
        raise RuntimeError(f"{len(failures)} test databases could not be dropped: {failures[0]}")


def new_database(kind: str, directory: Path) -> Database:
    """An empty database of its own (a PostgreSQL database, not a schema: only a database can be a
    template), made from PostgreSQL's pristine template0 (template1 may hold a machine's additions)."""
    if kind == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / SQLITE_FILE
        return Database("sqlite", f"sqlite:///{path}", str(path))
    require_postgres()
    name = _unique_name("coop_template")
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    return Database("postgresql", _pg_url(name), name)


def migrate(url: str) -> None:
    """Alembic's migrations, as `coop init` runs them."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@dataclass
class Templates:
    """The session's migrated databases, one per kind, built when first asked for."""

    directory: Path
    built: dict[str, Database] = field(default_factory=dict)

    def migrated(self, kind: str) -> Database:
        if kind not in self.built:
            database = new_database(kind, self.directory / f"migrated-{kind}")
            try:
                migrate(database.url)
            except BaseException:
                database.drop()
                raise
            self.built[kind] = database
        return self.built[kind]

    def drop_all(self) -> None:
        for database in self.built.values():
            database.drop()
        self.built.clear()
        finish_drops()
