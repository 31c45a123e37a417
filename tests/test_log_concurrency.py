"""Many appenders at once, and a writer killed mid-batch: the log stays gap-free and fork-free."""

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provenance import store
from provenance.audit import audit_log
from provenance.core import merkle
from provenance.core.note import verify_checkpoint
from tests.conftest import ORIGIN

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def start_appender(url, worker, count, threads):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.log_appender", url, str(worker), str(count), str(threads)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def parse_acks(output):
    acks = {}
    for line in output.splitlines():
        if line.startswith("ACK "):
            _, index, digest = line.split()
            assert int(index) not in acks, f"index {index} acknowledged twice"
            acks[int(index)] = digest
    return acks


def assert_acks_present(log, acks):
    for index, digest in acks.items():
        assert hashlib.sha256(log.entry(index)).hexdigest() == digest, f"entry {index} is not what was acknowledged"


def all_checkpoints(engine, signer):
    with engine.connect() as conn:
        return [verify_checkpoint(c.note, signer.verifier, ORIGIN) for c in store.iter_checkpoints(conn)]


def test_concurrent_appender_processes_leave_a_gap_free_fork_free_log(log, engine, signer, database_url):
    processes = [start_appender(database_url, worker, 40, 4) for worker in range(4)]
    acks = {}
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        for index, digest in parse_acks(out).items():
            assert index not in acks, f"index {index} given to two appenders"
            acks[index] = digest
    assert sorted(acks) == list(range(4 * 4 * 40))
    report = audit_log(engine, signer.verifier, ORIGIN)
    assert report.entries == 640
    assert_acks_present(log, acks)
    checkpoints = all_checkpoints(engine, signer)
    assert len(checkpoints) < 640, "appends were not batched"
    pairs = list(zip(checkpoints, checkpoints[1:], strict=False)) + [
        tuple(random.sample(checkpoints, 2)) for _ in range(20)
    ]
    for a, b in pairs:
        a, b = sorted((a, b), key=lambda c: c.size)
        merkle.verify_consistency(a.size, b.size, a.root_hash, b.root_hash, log.consistency_proof(a.size, b.size))


def test_a_writer_killed_mid_batch_loses_no_acknowledged_append(log, engine, signer, database_url):
    acks = {}
    for round_number in range(3):
        process = start_appender(database_url, round_number, 0, 8)
        deadline = time.monotonic() + 120
        seen = 0
        lines = []
        while seen < 150 + round_number * 37 and time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            seen += line.startswith("ACK ")
        os.kill(process.pid, signal.SIGKILL)
        rest, _ = process.communicate(timeout=30)
        acks.update(parse_acks("".join(lines) + rest))
        assert seen >= 150, "the appender did not get going"
        report = audit_log(engine, signer.verifier, ORIGIN)
        assert report.entries >= len(acks)
        assert_acks_present(log, acks)
    # After the crashes the log keeps growing where it stopped.
    size = log.size()
    process = start_appender(database_url, 99, 5, 1)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert sorted(parse_acks(out)) == list(range(size, size + 5))
    audit_log(engine, signer.verifier, ORIGIN)
