"""Append-only enforcement in the database itself, for SQLite and PostgreSQL (used by migrations)."""

from alembic import op


def refuse_changes(tables: list[str], *, updates: bool) -> None:
    """Make the database itself refuse UPDATE (if `updates`) and DELETE on `tables`."""
    dialect = op.get_bind().dialect.name
    events = ["UPDATE", "DELETE"] if updates else ["DELETE"]
    if dialect == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION coop_refuse_change() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION '% on % is refused: the table is append-only', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
            END $$ LANGUAGE plpgsql
            """
        )
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
