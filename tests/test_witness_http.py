"""The witness's HTTP service in this process: the spec's race between two requests, what it says to
requests that are not add-checkpoint, and that nothing but a committed state is ever answered."""

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor

import nacl.signing
import pytest

from provenance.core import merkle
from provenance.core.cosignature import Cosigner
from provenance.core.note import Checkpoint, NoteSigner, sign_checkpoint
from provenance.core.witness import TrustedLog, proof_lines
from provenance.witness.client import Cosigned, SizeConflict, WitnessError, add_checkpoint
from provenance.witness.server import MAX_BODY, Witness, make_server
from provenance.witness.state import WitnessState

ORIGIN = "test.coop/log"
LOG = NoteSigner(ORIGIN, nacl.signing.SigningKey(b"\x01" * 32))
LEAVES = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(64)]
READER = merkle.memory_reader(LEAVES)


def note(size):
    return sign_checkpoint(LOG, Checkpoint(ORIGIN, size, merkle.root(size, READER)))


class Clock:
    def __init__(self):
        self.now = 1_790_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def served(tmp_path, clock):
    cosigner = Cosigner("witness.example/w", nacl.signing.SigningKey(b"\x07" * 32))
    state = WitnessState(tmp_path / "state.db")
    logs = {ORIGIN: TrustedLog(ORIGIN, (LOG.verifier,))}
    server = make_server(Witness(cosigner, logs, state, clock), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", cosigner.verifier, state
    server.shutdown()
    server.server_close()
    thread.join()
    state.close()


def test_concurrent_requests_from_the_same_old_size_get_one_cosignature_and_never_roll_back(served):
    url, verifier, state = served
    assert isinstance(add_checkpoint(url, verifier, 0, [], note(4)), Cosigned)
    sizes = list(range(5, 64))
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda n: add_checkpoint(url, verifier, 4, merkle.consistency_proof(4, n, READER), note(n)), sizes)
        )
    winners = [n for n, answer in zip(sizes, answers) if isinstance(answer, Cosigned)]
    assert len(winners) == 1
    assert all(answer == SizeConflict(winners[0]) for answer in answers if not isinstance(answer, Cosigned))
    assert state.latest(ORIGIN).size == winners[0]
    assert sorted(state.cosigned_sizes(ORIGIN)) == [4, winners[0]]


def request(url, method, path, body=None, headers=None):
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    result = response.status, response.getheader("Content-Type"), response.read().decode()
    conn.close()
    return result


def test_the_root_names_the_witness_key_and_other_paths_are_404(served):
    url, verifier, _ = served
    assert request(url, "GET", "/") == (200, "text/plain; charset=utf-8", verifier.encode() + "\n")
    assert request(url, "GET", "/add-checkpoint")[0] == 404
    assert request(url, "POST", "/checkpoint", b"old 0\n\n" + note(3).encode())[0] == 404


def test_a_body_over_the_limit_is_413_and_changes_nothing(served):
    url, _, state = served
    status, _, _ = request(url, "POST", "/add-checkpoint", b"x", {"Content-Length": str(MAX_BODY + 1)})
    assert status == 413
    assert state.latest(ORIGIN) is None


def test_keep_alive_serves_several_requests_on_one_connection(served):
    url, _, state = served
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    for old, size in ((0, 3), (3, 9)):
        body = proof_lines(old, merkle.consistency_proof(old, size, READER) if old else [], note(size))
        conn.request("POST", "/add-checkpoint", body=body)
        response = conn.getresponse()
        assert response.status == 200 and response.read().decode().startswith("\u2014 witness.example/w ")
    conn.close()
    assert state.latest(ORIGIN).size == 9


def test_a_cosignature_time_never_goes_back_when_the_clock_does(served, clock):
    url, verifier, _ = served
    first = add_checkpoint(url, verifier, 0, [], note(3))
    clock.now -= 3600
    second = add_checkpoint(url, verifier, 3, merkle.consistency_proof(3, 9, READER), note(9))
    assert isinstance(first, Cosigned) and isinstance(second, Cosigned)
    assert second.timestamp == first.timestamp == 1_790_000_000
    clock.now += 7200
    third = add_checkpoint(url, verifier, 9, [], note(9))
    assert isinstance(third, Cosigned) and third.timestamp == 1_790_003_600


def test_signed_forks_and_bad_proofs_are_kept_as_evidence_but_a_stale_old_size_is_not(served):
    url, verifier, state = served
    add_checkpoint(url, verifier, 0, [], note(8))
    fork = sign_checkpoint(LOG, Checkpoint(ORIGIN, 8, bytes(32)))
    assert add_checkpoint(url, verifier, 8, [], fork) == SizeConflict(8)
    bad = [bytes(32)] * len(merkle.consistency_proof(8, 20, READER))
    with pytest.raises(WitnessError):
        add_checkpoint(url, verifier, 8, bad, note(20))
    assert add_checkpoint(url, verifier, 3, merkle.consistency_proof(3, 20, READER), note(20)) == SizeConflict(8)
    evidence = state.refused(ORIGIN)
    assert [(status, request) for status, _, request in evidence] == [
        (409, proof_lines(8, [], fork)),
        (422, proof_lines(8, bad, note(20))),
    ]
