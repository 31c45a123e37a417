"""Append-only enforcement in the database itself, for SQLite and PostgreSQL (used by migrations)."""

from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op


def refuse_changes(tables: list[str], *, updates: bool) -> None:
    """Make the database itself refuse UPDATE (if `updates`) and DELETE on `tables`."""
    dialect = op.get_bind().dialect.name
    events = ["UPDATE", "DELETE"] if updates else ["DELETE"]
    if dialect == "postgresql":
        _refuse_change_function()
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE {' OR '.join(events)} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION coop_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION coop_refuse_change()"
            )
    elif dialect == "sqlite":
        for table in tables:
            for event in events:
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{event} on {table} is refused: the table is append-only'); END"
                )
    else:
        raise NotImplementedError(f"append-only triggers for {dialect}")


def allow_changes(tables: list[str], *, updates: bool) -> None:
    """Drop what `refuse_changes` created, for a migration that must rewrite the table (a backfill,
    or SQLite's copy-and-rename of a batch alter). Call `refuse_changes` again in the same migration."""
    dialect = op.get_bind().dialect.name
    for table in tables:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        elif dialect == "sqlite":
            for event in ["update", "delete"] if updates else ["delete"]:
                op.execute(f"DROP TRIGGER {table}_no_{event}")
        else:
            raise NotImplementedError(f"append-only triggers for {dialect}")


# -- guards beyond "insert-only" (migration 0029; docs/append-only.md lists every guarded table) ------


@dataclass(frozen=True)
class RowGuard:
    """A table whose rows are history but carry state that moves forward: an UPDATE may change only
    `mutable` columns (every other column, as reflected when the guard is made, is frozen) and only
    where `update_rule` holds; a DELETE only where `delete_rule` holds (None: never). The rules are
    SQL over OLD and NEW that reads the same on SQLite and PostgreSQL; `{same}` in them stands for the
    dialect's null-safe equality (SQLite `IS`, PostgreSQL `IS NOT DISTINCT FROM`)."""

    table: str
    mutable: tuple[str, ...]
    update_rule: str = "1 = 1"
    delete_rule: str | None = None
    why: str = "its rows are history"


def guard_rows(guard: RowGuard) -> None:
    """Create the database triggers that enforce `guard` (and refuse TRUNCATE on PostgreSQL)."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    columns = [column["name"] for column in sa.inspect(bind).get_columns(guard.table)]
    unknown = set(guard.mutable) - set(columns)
    if unknown:
        raise ValueError(f"{guard.table} has no columns {sorted(unknown)}")
    same = "IS" if dialect == "sqlite" else "IS NOT DISTINCT FROM"
    frozen = [f"NEW.{c} {same} OLD.{c}" for c in columns if c not in guard.mutable]
    update_ok = " AND ".join([*frozen, f"({guard.update_rule.replace('{same}', same)})"])
    delete_ok = (guard.delete_rule or "1 = 0").replace("{same}", same)
    t, why = guard.table, guard.why.replace("'", "''")
    if dialect == "postgresql":
        _refuse_change_function()
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION coop_guard_{t}() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'UPDATE' THEN
                IF NOT COALESCE(({update_ok}), false) THEN
                  RAISE EXCEPTION 'UPDATE on {t} is refused: {why}' USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
              END IF;
              IF NOT COALESCE(({delete_ok}), false) THEN
                RAISE EXCEPTION 'DELETE on {t} is refused: {why}' USING ERRCODE = 'insufficient_privilege';
              END IF;
              RETURN OLD;
            END $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {t}_guard BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION coop_guard_{t}()"
        )
        op.execute(
            f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
            "FOR EACH STATEMENT EXECUTE FUNCTION coop_refuse_change()"
        )
    elif dialect == "sqlite":
        for event, ok in (("UPDATE", update_ok), ("DELETE", delete_ok)):
            op.execute(
                f"CREATE TRIGGER {t}_guard_{event.lower()} BEFORE {event} ON {t} WHEN NOT COALESCE(({ok}), 0) "
                f"BEGIN SELECT RAISE(ABORT, '{event} on {t} is refused: {why}'); END"
            )
    else:
        raise NotImplementedError(f"row guards for {dialect}")


def unguard_rows(table: str) -> None:
    """Drop what `guard_rows` created (a migration that rewrites the table calls `guard_rows` again)."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER {table}_guard ON {table}")
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute(f"DROP FUNCTION coop_guard_{table}()")
    else:
        op.execute(f"DROP TRIGGER {table}_guard_update")
        op.execute(f"DROP TRIGGER {table}_guard_delete")


# An insert into the log is refused unless it lies within the head: the writer raises log_head's size
# first, then stores the entries, tile hashes and checkpoint below it (provenance/store.py). So a row
# slipped in past the head can never wedge the next append, and the head only moves forward.
LOG_REACH = {
    "log_entry": "NEW.idx + 1",
    "log_tile_hash": "(NEW.idx + 1) * (1 << (8 * NEW.level))",
    "log_checkpoint": "NEW.size",
}


def guard_log_head() -> None:
    """log_head: its size never decreases (no rollback to an earlier checkpoint), its id never changes,
    and it grows only from a size that has its checkpoint (so every head a writer builds on was signed,
    and an entry slipped in under a raised head is covered by no genuine checkpoint: the audit names
    it); and no entry, tile hash or checkpoint may be inserted past it."""
    dialect = op.get_bind().dialect.name
    head = "COALESCE((SELECT size FROM log_head WHERE id = 1), 0)"
    if dialect == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION coop_log_head_forward() RETURNS trigger AS $$
            BEGIN
              IF NEW.id IS DISTINCT FROM OLD.id OR NEW.size IS NULL OR NEW.size < OLD.size THEN
                RAISE EXCEPTION 'UPDATE on log_head is refused: the log head only grows (% to %)', OLD.size, NEW.size
                  USING ERRCODE = 'insufficient_privilege';
              END IF;
              IF NEW.size > OLD.size AND OLD.size > 0
                 AND NOT EXISTS (SELECT 1 FROM log_checkpoint WHERE size = OLD.size) THEN
                RAISE EXCEPTION 'UPDATE on log_head is refused: the head % has no checkpoint to grow from', OLD.size
                  USING ERRCODE = 'insufficient_privilege';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER log_head_forward BEFORE UPDATE ON log_head "
            "FOR EACH ROW EXECUTE FUNCTION coop_log_head_forward()"
        )
        for table, reach in LOG_REACH.items():
            op.execute(
                f"""
                CREATE OR REPLACE FUNCTION coop_{table}_within_head() RETURNS trigger AS $$
                DECLARE head bigint := {head};
                BEGIN
                  IF {reach} > head THEN
                    RAISE EXCEPTION 'INSERT into {table} past the log head is refused: it reaches % but the head is %',
                      {reach}, head USING ERRCODE = 'insufficient_privilege';
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql
                """
            )
            op.execute(
                f"CREATE TRIGGER {table}_within_head BEFORE INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION coop_{table}_within_head()"
            )
    elif dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER log_head_forward BEFORE UPDATE ON log_head "
            "WHEN NEW.id IS NOT OLD.id OR NEW.size IS NULL OR NEW.size < OLD.size "
            "BEGIN SELECT RAISE(ABORT, 'UPDATE on log_head is refused: the log head only grows'); END"
        )
        op.execute(
            "CREATE TRIGGER log_head_from_checkpoint BEFORE UPDATE ON log_head "
            "WHEN NEW.size > OLD.size AND OLD.size > 0 "
            "AND NOT EXISTS (SELECT 1 FROM log_checkpoint WHERE size = OLD.size) "
            "BEGIN SELECT RAISE(ABORT, 'UPDATE on log_head is refused: the head has no checkpoint to grow from'); END"
        )
        for table, reach in LOG_REACH.items():
            op.execute(
                f"CREATE TRIGGER {table}_within_head BEFORE INSERT ON {table} WHEN {reach} > {head} "
                f"BEGIN SELECT RAISE(ABORT, 'INSERT into {table} past the log head is refused'); END"
            )
    else:
        raise NotImplementedError(f"log head guards for {dialect}")


def unguard_log_head() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER log_head_from_checkpoint")
    for table in ["log_head", *LOG_REACH]:
        name = "log_head_forward" if table == "log_head" else f"{table}_within_head"
        op.execute(f"DROP TRIGGER {name} ON {table}" if dialect == "postgresql" else f"DROP TRIGGER {name}")
        if dialect == "postgresql":
            op.execute(
                "DROP FUNCTION coop_log_head_forward()" if table == "log_head" else f"DROP FUNCTION coop_{name}()"
            )


def _refuse_change_function() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION coop_refuse_change() RETURNS trigger AS $$
        BEGIN
          RAISE EXCEPTION '% on % is refused: the table is append-only', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
        END $$ LANGUAGE plpgsql
        """
    )
