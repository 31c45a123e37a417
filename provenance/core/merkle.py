"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification.

Proof *construction* is written against a `NodeReader`: a function returning the hash of the
complete subtree at (level, index), i.e. of leaves [index·2^level, (index+1)·2^level). Storage
decides where those hashes come from (tiles in the database, a list in memory); a proof then costs
O(log n) node reads and never a rebuild. Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
NodeReader = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof request is out of range, or a proof does not verify."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf_hashes(leaves: Iterable[bytes]) -> list[bytes]:
    """`leaf_hash` of each leaf, without a Python call per leaf (the writer's hottest loop)."""
    sha256 = hashlib.sha256
    return [sha256(b"\x00" + leaf).digest() for leaf in leaves]


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """MTH of a complete subtree given its 2^k bottom hashes: pairs folded level by level, which
    is what closing a tile costs (255 node hashes), so it avoids a Python call per node."""
    if not hashes or len(hashes) & (len(hashes) - 1):
        raise ValueError(f"a complete subtree has a power-of-two number of hashes, not {len(hashes)}")
    sha256 = hashlib.sha256
    level = list(hashes)
    while len(level) > 1:
        pairs = iter(level)
        level = [sha256(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=True)]
    return level[0]


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """Largest power of two strictly less than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(lo: int, hi: int, node: NodeReader) -> bytes:
    """MTH of leaves [lo, hi) for a range that is a (possibly incomplete) subtree of the tree.

    Such a range splits into complete subtrees of decreasing size, one per set bit of hi − lo,
    which RFC 6962 combines from the right.
    """
    if hi <= lo:
        if lo == 0 and hi == 0:
            return EMPTY_ROOT
        raise ProofError(f"empty range [{lo}, {hi})")
    parts: list[bytes] = []
    start = lo
    for level in range((hi - lo).bit_length() - 1, -1, -1):
        if (hi - lo) >> level & 1:
            parts.append(node(level, start >> level))
            start += 1 << level
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = node_hash(part, result)
    return result


def root(size: int, node: NodeReader) -> bytes:
    return range_hash(0, size, node)


def inclusion_proof(index: int, size: int, node: NodeReader) -> list[bytes]:
    """RFC 6962 PATH(index, D[0:size]), leaf-side first."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(range_hash(lo + k, hi, node))
            hi = lo + k
        else:
            path.append(range_hash(lo, lo + k, node))
            lo = lo + k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, node: NodeReader) -> list[bytes]:
    """RFC 6962 PROOF(first, D[0:second]); empty when first is 0 or equals second."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    lo, hi, m, complete = 0, second, first, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(range_hash(lo + k, hi, node))
            hi = lo + k
        else:
            proof.append(range_hash(lo, lo + k, node))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        proof.append(range_hash(lo, hi, node))
    proof.reverse()
    return proof


def verify_inclusion(leaf_digest: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> None:
    """RFC 9162 §2.1.3.2. Raise ProofError unless the audit path leads to `root_hash`."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf_digest
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree requires")
    if r != root_hash:
        raise ProofError(f"inclusion proof for index {index} does not lead to the root of size {size}")


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2. Raise ProofError unless tree `first` is a prefix of tree `second`."""
    if not 0 <= first <= second:
        raise ProofError(f"size {first} is larger than size {second}")
    if first == second:
        if proof:
            raise ProofError("consistency proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError(f"two different roots for the same size {first}")
        return
    if first == 0:
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the trees allow")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the trees require")
    if fr != first_root:
        raise ProofError(f"consistency proof does not reproduce the root of size {first}")
    if sr != second_root:
        raise ProofError(f"consistency proof does not reproduce the root of size {second}")


class CompactRange:
    """The right edge of a growing tree: O(log n) hashes from which the root of every prefix follows.

    Used where leaves stream past once (the audit, the writer) so memory stays flat.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), levels strictly decreasing

    def append(self, digest: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the complete subtrees (level, index, hash) it closed, leaf included."""
        closed = [(0, self.size, digest)]
        level, h = 0, digest
        stack = self._stack
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            h = node_hash(left, h)
            level += 1
            closed.append((level, self.size >> level, h))
        stack.append((level, h))
        self.size += 1
        return closed

    def extend(self, digests: Sequence[bytes], fold_height: int) -> list[tuple[int, int, bytes]]:
        """Add many leaf hashes at once; return the complete subtrees (level, index, hash) closed at
        levels ≥ `fold_height`. Aligned runs of up to 2^fold_height leaves are folded whole by
        `perfect_root` (one tight loop, no Python call per node); only their roots meet the stack.
        So a batch costs about one hash per leaf, and a single leaf about two."""
        closed: list[tuple[int, int, bytes]] = []
        stack = self._stack
        position, total, widest = 0, len(digests), 1 << fold_height
        while position < total:
            run = min(widest, 1 << ((total - position).bit_length() - 1))
            if self.size:
                run = min(run, self.size & -self.size)  # a run must start on a multiple of its width
            level = run.bit_length() - 1
            h = perfect_root(digests[position : position + run])
            position += run
            self.size += run
            if level >= fold_height:
                closed.append((level, (self.size >> level) - 1, h))
            while stack and stack[-1][0] == level:
                _, left = stack.pop()
                h = node_hash(left, h)
                level += 1
                if level >= fold_height:
                    closed.append((level, (self.size >> level) - 1, h))
            stack.append((level, h))
        return closed

    @classmethod
    def of_tree(cls, size: int, node: NodeReader) -> CompactRange:
        """The right edge of an existing tree: one complete subtree per set bit of its size."""
        edge = cls()
        edge.size = size
        edge._stack = [
            (level, node(level, (size >> level) - 1))
            for level in range(size.bit_length() - 1, -1, -1)
            if size >> level & 1
        ]
        return edge

    def copy(self) -> CompactRange:
        twin = CompactRange()
        twin.size, twin._stack = self.size, list(self._stack)
        return twin

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1][1]
        for _, h in reversed(self._stack[:-1]):
            result = node_hash(h, result)
        return result


def memory_reader(leaf_hashes: Sequence[bytes]) -> NodeReader:
    """A NodeReader over an in-memory list of leaf hashes (for tests and small offline bundles)."""
    levels: list[list[bytes]] = [list(leaf_hashes)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def read(level: int, index: int) -> bytes:
        return levels[level][index]

    return read
