"""The two files of a licensed dataset, written as streams of bytes, byte for byte the same every time.

Why generate rather than store: the records are a pure function of insert-only rows (the license's
items, their content, acceptances and reviews), so the files can be written again at every download
and hash the same — no second copy of every licensed dataset in the database, and nothing to load
whole to serve it. What makes the bytes repeatable:

- JSON Lines: each record is RFC 8785 canonical JSON (sorted keys, ECMAScript number form) and a
  newline, in entry order. Nothing depends on a library version.
- Parquet: a fixed Arrow schema, fixed writer options (`PARQUET_OPTIONS`, every one pinned rather
  than left to a default that a pyarrow release may change) and a fixed number of rows per row
  group (`ROW_GROUP_ROWS`, recorded in the manifest). The one thing pyarrow writes that we cannot
  pin is the footer's `created_by` ("parquet-cpp-arrow version X"): the manifest records it, and a
  download under a different pyarrow is refused (`WriterChanged`) instead of serving bytes that do
  not match the signed hash. Upgrading pyarrow is therefore a deliberate step (see README).

Both writers take chunks of records and yield bytes as they go: the Parquet writer closes a row
group per chunk and hands back what it wrote, so memory holds one chunk, whatever the size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]  # no stubs ship with pyarrow
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import rfc8785

from coop.datasets.delivery_records import COLUMNS

FORMAT = "coop-judgments/1"  # the record layout (delivery_records.COLUMNS); a change makes /2
ROW_GROUP_ROWS = 4096
JSONL, PARQUET = "judgments.jsonl", "judgments.parquet"
MEDIA_TYPES = {JSONL: "application/jsonlines", PARQUET: "application/x-parquet"}
PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "data_page_size": 1 << 20,
    "data_page_version": "1.0",
    "store_schema": True,
    "write_page_index": False,
    "write_page_checksum": False,
    "use_compliant_nested_type": True,
    "use_content_defined_chunking": False,
}
_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "text": pa.string(), "texts": pa.list_(pa.string())}
SCHEMA = pa.schema([pa.field(name, _ARROW_TYPES[kind]) for name, kind, *_ in COLUMNS])


class WriterChanged(RuntimeError):
    """The running Parquet writer is not the one the license's manifest recorded."""


def parquet_created_by() -> str:
    """What this pyarrow writes as the Parquet footer's `created_by`."""
    return f"parquet-cpp-arrow version {pa.__version__}"


def jsonl_bytes(chunks: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """One canonical JSON line per record, a chunk of lines per piece."""
    for records in chunks:
        yield b"".join(rfc8785.dumps(record) + b"\n" for record in records)


class _Sink:
    """A write-only file for pyarrow that keeps only what was written since it was last drained."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0
        self.closed = False

    def write(self, data: Any) -> int:
        piece = bytes(data)
        self.parts.append(piece)
        self.position += len(piece)
        return len(piece)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def check_writer(expected: str) -> None:
    """Refuse (WriterChanged) unless this pyarrow writes the `created_by` the manifest recorded."""
    if expected != parquet_created_by():
        raise WriterChanged(
            f"the files were signed as written by {expected!r}; this server writes "
            f"{parquet_created_by()!r}, whose bytes would not match the signed SHA-256"
        )


def parquet_bytes(chunks: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """A Parquet file with one row group per chunk, yielded as each row group is written."""
    sink = _Sink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), SCHEMA, **PARQUET_OPTIONS)
    try:
        for records in chunks:
            columns = {name: [record[name] for record in records] for name in SCHEMA.names}
            writer.write_table(pa.table(columns, schema=SCHEMA), row_group_size=len(records) or 1)
            piece = sink.drain()
            if piece:
                yield piece
    finally:
        writer.close()
    yield sink.drain()
