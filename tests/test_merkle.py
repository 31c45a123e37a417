"""RFC 6962 Merkle math, checked against test vectors, a naive reference and pymerkle."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provenance.core import merkle
from provenance.core.merkle import ProofError, leaf_hash
from tests import merkle_reference as ref

# Certificate Transparency's reference test vectors (merkle_tree_test.cc).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def reader(leaves):
    return merkle.memory_reader([leaf_hash(x) for x in leaves])


def leaves_of(n):
    return [i.to_bytes(4, "big") for i in range(n)]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_certificate_transparency_vectors(size):
    assert merkle.root(size, reader(CT_LEAVES)).hex() == CT_ROOTS[size - 1]


def test_empty_tree_root_is_hash_of_nothing():
    assert merkle.root(0, reader([])).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 100, 257])
def test_roots_match_pymerkle(size):
    pymerkle = pytest.importorskip("pymerkle")
    tree = pymerkle.InmemoryTree()
    for leaf in leaves_of(size):
        tree.append_entry(leaf)
    assert tree.get_root() == merkle.root(size, reader(leaves_of(size)))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70))
def test_every_inclusion_proof_matches_reference_and_verifies(n):
    leaves = leaves_of(n)
    node = reader(leaves)
    for size in range(1, n + 1):
        root = ref.mth(leaves[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, node)
            assert proof == ref.path(index, leaves[:size])
            merkle.verify_inclusion(leaf_hash(leaves[index]), index, size, proof, root)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70))
def test_every_consistency_proof_matches_reference_and_verifies(n):
    leaves = leaves_of(n)
    node = reader(leaves)
    for second in range(1, n + 1):
        second_root = ref.mth(leaves[:second])
        for first in range(1, second + 1):
            proof = merkle.consistency_proof(first, second, node)
            assert proof == (ref.proof(first, leaves[:second]) if first < second else [])
            merkle.verify_consistency(first, second, ref.mth(leaves[:first]), second_root, proof)


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_single_bit_tamper_of_an_inclusion_proof_fails(data):
    size = data.draw(st.integers(2, 300))
    index = data.draw(st.integers(0, size - 1))
    leaves = leaves_of(size)
    node = reader(leaves)
    proof = merkle.inclusion_proof(index, size, node)
    root = merkle.root(size, node)
    target = data.draw(st.sampled_from(["leaf", "root", "proof"]))
    leaf = leaf_hash(leaves[index])
    bit = data.draw(st.integers(0, 255))
    if target == "leaf":
        leaf = flip(leaf, bit)
    elif target == "root":
        root = flip(root, bit)
    else:
        i = data.draw(st.integers(0, len(proof) - 1))
        proof[i] = flip(proof[i], bit)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaf, index, size, proof, root)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_single_bit_tamper_of_a_consistency_proof_fails(data):
    second = data.draw(st.integers(2, 300))
    first = data.draw(st.integers(1, second - 1))
    node = reader(leaves_of(second))
    proof = merkle.consistency_proof(first, second, node)
    roots = [merkle.root(first, node), merkle.root(second, node)]
    target = data.draw(st.sampled_from(["first", "second", "proof"]))
    bit = data.draw(st.integers(0, 255))
    if target == "proof":
        i = data.draw(st.integers(0, len(proof) - 1))
        proof[i] = flip(proof[i], bit)
    else:
        which = 0 if target == "first" else 1
        roots[which] = flip(roots[which], bit)
    with pytest.raises(ProofError):
        merkle.verify_consistency(first, second, roots[0], roots[1], proof)


def test_inclusion_proof_for_wrong_index_fails():
    node = reader(leaves_of(10))
    proof = merkle.inclusion_proof(3, 10, node)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaf_hash(leaves_of(10)[3]), 4, 10, proof, merkle.root(10, node))


def test_truncated_or_extended_proofs_fail():
    node = reader(leaves_of(10))
    proof = merkle.inclusion_proof(3, 10, node)
    root = merkle.root(10, node)
    for bad in (proof[:-1], proof + [proof[0]]):
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaf_hash(leaves_of(10)[3]), 3, 10, bad, root)


@pytest.mark.parametrize("index,size", [(-1, 5), (5, 5), (0, 0)])
def test_inclusion_proof_out_of_range_is_refused(index, size):
    with pytest.raises(ProofError):
        merkle.inclusion_proof(index, size, reader(leaves_of(5)))


def test_consistency_from_larger_to_smaller_is_refused():
    with pytest.raises(ProofError):
        merkle.consistency_proof(6, 5, reader(leaves_of(6)))


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 600))
def test_compact_range_root_equals_full_root_at_every_size(n):
    compact = merkle.CompactRange()
    leaves = leaves_of(n)
    for i, leaf in enumerate(leaves):
        compact.append(leaf_hash(leaf))
        if i % 37 == 0 or i == n - 1:
            assert compact.root() == ref.mth(leaves[: i + 1])
    assert compact.size == n


def test_compact_range_reports_the_subtrees_each_leaf_closes():
    compact = merkle.CompactRange()
    node = reader(leaves_of(8))
    closed = []
    for leaf in leaves_of(8):
        closed.extend(compact.append(leaf_hash(leaf)))
    assert {(level, index) for level, index, _ in closed} == {(lv, i) for lv in range(4) for i in range(8 >> lv)}
    for level, index, digest in closed:
        assert digest == node(level, index)


@given(st.lists(st.binary(max_size=40), max_size=20))
def test_leaf_hashes_are_the_leaf_hash_of_each_leaf(leaves):
    assert merkle.leaf_hashes(leaves) == [leaf_hash(x) for x in leaves]


@pytest.mark.parametrize("k", range(0, 9))
def test_perfect_root_is_the_root_of_a_complete_subtree(k):
    leaves = leaves_of(1 << k)
    assert merkle.perfect_root([leaf_hash(x) for x in leaves]) == ref.mth(leaves)


@pytest.mark.parametrize("count", [0, 3, 6, 255])
def test_perfect_root_refuses_a_count_that_is_not_a_power_of_two(count):
    with pytest.raises(ValueError, match="power-of-two"):
        merkle.perfect_root([leaf_hash(x) for x in leaves_of(count)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 300), max_size=12), st.integers(0, 4))
def test_extending_in_batches_gives_the_roots_and_high_subtrees_of_leaf_by_leaf_appends(batches, fold_height):
    """Whatever the batch sizes, `extend` agrees with `append` one leaf at a time."""
    digests = [leaf_hash(x) for x in leaves_of(sum(batches))]
    one_by_one, batched = merkle.CompactRange(), merkle.CompactRange()
    expected = [c for d in digests for c in one_by_one.append(d) if c[0] >= fold_height]
    closed, position = [], 0
    for size in batches:
        closed += batched.extend(digests[position : position + size], fold_height)
        position += size
        assert batched.root() == merkle.root(position, merkle.memory_reader(digests[:position]))
    assert sorted(closed) == sorted(expected)


@given(st.integers(0, 600), st.integers(1, 40))
def test_a_right_edge_rebuilt_from_stored_subtrees_continues_the_same_tree(n, more):
    digests = [leaf_hash(x) for x in leaves_of(n + more)]
    edge = merkle.CompactRange.of_tree(n, merkle.memory_reader(digests[:n]) if n else lambda level, index: b"")
    assert edge.size == n
    edge.extend(digests[n:], 8)
    assert edge.root() == merkle.root(n + more, merkle.memory_reader(digests))
