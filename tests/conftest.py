"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

Each test gets a database of its own: a copy of one migrated by Alembic (as `coop init` does) once
per session (tests/databases.py). Tests of the migrations themselves are marked `migrates`: theirs is
migrated in the test. Without a PostgreSQL server the PostgreSQL half is skipped — except in CI
(CI=true), where it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import nacl.signing
import pytest
from sqlalchemy import Engine

from coop.kernel.db import make_engine
from coop.membership.secrets import set_argon2_cost
from provenance.core.note import NoteSigner
from provenance.service import ProvenanceLog
from tests.databases import PG_URL, Templates, migrate, new_database_url

__all__ = ["PG_URL", "new_database_url"]  # imported from here by the tests that need an empty database

# Hundreds of test accounts: argon2id at libsodium's minimum cost (production uses "interactive").
set_argon2_cost("test-only-minimum")

ORIGIN = "test.coop/log"
COOP_KEY_SEED = b"\x01" * 32


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """With `-n` (scripts/test), tests go to the workers one by one as they free up (pytest-xdist's
    `load`), except that each module of tests/browser goes whole to one worker: its service and its
    people are set up once per module, and its tests follow one another there. (`--dist loadgroup`
    would say so with marks, but cannot see them under pytest 9.2: pytest-xdist issue #1386.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserModulesWhole(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid.split("::", 1)[0] if nodeid.startswith("tests/browser/") else nodeid

    return BrowserModulesWhole(config, log)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    """This session's migrated databases (one per kind, built when first needed), copied per test."""
    templates = Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, db_kind: str, tmp_path: Path, database_templates: Templates
) -> Iterator[str]:
    if request.node.get_closest_marker("migrates"):
        url, drop = new_database_url(db_kind, tmp_path)
        migrate(url)
        yield url
        drop()
        return
    database = database_templates.migrated(db_kind).copy(tmp_path)
    yield database.url
    database.drop()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def coop_key() -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(COOP_KEY_SEED)


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


def make_settings(data_dir: Path, database_url: str):
    from coop.kernel.settings import Settings

    return Settings.from_env(
        {
            "COOP_DATA_DIR": str(data_dir),
            "COOP_DATABASE_URL": database_url,
            "COOP_LOG_ORIGIN": ORIGIN,
            "COOP_APPEND_TOKEN": "test-append-token",
        }
    )


@pytest.fixture
def settings(tmp_path: Path, database_url: str):
    return make_settings(tmp_path, database_url)


class FakeClock:
    """A settable clock, so expiry rules are tested without sleeping."""

    def __init__(self):
        from datetime import datetime

        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

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


def create_steward(runtime):
    account_id = runtime.members.create_steward("Sam Steward", "steward@coop.test", "steward-password")
    return runtime.members.principal(account_id)


def admit_member(runtime, steward, name, roles=("member",)):
    """The Principal of a newly admitted member (password: '<name>-password')."""
    account_id = runtime.members.apply(
        name.title(), f"{name}@coop.test", f"{name}-password", skills="ranking", region="EU"
    )
    runtime.members.admit(steward, account_id, roles)
    return runtime.members.principal(account_id)


@pytest.fixture
def steward(runtime):
    return create_steward(runtime)


@pytest.fixture
def admit(runtime, steward):
    """admit(name) → the Principal of a newly admitted member (password: '<name>-password')."""

    def make(name, roles=("member",)):
        return admit_member(runtime, steward, name, roles)

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
    task = runtime.tasks.open(
        steward,
        TaskSpec(
            project="Clinical QA",
            title="Answer a clinical question",
            instructions="Answer as a clinician would.",
            kind="expert-answer",
            unit="answer",
            minutes_per_unit=20,
            pay_per_unit=900,
            currency="EUR",
            intended_uses=["model-training"],
        ),
    )
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


@pytest.fixture
def approver(runtime, admit, clock):
    """A second steward (custodial key, password 'sasha-password'), admitted by `steward` 31 days
    ago: under the default payout-approvals policy they may approve the first steward's runs."""
    second = admit("sasha", roles=("member", "steward"))
    runtime.keys.create_custodial_key(second, "sasha-password")
    clock.advance(days=31)
    return second


def pay_out(runtime, proposer, approver, currency="EUR", minimum=100, key="run-1", password="sasha-password"):
    """Propose a run, have `approver` approve it (posting its lines) and mark it sent; its id."""
    run = runtime.payouts.propose(proposer, currency, minimum, key)
    runtime.payouts.approve_with_password(approver, run, password)
    runtime.payouts.mark_sent(proposer, run)
    return run
