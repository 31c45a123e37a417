"""C2SP tlog-tiles paths and the tile-backed node reader."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provenance.core import merkle
from provenance.core.tiles import (
    TILE_WIDTH,
    TileNodeReader,
    TilePathError,
    encode_index,
    parse_tile_path,
    tile_path,
    tile_width,
)


@pytest.mark.parametrize(
    "index,encoded", [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")]
)
def test_index_encoding_follows_the_spec(index, encoded):
    assert encode_index(index) == encoded


@given(st.integers(0, 10**12), st.sampled_from([0, 1, 2, 3, "entries"]), st.integers(1, 256))
def test_tile_paths_round_trip(index, level, width):
    ref = parse_tile_path(tile_path(level, index, width))
    assert (ref.level if ref.level is not None else "entries", ref.index, ref.width) == (level, index, width)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0",
        "tile/0/1",
        "tile/0/x1/000",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/01/000",
        "tile/0/x000/001",
        "tile/abc/000",
    ],
)
def test_malformed_tile_paths_are_refused(path):
    with pytest.raises(TilePathError):
        parse_tile_path(path)


def test_tile_width_counts_hashes_at_the_tiles_level():
    assert tile_width(1000, 0, 0) == 256
    assert tile_width(1000, 0, 3) == 1000 - 768
    assert tile_width(1000, 0, 4) == 0
    assert tile_width(70000, 1, 1) == (70000 >> 8) - 256
    assert tile_width(255, 1, 0) == 0


@given(st.integers(1, 3000))
def test_tile_reader_gives_the_same_roots_and_proofs_as_memory(n):
    leaf_hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    memory = merkle.memory_reader(leaf_hashes)
    levels = {0: leaf_hashes}
    for level in (1, 2):
        below = levels[level - 1]
        levels[level] = [
            merkle.root(TILE_WIDTH, merkle.memory_reader(below[i : i + TILE_WIDTH]))
            for i in range(0, len(below) - TILE_WIDTH + 1, TILE_WIDTH)
        ]
    fetches = []

    def fetch(level, index, width):
        fetches.append((level, index))
        return levels[level][index * TILE_WIDTH : index * TILE_WIDTH + width]

    tiles = TileNodeReader(n, fetch)
    assert merkle.root(n, tiles) == merkle.root(n, memory)
    assert merkle.inclusion_proof(n // 2, n, tiles) == merkle.inclusion_proof(n // 2, n, memory)
    assert merkle.consistency_proof(max(1, n // 3), n, tiles) == merkle.consistency_proof(max(1, n // 3), n, memory)
    assert len(fetches) == len(set(fetches))  # each tile read once
