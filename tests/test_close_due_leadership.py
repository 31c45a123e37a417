"""Several server processes on one database: exactly one of them closes due votes at a time.

Each "server" here is what one `coop serve` process has: its own engine (connection pool) and its
own ticker. A session-level advisory lock (PostgreSQL) or an flock (SQLite) is per connection or
per open file, so two servers in this test process contend exactly as two processes do; one test
also kills a real leader process.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from coop.kernel.db import make_engine
from provenance.service import ProvenanceLog
from tests.conftest import ORIGIN
from web.app import CloseDueTicker
from web.leadership import lead_for
from web.runtime import Runtime

TICK = 0.02
ROOT = Path(__file__).resolve().parent.parent


def server(settings, database_url, signer, clock):
    engine = make_engine(database_url)
    return Runtime(settings, engine, ProvenanceLog(engine, signer, ORIGIN), clock)


async def run_for(seconds, *tickers):
    for ticker in tickers:
        await ticker.start()
    await asyncio.sleep(seconds)


def test_only_one_of_two_servers_closes_votes(settings, database_url, signer, clock):
    first, second = (CloseDueTicker(server(settings, database_url, signer, clock), TICK) for _ in range(2))

    async def scenario():
        await run_for(0.6, first, second)
        rounds = sorted([first.rounds, second.rounds])
        await first.stop()
        await second.stop()
        return rounds

    try:
        follower, leader = asyncio.run(scenario())
    finally:
        first.runtime.close()
        second.runtime.close()
    assert follower == 0
    assert leader >= 5


def test_another_server_takes_over_when_the_leader_stops(settings, database_url, signer, clock):
    first, second = (CloseDueTicker(server(settings, database_url, signer, clock), TICK) for _ in range(2))

    async def scenario():
        await run_for(0.4, first)
        await second.start()
        await asyncio.sleep(0.3)
        assert second.rounds == 0, "the follower closed votes while the leader ran"
        await first.stop()
        # The follower takes the lead on one of its next ticks; on a loaded machine that can take more
        # than a fixed pause, so wait for its first round (at most 10 s) rather than guess a time.
        deadline = time.monotonic() + 10
        while second.rounds == 0 and time.monotonic() < deadline:
            await asyncio.sleep(TICK)
        await second.stop()

    try:
        asyncio.run(scenario())
    finally:
        first.runtime.close()
        second.runtime.close()
    assert first.rounds > 0
    assert second.rounds > 0


def test_the_leader_closes_a_due_vote(runtime, steward, admit, clock):
    runtime.policies.seed_defaults()
    member = admit("ana")
    proposal = runtime.governance.propose(
        member, "resolution", "Adopt a logo", "", {"text": "The green square."}, voting_minutes=60
    )
    clock.advance(minutes=61)
    ticker = CloseDueTicker(runtime, TICK)
    try:
        ticker.tick()
    finally:
        ticker.lead.release()
    assert runtime.governance.get(proposal.id).status == "closed"


LEADER = """
import sys, time
from coop.kernel.db import make_engine
from web.leadership import lead_for
lead = lead_for(make_engine(sys.argv[1]), "close-due")
assert lead.hold()
print("LEADING", flush=True)
time.sleep(60)
"""


def test_another_process_takes_over_when_the_leader_process_dies(database_url):
    child = subprocess.Popen(
        [sys.executable, "-c", LEADER, database_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    engine = make_engine(database_url)
    lead = lead_for(engine, "close-due")
    try:
        assert child.stdout.readline().strip() == "LEADING"
        assert not lead.hold()
        child.send_signal(signal.SIGKILL)  # no clean-up code runs: the database or the kernel frees the lead
        child.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not lead.hold():
            assert time.monotonic() < deadline, "the lead stayed with a dead process"
            time.sleep(0.05)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        lead.release()
        engine.dispose()


def test_co_ops_in_other_schemas_or_files_do_not_share_a_lead(database_url, tmp_path, db_kind):
    from tests.conftest import new_database_url

    other_url, drop = new_database_url(
        db_kind, tmp_path / "other", beside=database_url
    )  # PostgreSQL: another schema of the same database
    (tmp_path / "other").mkdir(exist_ok=True)
    ours, theirs = make_engine(database_url), make_engine(other_url)
    mine, other = lead_for(ours, "close-due"), lead_for(theirs, "close-due")
    try:
        assert mine.hold()
        assert other.hold()
    finally:
        mine.release()
        other.release()
        ours.dispose()
        theirs.dispose()
        drop()
