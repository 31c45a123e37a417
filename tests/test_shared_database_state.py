"""What one server process keeps in memory never decides an answer when others share the database.

The log's two in-process caches are the only state a server keeps between requests: the writer's
right edge of the tree (reused only while the locked head still has the size it was built at) and
the folded tiles of readers (a tile of a given width never changes). Two `ProvenanceLog`s on two
engines are two server processes; their appends interleave across a tile boundary.
"""

from coop.kernel.db import make_engine
from provenance.audit import audit_log
from provenance.core import merkle
from provenance.core.signing import sign_statement
from provenance.service import ProvenanceLog
from tests.conftest import ORIGIN


def statements(key, start, count):
    return [sign_statement(key, "test.entry", {"n": n}) for n in range(start, start + count)]


def test_servers_appending_in_turn_keep_one_tree(database_url, signer, member_key):
    engines = [make_engine(database_url) for _ in range(2)]
    first, second = (ProvenanceLog(engine, signer, ORIGIN) for engine in engines)
    try:
        first.append_many(statements(member_key, 0, 250))
        first.inclusion_proof(3, 250)  # folds (caches) the partial tile of width 250
        second.append_many(statements(member_key, 250, 10))  # the tile fills up behind first's back
        first.append_many(statements(member_key, 260, 3))  # first's edge is stale: size 250, head 260
        size = first.size()
        assert size == 263
        leaves = merkle.leaf_hashes(first.entry(i) for i in range(size))
        root = merkle.root(size, merkle.memory_reader(leaves))
        assert first.latest_checkpoint().root_hash == root
        for log in (first, second):  # each answers from the shared tree, whatever it folded before
            digest, proof = log.inclusion_proof(255, size)
            merkle.verify_inclusion(digest, 255, size, proof, root)
        assert audit_log(engines[0], signer.verifier, ORIGIN).entries == size
    finally:
        for engine in engines:
            engine.dispose()
