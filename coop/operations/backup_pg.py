"""PostgreSQL backups: every table as COPY text, read in one snapshot; restored through Alembic.

Why not pg_dump: pg_dump must be at least the server's major version (a client one version behind
cannot dump at all), it needs the connection's credentials handed to a subprocess, and its dump names
the schema it came from, so it cannot be restored into another schema or database without editing
the SQL. Here the dump is read in ONE read-only REPEATABLE READ transaction (a single snapshot: every
table and the log's checkpoint as of the same instant, while writers go on), table by table with
COPY ... TO STDOUT in PostgreSQL's own text format (exact for every type: bytea, timestamptz, numeric,
JSON), with the column lists in the manifest. A restore creates the schema exactly as `coop init`
does (Alembic, up to the backup's revision, with the append-only triggers), COPYs the rows back in
one transaction, in foreign-key order, and moves every sequence past the largest id restored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, MetaData, text

from coop.operations.snapshot import EMPTY_ROOT, BackupError, SnapshotLog, private_file
from migrations.schema import upgrade
from provenance import store

TABLES_DIR = "tables"
# Session formats under which the COPY text is written and read back: the same on both sides.
_FORMATS = (
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 3",
    "SET LOCAL bytea_output = 'hex'",
)
# Rows a migration itself inserts: restored by UPDATE (log_head's one row mirrors the checkpoint size).
_HEAD = "log_head"


def dump_postgresql(engine: Engine, dest: Path) -> tuple[str, SnapshotLog, dict[str, Any]]:
    (dest / TABLES_DIR).mkdir(mode=0o700)
    snapshot = engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with snapshot as conn, conn.begin():
        for statement in _FORMATS:
            conn.exec_driver_sql(statement)
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        latest = store.latest_checkpoint(conn)
        if store.head_size(conn) != (0 if latest is None else latest.size):
            raise BackupError("log_head does not match the latest checkpoint: run `coop log verify` before backing up")
        tables = []
        for table in _tables_in_order(conn):
            columns = [column.name for column in table.columns]
            path = dest / TABLES_DIR / f"{table.name}.copy"
            rows = _copy_out(conn, f"COPY {_quote(conn, table.name)} ({_column_list(conn, columns)}) TO STDOUT", path)
            tables.append(
                {"name": table.name, "columns": columns, "rows": rows, "file": f"{TABLES_DIR}/{table.name}.copy"}
            )
    log = SnapshotLog(0, EMPTY_ROOT, "") if latest is None else SnapshotLog(latest.size, latest.root_hash, latest.note)
    return revision, log, {"tables": tables}


def load_postgresql(engine: Engine, src: Path, manifest: dict[str, Any]) -> None:
    """Restore into the (empty) current schema of `engine`; the caller checked it is empty."""
    try:
        upgrade(engine, manifest["schema_revision"])
    except Exception as error:  # noqa: BLE001 - an unknown revision: the backup is newer than this code
        raise BackupError(f"cannot create the schema at revision {manifest['schema_revision']!r}: {error}") from error
    try:
        with engine.connect() as conn, conn.begin():
            for statement in _FORMATS:
                conn.exec_driver_sql(statement)
            # the head first: the database refuses log rows past it (migration 0029)
            conn.exec_driver_sql(f"UPDATE {_HEAD} SET size = %(size)s WHERE id = 1", {"size": manifest["log"]["size"]})
            for table in manifest["tables"]:
                if table["name"] == _HEAD:
                    continue
                if conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {_quote(conn, table['name'])})").scalar_one():
                    raise BackupError(
                        f"table {table['name']} already holds rows after creating the schema; cannot restore into it"
                    )
                sql = f"COPY {_quote(conn, table['name'])} ({_column_list(conn, table['columns'])}) FROM STDIN"
                restored = _copy_in(conn, sql, src / table["file"])
                if restored != table["rows"]:
                    raise BackupError(
                        f"table {table['name']}: {restored} rows restored, the manifest says {table['rows']}"
                    )
            _advance_sequences(conn)
    except BackupError as error:
        raise BackupError(
            f"{error} (the database now holds the empty schema of revision "
            f"{manifest['schema_revision']}: drop it before trying again)"
        ) from error


def current_schema_is_empty(engine: Engine) -> tuple[str | None, int]:
    """(current schema, number of tables in it): a restore goes only into an empty one."""
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one_or_none()
        if schema is None:
            return None, 0
        count = conn.execute(
            text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :schema"), {"schema": schema}
        ).scalar_one()
        return schema, int(count)


def _tables_in_order(conn: Connection) -> list[Any]:
    """Every table but Alembic's, parents before children (foreign keys), as reflected in the snapshot."""
    metadata = MetaData()
    metadata.reflect(conn)
    return [table for table in metadata.sorted_tables if table.name != "alembic_version"]


def _advance_sequences(conn: Connection) -> None:
    """Serial and identity columns: the next id is past every restored one."""
    rows = conn.exec_driver_sql(
        "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
        "FROM information_schema.columns WHERE table_schema = current_schema()"
    ).all()
    for table, column, sequence in rows:
        if sequence is None:
            continue
        conn.exec_driver_sql(
            f"SELECT setval(%(seq)s, COALESCE(MAX({_quote(conn, column)}), 0) + 1, false) FROM {_quote(conn, table)}",
            {"seq": sequence},
        )


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under `conn`: COPY is psycopg's, not SQLAlchemy's."""
    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise BackupError(f"a PostgreSQL backup or restore needs the psycopg driver, not {type(raw).__name__}")
    return raw


def _copy_out(conn: Connection, sql: str, path: Path) -> int:
    rows = 0
    with _driver(conn).cursor() as cursor, cursor.copy(sql) as copy, private_file(path) as out:
        for chunk in copy:
            out.write(chunk)
            rows += bytes(chunk).count(b"\n")
        out.flush()
        os.fsync(out.fileno())
    return rows


def _copy_in(conn: Connection, sql: str, path: Path) -> int:
    with _driver(conn).cursor() as cursor:
        with cursor.copy(sql) as copy, path.open("rb") as source:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        return int(cursor.rowcount)


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _column_list(conn: Connection, columns: list[str]) -> str:
    return ", ".join(_quote(conn, column) for column in columns)
