"""A license's files are hashed before its grant takes the log's lock (issue 15): hashing a large
license takes seconds, and every other append in the co-op — acceptances, ballots, revocations —
would wait that long behind it. The files are hashed from the license's planned items in a read-only
session first; the grant's transaction then logs the manifest from that digest. A revocation that
commits while the files are hashed changes the items: the license is prepared again without it."""

import hashlib
import threading

from coop.datasets import delivery
from coop.datasets.delivery import DeliveryService
from coop.datasets.delivery_files import JSONL, PARQUET
from tests.test_withdrawals import _revoke, market  # noqa: F401 - the fixture


def _during_hashing(monkeypatch, action):
    """Run `action` in another thread (its own connection) when the first chunk of a license's
    files is about to be hashed, and wait for it; what it returned, or the error it raised."""
    planned, outcome = delivery.planned_chunks, {}

    def run():
        try:
            outcome["value"] = action()
        except Exception as error:  # reported to the test, not lost in the thread
            outcome["error"] = error

    def hashing(session, items, chunk):
        if not outcome:
            worker = threading.Thread(target=run)
            worker.start()
            worker.join(timeout=60)
            if worker.is_alive():
                outcome["error"] = TimeoutError("the other writer was still waiting")
        yield from planned(session, items, chunk)

    monkeypatch.setattr(delivery, "planned_chunks", hashing)
    return outcome


def _served(engine, buyer, license_id, name):
    _, pieces = DeliveryService(engine).stream(buyer, license_id, name)
    data = b"".join(pieces)
    return hashlib.sha256(data).hexdigest(), len(data)


def test_another_append_completes_while_a_licenses_files_are_hashed(runtime, market, work, monkeypatch):
    outcome = _during_hashing(monkeypatch, lambda: _revoke(runtime, work, market.second))  # not in this release
    license = runtime.datasets.license(market.acme, market.release.id, ["model-training"], None, True, "l1")
    assert "error" not in outcome, outcome.get("error")
    assert outcome["value"] < license.log_index  # the revocation was logged first, while the files were hashed


def test_the_files_are_hashed_before_the_license_is_logged(runtime, market, monkeypatch):
    events: list[str] = []
    planned, append = delivery.planned_chunks, runtime.datasets.log.append_coop_statement

    def hashing(session, items, chunk):
        for records in planned(session, items, chunk):
            events.append("hashed")
            yield records

    def appending(connection, kind, body):
        events.append(kind)
        return append(connection, kind, body)

    monkeypatch.setattr(delivery, "planned_chunks", hashing)
    monkeypatch.setattr(runtime.datasets.log, "append_coop_statement", appending)
    runtime.datasets.license(market.acme, market.release.id, ["model-training"], None, True, "l1")
    assert events[: events.index("license.granted") + 2] == ["hashed", "license.granted", "license.files"]


def test_a_revocation_committed_while_the_files_are_hashed_leaves_that_item_out(
    runtime, market, work, monkeypatch, engine
):
    outcome = _during_hashing(monkeypatch, lambda: _revoke(runtime, work, market.second))
    license = runtime.datasets.license(market.acme, market.later.id, ["model-training"], None, True, "l2")
    assert "error" not in outcome, outcome.get("error")
    assert license.included_count == 1
    manifest = DeliveryService(engine).files(market.acme, license.id)
    assert manifest.records == 1
    for name in (JSONL, PARQUET):
        signed = manifest.file(name)
        assert _served(engine, market.acme, license.id, name) == (signed.sha256, signed.size)


def test_a_release_cut_after_a_revocation_leaves_that_contribution_out(runtime, market, work):
    """The release reads revocations by a join over its tasks, not an IN list of every candidate
    (PostgreSQL takes at most 65,535 parameters: a 100,000-item release would fail)."""
    _revoke(runtime, work, market.first)
    release = runtime.datasets.cut_release(work.steward, "QA v3", "", [work.task.id], ["model-training"], 1000, "EUR")
    assert (release.item_count, release.manifest["excluded"]) == (1, {"revoked": 1})
