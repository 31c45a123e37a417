"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432, database `test` (override with COOP_TEST_PG_URL).
Each test gets a fresh schema there (a fresh file on SQLite), migrated by Alembic as `coop init`
does. Without a server the PostgreSQL half is skipped — except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import nacl.signing
import pytest
from sqlalchemy import Engine, create_engine, text

from coop.kernel.db import make_engine
from coop.membership.secrets import set_argon2_cost
from migrations.schema import upgrade
from provenance.core.note import NoteSigner
from provenance.service import ProvenanceLog

# Hundreds of test accounts: argon2id at libsodium's minimum cost (production uses "interactive").
set_argon2_cost("test-only-minimum")

PG_URL = os.environ.get("COOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ORIGIN = "test.coop/log"


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return str(error).splitlines()[0]


_PG_PROBLEM = _postgres_available()


def new_database_url(kind: str, tmp_path: Path) -> tuple[str, callable]:
    """A URL to an empty database of `kind`, and a function that drops it."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'coop.db'}", lambda: None
    if _PG_PROBLEM is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_URL}: {_PG_PROBLEM}")
        pytest.skip(f"PostgreSQL unreachable: {_PG_PROBLEM}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}", drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(db_kind: str, tmp_path: Path) -> Iterator[str]:
    url, drop = new_database_url(db_kind, tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    drop()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def coop_key() -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(b"\x01" * 32)


@pytest.fixture
def signer(coop_key: nacl.signing.SigningKey) -> NoteSigner:
    return NoteSigner(ORIGIN, coop_key)


@pytest.fixture
def log(engine: Engine, signer: NoteSigner) -> ProvenanceLog:
    from coop.statements import check_statement

    return ProvenanceLog(engine, signer, ORIGIN, check_statement)


@pytest.fixture
def member_key() -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(b"\x02" * 32)


@pytest.fixture
def settings(tmp_path: Path, database_url: str):
    from coop.kernel.settings import Settings

    return Settings.from_env(
        {
            "COOP_DATA_DIR": str(tmp_path),
            "COOP_DATABASE_URL": database_url,
            "COOP_LOG_ORIGIN": ORIGIN,
            "COOP_APPEND_TOKEN": "test-append-token",
        }
    )


class FakeClock:
    """A settable clock, so expiry rules are tested without sleeping."""

    def __init__(self):
        from datetime import datetime, timezone

        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def runtime(settings, engine, log, clock):
    from web.runtime import Runtime

    return Runtime(settings, engine, log, clock)


@pytest.fixture
def steward(runtime):
    account_id = runtime.members.create_steward("Sam Steward", "steward@coop.test", "steward-password")
    return runtime.members.principal(account_id)


@pytest.fixture
def admit(runtime, steward):
    """admit(name) → the Principal of a newly admitted member (password: '<name>-password')."""

    def make(name, roles=("member",)):
        account_id = runtime.members.apply(name.title(), f"{name}@coop.test", f"{name}-password", skills="ranking", region="EU")
        runtime.members.admit(steward, account_id, roles)
        return runtime.members.principal(account_id)

    return make


@pytest.fixture
def client(runtime):
    from litestar.testing import TestClient

    from web.app import create_app

    with TestClient(app=create_app(runtime=runtime)) as test_client:
        yield test_client


@pytest.fixture
def work(runtime, steward, admit):
    """A seeded co-op with an open expert-answer task, an author (custodial key) and three reviewers."""
    from types import SimpleNamespace

    from coop.work.tasks import TaskSpec

    runtime.policies.seed_defaults()
    task = runtime.tasks.open(steward, TaskSpec(
        project="Clinical QA", title="Answer a clinical question", instructions="Answer as a clinician would.",
        kind="expert-answer", unit="answer", minutes_per_unit=20, pay_per_unit=900, currency="EUR",
        intended_uses=["model-training"],
    ))
    author = admit("amara")
    runtime.keys.create_custodial_key(author, "amara-password")
    reviewers = [admit(name, roles=("member", "reviewer")) for name in ("rev1", "rev2", "rev3")]
    return SimpleNamespace(task=task, author=author, reviewers=reviewers, steward=steward)


TERMS = {"permitted_uses": ["model-training", "research"], "excluded_sectors": ["military"], "expires": None}


@pytest.fixture
def browse(runtime):
    """browse(principal) → a signed-in Browser (tests.test_portal_work.Browser), closed after the test."""
    from tests.test_portal_work import Browser

    opened = []

    def open_as(principal):
        opened.append(Browser(runtime, principal))
        return opened[-1]

    yield open_as
    for browser in opened:
        browser.client.__exit__(None, None, None)
