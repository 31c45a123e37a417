"""A revocation that commits while a license is being granted binds that license (DESIGN.md: a
contribution is licensable when no revocation precedes the check). On PostgreSQL two writers can
interleave: the license's consent check reads no revocation, the revocation commits, then the license
is logged after it — so the license re-checks once its log entry holds the log's lock. On SQLite
writers already take turns (BEGIN IMMEDIATE), so the interleaving cannot happen there."""

import threading

import pytest

from coop.datasets.models import License
from coop.kernel.errors import Conflict
from tests.test_withdrawals import _revoke, market  # noqa: F401 - the fixture


def test_a_revocation_committed_during_a_license_grant_refuses_that_license(
    runtime, market, work, db_kind, monkeypatch, engine
):
    if db_kind != "postgresql":
        pytest.skip("SQLite writers take turns: a revocation cannot commit inside a license's transaction")
    log, append = runtime.datasets.log, runtime.datasets.log.append_coop_statement
    revoked: list[int] = []

    def revoke_first(connection, kind, body):
        if kind == "license.granted" and not revoked:  # after the consent check, before the license is logged
            worker = threading.Thread(target=lambda: revoked.append(_revoke(runtime, work, market.first)))
            worker.start()
            worker.join(timeout=30)
        return append(connection, kind, body)

    monkeypatch.setattr(log, "append_coop_statement", revoke_first)
    with pytest.raises(Conflict, match="withdrawn while this license was being granted"):
        runtime.datasets.license(market.acme, market.release.id, ["model-training"], None, True, "race")
    assert revoked, "the revocation committed while the license waited"
    monkeypatch.setattr(log, "append_coop_statement", append)
    with engine.connect() as connection:
        assert connection.execute(License.__table__.select()).first() is None
    with pytest.raises(Conflict, match="no item of this release may be licensed"):
        runtime.datasets.license(market.acme, market.release.id, ["model-training"], None, True, "again")
