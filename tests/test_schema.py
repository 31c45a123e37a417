"""The migrations are the schema: Alembic autogenerate finds nothing the models add."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from migrations.models import metadata


@pytest.mark.migrates  # a database migrated here by Alembic, not a copy of the session's template
def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []
