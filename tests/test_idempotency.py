"""Idempotency keys belong to their owner and the kind of request (DESIGN.md, "identifiers, money and
idempotency"): the same key and request give the first answer again, the same key with another
request is a 409 that changes nothing, and one owner's key never reaches another's record."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from coop.datasets.models import License
from coop.idempotency import IdempotencyKey, request_digest
from coop.kernel.db import write_connection
from coop.kernel.errors import Conflict, Refused
from ledger.models import JournalTx, PayoutRun, RevenueEvent
from migrations.schema import downgrade, upgrade
from tests import test_money
from tests.test_api_keys_flow import api_token

USES = ["model-training"]
market = test_money.market  # the fixture: a release of three contributions and a buyer (Acme AI)


@pytest.fixture
def rival(runtime):
    """A buyer of another organisation."""
    return runtime.members.principal(
        runtime.members.register_buyer("Rival Labs", "Rae", "rae@rival.test", "rae-password-1")
    )


def _scalar(engine, sql):
    with engine.connect() as conn:
        return conn.scalar(text(sql))


def counts(engine):
    with Session(engine) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table))
            for table in (License, RevenueEvent, JournalTx, PayoutRun, IdempotencyKey)
        )


def test_two_organisations_using_the_same_key_each_get_their_own_license(runtime, market, rival):
    ours = runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    theirs = runtime.datasets.license(rival, market.release.id, USES, None, True, "order-1")
    assert theirs.id != ours.id and (ours.buyer_org, theirs.buyer_org) == ("Acme AI", "Rival Labs")
    assert [lic.id for lic in runtime.datasets.licenses(rival)] == [theirs.id]
    assert [e.license_id for e in runtime.revenue.events()] == [ours.id, theirs.id]  # each sale shared


def test_the_same_buyer_sending_the_same_request_again_gets_the_same_license_and_one_sale(runtime, market):
    first = runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    before = counts(runtime.engine)
    again = runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    assert again == first and counts(runtime.engine) == before and len(runtime.revenue.events()) == 1


def test_the_same_license_key_with_a_different_request_is_refused_and_changes_nothing(runtime, market):
    runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    before, log_size = counts(runtime.engine), runtime.log.size()
    with pytest.raises(Conflict, match="already used for a different request"):
        runtime.datasets.license(
            market.buyer, market.release.id, ["model-training", "commercial"], "other", True, "order-1"
        )
    assert counts(runtime.engine) == before and runtime.log.size() == log_size


def test_a_downstream_report_with_another_organisations_key_is_recorded_for_its_own_license(
    runtime, market, rival, work
):
    ours = runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    theirs = runtime.datasets.license(rival, market.release.id, USES, None, True, "order-2")
    runtime.revenue.report_downstream(market.buyer, ours.id, 10_000, "EUR", "Q1 royalty", "royalty-q1")
    owed = runtime.ledger.member_balance(work.author.account_id)["EUR"]
    event = runtime.revenue.report_downstream(rival, theirs.id, 20_000, "EUR", "Q1 royalty", "royalty-q1").event_id
    assert [(e.id, e.kind, e.amount) for e in runtime.revenue.events(theirs.id)][-1] == (event, "downstream", 20_000)
    assert runtime.ledger.member_balance(work.author.account_id)["EUR"] > owed  # the members got their shares


def test_the_same_report_key_with_a_different_amount_is_refused_and_changes_nothing(runtime, market):
    license = runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    runtime.revenue.report_downstream(market.buyer, license.id, 10_000, "EUR", "Q1 royalty", "royalty-q1")
    before = counts(runtime.engine)
    with pytest.raises(Conflict, match="already used for a different request"):
        runtime.revenue.report_downstream(market.buyer, license.id, 10_001, "EUR", "Q1 royalty", "royalty-q1")
    assert counts(runtime.engine) == before


def test_a_report_key_cannot_meet_a_sale_in_the_journal(runtime, market):
    """Journal keys are derived per owner: a report keyed like the sale's own journal keys (once
    `sale:<license key>:income`) is a report like any other."""
    license = runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    runtime.revenue.report_downstream(market.buyer, license.id, 10_000, "EUR", "royalty", "sale:order-1")
    assert [e.kind for e in runtime.revenue.events(license.id)] == ["sale", "downstream"]


def test_a_report_needs_an_idempotency_key(runtime, market):
    license = runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    with pytest.raises(Refused, match="idempotency key of 1 to 200 characters"):
        runtime.revenue.report_downstream(market.buyer, license.id, 10_000, "EUR", "royalty", "")
    assert [e.kind for e in runtime.revenue.events(license.id)] == ["sale"]


def test_payout_run_keys_are_each_stewards_own(runtime, market, work, admit):
    """A run is computed from the payables, so another steward's run with the same key is a run of
    its own, never the first steward's run handed back (only one of the two can be approved: the
    payables cover one of them, ledger.payouts)."""
    other = admit("sol", roles=("member", "steward"))
    first = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    assert runtime.payouts.propose(work.steward, "EUR", 100, "monthly") == first
    second = runtime.payouts.propose(other, "EUR", 100, "monthly")
    assert second != first and [line.status for line in runtime.payouts.lines(second)] == ["pending"] * 2


def test_the_same_payout_key_with_a_different_minimum_is_refused_and_changes_nothing(runtime, market, work):
    runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    before = counts(runtime.engine)
    with pytest.raises(Conflict, match="already used for a different request"):
        runtime.payouts.propose(work.steward, "EUR", 5_000, "monthly")
    assert counts(runtime.engine) == before


def test_a_request_racing_another_with_its_key_makes_no_second_record(runtime, engine, work, db_kind):
    """Another request with the key is inserting it, not yet committed. On PostgreSQL this one
    finds the key unused, waits on the unique index and is refused with a 409 when the other
    commits; on SQLite it waits for the other's write lock and then gets its answer."""
    other = write_connection(engine)
    other.begin()
    other.execute(
        insert(IdempotencyKey).values(
            owner=f"member:{work.steward.account_id}",
            scope="payout-run",
            key="monthly",
            request_digest=request_digest({"currency": "EUR", "minimum": 100}),
            record_id="the-other-run",
            created_at=runtime.clock(),
        )
    )
    with ThreadPoolExecutor(1) as pool:
        racing = pool.submit(runtime.payouts.propose, work.steward, "EUR", 100, "monthly")
        deadline = time.monotonic() + 30
        if db_kind == "postgresql":
            waiting = (
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            while (
                not _scalar(engine, waiting) and time.monotonic() < deadline
            ):  # a fresh connection: the view is a snapshot per transaction
                time.sleep(0.05)
        else:
            time.sleep(0.5)
        other.commit()
        other.close()
        if db_kind == "postgresql":
            with pytest.raises(Conflict, match="at the same time"):
                racing.result(timeout=30)
        else:
            assert racing.result(timeout=30) == "the-other-run"
    assert runtime.payouts.runs() == []


def test_over_the_api_two_buyers_same_key_get_their_own_licenses_and_a_changed_request_is_a_409(
    client, runtime, market, rival
):
    ours, theirs = (
        api_token(client, "dana@acme.test", "dana-password"),
        api_token(client, "rae@rival.test", "rae-password-1"),
    )
    quote = client.get(f"/api/releases/{market.release.id}/quote", params={"uses": USES}, headers=ours).json()
    confirmed = {"terms_version": quote["terms_version"], "items": quote["items"], "total": quote["total"]}
    body = {"release_id": market.release.id, "uses": USES, "idempotency_key": "order-1", **confirmed}
    first = client.post("/api/licenses", json=body, headers=ours)
    other = client.post("/api/licenses", json=body, headers=theirs)
    assert (first.status_code, other.status_code) == (201, 201) and first.json()["id"] != other.json()["id"]
    assert client.post("/api/licenses", json=body, headers=ours).json() == first.json()
    changed = client.post("/api/licenses", json={**body, "sector": "other"}, headers=ours)
    assert changed.status_code == 409 and "already used for a different request" in changed.json()["detail"]


def test_migration_0012_gives_existing_keys_their_owners_and_keeps_the_tables_append_only(
    runtime, engine, market, work
):
    license = runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1")
    event = runtime.revenue.report_downstream(market.buyer, license.id, 10_000, "EUR", "royalty", "royalty-q1").event_id
    run = runtime.payouts.propose(work.steward, "EUR", 100, "monthly")
    downgrade(engine, "0011")
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT idempotency_key FROM dataset_license")) == "order-1"
    upgrade(engine)
    with Session(engine) as session:
        rows = {
            (k.owner, k.scope, k.key, k.record_id, k.request_digest) for k in session.scalars(select(IdempotencyKey))
        }
    assert rows == {
        (f"org:{market.buyer.org_id}", "license", "order-1", license.id, None),
        (f"org:{market.buyer.org_id}", f"revenue:{license.id}", "royalty-q1", str(event), None),
        (f"member:{work.steward.account_id}", "payout-run", "monthly", run, None),
    }
    assert runtime.datasets.license(market.buyer, market.release.id, USES, None, True, "order-1").id == license.id
    assert runtime.payouts.propose(work.steward, "EUR", 100, "monthly") == run
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # enforced again after the migration
    for table in ("idempotency_key", "dataset_license", "revenue_event", "payout_run"):
        with pytest.raises(Exception, match="append-only|refused"), engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))
