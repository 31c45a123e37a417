"""Imports every package's models so the metadata Alembic compares against is complete."""

from coop.db import Base
import provenance.models  # noqa: F401

metadata = Base.metadata
