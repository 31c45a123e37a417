"""What an item is, and reading a batch of them from a JSONL or CSV file — pure, no database.

An item is the thing a contributor judges (a prompt and its responses, a clause and two summaries…).
For now it is a free-form JSON object, bounded so that no file can smuggle in a document store:

- 1 to `MAX_FIELDS` fields; each name is short and plain (`^[a-z][a-z0-9_]{0,39}$`, e.g. `prompt`,
  `responses`, `source`), so a field name is never data;
- each value is a string of at most `MAX_VALUE_CHARS` characters, or a list of 1 to `MAX_LIST`
  such strings (e.g. `"responses": ["…", "…"]`);
- the item's canonical JSON (RFC 8785) is at most `MAX_ITEM_BYTES`: that canonical form is what is
  stored and hashed (SHA-256), so the same item always has the same hash whatever its key order.

JSONL: one item per non-blank line. CSV: a header row naming the fields, then one item per row of
string fields; empty cells are left out (a CSV cell cannot hold a list).

A file is all or nothing: `read_items` either returns every item or raises `Refused` listing each
bad line (its number and the reason), capped at `MAX_REPORTED` lines, so a steward can fix the file
in one pass. The same item twice in one file is a bad line (items are unique within a task).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from coop.kernel.errors import Refused
from provenance.core.canonical import canonical_json

ItemFormat = Literal["jsonl", "csv"]
FORMATS: tuple[ItemFormat, ...] = ("jsonl", "csv")
MAX_FIELDS = 20
MAX_LIST = 20
MAX_VALUE_CHARS = 20_000
MAX_ITEM_BYTES = 64 * 1024
MAX_ITEMS = 5_000  # per batch: a bigger set is imported in several batches
MAX_FILE_CHARS = 8 * 1024 * 1024
MAX_REPORTED = 50
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class ParsedItem:
    line: int  # where it was in the file (1-based; for CSV the header is line 1)
    canonical: bytes  # RFC 8785 JSON: what is stored
    sha256: str  # of `canonical`


def item_problem(value: Any) -> str | None:
    """Why `value` is not an item (see the module docstring), or None."""
    if not isinstance(value, dict):
        return "an item is a JSON object of fields"
    if not 1 <= len(value) <= MAX_FIELDS:
        return f"an item has 1 to {MAX_FIELDS} fields, not {len(value)}"
    for name, field in value.items():
        if not FIELD_NAME.match(name):
            return f"field name {name[:40]!r} must be lower-case letters, digits and _ (at most 40)"
        if isinstance(field, str):
            texts = [field]
        elif isinstance(field, list) and 1 <= len(field) <= MAX_LIST and all(isinstance(t, str) for t in field):
            texts = field
        else:
            return f"field {name!r} must be a string or a list of 1 to {MAX_LIST} strings"
        if any(len(text) > MAX_VALUE_CHARS for text in texts):
            return f"field {name!r} holds a text longer than {MAX_VALUE_CHARS} characters"
    try:
        size = len(canonical_json(value))
    except ValueError as error:  # e.g. a lone surrogate, which has no UTF-8 form
        return f"the item cannot be stored as canonical JSON ({str(error)[:80]})"
    if size > MAX_ITEM_BYTES:
        return f"the item is larger than {MAX_ITEM_BYTES} bytes"
    return None


def read_items(file_format: str, text: str) -> list[ParsedItem]:
    """Every item of the file, in order, or Refused listing every bad line (capped)."""
    if file_format not in FORMATS:
        raise Refused(f"format must be one of {', '.join(FORMATS)}, not {str(file_format)[:20]!r}")
    if not isinstance(text, str) or len(text) > MAX_FILE_CHARS:
        raise Refused(f"the file must be text of at most {MAX_FILE_CHARS} characters")
    rows = _jsonl_rows(text) if file_format == "jsonl" else _csv_rows(text)
    items: list[ParsedItem] = []
    problems: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for line, value, problem in rows:
        problem = problem or item_problem(value)
        if problem is None:
            canonical = canonical_json(value)
            digest = hashlib.sha256(canonical).hexdigest()
            if digest in first_line:
                problem = f"the same item as line {first_line[digest]}"
            else:
                first_line[digest] = line
                items.append(ParsedItem(line, canonical, digest))
        if problem is not None:
            problems.append((line, problem))
    if not problems and not items:
        problems.append((1, "the file holds no items"))
    if not problems and len(items) > MAX_ITEMS:
        problems.append((items[MAX_ITEMS].line, f"a batch holds at most {MAX_ITEMS} items; split the file"))
    if problems:
        raise Refused(bad_lines_report(problems))
    return items


def bad_lines_report(problems: list[tuple[int, str]]) -> str:
    """'nothing was imported: N bad lines — line 3: …; line 7: …' (at most MAX_REPORTED listed)."""
    listed = "; ".join(f"line {line}: {reason}" for line, reason in problems[:MAX_REPORTED])
    more = f"; and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
    noun = "bad line" if len(problems) == 1 else "bad lines"
    return f"nothing was imported: {len(problems)} {noun} — {listed}{more}"


def _jsonl_rows(text: str) -> list[tuple[int, Any, str | None]]:
    rows: list[tuple[int, Any, str | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line), None))
        except (ValueError, RecursionError) as error:
            rows.append((number, None, f"not JSON ({str(error)[:80]})"))
    return rows


def _csv_rows(text: str) -> list[tuple[int, Any, str | None]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [(1, None, f"not CSV ({error})")]
    if header is None:
        return []
    bad_names = [name for name in header if not FIELD_NAME.match(name)]
    if bad_names or len(set(header)) != len(header):
        return [(1, None, "the header must name each field once, in lower-case letters, digits and _")]
    rows: list[tuple[int, Any, str | None]] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            rows.append((reader.line_num, None, f"not CSV ({error})"))
            return rows
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            rows.append((reader.line_num, None, f"{len(cells)} cells where the header names {len(header)}"))
            continue
        rows.append((reader.line_num, {k: v for k, v in zip(header, cells, strict=True) if v != ""}, None))
