"""Alembic migrations: every schema change, the first one included."""
