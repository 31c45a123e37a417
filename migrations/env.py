"""Alembic environment: runs on the connection handed in by `migrations.schema`, or on COOP_DATABASE_URL."""

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection

from coop.kernel.db import make_engine
from coop.kernel.settings import Settings
from migrations.models import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = make_engine(Settings.from_env().database_url)
    with engine.connect() as conn:
        _run_on(conn)
    engine.dispose()


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True, render_as_batch=True)
    with _sqlite_foreign_keys_checked_at_the_end(connection):
        with context.begin_transaction():
            before = context.get_context().get_current_heads()
            context.run_migrations()
            if (
                context.get_context().get_current_heads() != before
            ):  # a full check reads every table: only after a change
                _check_foreign_keys(connection)
        if connection.in_transaction():
            connection.commit()


@contextmanager
def _sqlite_foreign_keys_checked_at_the_end(connection: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it, dropping it and renaming the copy (Alembic's batch
    mode); with foreign keys enforced, dropping a table that others refer to fails. As Alembic's
    batch docs say, enforcement is off while migrating (the pragma must be set outside the
    transaction), every reference is checked before the commit (`_check_foreign_keys`), and it is
    back on for the pooled connection afterwards, or the connection is discarded."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None, "a connection in use has its DBAPI connection"
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()  # a failed migration: nothing of it is kept
        raw.execute("PRAGMA foreign_keys=ON")
        if raw.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
            connection.invalidate()


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(
                f"the migration left rows referring to missing rows (table, rowid, parent, fk): {broken[:10]}"
            )


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `coop init`")
run()
