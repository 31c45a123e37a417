"""The database layer shared by every package: declarative base, engines for SQLite and PostgreSQL.

SQLite runs in WAL mode with synchronous=FULL (an acknowledged append survives a crash) and with
transactions begun explicitly.

Reading and writing are opened differently, and each one way only:
- a transaction that may write is opened with `write_session` (ORM) or `write_connection` (Core).
  On SQLite it begins as a write (`BEGIN IMMEDIATE`): it waits its turn for the write lock up front
  (busy_timeout). A transaction begun as a read that writes later fails at once, without waiting,
  when another writer committed since its first read ("database is locked": SQLite cannot move the
  reader's snapshot forward, so its busy handler is never tried) — a 500 under any burst of writes.
  On PostgreSQL it is a plain transaction: rows it decides on are locked where it matters
  (`with_for_update`), duplicate inserts skipped with `insert_missing`.
- anything else (`Session(engine)`, `engine.connect()`) reads. An INSERT, UPDATE or DELETE sent
  there is refused before it reaches the database (`ReadOnlyTransaction`), so a write opened the
  wrong way fails in every test, not only under load in production.
A write that still cannot get its lock in time is "busy" (`is_busy`): the web edge answers 503.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Dialect, Engine, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


WRITES = "coop_writes"  # the execution option that marks a connection's transactions as writes


class ReadOnlyTransaction(RuntimeError):
    """A write sent in a transaction opened for reading: a bug (open it with write_session)."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine)
    else:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_writes_outside_write_transactions)
    return engine


def _refuse_writes_outside_write_transactions(
    conn: Connection, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    """INSERT, UPDATE and DELETE statements built with SQLAlchemy (ORM flushes included) must run in a
    write transaction. Hand-written SQL text is not inspected (tests use it to probe the triggers)."""
    if (
        context is not None
        and (context.isinsert or context.isupdate or context.isdelete)
        and not conn.get_execution_options().get(WRITES)
    ):
        raise ReadOnlyTransaction(
            f"a write in a transaction opened for reading (use coop.kernel.db.write_session): {statement[:120]}"
        )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        # 8 KiB pages (set before WAL, so it takes effect when the file is new; an existing database
        # keeps its size): log rows are ~0.5 KiB, and with twice the rows per page a batch of
        # appends writes fewer pages to the WAL and back (measured: bench/README.md, "Caveats").
        cursor.execute("PRAGMA page_size=8192")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITES) else "BEGIN")


def write_session(engine: Engine) -> Session:
    """The ORM session of every transaction that may write (it may append to the log in the same
    transaction). On SQLite it begins as a write: see the module docstring for why."""
    return Session(engine.execution_options(**{WRITES: True}))


def write_connection(engine: Engine) -> Connection:
    """A Core connection whose transactions may write (the log's sequencer, migrations)."""
    return engine.connect().execution_options(**{WRITES: True})


def insert_missing(session: Session, model: type[Base], **values: Any) -> None:
    """Insert a row unless one with the same primary key exists. Checking first and inserting after
    races on PostgreSQL (two transactions both see nothing, the second fails on the key); this
    waits for the first one and then does nothing."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    keys = [column.name for column in model.__table__.primary_key]
    session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=keys))


_SQLITE_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_POSTGRESQL_BUSY = {"55P03", "40001", "40P01"}  # lock_not_available, serialization_failure, deadlock_detected


def is_busy(error: OperationalError) -> bool:
    """Whether the database refused because others held what this transaction needed (a lock not
    granted in time, a serialization conflict): worth retrying, unlike any other OperationalError."""
    cause = error.orig
    if isinstance(cause, sqlite3.Error):
        return (
            cause.sqlite_errorcode & 0xFF in _SQLITE_BUSY
        )  # the primary code of an extended one (SQLITE_BUSY_SNAPSHOT…)
    return getattr(cause, "sqlstate", None) in _POSTGRESQL_BUSY


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: the co-op records times in UTC")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
