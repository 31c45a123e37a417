"""C2SP tlog-tiles layout: how the tree is stored and mirrored.

A tile at tile level L, index N holds up to 256 consecutive hashes of tree level 8·L (level-0
tiles hold leaf hashes). Every complete subtree hash is a fold of at most 128 hashes inside one
tile, so a proof touches O(log n) tiles. Only these hashes are stored; the writer adds to them and
never rewrites one.

Paths (relative to the log prefix): `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, with
N written in 3-digit groups, all but the last prefixed by `x` (1234067 → `x001/x234/067`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from provenance.core.merkle import node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
ENTRIES = "entries"


class TilePathError(ValueError):
    """A tile path is malformed or names a tile the tree does not have."""


def tile_width(tree_size: int, level: int, index: int) -> int:
    """Number of hashes tile (level, index) holds in a tree of `tree_size` leaves (0 if none)."""
    stored = tree_size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, stored - index * TILE_WIDTH))


def encode_index(index: int) -> str:
    if index < 0:
        raise TilePathError("tile index must be non-negative")
    digits = f"{index:03d}"
    digits = digits.zfill((len(digits) + 2) // 3 * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    path = f"tile/{level}/{encode_index(index)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


@dataclass(frozen=True)
class TileRef:
    level: int | None  # None for entry bundles
    index: int
    width: int


def parse_tile_path(path: str) -> TileRef:
    """Parse `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` (with or without `tile/`)."""
    parts = path.strip("/").split("/")
    if parts and parts[0] == "tile":
        parts = parts[1:]
    if len(parts) < 2:
        raise TilePathError(f"tile path {path!r} is too short")
    level_text, groups = parts[0], parts[1:]
    width = TILE_WIDTH
    if len(groups) >= 2 and groups[-2].endswith(".p"):
        width_text = groups[-1]
        if not _decimal(width_text) or width_text.startswith("0") or not 1 <= int(width_text) < TILE_WIDTH:
            raise TilePathError(f"partial tile width {width_text!r} must be 1..255")
        width = int(width_text)
        groups = groups[:-2] + [groups[-2][:-2]]
    if level_text == ENTRIES:
        level: int | None = None
    elif _decimal(level_text) and (level_text == "0" or not level_text.startswith("0")) and int(level_text) <= 63:
        level = int(level_text)
    else:
        raise TilePathError(f"tile level {level_text!r} must be 'entries' or 0..63")
    for position, group in enumerate(groups):
        expected_x = position < len(groups) - 1
        digits = group[1:] if expected_x and group.startswith("x") else group
        if (expected_x and not group.startswith("x")) or len(digits) != 3 or not _decimal(digits):
            raise TilePathError(f"tile index element {group!r} must be 3 digits ('x' before all but the last)")
    index = int("".join(g.lstrip("x") for g in groups))
    if encode_index(index) != "/".join(groups):
        raise TilePathError("tile index has superfluous leading groups")
    if index >= 2**63:
        raise TilePathError("tile index is past 64 bits")
    return TileRef(level, index, width)


def _decimal(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²' and '٣', which int() then refuses or reads."""
    return text.isascii() and text.isdigit()


TileFetcher = Callable[[int, int, int], list[bytes]]
"""fetch(tile_level, tile_index, width) → the first `width` hashes of that tile."""

FoldKey = tuple[int, int, int]  # (tile level, tile index, width)
Folds = list[list[bytes]]  # a tile's hashes, then each complete level above them inside the tile


class FoldCache(Protocol):
    """Where a reader keeps folded tiles: a dict, or a cache shared by many readers of one log."""

    def get(self, key: FoldKey, /) -> Folds | None: ...

    def __setitem__(self, key: FoldKey, value: Folds, /) -> None: ...


class TileNodeReader:
    """A merkle.NodeReader over tiles of a tree of a given size, reading each tile at most once."""

    def __init__(self, tree_size: int, fetch: TileFetcher, cache: FoldCache | None = None):
        self.tree_size = tree_size
        self._fetch = fetch
        self._folds: FoldCache = {} if cache is None else cache

    def folded(self, level: int, index: int) -> Folds:
        """The tile's hashes and every complete level above them inside the tile."""
        width = tile_width(self.tree_size, level, index)
        if width == 0:
            raise TilePathError(f"tile {level}/{index} is beyond a tree of size {self.tree_size}")
        key = (level, index, width)
        folds = self._folds.get(key)
        if folds is None:
            hashes = self._fetch(level, index, width)
            if len(hashes) != width:
                raise TilePathError(f"tile {level}/{index} has {len(hashes)} hashes, expected {width}")
            folds = [hashes]
            while len(folds) < TILE_HEIGHT and len(folds[-1]) > 1:
                row = folds[-1]
                folds.append([node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)])
            self._folds[key] = folds
        return folds

    def __call__(self, level: int, index: int) -> bytes:
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        tile_index, offset = divmod(first, TILE_WIDTH)
        folds = self.folded(tile_level, tile_index)
        try:
            return folds[height][offset >> height]
        except IndexError:
            raise TilePathError(f"node {level}/{index} is not complete in a tree of size {self.tree_size}") from None
